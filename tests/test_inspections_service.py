"""The inspection service: one transaction for everything a visit produced, nothing at all on bad input."""
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from conftest import jpeg_bytes
from inspection_helpers import count, inspection_form, template
from webapp.audit import AuditLog
from webapp.campaigns.models import Campaign
from webapp.complaints.models import ComplaintEvent
from webapp.complaints.schemas import today_shanghai
from webapp.forms import FieldErrors
from webapp.inspections import service
from webapp.inspections.forms import complaint_note, validate_inspection
from webapp.inspections.models import Inspection, InspectionFinding, InspectionTask, RectificationOrder, Sample
from webapp.media.models import Photo
from webapp.media.photos import process_photo
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant

ROWS = (Inspection, InspectionFinding, Sample, RectificationOrder, Photo, Merchant, ComplaintEvent)


def _data(app, form):
    with app.test_request_context():
        data, errors = validate_inspection(MultiDict(form))
    assert errors == {}, errors
    return data


def _create(app, session, actor, form, photos=None):
    data = _data(app, form)
    with app.test_request_context():
        inspection = service.create_inspection(session, actor, data, photos or {},
                                               LocalStorage(app.config["UPLOAD_DIR"]), "digest",
                                               describe=complaint_note)
    session.commit()
    return inspection


def _photo(exif=None):
    import io
    return process_photo(io.BytesIO(jpeg_bytes(exif=exif)), max_bytes=10 * 2**20, max_pixels=50_000_000)


def test_one_inspection_writes_findings_photos_samples_and_order(app, session, base_data):
    inspector = base_data.users["inspector"]
    _t, items = template(session)
    failed = items[3]
    due = today_shanghai() + timedelta(days=7)
    captured = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=5)
    form = inspection_form(session, base_data, captured_at=captured.isoformat(), **{
        f"item-{failed.id}-note": "货架上有过期挂面", "sample-0-product": "挂面", "sample-0-batch": "20260815",
        "sample-3-product": "酱油", "order_item": str(failed.id), "order_due_on": due.isoformat()})
    inspection = _create(app, session, inspector, form, {failed.id: [_photo(), _photo()]})

    assert inspection.result == "fail"  # derived from the failed item
    assert inspection.captured_at == captured and inspection.inspector_count == 2
    assert inspection.district_id == base_data.merchants[0].district_id
    assert (inspection.latitude, inspection.longitude, inspection.accuracy_m) == (31.2304, 121.4737, 12.0)
    findings = {f.item_id: f for f in session.exec(select(InspectionFinding))}
    assert len(findings) == len(items) and findings[failed.id].answer == "fail"
    assert findings[failed.id].note == "货架上有过期挂面"
    photos = session.exec(select(Photo)).all()
    assert len(photos) == 2 and {p.finding_id for p in photos} == {findings[failed.id].id}
    assert all(p.inspection_id == inspection.id and p.complaint_id is None for p in photos)
    assert sorted(s.product for s in session.exec(select(Sample))) == ["挂面", "酱油"]
    order = session.exec(select(RectificationOrder)).one()
    assert order.item_ids == [failed.id] and order.due_on == due and order.closed_at is None
    audit = session.exec(select(AuditLog).where(AuditLog.action == "inspection.create")).one()
    assert audit.after["photos"] == 2 and audit.after["samples"] == 2


def test_deadline_without_chosen_items_orders_every_failed_item(app, session, base_data):
    _t, items = template(session)
    form = inspection_form(session, base_data, fail=(1, 4),
                           order_due_on=(today_shanghai() + timedelta(days=3)).isoformat())
    _create(app, session, base_data.users["inspector"], form)
    assert session.exec(select(RectificationOrder)).one().item_ids == [items[1].id, items[4].id]


def test_new_merchant_is_added_in_the_inspectors_district(app, session, base_data):
    before = count(session, Merchant)
    form = inspection_form(session, base_data, merchant_id="", merchant_search="",
                           new_merchant_name="李记炒货摊", new_merchant_address="东关农贸市场B区7号")
    inspection = _create(app, session, base_data.users["inspector"], form)
    merchant = session.get(Merchant, inspection.merchant_id)
    assert count(session, Merchant) == before + 1
    assert merchant.name == "李记炒货摊" and merchant.district_id == base_data.users["inspector"].district_id


def test_typed_name_from_the_list_is_enough_without_script(app, session, base_data):
    form = inspection_form(session, base_data, merchant_id="")
    inspection = _create(app, session, base_data.users["inspector"], form)
    assert inspection.merchant_id == base_data.merchants[0].id


def test_other_templates_answers_are_ignored(app, session, base_data):
    _p, price_items = template(session, "prices")
    form = inspection_form(session, base_data, **{f"item-{price_items[0].id}": "fail"})
    inspection = _create(app, session, base_data.users["inspector"], form)
    assert price_items[0].id not in {f.item_id for f in session.exec(
        select(InspectionFinding).where(InspectionFinding.inspection_id == inspection.id))}


def test_passing_reinspection_closes_the_order_and_a_failing_one_does_not(app, session, base_data):
    inspector = base_data.users["inspector"]
    form = inspection_form(session, base_data, order_due_on=(today_shanghai() + timedelta(days=5)).isoformat())
    first = _create(app, session, inspector, form)
    again = _create(app, session, inspector, inspection_form(session, base_data, follow_up_of=str(first.id)))
    order = session.exec(select(RectificationOrder)).one()
    assert order.closed_at is None and again.result == "fail"
    passed = _create(app, session, inspector, inspection_form(session, base_data, fail=(), follow_up_of=str(first.id)))
    session.refresh(order)
    assert order.closed_by_id == passed.id and order.closed_at == passed.captured_at


def test_complaint_link_writes_a_public_timeline_event(app, session, base_data, make_complaint):
    complaint = make_complaint()
    form = inspection_form(session, base_data, complaint_code=complaint.tracking_code.lower(),
                           order_due_on=(today_shanghai() + timedelta(days=10)).isoformat())
    inspection = _create(app, session, base_data.users["inspector"], form)
    assert inspection.complaint_id == complaint.id
    event = session.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "inspected")).one()
    assert event.public and event.complaint_id == complaint.id and event.actor_label == "staff"
    assert event.note and (today_shanghai() + timedelta(days=10)).isoformat() in event.note


def test_task_is_marked_done_and_brings_its_complaint(app, session, base_data, make_complaint):
    complaint = make_complaint()
    merchant = base_data.merchants[0]
    task = InspectionTask(merchant_id=merchant.id, district_id=merchant.district_id, planned_on=today_shanghai(),
                          source="complaint", complaint_id=complaint.id)
    session.add(task)
    session.commit()
    inspection = _create(app, session, base_data.users["inspector"],
                         inspection_form(session, base_data, fail=(), task_id=str(task.id)))
    session.refresh(task)
    assert task.inspection_id == inspection.id and inspection.complaint_id == complaint.id
    assert session.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "inspected")).one()


def _other(session, base_data, attr):
    """Things that exist but do not fit the inspection of merchant 0 by the 城东区 inspector."""
    merchant = base_data.merchants[0]
    elsewhere = next(m for m in base_data.merchants if m.district_id != merchant.district_id)
    if attr == "inactive_template":
        t, _items = template(session)
        t.active = False
        session.add(t)
        session.commit()
        return {}
    if attr == "task_other_merchant":
        task = InspectionTask(merchant_id=base_data.merchants[1].id, district_id=merchant.district_id,
                              planned_on=today_shanghai())
        session.add(task)
        session.commit()
        return {"task_id": str(task.id)}
    if attr == "follow_up_other_merchant":
        earlier = Inspection(client_uuid="00000000-0000-4000-8000-000000000001", body_sha256="x",
                             merchant_id=base_data.merchants[1].id, template_id=template(session)[0].id,
                             district_id=merchant.district_id, inspector_id=base_data.users["inspector"].id,
                             result="fail", captured_at=datetime.now(timezone.utc))
        session.add(earlier)
        session.commit()
        return {"follow_up_of": str(earlier.id)}
    if attr == "outreach_campaign":
        campaign = Campaign(kind="outreach", name="3·15", starts_on=today_shanghai() - timedelta(days=1),
                            ends_on=today_shanghai() + timedelta(days=1))
        session.add(campaign)
        session.commit()
        return {"campaign_id": str(campaign.id)}
    if attr == "outside_district":
        return {"merchant_id": str(elsewhere.id)}
    raise AssertionError(attr)


@pytest.mark.parametrize("case,field", [
    ("deleted_merchant", "merchant_id"),
    ("outside_district", "merchant_id"),
    ("inactive_template", "template_id"),
    ("unknown_item", "item-999999"),
    ("order_item_not_failed", "order_item"),
    ("task_other_merchant", "task_id"),
    ("follow_up_other_merchant", "follow_up_of"),
    ("outreach_campaign", "campaign_id"),
    ("unknown_complaint", "complaint_code"),
    ("new_merchant_without_address", "new_merchant_address"),
    ("photo_for_unknown_item", "item-999998"),
])
def test_bad_references_are_refused_and_nothing_is_written(app, session, base_data, case, field):
    _t, items = template(session)
    overrides, photos = {}, {}
    if case == "deleted_merchant":
        overrides = {"merchant_id": "999999"}
    elif case == "unknown_item":
        overrides = {"item-999999": "pass"}
    elif case == "order_item_not_failed":
        overrides = {"order_item": str(items[0].id),
                     "order_due_on": (today_shanghai() + timedelta(days=3)).isoformat()}
    elif case == "unknown_complaint":
        overrides = {"complaint_code": "ABCDEFGHJK"}
    elif case == "new_merchant_without_address":
        overrides = {"merchant_id": "", "merchant_search": "", "new_merchant_name": "新摊位"}
    elif case == "photo_for_unknown_item":
        photos = {999998: [_photo()]}
    else:
        overrides = _other(session, base_data, case)
    before = {m: count(session, m) for m in ROWS}
    data = _data(app, inspection_form(session, base_data, **overrides))
    with pytest.raises(FieldErrors) as exc, app.test_request_context():
        service.create_inspection(session, base_data.users["inspector"], data, photos,
                                  LocalStorage(app.config["UPLOAD_DIR"]), "digest")
    session.rollback()
    assert field in exc.value.errors
    assert {m: count(session, m) for m in ROWS} == before


def test_finding_photo_is_stored_without_metadata(app, session, base_data):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.0)}
    _t, items = template(session)
    inspection = _create(app, session, base_data.users["inspector"], inspection_form(session, base_data),
                         {items[3].id: [_photo(exif=exif.tobytes())]})
    photo = session.exec(select(Photo).where(Photo.inspection_id == inspection.id)).one()
    stored = LocalStorage(app.config["UPLOAD_DIR"]).path(photo.display_key)
    with Image.open(stored) as img:
        assert not img.getexif() and "exif" not in img.info
    assert b"PhoneMaker" not in stored.read_bytes()


def test_campaign_totals_equal_an_independent_count(app, session, base_data):
    inspector = base_data.users["inspector"]
    campaign = Campaign(kind="enforcement", name="食品安全专项整治", starts_on=today_shanghai() - timedelta(days=10),
                        ends_on=today_shanghai() + timedelta(days=10))
    session.add(campaign)
    session.commit()
    cd = [m for m in base_data.merchants if m.district_id == inspector.district_id]
    due = (today_shanghai() + timedelta(days=5)).isoformat()
    plans = [(cd[0], (3,), "3", due, ["挂面", "酱油"]), (cd[1], (3, 4), "2", due, ["牛奶"]),
             (cd[0], (), "1", None, []), (cd[2], (4,), "4", None, ["花生"])]
    made = []
    for merchant, fail, officers, order_due, products in plans:
        extra = {f"sample-{n}-product": p for n, p in enumerate(products)}
        made.append(_create(app, session, inspector, inspection_form(
            session, base_data, fail=fail, merchant=merchant, inspector_count=officers, order_due_on=order_due,
            campaign_id=str(campaign.id), **extra)))
    # Outside the campaign: must not count.
    _create(app, session, inspector, inspection_form(session, base_data, fail=(3,), merchant=cd[3]))
    samples = session.exec(select(Sample).order_by(Sample.id)).all()
    samples[0].lab_result, samples[1].lab_result, samples[2].lab_result = "fail", "pass", "fail"
    # A passing re-inspection closes the first order.
    _create(app, session, inspector, inspection_form(session, base_data, fail=(), merchant=cd[0],
                                                     follow_up_of=str(made[0].id), campaign_id=str(campaign.id)))
    session.commit()

    from webapp.campaigns.service import totals
    t = totals(session, campaign)
    tagged = session.exec(select(Inspection).where(Inspection.campaign_id == campaign.id)).all()
    ids = {i.id for i in tagged}
    orders = [o for o in session.exec(select(RectificationOrder)) if o.inspection_id in ids]
    tagged_samples = [s for s in session.exec(select(Sample)) if s.inspection_id in ids]
    fails = [f for f in session.exec(select(InspectionFinding)) if f.inspection_id in ids and f.answer == "fail"]
    assert t.inspector_visits == sum(i.inspector_count for i in tagged) == 3 + 2 + 1 + 4 + 2
    assert t.inspections == len(tagged) == 5
    assert t.merchants == len({i.merchant_id for i in tagged}) == 3
    assert t.orders_issued == len(orders) == 2 and t.orders_closed == 1
    assert t.ordered_merchants == len({o.merchant_id for o in orders})
    assert t.samples == len(tagged_samples) == 4
    assert t.samples_failed == sum(s.lab_result == "fail" for s in tagged_samples) == 2
    assert t.samples_pending == 1
    _t, items = template(session)
    assert t.top_failed[0] == (items[3].text, items[3].text_en, 2)
    assert sum(n for _a, _b, n in t.top_failed) == len(fails)


def test_city_level_staff_say_which_district_a_new_merchant_is_in(app, session, base_data):
    supervisor = base_data.users["supervisor"]
    form = inspection_form(session, base_data, merchant_id="", merchant_search="",
                           new_merchant_name="流动摊贩", new_merchant_address="南湖夜市")
    with pytest.raises(FieldErrors) as exc, app.test_request_context():
        service.create_inspection(session, supervisor, _data(app, form), {}, LocalStorage(app.config["UPLOAD_DIR"]), "d")
    session.rollback()
    assert "new_merchant_district_id" in exc.value.errors
    form["new_merchant_district_id"] = "999999"
    with pytest.raises(FieldErrors), app.test_request_context():
        service.create_inspection(session, supervisor, _data(app, form), {}, LocalStorage(app.config["UPLOAD_DIR"]), "d")
    session.rollback()
    nanhu = base_data.districts["NH"]
    form["new_merchant_district_id"] = str(nanhu.id)
    inspection = _create(app, session, supervisor, form)
    assert inspection.district_id == nanhu.id
    assert session.get(Merchant, inspection.merchant_id).district_id == nanhu.id
