"""Recording a field inspection in one go: findings, photos, samples, order, task, complaint. No Flask here.

Everything sent is checked against the data before anything is written, so a rejected record leaves no
trace; the route commits once. A replayed client_uuid is recognised by the route before it calls in here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import District, User, utcnow
from webapp.campaigns.models import ENFORCEMENT, Campaign
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Complaint
from webapp.complaints.workflow import add_event
from webapp.forms import FieldErrors
from webapp.inspections.models import (FAIL, PASS, ChecklistItem, ChecklistTemplate, Inspection,
                                       InspectionFinding, InspectionTask, RectificationOrder, Sample)
from webapp.inspections.policy import in_scope
from webapp.inspections.schemas import InspectionCreate, LabResult
from webapp.media.photos import ProcessedPhoto
from webapp.media.records import save_photos
from webapp.media.storage import LocalStorage
from webapp.merchants import merge, service as merchants
from webapp.merchants.models import Merchant


@dataclass
class Checked:
    """What the form refers to, loaded and found acceptable."""

    district_id: int
    template: ChecklistTemplate
    answers: dict[int, str]
    merchant: Merchant | None = None           # None: a new merchant is added on saving
    complaint: Complaint | None = None
    task: InspectionTask | None = None
    follow_up: Inspection | None = None
    campaign: Campaign | None = None
    order_items: list[int] = field(default_factory=list)
    item_ids: set[int] = field(default_factory=set)   # every item of the template, active or not


def find_by_client_uuid(session: Session, client_uuid: str | None) -> Inspection | None:
    """The inspection a phone already sent with this idempotency key, if any."""
    if not client_uuid:
        return None
    return session.exec(select(Inspection).where(Inspection.client_uuid == client_uuid)).first()


def _merchant(session: Session, actor: User, data: InspectionCreate, errors: dict) -> tuple[Merchant | None, int | None]:
    """The merchant inspected (or None for a new one) and the district the inspection belongs to."""
    if data.merchant_id and data.new_merchant_name:
        errors["merchant_id"] = "merchant_both"
        return None, None
    if data.new_merchant_name:
        # District staff add merchants to their own district; city-level staff say which one.
        district_id = actor.district_id or data.new_merchant_district_id
        if not data.new_merchant_address:
            errors["new_merchant_address"] = "required"
        if district_id is None or session.get(District, district_id) is None:
            errors["new_merchant_district_id"] = "district"
        return None, district_id
    merchant = None
    if data.merchant_id:
        merchant = merge.resolve(session, session.get(Merchant, data.merchant_id))
        if merchant is None:
            errors["merchant_id"] = "merchant_missing"
            return None, None
    elif data.merchant_search:
        stmt = select(Merchant).where(Merchant.name == data.merchant_search, Merchant.merged_into_id.is_(None))
        if actor.district_id is not None:
            stmt = stmt.where(Merchant.district_id == actor.district_id)
        found = list(session.exec(stmt.limit(2)))
        if len(found) != 1:
            errors["merchant_id"] = "merchant_ambiguous" if found else "merchant_unknown"
            return None, None
        merchant = found[0]
    else:
        errors["merchant_id"] = "merchant_required"
        return None, None
    district_id = merchant.district_id or actor.district_id
    if district_id is None:
        errors["merchant_id"] = "merchant_no_district"
    elif not in_scope(actor, district_id):
        errors["merchant_id"] = "merchant_outside"
    return merchant, district_id


def _answers(session: Session, data: InspectionCreate, template: ChecklistTemplate, photo_items,
             errors: dict) -> tuple[dict[int, str], set[int]]:
    """The answers to this template's items; other templates' items (a page without script) are ignored.

    Items an admin deactivated after the phone loaded the form are still this template's: kept.
    """
    asked = set(data.answers) | set(data.item_notes) | set(photo_items)
    known = {i.id: i.template_id for i in session.exec(select(ChecklistItem).where(ChecklistItem.id.in_(asked)))} \
        if asked else {}
    for item_id in sorted(asked - set(known)):
        errors[f"item-{item_id}"] = "unknown_item"
    answers = {i: a for i, a in data.answers.items() if known.get(i) == template.id}
    if not answers:
        errors["items"] = "no_answers"
    return answers, {i for i, t in known.items() if t == template.id}


def _order_items(data: InspectionCreate, answers: dict[int, str], errors: dict) -> list[int]:
    failed = sorted(i for i, a in answers.items() if a == FAIL)
    if data.order_items and data.order_due_on is None:
        errors["order_due_on"] = "due_required"
    if data.order_due_on is None:
        return []
    if not data.order_items:
        if not failed:
            errors["order_item"] = "no_failed"
        return failed
    if not set(data.order_items) <= set(failed):
        errors["order_item"] = "not_failed"
    return sorted(set(data.order_items))


def check(session: Session, actor: User, data: InspectionCreate, photo_items=()) -> Checked:
    """Load and check every reference of the form; FieldErrors({field: code}) names all that are wrong."""
    errors: dict[str, str] = {}
    merchant, district_id = _merchant(session, actor, data, errors)
    template = session.get(ChecklistTemplate, data.template_id)
    answers, item_ids = {}, set()
    if template is None or not template.active:
        errors["template_id"] = "template"
    else:
        answers, item_ids = _answers(session, data, template, photo_items, errors)
    order_items = _order_items(data, answers, errors)
    checked = Checked(district_id=district_id or 0, template=template, answers=answers, merchant=merchant,
                      order_items=order_items, item_ids=item_ids)
    if data.complaint_code:
        complaint = session.exec(select(Complaint).where(Complaint.tracking_code == data.complaint_code)).first()
        if complaint is None or not in_scope(actor, complaint.district_id):
            errors["complaint_code"] = "complaint"
        checked.complaint = complaint
    if data.task_id:
        task = session.get(InspectionTask, data.task_id)
        if task is None or not in_scope(actor, task.district_id):
            errors["task_id"] = "task"
        elif task.inspection_id is not None:
            errors["task_id"] = "task_done"
        elif merchant is None or task.merchant_id != merchant.id:
            errors["task_id"] = "task_merchant"
        checked.task = task
    if data.follow_up_of:
        earlier = session.get(Inspection, data.follow_up_of)
        if earlier is None or not in_scope(actor, earlier.district_id):
            errors["follow_up_of"] = "follow_up"
        elif merchant is None or earlier.merchant_id != merchant.id:
            errors["follow_up_of"] = "follow_up_merchant"
        checked.follow_up = earlier
    if data.campaign_id:
        campaign = session.get(Campaign, data.campaign_id)
        day = local_date(data.captured_at or utcnow())
        if (campaign is None or campaign.kind != ENFORCEMENT or not campaign.active
                or campaign.district_id not in (None, district_id)):
            errors["campaign_id"] = "campaign"
        elif not campaign.starts_on <= day <= campaign.ends_on:
            errors["campaign_id"] = "campaign_period"
        checked.campaign = campaign
    if errors:
        raise FieldErrors(errors)
    return checked


def create_inspection(session: Session, actor: User, data: InspectionCreate,
                      photos: dict[int, list[ProcessedPhoto]], storage: LocalStorage, body_sha256: str,
                      describe: Callable[[str, date | None], str] | None = None) -> Inspection:
    """Record an inspection with everything it found and ordered; all of it or (FieldErrors) nothing.

    `describe(result, due_on)` words the entry on a linked complaint's timeline (the route knows the language).
    """
    checked = check(session, actor, data, photo_items=[i for i, p in photos.items() if p])
    merchant = checked.merchant or merchants.find_or_create(
        session, data.new_merchant_name, data.new_merchant_address, checked.district_id)
    failed = any(a == FAIL for a in checked.answers.values())
    inspection = Inspection(
        client_uuid=data.client_uuid, body_sha256=body_sha256, merchant_id=merchant.id,
        template_id=checked.template.id, district_id=checked.district_id, inspector_id=actor.id,
        inspector_count=data.inspector_count, complaint_id=getattr(checked.complaint, "id", None),
        campaign_id=getattr(checked.campaign, "id", None), follow_up_of=getattr(checked.follow_up, "id", None),
        result=data.result or (FAIL if failed else PASS), note=data.note,
        latitude=data.latitude, longitude=data.longitude, accuracy_m=data.accuracy_m,
        captured_at=data.captured_at or utcnow(), received_at=utcnow())
    if checked.task and checked.task.complaint_id and inspection.complaint_id is None:
        inspection.complaint_id = checked.task.complaint_id
    session.add(inspection)
    session.flush()
    findings = {}
    for item_id, answer in sorted(checked.answers.items()):
        finding = InspectionFinding(inspection_id=inspection.id, item_id=item_id, answer=answer,
                                    note=data.item_notes.get(item_id, "")[:500])
        session.add(finding)
        findings[item_id] = finding
    session.flush()
    stored = 0
    for item_id, processed in sorted(photos.items()):
        if item_id not in checked.item_ids:
            continue  # a page without script sent another checklist's item: ignored like its answer
        finding = findings.get(item_id)
        for row in save_photos(session, storage, processed, uploaded_by_id=actor.id):
            row.inspection_id, row.finding_id = inspection.id, getattr(finding, "id", None)
            stored += 1
    for _n, sample in sorted(data.samples.items()):
        session.add(Sample(inspection_id=inspection.id, **sample.model_dump()))
    order = None
    if data.order_due_on is not None and checked.order_items:
        order = RectificationOrder(inspection_id=inspection.id, merchant_id=merchant.id,
                                   item_ids=checked.order_items, due_on=data.order_due_on)
        session.add(order)
    if checked.task is not None:
        checked.task.inspection_id = inspection.id
        session.add(checked.task)
    closed = _close_orders(session, checked.follow_up, inspection) if checked.follow_up else []
    session.flush()
    complaint = checked.complaint or (session.get(Complaint, inspection.complaint_id)
                                      if inspection.complaint_id else None)
    if complaint is not None:
        note = describe(inspection.result, data.order_due_on if order else None) if describe else ""
        add_event(session, complaint, "inspected", actor, "staff", note=note)
    audit.record(session, actor, "inspection.create", inspection, after={
        "merchant_id": merchant.id, "template_id": inspection.template_id, "result": inspection.result,
        "findings": len(findings), "photos": stored, "samples": len(data.samples),
        "order_due_on": order.due_on if order else None, "closed_orders": closed,
        "captured_at": inspection.captured_at})
    return inspection


def _close_orders(session: Session, earlier: Inspection, inspection: Inspection) -> list[int]:
    """A passing re-inspection closes the orders the earlier inspection issued."""
    if inspection.result != PASS:
        return []
    orders = session.exec(select(RectificationOrder).where(RectificationOrder.inspection_id == earlier.id,
                                                           RectificationOrder.closed_at.is_(None))).all()
    for order in orders:
        order.closed_by_id, order.closed_at = inspection.id, inspection.captured_at
        session.add(order)
    return [o.id for o in orders]


def record_lab_result(session: Session, actor: User, sample: Sample, data: LabResult,
                      taken_at: datetime) -> Sample:
    """The lab's verdict on a sample; it may be corrected later, and every change is audited."""
    if data.result_on < local_date(taken_at):
        raise FieldErrors({"result_on": "before_sampling"})
    before = {"lab_result": sample.lab_result, "report_no": sample.report_no, "result_on": sample.result_on}
    sample.lab_result, sample.report_no, sample.result_on = data.lab_result, data.report_no, data.result_on
    session.add(sample)
    session.flush()
    audit.record(session, actor, "sample.lab_result", sample, before=before, after=data.model_dump())
    return sample
