"""Who may do what with a complaint; routes load through get_complaint_or_404 and never decide alone."""
from __future__ import annotations

from flask import abort, session as flask_session
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import CONSUMER, HANDLER, SUPERVISOR
from webapp.complaints import states
from webapp.complaints.models import Complaint
from webapp.db import get_session

CONSUMER_ACTIONS = {"view", "add_info", "withdraw"}
TRACKED_KEY = "tracked"


def tracked_ids() -> set[int]:
    """Complaints this browser proved it may see (tracking code + phone digits, or just filed)."""
    return set(flask_session.get(TRACKED_KEY, []))


def remember_tracked(complaint_id: int) -> None:
    """Let this browser see the complaint for the rest of its session."""
    ids = [i for i in flask_session.get(TRACKED_KEY, []) if i != complaint_id]
    flask_session[TRACKED_KEY] = (ids + [complaint_id])[-20:]


def is_complainant(user, complaint: Complaint, tracked: set[int]) -> bool:
    """The person who filed it: signed in as its consumer, or holding its code in this session."""
    if complaint.id in tracked:
        return True
    return (user.is_authenticated and user.role == CONSUMER
            and complaint.consumer_id is not None and complaint.consumer_id == user.id)


def can(user, action: str, complaint: Complaint, tracked: set[int] | None = None) -> bool:
    """True when `user` may perform `action` on `complaint`."""
    tracked = tracked if tracked is not None else set()
    if action in CONSUMER_ACTIONS and is_complainant(user, complaint, tracked):
        return action == "view" or complaint.state in states.OPEN_STATES
    if action == "view" and user.is_authenticated and user.role in (HANDLER, SUPERVISOR):
        return user.district_id is None or user.district_id == complaint.district_id
    return False


def get_complaint_or_404(code: str, action: str) -> Complaint:
    """Load by tracking code and check `action`: 404 when it is not theirs, 403/409 when it is but not now."""
    complaint = get_session().exec(select(Complaint).where(Complaint.tracking_code == code.upper())).first()
    if complaint is None:
        abort(404)
    tracked = tracked_ids()
    if can(current_user, action, complaint, tracked):
        return complaint
    if can(current_user, "view", complaint, tracked):
        if action in CONSUMER_ACTIONS:
            # Theirs, but closed: say why rather than a bare 403.
            raise states.TransitionNotAllowed(action, complaint.state)
        abort(403)
    abort(404)
