"""The consumer's side of a complaint: file, look up, add information, withdraw. No Flask here."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, or_, select

from webapp import audit, workdays
from webapp.auth.models import District, User, utcnow
from webapp.complaints import clusters, deadlines, states
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Category, Complaint, ComplaintEvent
from webapp.complaints.schemas import ComplaintCreate, today_shanghai
from webapp.complaints.workflow import add_event, apply
from webapp.complaints.tracking import new_tracking_code
from webapp.forms import FieldErrors
from webapp.media.models import Photo
from webapp.media.photos import ProcessedPhoto
from webapp.media.records import save_photos
from webapp.media.storage import LocalStorage
from webapp.merchants import merge, service as merchants
from webapp.merchants.models import Merchant
from webapp.outreach import onsite
from webapp.outreach.models import OutreachEvent


def _unique_code(session: Session) -> str:
    # 31^9 codes: a clash is astronomically rare, but a retry costs nothing.
    while True:
        code = new_tracking_code()
        if session.exec(select(Complaint.id).where(Complaint.tracking_code == code)).first() is None:
            return code


def _check_references(session: Session, data: ComplaintCreate) -> tuple[Merchant | None, OutreachEvent | None]:
    errors = {}
    event = None
    if data.event_code is not None:
        # The QR link may have closed (or its event gone) while the consumer was typing.
        event, problem = onsite.event_for_link(session, data.event_code, today_shanghai())
        if problem:
            errors["event_code"] = f"event_{problem}"
    # A form opened before a merge still names the merged-away record: file against the survivor.
    merchant = merge.resolve(session, session.get(Merchant, data.merchant_id)) if data.merchant_id else None
    if data.merchant_id and merchant is None:
        errors["merchant_name"] = "merchant"
    if session.get(District, data.district_id) is None:
        errors["district_id"] = "district"
    category = session.get(Category, data.category_id)
    if category is None or category.parent_id is None:
        errors["category_id"] = "category"
    if errors:
        raise FieldErrors(errors)
    return merchant, event


class ReplayMismatch(Exception):
    """A client_uuid already used by a different complaint: a replay must be the same complaint."""


def same_submission(complaint: Complaint, data: ComplaintCreate) -> bool:
    """Whether `data` is a replay of `complaint` (same phone, same words), not another complaint under its key."""
    return complaint.consumer_phone == data.consumer_phone and complaint.description == data.description


def create_complaint(session: Session, actor: User | None, data: ComplaintCreate,
                     photos: list[ProcessedPhoto], storage: LocalStorage, *,
                     collective_threshold: int = clusters.DEFAULT_THRESHOLD,
                     collective_window_days: int = clusters.DEFAULT_WINDOW_DAYS) -> tuple[Complaint, bool]:
    """File a complaint with its photos; a replayed client_uuid returns the first one (created=False).

    A client_uuid of a different complaint raises ReplayMismatch.

    The thresholds of 群体投诉 come from the app's COLLECTIVE_THRESHOLD / COLLECTIVE_WINDOW_DAYS (routes pass them).
    """
    existing = find_by_client_uuid(session, data.client_uuid)
    if existing:
        # Its receipt grants sight of the complaint: never hand it to someone who sent something else.
        if not same_submission(existing, data):
            raise ReplayMismatch(data.client_uuid)
        return existing, False
    merchant, outreach_event = _check_references(session, data)
    if merchant is None:
        merchant = merchants.find_or_create(session, data.merchant_name, data.merchant_address,
                                            data.district_id)
    now = utcnow()
    due = workdays.deadline(local_date(now), workdays.ACCEPT_DECISION_WORKDAYS)
    complaint = Complaint(
        tracking_code=_unique_code(session),
        client_uuid=data.client_uuid,
        channel="event" if outreach_event else "web",
        event_id=outreach_event.id if outreach_event else None,
        merchant_id=merchant.id,
        district_id=merchant.district_id or data.district_id,
        category_id=data.category_id,
        problem_type=data.problem_type,
        purchase_date=data.purchase_date,
        amount_fen=data.amount_fen,
        description=data.description,
        desired_outcome=data.desired_outcome,
        consumer_name=data.consumer_name,
        consumer_phone=data.consumer_phone,
        consumer_id=actor.id if actor is not None and actor.role == "consumer" else None,
        consent_share=data.consent_share,
        consumer_email=data.consumer_email,
        received_at=now,
        accept_due_on=due.due_on,
        deadline_source=due.source,
    )
    session.add(complaint)
    session.flush()
    clusters.detect(session, complaint, collective_threshold, collective_window_days)
    event = add_event(session, complaint, "submitted", actor, "consumer")
    save_photos(session, storage, photos, uploaded_by_id=getattr(actor, "id", None),
                complaint_id=complaint.id, complaint_event_id=event.id)
    audit.record(session, actor, "complaint.create", complaint,
                 after={"state": complaint.state, "tracking_code": complaint.tracking_code,
                        "photos": len(photos), "channel": complaint.channel, "event_id": complaint.event_id})
    return complaint, True


def find_by_client_uuid(session: Session, client_uuid: str | None) -> Complaint | None:
    """The complaint a phone already sent with this idempotency key, if any."""
    if not client_uuid:
        return None
    return session.exec(select(Complaint).where(Complaint.client_uuid == client_uuid)).first()


def lookup(session: Session, code: str, phone_last4: str) -> Complaint | None:
    """The complaint with this tracking code whose phone ends in these four digits, else None."""
    complaint = session.exec(select(Complaint).where(Complaint.tracking_code == code)).first()
    if complaint is None or not complaint.consumer_phone.endswith(phone_last4):
        return None
    return complaint


DISPUTE_DAYS = 15


def add_info(session: Session, actor: User | None, complaint: Complaint, note: str,
             photos: list[ProcessedPhoto], storage: LocalStorage) -> ComplaintEvent:
    """The consumer adds a note and/or photos to an open complaint; an answer restarts a paused clock."""
    if not note and not photos:
        raise FieldErrors({"note": "empty"})
    event = apply(session, actor, complaint, "add_info", event="info_added", note=note, actor_label="consumer")
    save_photos(session, storage, photos, uploaded_by_id=getattr(actor, "id", None),
                complaint_id=complaint.id, complaint_event_id=event.id)
    if complaint.paused_since is not None:
        deadlines.resume(session, complaint, local_date(utcnow()))
    return event


def withdraw(session: Session, actor: User | None, complaint: Complaint, reason: str) -> Complaint:
    """The consumer withdraws an open complaint (撤诉)."""
    apply(session, actor, complaint, "withdraw", event="withdrawn", note=reason, actor_label="consumer")
    deadlines.resume(session, complaint, local_date(utcnow()))
    return complaint


def accept_outcome(session: Session, actor: User | None, complaint: Complaint) -> Complaint:
    """The consumer accepts the mediated outcome: the case is closed (办结)."""
    apply(session, actor, complaint, "accept_outcome", event="outcome_accepted", actor_label="consumer",
          changes={"closed_at": utcnow()})
    return complaint


def dispute_open(complaint: Complaint, now=None) -> bool:
    """Whether the consumer may still dispute the outcome (within 15 days of it)."""
    concluded = complaint.concluded_at or complaint.closed_at
    if complaint.state not in (states.RESOLVED, states.CLOSED) or concluded is None:
        return False
    if concluded.tzinfo is None:
        concluded = concluded.replace(tzinfo=(now or utcnow()).tzinfo)
    return (now or utcnow()) - concluded <= timedelta(days=DISPUTE_DAYS)


def dispute(session: Session, actor: User | None, complaint: Complaint, reason: str) -> Complaint:
    """The consumer disputes the outcome within 15 days: mediation reopens with a new 45-working-day clock."""
    if not dispute_open(complaint):
        raise states.TransitionNotAllowed("dispute", complaint.state)
    if not reason:
        raise FieldErrors({"reason": "required"})
    now = utcnow()
    apply(session, actor, complaint, "dispute", event="disputed", note=reason, actor_label="consumer",
          changes={"accepted_at": now, "closed_at": None, "concluded_at": None})
    deadlines.recompute(session, complaint)
    return complaint


def rate(session: Session, actor: User | None, complaint: Complaint, score: int, comment: str) -> Complaint:
    """The consumer rates the handling 1–5 after closing (回访); once."""
    if complaint.satisfaction is not None:
        raise FieldErrors({"satisfaction": "already"})
    if score not in range(1, 6):
        raise FieldErrors({"satisfaction": "range"})
    apply(session, actor, complaint, "rate", event="rated", note=comment[:500], actor_label="consumer",
          changes={"satisfaction": score, "satisfaction_comment": comment[:500], "followed_up_at": utcnow()})
    return complaint


def mark_seen(session: Session, complaint: Complaint) -> int:
    """Record that the consumer has read the timeline; returns how many updates were unread.

    With nothing unread and an earlier visit recorded, moving the time on would change nothing the page or a
    later count shows (only staff updates after it count), so a repeat visit writes nothing."""
    unread = unread_count(session, complaint)
    if unread or complaint.consumer_seen_at is None:
        complaint.consumer_seen_at = utcnow()
    return unread


def unread_count(session: Session, complaint: Complaint) -> int:
    """Public updates from staff the consumer has not seen yet."""
    return unread_counts(session, [complaint]).get(complaint.id, 0)


def unread_counts(session: Session, complaints: list[Complaint]) -> dict[int, int]:
    """{complaint id: public updates from staff its consumer has not seen yet}, in one query for a whole list."""
    if not complaints:
        return {}
    stmt = (select(ComplaintEvent.complaint_id, func.count())
            .join(Complaint, Complaint.id == ComplaintEvent.complaint_id)
            .where(ComplaintEvent.complaint_id.in_([c.id for c in complaints]),
                   ComplaintEvent.public == True, ComplaintEvent.actor_label == "staff",  # noqa: E712
                   or_(Complaint.consumer_seen_at == None,  # noqa: E711
                       ComplaintEvent.created_at > Complaint.consumer_seen_at))
            .group_by(ComplaintEvent.complaint_id))
    return {complaint_id: count for complaint_id, count in session.exec(stmt)}


def timeline(session: Session, complaint: Complaint, public_only: bool = True) -> list[ComplaintEvent]:
    """The complaint's events, oldest first; consumers see only public ones."""
    stmt = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
    if public_only:
        stmt = stmt.where(ComplaintEvent.public == True)  # noqa: E712
    return list(session.exec(stmt.order_by(ComplaintEvent.created_at, ComplaintEvent.id)))


def photos_of(session: Session, complaint: Complaint) -> list[Photo]:
    """The complaint's photos in upload order."""
    return list(session.exec(select(Photo).where(Photo.complaint_id == complaint.id).order_by(Photo.id)))


def of_consumer(session: Session, user: User) -> list[Complaint]:
    """A signed-in consumer's complaints, newest first."""
    stmt = select(Complaint).where(Complaint.consumer_id == user.id).order_by(Complaint.received_at.desc())
    return list(session.exec(stmt))
