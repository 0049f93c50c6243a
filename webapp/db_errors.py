"""The database is unreachable (restarting, network, disk full): a friendly 503 instead of a raw 500.

Registered by the app factory with `db_errors.register(app)` after `errors.register(app)`. The page is built here
without templates, without the session and without the signed-in user, because each of those may need the very
database that just failed. The outbox (Accept: application/json) gets {"ok": false, "error": …} with 503 and keeps
the record to send again later; a browser gets a short page asking to try again in a minute. Nothing was saved
half-way: the request's session is rolled back (webapp/db.py) and the connection pool drops dead connections.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import OperationalError

from webapp.i18n import current_lang

RETRY_AFTER_SECONDS = 30


def _discard_session() -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.rollback()
        session.close()
    except Exception:  # noqa: BLE001 - the connection is already gone; the pool will replace it
        current_app.logger.debug("closing a session on a dead connection failed", exc_info=True)


def unavailable_response() -> Response:
    """503 with Retry-After: JSON for the outbox, a minimal self-contained page for a browser."""
    title = _("Service temporarily unavailable")
    message = _("The service is busy or restarting. Nothing you sent was saved half-way; "
                "please try again in a minute.")
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json":
        response = jsonify(ok=False, error=message)
    else:
        lang = "en" if current_lang() == "en" else "zh-Hans"
        body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
                f'<p>{escape(message)}</p><p><a href="/">{escape(_("Back to the home page"))}</a></p>'
                f"</main></body></html>")
        response = Response(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Install the handler for database outages."""

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        current_app.logger.warning("database unavailable: %s", exc.orig if exc.orig is not None else exc)
        _discard_session()
        return unavailable_response()
