"""The consumer's side of the complaint service, hit directly."""
import io
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import func, select

from conftest import complaint_form, jpeg_bytes
from webapp import workdays
from webapp.audit import AuditLog
from webapp.complaints import service, states
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Complaint, ComplaintEvent
from webapp.complaints.schemas import ComplaintCreate, parse_yuan
from webapp.complaints.tracking import is_valid
from webapp.forms import FieldErrors
from webapp.media.models import Photo
from webapp.media.photos import process_photo
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant


def _photo():
    return process_photo(io.BytesIO(jpeg_bytes()), max_bytes=10 * 2**20, max_pixels=50_000_000)


def test_create_sets_code_deadline_timeline_audit_and_photos(make_complaint, session, app):
    complaint = make_complaint(photos=[_photo(), _photo()])
    assert is_valid(complaint.tracking_code)
    assert complaint.state == states.SUBMITTED
    assert complaint.amount_fen == 5680
    assert complaint.consumer_phone == "13912345678"
    received = local_date(complaint.received_at)
    assert complaint.accept_due_on == workdays.add_workdays(received, 7)
    events = service.timeline(session, complaint)
    assert [e.kind for e in events] == ["submitted"]
    photos = service.photos_of(session, complaint)
    assert len(photos) == 2
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    assert all(storage.exists(p.display_key) and storage.exists(p.thumb_key) for p in photos)
    assert session.exec(select(AuditLog).where(AuditLog.action == "complaint.create")).one().object_id == complaint.id


def test_same_client_uuid_gives_the_same_complaint(make_complaint, session):
    uuid = "0b6f3f5e-8a3c-4c2e-9d8e-2f7b6a1c9e01"
    first = make_complaint(client_uuid=uuid)
    second = make_complaint(client_uuid=uuid)
    assert first.id == second.id
    assert session.exec(select(func.count()).select_from(Complaint)).one() == 1


def test_new_merchant_is_created_unverified_once(make_complaint, session, base_data):
    district = base_data.districts["NH"]
    for _ in range(2):
        make_complaint(merchant_id="", merchant_name="无名小吃摊", merchant_address="南湖夜市",
                       district_id=str(district.id))
    merchants = session.exec(select(Merchant).where(Merchant.name == "无名小吃摊")).all()
    assert len(merchants) == 1 and merchants[0].verified is False
    assert merchants[0].district_id == district.id


def test_complaint_takes_the_district_of_a_registry_merchant(make_complaint, base_data):
    merchant = base_data.merchants[-1]
    other = base_data.districts["CD"]
    complaint = make_complaint(merchant_id=str(merchant.id), district_id=str(other.id))
    assert complaint.district_id == merchant.district_id != other.id


def test_unknown_references_raise_field_errors(session, base_data, app):
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    data = ComplaintCreate.model_validate(complaint_form(base_data, merchant_id="99999", category_id="99999"))
    with pytest.raises(FieldErrors) as caught:
        service.create_complaint(session, None, data, [], storage)
    assert set(caught.value.errors) == {"merchant_name", "category_id"}
    session.rollback()
    assert session.exec(select(func.count()).select_from(Complaint)).one() == 0


def test_top_level_category_is_not_a_category(session, base_data, app):
    parent_id = base_data.categories["food"].parent_id
    data = ComplaintCreate.model_validate(complaint_form(base_data, category_id=str(parent_id)))
    with pytest.raises(FieldErrors):
        service.create_complaint(session, None, data, [], LocalStorage(app.config["UPLOAD_DIR"]))


@pytest.mark.parametrize("field,value", [
    ("consumer_phone", "12345"),
    ("consumer_phone", "23912345678"),
    ("purchase_date", (date.today() + timedelta(days=3)).isoformat()),
    ("purchase_date", "1990-01-01"),
    ("amount", "-5"),
    ("amount", "12.345"),
    ("amount", "99999999999"),
    ("amount", "abc"),
    ("description", "太差了"),
    ("problem_type", "nonsense"),
    ("desired_outcome", ""),
    ("consent_share", ""),
    ("merchant_name", ""),
])
def test_bad_input_is_rejected_by_the_schema(base_data, field, value):
    form = complaint_form(base_data, **{field: value})
    if field == "merchant_name":
        form["merchant_id"] = ""
    with pytest.raises(ValidationError) as caught:
        ComplaintCreate.model_validate(form)
    locations = {str(e["loc"][0]) for e in caught.value.errors()}
    expected = "amount" if field == "amount" else field
    assert expected in locations


def test_phone_and_amount_normalised(base_data):
    data = ComplaintCreate.model_validate(complaint_form(base_data, consumer_phone="+86 139-1234-5678",
                                                         amount="1,299.5"))
    assert data.consumer_phone == "13912345678" and data.amount_fen == 129950
    assert parse_yuan("¥0.01") == 1 and parse_yuan("100元") == 10000


def test_lookup_needs_code_and_last_four(make_complaint, session):
    complaint = make_complaint()
    assert service.lookup(session, complaint.tracking_code, "5678").id == complaint.id
    assert service.lookup(session, complaint.tracking_code, "0000") is None
    assert service.lookup(session, "23456789AB", "5678") is None


def test_add_info_and_withdraw(make_complaint, session, app):
    complaint = make_complaint()
    storage = LocalStorage(app.config["UPLOAD_DIR"])
    service.add_info(session, None, complaint, "商家电话:0551-1234567", [_photo()], storage)
    service.withdraw(session, None, complaint, "已退款")
    session.commit()
    assert complaint.state == states.WITHDRAWN and complaint.version == 3
    kinds = [e.kind for e in service.timeline(session, complaint)]
    assert kinds == ["submitted", "info_added", "withdrawn"]
    assert session.exec(select(func.count()).select_from(Photo)).one() == 1
    with pytest.raises(states.TransitionNotAllowed):
        service.add_info(session, None, complaint, "再补充", [], storage)
    with pytest.raises(states.TransitionNotAllowed):
        service.withdraw(session, None, complaint, "")


def test_add_info_needs_something(make_complaint, session, app):
    complaint = make_complaint()
    with pytest.raises(FieldErrors):
        service.add_info(session, None, complaint, "", [], LocalStorage(app.config["UPLOAD_DIR"]))


def test_internal_events_are_hidden_from_the_consumer(make_complaint, session):
    complaint = make_complaint()
    session.add(ComplaintEvent(complaint_id=complaint.id, kind="mediation_step", note="内部备注", public=False))
    session.commit()
    assert [e.kind for e in service.timeline(session, complaint)] == ["submitted"]
    assert len(service.timeline(session, complaint, public_only=False)) == 2


def test_transition_table_allows_only_listed_moves():
    assert states.target_state("withdraw", states.MEDIATING) == states.WITHDRAWN
    with pytest.raises(states.TransitionNotAllowed):
        states.target_state("withdraw", states.CLOSED)
    with pytest.raises(states.TransitionNotAllowed):
        states.target_state("accept", states.ACCEPTED)
