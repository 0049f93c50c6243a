"""The consumer's side of a complaint: file, look up, add information, withdraw. No Flask here."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import Session, select

from webapp import audit, workdays
from webapp.auth.models import District, User, utcnow
from webapp.complaints import states
from webapp.complaints.models import Category, Complaint, ComplaintEvent
from webapp.complaints.schemas import SHANGHAI, ComplaintCreate
from webapp.complaints.tracking import new_tracking_code
from webapp.forms import FieldErrors
from webapp.media.models import Photo
from webapp.media.photos import ProcessedPhoto
from webapp.media.records import save_photos
from webapp.media.storage import LocalStorage
from webapp.merchants import service as merchants
from webapp.merchants.models import Merchant


def local_date(moment: datetime):
    """The Asia/Shanghai calendar date of a naive UTC timestamp."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).date()


def _unique_code(session: Session) -> str:
    # 31^9 codes: a clash is astronomically rare, but a retry costs nothing.
    while True:
        code = new_tracking_code()
        if session.exec(select(Complaint.id).where(Complaint.tracking_code == code)).first() is None:
            return code


def _check_references(session: Session, data: ComplaintCreate) -> Merchant | None:
    errors = {}
    merchant = session.get(Merchant, data.merchant_id) if data.merchant_id else None
    if data.merchant_id and merchant is None:
        errors["merchant_name"] = "merchant"
    if session.get(District, data.district_id) is None:
        errors["district_id"] = "district"
    category = session.get(Category, data.category_id)
    if category is None or category.parent_id is None:
        errors["category_id"] = "category"
    if errors:
        raise FieldErrors(errors)
    return merchant


def create_complaint(session: Session, actor: User | None, data: ComplaintCreate,
                     photos: list[ProcessedPhoto], storage: LocalStorage) -> tuple[Complaint, bool]:
    """File a complaint with its photos; a replayed client_uuid returns the first one (created=False)."""
    existing = find_by_client_uuid(session, data.client_uuid)
    if existing:
        return existing, False
    merchant = _check_references(session, data)
    if merchant is None:
        merchant = merchants.find_or_create(session, data.merchant_name, data.merchant_address,
                                            data.district_id)
    now = utcnow()
    due = workdays.deadline(local_date(now), workdays.ACCEPT_DECISION_WORKDAYS)
    complaint = Complaint(
        tracking_code=_unique_code(session),
        client_uuid=data.client_uuid,
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
        received_at=now,
        accept_due_on=due.due_on,
        deadline_source=due.source,
    )
    session.add(complaint)
    session.flush()
    event = _add_event(session, complaint, "submitted", actor, "consumer")
    save_photos(session, storage, photos, uploaded_by_id=getattr(actor, "id", None),
                complaint_id=complaint.id, complaint_event_id=event.id)
    audit.record(session, actor, "complaint.create", complaint,
                 after={"state": complaint.state, "tracking_code": complaint.tracking_code,
                        "photos": len(photos)})
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


def add_info(session: Session, actor: User | None, complaint: Complaint, note: str,
             photos: list[ProcessedPhoto], storage: LocalStorage) -> ComplaintEvent:
    """The consumer adds a note and/or photos to an open complaint."""
    if complaint.state not in states.OPEN_STATES:
        raise states.TransitionNotAllowed("add_info", complaint.state)
    if not note and not photos:
        raise FieldErrors({"note": "empty"})
    event = _add_event(session, complaint, "info_added", actor, "consumer", note)
    save_photos(session, storage, photos, uploaded_by_id=getattr(actor, "id", None),
                complaint_id=complaint.id, complaint_event_id=event.id)
    complaint.updated_at = utcnow()
    complaint.version += 1
    audit.record(session, actor, "complaint.add_info", complaint, after={"photos": len(photos)})
    return event


def withdraw(session: Session, actor: User | None, complaint: Complaint, reason: str) -> Complaint:
    """The consumer withdraws an open complaint (撤诉)."""
    before = complaint.state
    complaint.state = states.target_state("withdraw", complaint.state)
    complaint.updated_at = utcnow()
    complaint.version += 1
    _add_event(session, complaint, "withdrawn", actor, "consumer", reason)
    audit.record(session, actor, "complaint.withdraw", complaint,
                 before={"state": before}, after={"state": complaint.state})
    return complaint


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


def _add_event(session: Session, complaint: Complaint, kind: str, actor: User | None,
               actor_label: str, note: str = "", public: bool = True) -> ComplaintEvent:
    event = ComplaintEvent(complaint_id=complaint.id, kind=kind, actor_id=getattr(actor, "id", None),
                           actor_label=actor_label, note=note, public=public)
    session.add(event)
    session.flush()
    return event
