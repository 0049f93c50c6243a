"""The inspection endpoint as the outbox and a plain form use it: idempotency, refusals, pages, photos."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from conftest import jpeg_bytes
from inspection_helpers import JSON, count, inspection_form, photo_file, template
from webapp.auth.models import User
from webapp.complaints.schemas import today_shanghai
from webapp.demo_data import DEMO_PASSWORD
from webapp.inspections.models import Inspection, InspectionFinding, InspectionTask, RectificationOrder, Sample
from webapp.media.models import Photo
from webapp.merchants.models import Merchant

ROWS = (Inspection, InspectionFinding, Sample, RectificationOrder, Photo, Merchant)


def _post(client, form, headers=JSON):
    return client.post("/inspections", data=form, headers=headers, content_type="multipart/form-data")


def _with_photo(session, base_data, **overrides):
    _t, items = template(session)
    form = inspection_form(session, base_data, **overrides)
    form[f"item-{items[3].id}-photos"] = [photo_file()]
    return form, items[3]


def test_same_record_twice_is_one_row_and_the_same_answer(client, session, base_data, login_as):
    login_as("inspector")
    form, _item = _with_photo(session, base_data)
    first = _post(client, form)
    again_form, _ = _with_photo(session, base_data, client_uuid=form["client_uuid"],
                                captured_at=form["captured_at"])
    again = _post(client, again_form)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    body = first.get_json()
    assert body["ok"] and body["url"] == f"/inspections/{body['id']}" and body["message"]
    assert count(session, Inspection) == 1 and count(session, Photo) == 1


def test_same_number_with_a_different_record_is_a_conflict(client, session, base_data, login_as):
    login_as("inspector")
    form = inspection_form(session, base_data)
    assert _post(client, form).status_code == 201
    changed = dict(form, note="另一条记录")
    client.set_cookie("lang", "en")
    response = _post(client, changed)
    assert response.status_code == 409
    body = response.get_json()
    assert body["ok"] is False and "different record" in body["error"]
    assert count(session, Inspection) == 1


def test_signed_out_outbox_gets_401_json(client, session, base_data):
    response = _post(client, inspection_form(session, base_data))
    assert response.status_code == 401 and response.get_json() == {"ok": False, "error": "login"}
    assert client.get("/inspections/merchants.json").status_code == 401
    assert count(session, Inspection) == 0


def test_signed_out_browser_is_sent_to_login(client, session, base_data):
    response = client.get("/inspections/new", headers={"Accept": "text/html"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["volunteer", "consumer", "handler", "admin"])
def test_only_inspectors_and_supervisors_record(client, session, base_data, login_as, role):
    login_as(role)
    response = _post(client, inspection_form(session, base_data))
    assert response.status_code == 403 and response.get_json()["ok"] is False
    assert client.get("/inspections/new").status_code == 403
    assert count(session, Inspection) == 0


def test_foreign_origin_is_refused(client, session, base_data, login_as):
    login_as("inspector")
    response = _post(client, inspection_form(session, base_data), headers={**JSON, "Origin": "https://evil.example"})
    assert response.status_code == 403 and count(session, Inspection) == 0


def test_supervisor_records_too(client, session, base_data, login_as):
    login_as("supervisor")
    assert _post(client, inspection_form(session, base_data)).status_code == 201


def _bad(session, base_data, case):
    _t, items = template(session)
    now = datetime.now(timezone.utc)
    key = f"item-{items[0].id}"
    return {
        "future": ({"captured_at": (now + timedelta(days=2)).isoformat()}, "captured_at"),
        "unparseable_time": ({"captured_at": "yesterday noon"}, "captured_at"),
        "answered_twice": ({key: ["pass", "fail"]}, key),
        "bad_answer": ({key: "maybe"}, key),
        "sample_without_product": ({"sample-1-brand": "鲁花", "sample-1-batch": "2026"}, "sample-1-product"),
        "past_deadline": ({"order_due_on": (today_shanghai() - timedelta(days=1)).isoformat()}, "order_due_on"),
        "no_merchant": ({"merchant_id": "", "merchant_search": ""}, "merchant_id"),
        "unknown_merchant_name": ({"merchant_id": "", "merchant_search": "不存在的商店"}, "merchant_id"),
        "deleted_merchant": ({"merchant_id": "999999"}, "merchant_id"),
        "unknown_template": ({"template_id": "999999"}, "template_id"),
        "unknown_item": ({"item-999999": "pass"}, "item-999999"),
        "too_many_officers": ({"inspector_count": "21"}, "inspector_count"),
        "order_item_not_failed": ({"order_item": str(items[0].id),
                                   "order_due_on": (today_shanghai() + timedelta(days=2)).isoformat()}, "order_item"),
        "no_uuid": ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    }[case]


@pytest.mark.parametrize("case", ["future", "unparseable_time", "answered_twice", "bad_answer",
                                  "sample_without_product", "past_deadline", "no_merchant", "unknown_merchant_name",
                                  "deleted_merchant", "unknown_template", "unknown_item", "too_many_officers",
                                  "order_item_not_failed", "no_uuid"])
def test_bad_input_is_422_with_the_field_and_nothing_saved(client, session, base_data, login_as, case):
    login_as("inspector")
    overrides, field = _bad(session, base_data, case)
    form, _item = _with_photo(session, base_data, **overrides)
    before = {m: count(session, m) for m in ROWS}
    response = _post(client, form)
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is False and field in body["errors"] and body["error"]
    assert {m: count(session, m) for m in ROWS} == before


@pytest.mark.parametrize("payload,name", [(b"%PDF-1.4 not a photo", "shelf.jpg"), (b"hello", "x.png")])
def test_a_file_that_is_not_a_photo_is_refused(client, session, base_data, login_as, payload, name):
    login_as("inspector")
    _t, items = template(session)
    form = inspection_form(session, base_data)
    form[f"item-{items[3].id}-photos"] = [photo_file(), photo_file(payload, name)]
    response = _post(client, form)
    assert response.status_code == 422
    assert name in response.get_json()["errors"][f"item-{items[3].id}-photos"]
    assert count(session, Inspection) == 0 and count(session, Photo) == 0


def test_more_than_nine_photos_on_an_item_is_refused(client, session, base_data, login_as):
    login_as("inspector")
    _t, items = template(session)
    form = inspection_form(session, base_data)
    form[f"item-{items[3].id}-photos"] = [photo_file(jpeg_bytes(size=(40, 30))) for _ in range(10)]
    response = _post(client, form)
    assert response.status_code == 422 and f"item-{items[3].id}-photos" in response.get_json()["errors"]
    assert count(session, Photo) == 0


def test_plain_form_redirects_to_the_record_and_422_keeps_the_input(client, session, base_data, login_as):
    login_as("inspector")
    html = {"Accept": "text/html"}
    bad = inspection_form(session, base_data, note="留在表单里", **{"sample-0-brand": "鲁花"})
    response = _post(client, bad, headers=html)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="sample-0-product-error"' in page
    assert "留在表单里" in page and 'value="鲁花"' in page and bad["client_uuid"] in page
    response = _post(client, inspection_form(session, base_data), headers=html)
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200


def test_new_form_holds_every_checklist_and_the_district_merchants(client, session, base_data, login_as):
    inspector = login_as("inspector")
    page = client.get("/inspections/new").get_data(as_text=True)
    assert 'id="inspection-form"' in page and "data-outbox" in page and "hx-post" not in page.split(
        'id="inspection-form"')[1].split(">")[0]
    assert 'enctype="multipart/form-data"' in page and 'action="/inspections"' in page
    for code in ("food", "prices", "measuring", "agri", "prepaid"):
        t, items = template(session, code)
        assert f'data-template="{t.id}"' in page and f'name="item-{items[-1].id}"' in page
    assert 'list="merchant-options"' in page and 'id="merchant-options"' in page
    mine = [m for m in base_data.merchants if m.district_id == inspector.district_id]
    others = [m for m in base_data.merchants if m.district_id != inspector.district_id]
    assert f'data-id="{mine[0].id}"' in page and f'data-id="{others[0].id}"' not in page
    for name in ("client_uuid", "captured_at", "merchant_id", "template_id", "result", "note", "inspector_count",
                 "latitude", "longitude", "accuracy_m", "sample-4-sample_no", "order_item", "order_due_on",
                 "complaint_code", "task_id", "follow_up_of", "new_merchant_name", "new_merchant_address"):
        assert f'name="{name}"' in page, name


def test_form_prefills_a_reinspection(client, session, base_data, login_as):
    login_as("inspector")
    form = inspection_form(session, base_data, order_due_on=(today_shanghai() + timedelta(days=1)).isoformat())
    first_id = _post(client, form).get_json()["id"]
    t, items = template(session)
    merchant = base_data.merchants[0]
    page = client.get(f"/inspections/new?follow_up_of={first_id}&merchant={merchant.id}&template={t.id}")
    html = page.get_data(as_text=True)
    assert f'name="follow_up_of" value="{first_id}"' in html and f'value="{merchant.id}"' in html
    assert f'<option value="{t.id}" selected' in html and 'id="follow-up-notice"' in html
    assert f'id="check-{items[3].id}"' in html and "was-ordered" in html


def test_merchants_json_is_the_district_for_inspectors_and_all_for_city_level(client, base_data, login_as):
    inspector = login_as("inspector")
    response = client.get("/inspections/merchants.json")
    assert response.headers["Cache-Control"] == "no-cache"
    rows = response.get_json()
    assert {r["district_id"] for r in rows} == {inspector.district_id}
    assert set(rows[0]) == {"id", "name", "address", "district_id"}
    client.post("/logout")
    login_as("supervisor")
    assert len(client.get("/inspections/merchants.json").get_json()) == len(base_data.merchants)


def test_today_lists_tasks_and_reinspections_due(client, session, base_data, login_as):
    inspector = login_as("inspector")
    merchant = base_data.merchants[2]
    session.add(InspectionTask(merchant_id=merchant.id, district_id=inspector.district_id,
                               planned_on=today_shanghai() - timedelta(days=1), note="例行检查"))
    session.add(InspectionTask(merchant_id=base_data.merchants[3].id, district_id=inspector.district_id,
                               planned_on=today_shanghai() + timedelta(days=1), note="明天的"))
    session.commit()
    _post(client, inspection_form(session, base_data, order_due_on=(today_shanghai() + timedelta(days=2)).isoformat()))
    html = client.get("/inspections/today").get_data(as_text=True)
    assert "例行检查" in html and "明天的" not in html
    assert f"merchant={merchant.id}" in html and "follow_up_of=" in html
    assert base_data.merchants[0].name in html.split('id="my-recent"')[1]


def _login(client, username):
    client.post("/logout")
    return client.post("/login", data={"username": username, "password": DEMO_PASSWORD})


def test_inspection_photos_are_served_to_district_staff_only(client, session, base_data, login_as):
    nanhu = next(d for d in base_data.districts.values() if d.code == "NH")
    other = User(username="inspector-nh", role="inspector", district_id=nanhu.id, display_name="南湖执法")
    other.set_password(DEMO_PASSWORD)
    session.add(other)
    session.commit()
    login_as("inspector")
    form, _item = _with_photo(session, base_data)
    inspection_id = _post(client, form).get_json()["id"]
    photo = session.exec(select(Photo).where(Photo.inspection_id == inspection_id)).one()
    url = f"/photos/{photo.id}/thumb"
    assert client.get(url).status_code == 200
    assert client.get(f"/inspections/{inspection_id}").status_code == 200
    for username, expected in [("handler", 200), ("supervisor", 200), ("volunteer", 404), ("13800000001", 404),
                               ("inspector-nh", 404), ("admin", 404)]:
        _login(client, username)
        assert client.get(url).status_code == expected, username
        assert client.get(f"/inspections/{inspection_id}").status_code == expected, username
    client.post("/logout")
    assert client.get(url).status_code == 404


def test_record_page_shows_findings_samples_and_order(client, session, base_data, login_as):
    login_as("inspector")
    _t, items = template(session)
    form, item = _with_photo(session, base_data, **{
        "sample-0-product": "挂面", f"item-{items[3].id}-note": "过期三袋",
        "order_due_on": (today_shanghai() + timedelta(days=4)).isoformat()})
    url = _post(client, form).get_json()["url"]
    html = client.get(url + "?lang=en").get_data(as_text=True)
    assert "过期三袋" in html and "挂面" in html and "Rectification order" in html
    assert "/photos/" in html and "Start re-inspection" in html and "Awaiting the lab result" in html


def test_new_uuid_per_page(client, base_data, login_as):
    login_as("inspector")
    first = client.get("/inspections/new").get_data(as_text=True)
    second = client.get("/inspections/new").get_data(as_text=True)
    grab = lambda html: html.split('name="client_uuid" value="')[1].split('"')[0]  # noqa: E731
    assert grab(first) != grab(second) and uuid.UUID(grab(first))
