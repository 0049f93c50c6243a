"""Who may see and change outreach events; routes load events through here and never decide alone.

A volunteer sees the events they recorded or took part in, and edits the ones they recorded for
EDIT_DAYS days after sending them. Staff of the event's district (city-level staff: every district) see
every event, and handlers, supervisors and admins may correct one at any time; corrections are audited.
Consumers never see events (they only meet one through its QR link on the complaint form).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import ADMIN, HANDLER, INSPECTOR, SUPERVISOR, VOLUNTEER, utcnow
from webapp.db import get_session
from webapp.outreach.models import EventVolunteer, OutreachEvent

EDIT_DAYS = 7
RECORDER_ROLES = (VOLUNTEER, HANDLER, SUPERVISOR)        # who logs events
STAFF_ROLES = (INSPECTOR, HANDLER, SUPERVISOR, ADMIN)     # who reads the district's events
CORRECTOR_ROLES = (HANDLER, SUPERVISOR, ADMIN)            # who corrects them at any time
ROSTER_ROLES = (HANDLER, SUPERVISOR, ADMIN)               # who invites volunteers


def in_scope(user, district_id: int | None) -> bool:
    """Staff of the district, or city-level staff (no district) for every district."""
    return user.district_id is None or user.district_id == district_id


def can_record(user) -> bool:
    """Volunteers, handlers and supervisors log events; a city-level recorder says which district."""
    return bool(getattr(user, "is_authenticated", False) and user.role in RECORDER_ROLES)


def took_part(user, event: OutreachEvent) -> bool:
    """The recorder, or a volunteer listed on the event."""
    if event.recorder_id == user.id:
        return True
    found = get_session().exec(select(EventVolunteer.id).where(
        EventVolunteer.event_id == event.id, EventVolunteer.user_id == user.id)).first()
    return found is not None


def edit_window_open(event: OutreachEvent, now: datetime | None = None) -> bool:
    """A recorder may change their event for EDIT_DAYS days after it reached the server."""
    return (now or utcnow()) <= event.received_at + timedelta(days=EDIT_DAYS)


def can(user, action: str, event: OutreachEvent) -> bool:
    """True when `user` may take `action` ("view", "edit", "close_qr") on `event`."""
    if not getattr(user, "is_authenticated", False):
        return False
    staff = user.role in STAFF_ROLES and in_scope(user, event.district_id)
    if action == "view":
        return staff or took_part(user, event)
    if action in ("edit", "close_qr"):
        if user.role in CORRECTOR_ROLES and in_scope(user, event.district_id):
            return True
        return event.recorder_id == user.id and edit_window_open(event)
    return False


def is_correction(user, event: OutreachEvent) -> bool:
    """An edit by someone other than the recorder: staff correcting a volunteer's record."""
    return user.id != event.recorder_id


def get_event_or_404(event_id: int, action: str = "view") -> OutreachEvent:
    """Load an event and check `action`: 404 when it is not theirs to see, 403 when they may only look."""
    event = get_session().get(OutreachEvent, event_id)
    if event is None or not can(current_user, "view", event):
        abort(404)
    if not can(current_user, action, event):
        abort(403)
    return event
