"""How a record endpoint answers: JSON for the outbox, a page (or htmx fragment) for a browser form.

Shared by every endpoint the outbox replays (inspections, outreach events), so the protocol described in
idempotency.result() is decided in one place.
"""
from __future__ import annotations

from flask import flash, request

from webapp.errors import error_response
from webapp.htmx import redirect
from webapp.sync.idempotency import result, wants_json


def outbox_asks() -> bool:
    """The outbox (Accept: application/json); htmx sends Accept: */*, which must get HTML."""
    return wants_json() and not getattr(request, "htmx", None)


def refuse(status: int, message: str):
    """A refusal the outbox keeps with its reason, or an error page."""
    return result(status, error=message) if outbox_asks() else error_response(status, message)


def saved(record_id: int, url: str, message: str, status: int):
    """201 for a new record, 200 for a replay; a browser goes to the record's page."""
    if outbox_asks():
        return result(status, id=record_id, url=url, message=message)
    flash(message, "success")
    return redirect(url)

