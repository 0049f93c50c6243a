"""One transition = version check, state change, timeline event and audit row, done the same way everywhere."""
from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from webapp import audit
from webapp.auth.models import User, utcnow
from webapp import workdays
from webapp.complaints import deadlines, states
from webapp.complaints.models import Complaint, ComplaintEvent


class Conflict(Exception):
    """Someone else changed the complaint since this form was loaded."""

    def __init__(self, complaint_id: int):
        super().__init__(f"complaint {complaint_id} changed meanwhile")
        self.complaint_id = complaint_id


def claim_version(session: Session, complaint: Complaint, expected: int | None) -> None:
    """Bump the version only if it is still `expected` (atomic in SQL), else Conflict."""
    expected = complaint.version if expected is None else expected
    result = session.execute(
        update(Complaint).where(Complaint.id == complaint.id, Complaint.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(complaint.id)
    complaint.version = expected + 1


def add_event(session: Session, complaint: Complaint, kind: str, actor: User | None, actor_label: str,
              note: str = "", public: bool = True) -> ComplaintEvent:
    """Append an entry to the complaint's timeline."""
    event = ComplaintEvent(complaint_id=complaint.id, kind=kind, actor_id=getattr(actor, "id", None),
                           actor_label=actor_label, note=note, public=public)
    session.add(event)
    session.flush()
    return event


def apply(session: Session, actor: User | None, complaint: Complaint, action: str, *,
          expected_version: int | None = None, event: str | None = None, note: str = "",
          public: bool = True, actor_label: str = "staff", changes: dict | None = None) -> ComplaintEvent | None:
    """Take `action` if the transition table allows it: new state, changes, event and audit row."""
    target = states.target_state(action, complaint.state)
    changes = dict(changes or {})
    claim_version(session, complaint, expected_version)
    before = {"state": complaint.state, **{k: getattr(complaint, k) for k in changes}}
    for key, value in changes.items():
        setattr(complaint, key, value)
    complaint.state = target
    complaint.updated_at = utcnow()
    if action in states.RESULTS:
        settle(complaint, states.RESULTS[action])
    session.flush()
    row = add_event(session, complaint, event, actor, actor_label, note, public) if event else None
    after = {"state": target, **changes}
    if note:
        after["note"] = note
    audit.record(session, actor, f"complaint.{action}", complaint, before=before, after=after)
    return row


def settle(complaint: Complaint, result: str | None) -> None:
    """Record what became of the complaint; for a conclusion, how many working days it took from receipt
    and whether it came within the statutory deadline (the conclude-by date, or accept-by if never accepted)."""
    complaint.result = result
    complaint.close_workdays = complaint.on_time = None
    if result not in states.CONCLUSIONS or complaint.concluded_at is None:
        return
    received, concluded = deadlines.local_date(complaint.received_at), deadlines.local_date(complaint.concluded_at)
    complaint.close_workdays = workdays.workdays_between(received, concluded)
    due = complaint.conclude_due_on if complaint.accepted_at else complaint.accept_due_on
    complaint.on_time = due is None or concluded <= due
