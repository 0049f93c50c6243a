"""Who may do what with a complaint; routes load through get_complaint_or_404 and never decide alone."""
from __future__ import annotations

from flask import abort, session as flask_session
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import CONSUMER, HANDLER, SUPERVISOR
from webapp.complaints import states
from webapp.complaints.models import Complaint
from webapp.db import get_session

TRACKED_KEY = "tracked"
HANDLER_ACTIONS = frozenset({"accept", "reject", "assign", "log_step", "request_info", "resolve", "fail",
                             "refer", "close", "archive", "follow_up"})
STAFF_ROLES = (HANDLER, SUPERVISOR)


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


def in_district(user, complaint: Complaint) -> bool:
    """Handlers and supervisors see their district's complaints; city-level staff see all."""
    return (user.is_authenticated and user.role in STAFF_ROLES
            and (user.district_id is None or user.district_id == complaint.district_id))


def can(user, action: str, complaint: Complaint, tracked: set[int] | None = None) -> bool:
    """True when `user` may take `action` on `complaint` now (role, ownership and state)."""
    tracked = tracked if tracked is not None else set()
    if action == "view":
        return is_complainant(user, complaint, tracked) or in_district(user, complaint)
    if action in states.CONSUMER_ACTIONS:
        return is_complainant(user, complaint, tracked) and states.allowed(action, complaint.state)
    if action in HANDLER_ACTIONS:
        return in_district(user, complaint) and states.allowed(action, complaint.state)
    if action in states.SUPERVISOR_ACTIONS:
        allowed_now = action == "audit" or states.allowed("remind" if action == "remind" else "assign",
                                                           complaint.state)
        return in_district(user, complaint) and user.role == SUPERVISOR and allowed_now
    return False


def get_complaint_or_404(code: str, action: str) -> Complaint:
    """Load by tracking code and check `action`: 404 when it is not theirs to see, 409/403 when not now."""
    complaint = get_session().exec(select(Complaint).where(Complaint.tracking_code == code.upper())).first()
    if complaint is None:
        abort(404)
    tracked = tracked_ids()
    if can(current_user, action, complaint, tracked):
        return complaint
    if not can(current_user, "view", complaint, tracked):
        abort(404)
    if action in states.SUPERVISOR_ACTIONS and current_user.role != SUPERVISOR:
        abort(403)
    if action in states.TRANSITIONS and (action in states.CONSUMER_ACTIONS) == is_complainant(
            current_user, complaint, tracked):
        # Theirs to act on, but not in this state: say why rather than a bare 403.
        raise states.TransitionNotAllowed(action, complaint.state)
    abort(403)
