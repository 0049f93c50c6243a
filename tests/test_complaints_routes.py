"""Routes of the consumer's side: filing, 422s that keep input, tracking, authorisation, CSRF, limits."""
import io
import re

import pytest
from sqlmodel import func, select

from conftest import complaint_form, jpeg_bytes
from webapp import create_app
from webapp.complaints.models import Complaint
from webapp.media.models import Photo

HX = {"HX-Request": "true"}


def _files(*payloads):
    return [(io.BytesIO(data), name) for data, name in payloads]


def _count(session, model=Complaint):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def _file(client, base_data, photos=(), headers=HX, **overrides):
    form = complaint_form(base_data, **overrides)
    form["photos"] = _files(*photos)
    return client.post("/complaints", data=form, headers=headers, content_type="multipart/form-data")


def test_form_renders_with_choices(client, base_data):
    html = client.get("/complaints/new?lang=en").get_data(as_text=True)
    assert 'id="complaint-form"' in html and 'name="client_uuid"' in html
    assert "Online shopping and livestream sales" in html and "Price fraud" in html
    assert 'accept="image/*"' in html and "multiple" in html


def test_guest_files_with_photos_and_gets_receipt(client, base_data, session):
    response = _file(client, base_data, photos=[(jpeg_bytes(), "receipt.jpg"), (jpeg_bytes(), "goods.jpg")])
    assert response.status_code == 200
    target = response.headers["HX-Redirect"]
    code = re.fullmatch(r"/complaints/([A-Z0-9]{10})/receipt", target).group(1)
    receipt = client.get(target + "?lang=en")
    assert receipt.status_code == 200
    html = receipt.get_data(as_text=True)
    assert f"{code[:5]}-{code[5:]}" in html and "within 7 working days" in html
    assert _count(session) == 1 and _count(session, Photo) == 2


def test_plain_form_post_without_htmx_redirects(client, base_data):
    response = _file(client, base_data, headers={})
    assert response.status_code == 303 and "/receipt" in response.headers["Location"]


@pytest.mark.parametrize("overrides,field", [
    ({"consumer_phone": "1381234"}, "consumer_phone"),
    ({"purchase_date": "2999-01-01"}, "purchase_date"),
    ({"amount": "-20"}, "amount"),
    ({"amount": "100000000000"}, "amount"),
    ({"description": ""}, "description"),
    ({"category_id": ""}, "category_id"),
    ({"category_id": "999999"}, "category_id"),
    ({"district_id": "abc"}, "district_id"),
    ({"consent_share": ""}, "consent_share"),
])
def test_bad_input_gives_422_next_to_the_field_and_keeps_the_rest(client, base_data, session, overrides, field):
    response = _file(client, base_data, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html  # the form partial only
    assert f'id="{field}-error"' in html
    # What they typed is still there.
    assert 'value="测试用户"' in html and (field == "description" or "买到的牛奶已经过期两天" in html)
    assert _count(session) == 0


def test_full_page_422_without_htmx(client, base_data):
    response = _file(client, base_data, headers={}, consumer_phone="abc")
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("payload,name", [
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "receipt.jpg"),
    (b"", "empty.jpg"),
    (jpeg_bytes()[:400], "truncated.jpg"),
    (b"GIF89a" + b"\x00" * 50, "anim.gif"),
])
def test_bad_photo_rejected_nothing_saved(client, base_data, session, payload, name):
    response = _file(client, base_data, photos=[(jpeg_bytes(), "ok.jpg"), (payload, name)])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="photos-error"' in html and name in html
    assert _count(session) == 0 and _count(session, Photo) == 0


def test_decompression_bomb_is_422_not_500(client, base_data, session):
    from PIL import Image
    buf = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buf, "PNG")
    response = _file(client, base_data, photos=[(buf.getvalue(), "bomb.png")])
    assert response.status_code == 422 and _count(session) == 0


def test_more_than_nine_photos_rejected(client, base_data, session):
    response = _file(client, base_data, photos=[(jpeg_bytes(), f"{i}.jpg") for i in range(10)])
    assert response.status_code == 422
    assert 'id="photos-error"' in response.get_data(as_text=True)
    assert _count(session) == 0


def test_oversized_request_is_a_clear_413(app, base_data):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    client = app.test_client()
    response = _file(client, base_data, photos=[(b"x" * 60_000, "big.jpg")])
    assert response.status_code == 413


def test_double_submit_with_same_client_uuid_gives_one_complaint(client, base_data, session):
    uuid = "5d0c3f6a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    first = _file(client, base_data, client_uuid=uuid)
    second = _file(client, base_data, client_uuid=uuid)
    assert first.headers["HX-Redirect"] == second.headers["HX-Redirect"]
    assert _count(session) == 1


def test_another_complaint_under_a_used_client_uuid_is_refused_and_sees_nothing(app, client, base_data, session):
    uuid = "6e1d4a7b-2c3d-4e5f-9a01-b2c3d4e5f6a7"
    first = _file(client, base_data, client_uuid=uuid)
    receipt = first.headers["HX-Redirect"]
    stranger = app.test_client()
    response = _file(stranger, base_data, client_uuid=uuid, description="另一位消费者的另一件投诉，内容完全不同。")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "HX-Redirect" not in response.headers and uuid not in html   # a fresh number to send it again with
    assert _count(session) == 1
    # The receipt of the first complaint is not handed to the stranger's browser.
    assert stranger.get(receipt).status_code == 404


def test_track_with_code_and_last_four(client, make_complaint, app):
    complaint = make_complaint()
    other = app.test_client()
    assert other.get(f"/track/{complaint.tracking_code}").status_code == 404
    bad = other.post("/track", data={"code": complaint.tracking_code, "phone_last4": "0000"}, headers=HX)
    assert bad.status_code == 422 and 'id="code-error"' in bad.get_data(as_text=True)
    pretty = f"{complaint.tracking_code[:5].lower()}-{complaint.tracking_code[5:]}"
    good = other.post("/track", data={"code": pretty, "phone_last4": "5678"}, headers=HX)
    assert good.headers["HX-Redirect"] == f"/track/{complaint.tracking_code}"
    page = other.get(good.headers["HX-Redirect"])
    assert page.status_code == 200 and complaint.tracking_code[:5] in page.get_data(as_text=True)


@pytest.mark.parametrize("code,last4,field", [
    ("", "5678", "code"), ("ABC", "5678", "code"), ("23456-78923", "5678", "code"), ("OOOOO-IIIII", "5678", "code"),
    ("{code}", "56", "phone_last4"), ("{code}", "abcd", "phone_last4"),
])
def test_track_bad_input(client, make_complaint, code, last4, field):
    complaint = make_complaint()
    response = client.post("/track", data={"code": code.format(code=complaint.tracking_code), "phone_last4": last4},
                           headers=HX)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)


def test_consumer_never_sees_anothers_complaint_or_photo(app, base_data, make_complaint, login_as, client,
                                                        session):
    from webapp.media.photos import process_photo
    photo = process_photo(io.BytesIO(jpeg_bytes()), max_bytes=10**7, max_pixels=10**8)
    mine = make_complaint(actor=base_data.users["consumer"], photos=[photo])
    theirs = make_complaint(consumer_phone="13700001111", photos=[photo])
    login_as("consumer")
    assert client.get(f"/track/{mine.tracking_code}").status_code == 200
    own_photo, their_photo = session.exec(select(Photo).order_by(Photo.id)).all()
    assert client.get(f"/photos/{own_photo.id}/thumb").status_code == 200
    assert client.get(f"/photos/{own_photo.id}/thumb").mimetype == "image/jpeg"
    assert client.get(f"/track/{theirs.tracking_code}").status_code == 404
    assert client.get(f"/photos/{their_photo.id}/thumb").status_code == 404
    assert client.get(f"/photos/{their_photo.id}/display").status_code == 404
    assert client.post(f"/track/{theirs.tracking_code}/withdraw", headers=HX).status_code == 404
    assert client.post(f"/track/{theirs.tracking_code}/info", data={"note": "x"}, headers=HX).status_code == 404
    guest = app.test_client()
    assert guest.get(f"/photos/{own_photo.id}/thumb").status_code == 404
    listing = client.get("/my/complaints").get_data(as_text=True)
    assert mine.tracking_code[:5] in listing and theirs.tracking_code[:5] not in listing


def test_handler_sees_own_district_only(app, base_data, make_complaint, login_as, client):
    own = make_complaint()  # merchant 0 is in the handler's district CD
    elsewhere = make_complaint(merchant_id=str(base_data.merchants[-1].id))
    login_as("handler")
    assert client.get(f"/track/{own.tracking_code}").status_code == 200
    assert client.get(f"/track/{elsewhere.tracking_code}").status_code == 404


def test_inspector_and_volunteer_cannot_see_complaints(base_data, make_complaint, login_as, client):
    complaint = make_complaint()
    login_as("inspector")
    assert client.get(f"/track/{complaint.tracking_code}").status_code == 404


def test_add_info_and_withdraw_after_tracking(client, base_data, session):
    filed = _file(client, base_data)
    code = filed.headers["HX-Redirect"].split("/")[2]
    response = client.post(f"/track/{code}/info", data={"note": "补充:商家电话 0551-1234567",
                                                        "photos": _files((jpeg_bytes(), "more.jpg"))},
                           headers=HX, content_type="multipart/form-data")
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/track/{code}"
    empty = client.post(f"/track/{code}/info", data={"note": "  "}, headers=HX)
    assert empty.status_code == 422
    assert client.post(f"/track/{code}/withdraw", data={"reason": "已退款"}, headers=HX).status_code == 200
    again = client.post(f"/track/{code}/withdraw", headers=HX)
    assert again.status_code == 409
    page = client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert "Withdrawn" in page and "Add information" not in page
    assert _count(session, Photo) == 1


def test_csrf_is_enforced_on_post(app_config, base_data):
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    form = complaint_form(base_data)
    refused = client.post("/complaints", data=form, headers=HX)
    assert refused.status_code == 400
    page = client.get("/complaints/new").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    accepted = client.post("/complaints", data=form, headers={**HX, "X-CSRFToken": token})
    assert accepted.status_code == 200 and "HX-Redirect" in accepted.headers
    app.extensions["db_engine"].dispose()


def test_tracking_lookup_is_rate_limited(app_config, base_data):
    app_config["RATELIMIT_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    statuses = [client.post("/track", data={"code": "23456-78923", "phone_last4": "1234"}, headers=HX).status_code
                for _ in range(12)]
    assert statuses[:10] == [422] * 10 and statuses[-1] == 429
    app.extensions["db_engine"].dispose()


def test_merchant_search(client, base_data):
    html = client.get("/merchants/search?merchant_name=华联", headers=HX).get_data(as_text=True)
    assert "华联超市" in html and "东关店" in html and "data-merchant-id" in html
    none = client.get("/merchants/search?merchant_name=%25%25", headers=HX).get_data(as_text=True)
    assert "data-merchant-id" not in none
