"""The handler's side of the lifecycle (DESIGN §5): each transition one function, no Flask here."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp.auth.models import HANDLER, SUPERVISOR, User, utcnow
from webapp.complaints import deadlines
from webapp.complaints.choices import FAIL_ADVICE, REJECT_REASONS, STEP_KINDS
from webapp.complaints.models import Complaint, ComplaintEvent
from webapp.complaints.workflow import apply
from webapp.forms import FieldErrors

# 不予受理 reasons follow 《市场监督管理投诉举报处理暂行办法》 art. 15; the consumer sees the reason.
MAX_RECOVERED_FEN = 10_000_000 * 100


class NotPermitted(Exception):
    """The actor's role may not do this (e.g. a handler reassigning another's case)."""


def _require(value: str, field: str, choices=None) -> str:
    value = (value or "").strip()
    if not value or (choices is not None and value not in choices):
        raise FieldErrors({field: "required" if not value else "choice"})
    return value


def accept(session: Session, actor: User, complaint: Complaint, version: int | None,
           note: str = "") -> ComplaintEvent:
    """受理: start the 45-working-day mediation clock; the accepting handler becomes the owner (首问负责)."""
    event = apply(session, actor, complaint, "accept", expected_version=version, event="accepted", note=note,
                  changes={"accepted_at": utcnow(), "owner_id": complaint.owner_id or actor.id})
    deadlines.resume(session, complaint, deadlines.local_date(utcnow()))
    return event


def reject(session: Session, actor: User, complaint: Complaint, version: int | None, reason: str,
           note: str) -> ComplaintEvent:
    """不予受理, with a reason from the list and an explanation the consumer reads."""
    reason = _require(reason, "reject_reason", REJECT_REASONS)
    event = apply(session, actor, complaint, "reject", expected_version=version, event="rejected",
                  note=note.strip(), changes={"reject_reason": reason, "concluded_at": utcnow(),
                                              "owner_id": complaint.owner_id or actor.id})
    deadlines.resume(session, complaint, deadlines.local_date(utcnow()))
    return event


def assign(session: Session, actor: User, complaint: Complaint, version: int | None, assignee: User,
           reason: str = "") -> ComplaintEvent:
    """分办: put a mediator on the case; changing an existing mediator is for supervisors, with a reason."""
    if assignee.role not in (HANDLER, SUPERVISOR) or not assignee.active:
        raise FieldErrors({"assignee_id": "choice"})
    if assignee.district_id not in (None, complaint.district_id):
        raise FieldErrors({"assignee_id": "district"})
    reassigning = complaint.assignee_id is not None and complaint.assignee_id != assignee.id
    if reassigning:
        if actor.role != SUPERVISOR:
            raise NotPermitted("only a supervisor reassigns")
        _require(reason, "reason")
    return apply(session, actor, complaint, "assign", expected_version=version,
                 event="reassigned" if reassigning else "assigned", note=reason.strip(), public=True,
                 changes={"assignee_id": assignee.id, "owner_id": complaint.owner_id or assignee.id})


def log_step(session: Session, actor: User, complaint: Complaint, version: int | None, kind: str, note: str,
             public: bool) -> ComplaintEvent:
    """A mediation step: call, visit, the merchant's offer, the consumer's answer; internal notes stay internal."""
    kind = _require(kind, "kind", STEP_KINDS)
    _require(note, "note")
    return apply(session, actor, complaint, "log_step", expected_version=version, event=f"step_{kind}",
                 note=note.strip(), public=public)


def request_info(session: Session, actor: User, complaint: Complaint, version: int | None,
                 note: str) -> ComplaintEvent:
    """Ask the consumer for more information; the deadline clock stops until they answer."""
    _require(note, "note")
    if complaint.paused_since is not None:
        raise FieldErrors({"note": "already_paused"})
    event = apply(session, actor, complaint, "request_info", expected_version=version, event="info_requested",
                  note=note.strip())
    deadlines.pause(session, complaint, deadlines.local_date(utcnow()))
    return event


def resolve(session: Session, actor: User, complaint: Complaint, version: int | None, outcome: str,
            recovered_fen: int | None) -> ComplaintEvent:
    """调解成功: the outcome and the money recovered for the consumer (integer fen)."""
    outcome = _require(outcome, "outcome")
    if recovered_fen is not None and not 0 <= recovered_fen <= MAX_RECOVERED_FEN:
        raise FieldErrors({"recovered": "range"})
    return apply(session, actor, complaint, "resolve", expected_version=version, event="resolved",
                 note=outcome, changes={"outcome": outcome, "recovered_fen": recovered_fen or 0,
                                        "concluded_at": utcnow()})


def fail(session: Session, actor: User, complaint: Complaint, version: int | None, advice: str,
         note: str) -> ComplaintEvent:
    """调解不成: the advice given to the consumer (arbitration, court …)."""
    advice = _require(advice, "advice", FAIL_ADVICE)
    return apply(session, actor, complaint, "fail", expected_version=version, event=f"failed_{advice}",
                 note=note.strip(), changes={"outcome": note.strip(), "concluded_at": utcnow()})


def refer(session: Session, actor: User, complaint: Complaint, version: int | None,
          reason: str) -> ComplaintEvent:
    """诉转案: hand the case to enforcement, with the reason; it shows in the referrals list."""
    reason = _require(reason, "reason")
    event = apply(session, actor, complaint, "refer", expected_version=version, event="referred", note=reason,
                  changes={"outcome": reason, "concluded_at": utcnow()})
    deadlines.resume(session, complaint, deadlines.local_date(utcnow()))
    return event


def close(session: Session, actor: User, complaint: Complaint, version: int | None,
          note: str = "") -> ComplaintEvent:
    """办结."""
    return apply(session, actor, complaint, "close", expected_version=version, event="closed",
                 note=note.strip(), changes={"closed_at": utcnow()})


def archive(session: Session, actor: User, complaint: Complaint, version: int | None) -> ComplaintEvent:
    """归档."""
    return apply(session, actor, complaint, "archive", expected_version=version, event="archived")


def follow_up(session: Session, actor: User, complaint: Complaint, version: int | None, satisfaction: int,
              note: str) -> ComplaintEvent:
    """回访 by phone for a consumer who did not rate online."""
    if complaint.satisfaction is not None:
        raise FieldErrors({"satisfaction": "already"})
    if satisfaction not in range(1, 6):
        raise FieldErrors({"satisfaction": "range"})
    return apply(session, actor, complaint, "follow_up", expected_version=version, event="followed_up",
                 note=note.strip(), public=False,
                 changes={"satisfaction": satisfaction, "satisfaction_comment": note.strip()[:500],
                          "followed_up_at": utcnow()})


def remind(session: Session, actor: User, complaint: Complaint, note: str) -> ComplaintEvent:
    """督办: a supervisor reminds the handler of an overdue or due-soon case (internal)."""
    if actor.role != SUPERVISOR:
        raise NotPermitted("only a supervisor sends reminders")
    return apply(session, actor, complaint, "remind", event="reminder", note=note.strip(), public=False)


def handlers_for(session: Session, complaint: Complaint) -> list[User]:
    """Who may mediate this complaint: active handlers and supervisors of its district or the city."""
    stmt = select(User).where(User.role.in_((HANDLER, SUPERVISOR)), User.active == True,  # noqa: E712
                              (User.district_id == complaint.district_id) | (User.district_id == None))  # noqa: E711
    return list(session.exec(stmt.order_by(User.role, User.display_name)))
