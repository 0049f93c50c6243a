"""An event's QR code, its printable poster, and closing the link to on-site complaints."""
from __future__ import annotations

import io

import segno
from flask import Blueprint, make_response, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.htmx import redirect, render, wants_partial
from webapp.outreach import onsite, policy
from webapp.outreach.models import OutreachEvent

bp = Blueprint("outreach_qr", __name__)


def complaint_link(event: OutreachEvent) -> str:
    """The public complaint form's address for this event: what the QR code holds."""
    return url_for("complaints.new", event=event.public_code, _external=True)


def qr_svg_bytes(url: str) -> bytes:
    """`url` as a scalable SVG QR code (error correction M survives a crease or a smudge on a poster)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=4, xmldecl=False, omitsize=True,
                                    title=_("QR code of the complaint link"))
    return buffer.getvalue()


@bp.get("/events/<int:event_id>/qr.svg")
@login_required
def qr_svg(event_id: int):
    """The QR code of the event's public complaint link."""
    event = policy.get_event_or_404(event_id, "view")
    response = make_response(qr_svg_bytes(complaint_link(event)))
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/events/<int:event_id>/poster")
@login_required
def poster(event_id: int):
    """A printable A4 poster: scan to complain, with the link and code written out."""
    event = policy.get_event_or_404(event_id, "view")
    return render("outreach/poster.html", event=event, link=complaint_link(event),
                  **onsite.detail_context(get_session(), current_user, event, today_shanghai()))


@bp.post("/events/<int:event_id>/qr/close")
@login_required
def close_qr(event_id: int):
    """Stop the event's QR link taking complaints (they can still file ordinary ones)."""
    event = policy.get_event_or_404(event_id, "close_qr")
    session = get_session()
    onsite.close_qr(session, current_user, event)
    session.commit()
    if wants_partial():  # htmx swaps the QR panel in place
        return render("outreach/_qr.html", event=event,
                      **onsite.detail_context(session, current_user, event, today_shanghai()))
    return redirect(url_for("outreach.detail", event_id=event.id))
