"""On-site complaints: an event's QR code and poster, the complaint form's event link, closing the link."""
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import segno
from flask import render_template
from sqlmodel import func, select

from conftest import complaint_form
from outreach_helpers import make_event, make_user, sign_in
from webapp.audit import AuditLog
from webapp.complaints import service as complaints
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import ComplaintCreate, today_shanghai
from webapp.forms import FieldErrors
from webapp.media.storage import LocalStorage
from webapp.outreach import onsite
from webapp.outreach.models import EventVolunteer, OutreachEvent

HX = {"HX-Request": "true"}
STORY = "现场买的保健品是假货\uff0c要求退款\u3002"




def _file(client, base_data, headers=HX, **overrides):
    return client.post("/complaints", data=complaint_form(base_data, **overrides), headers=headers)


def _complaints(session):
    session.expire_all()
    return list(session.exec(select(Complaint).order_by(Complaint.id)))


def _link(event):
    return f"http://localhost/complaints/new?event={event.public_code}"


def _path_data(svg: str) -> str:
    return re.search(r' d="([^"]+)"', svg).group(1)


# --- the window -------------------------------------------------------------------------------------------

def test_the_link_takes_complaints_from_the_day_until_seven_days_after(session, base_data):
    today = today_shanghai()
    event = make_event(session, base_data, held_on=today - timedelta(days=3))
    held = event.held_on
    assert onsite.QR_OPEN_DAYS == 7
    assert not onsite.accepts_complaints(event, held - timedelta(days=1))
    assert onsite.accepts_complaints(event, held)
    assert onsite.accepts_complaints(event, held + timedelta(days=7))
    assert not onsite.accepts_complaints(event, held + timedelta(days=8))
    event.qr_closed_at = datetime.now(timezone.utc)
    assert not onsite.accepts_complaints(event, held)


def test_event_for_link_reads_typed_codes_and_names_the_problem(session, base_data):
    today = today_shanghai()
    event = make_event(session, base_data)
    code = event.public_code
    assert onsite.event_for_link(session, f" {code[:4].lower()}-{code[4:].lower()} ", today) == (event, None)
    assert onsite.event_for_link(session, "ZZZZZZZZ", today) == (None, "unknown")
    assert onsite.event_for_link(session, "<script>", today) == (None, "unknown")
    assert onsite.event_for_link(session, None, today) == (None, "unknown")
    assert onsite.event_for_link(session, code, today + timedelta(days=8)) == (event, "closed")


# --- QR code and poster -----------------------------------------------------------------------------------

def test_qr_svg_holds_the_events_complaint_link(client, session, base_data, login_as):
    event = make_event(session, base_data)
    login_as("volunteer")
    response = client.get(f"/events/{event.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and "viewBox" in svg
    assert "style=" not in svg  # the CSP allows no inline style
    expected = io.BytesIO()
    segno.make(_link(event), error="m").save(expected, kind="svg", scale=10, border=4, xmldecl=False)
    assert _path_data(svg) == _path_data(expected.getvalue().decode())
    other = io.BytesIO()
    segno.make(_link(event) + "X", error="m").save(other, kind="svg", scale=10, border=4, xmldecl=False)
    assert _path_data(svg) != _path_data(other.getvalue().decode())


def test_poster_shows_the_event_the_code_and_the_link(client, session, base_data, login_as, app):
    event = make_event(session, base_data, topic="识别预付卡陷阱")
    login_as("volunteer")
    response = client.get(f"/events/{event.id}/poster?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="poster"' in html and "扫码投诉" in html and "Scan to file a complaint" in html
    assert f'src="/events/{event.id}/qr.svg"' in html
    assert event.place in html and event.held_on.isoformat() in html and "识别预付卡陷阱" in html
    assert _link(event) in html and f"{event.public_code[:4]}-{event.public_code[4:]}" in html
    assert "12315" in html and app.config["CITY_NAME"] in html
    assert "Print" in html and "style=" not in html and "onclick" not in html
    assert "no longer takes complaints" not in html


def test_poster_of_a_closed_link_warns_on_screen(client, session, base_data, login_as):
    event = make_event(session, base_data, qr_closed_at=datetime.now(timezone.utc))
    login_as("volunteer")
    html = client.get(f"/events/{event.id}/poster?lang=en").get_data(as_text=True)
    assert "no longer takes complaints" in html


@pytest.mark.parametrize("path", ["qr.svg", "poster"])
def test_qr_and_poster_are_for_those_who_may_see_the_event(client, session, base_data, login_as, path):
    mine = make_event(session, base_data)                                          # the volunteer's, in CX
    cd_event = make_event(session, base_data, recorder=base_data.users["handler"])  # a CD event
    assert client.get(f"/events/{mine.id}/{path}").status_code == 302             # anonymous: to sign in
    login_as("volunteer")
    assert client.get(f"/events/{cd_event.id}/{path}").status_code == 404         # another district's
    assert client.get(f"/events/{mine.id}/{path}").status_code == 200
    login_as("handler")                                                            # staff of CD
    assert client.get(f"/events/{mine.id}/{path}").status_code == 404
    assert client.get(f"/events/{cd_event.id}/{path}").status_code == 200
    login_as("consumer")
    assert client.get(f"/events/{mine.id}/{path}").status_code == 404
    login_as("supervisor")                                                         # city level
    assert client.get(f"/events/{mine.id}/{path}").status_code == 200
    assert client.get(f"/events/999999/{path}").status_code == 404


# --- the complaint form through the link ------------------------------------------------------------------

def test_a_complaint_through_the_link_is_linked_to_the_event(client, session, base_data):
    event = make_event(session, base_data)
    code = event.public_code
    response = client.get(f"/complaints/new?event={code[:4].lower()}-{code[4:]}&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You are filing on site at: 幸福社区广场" in html and event.held_on.isoformat() in html
    assert f'name="event_code" value="{code}"' in html
    assert f'<option value="{event.district_id}" selected' in html

    response = _file(client, base_data, event_code=code, district_id=str(event.district_id))
    assert response.status_code == 200 and "/receipt" in response.headers["HX-Redirect"]
    [complaint] = _complaints(session)
    assert complaint.event_id == event.id and complaint.channel == "event"
    audit = session.exec(select(AuditLog).where(AuditLog.action == "complaint.create")).one()
    assert audit.after["event_id"] == event.id and audit.after["channel"] == "event"


def test_an_ordinary_complaint_is_not_linked(client, session, base_data):
    make_event(session, base_data)
    html = client.get("/complaints/new?lang=en").get_data(as_text=True)
    assert 'name="event_code"' not in html and "on site" not in html
    assert _file(client, base_data).status_code == 200
    [complaint] = _complaints(session)
    assert complaint.event_id is None and complaint.channel == "web"


@pytest.mark.parametrize("query", ["ZZZZZZZZ", "", "%3Cscript%3E", "A" * 300])
def test_an_unknown_link_still_shows_the_form_with_a_404(client, session, base_data, query):
    make_event(session, base_data)
    response = client.get(f"/complaints/new?event={query}&lang=en")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'id="complaint-form"' in html and "This event link was not found" in html
    assert 'name="event_code"' not in html


@pytest.mark.parametrize("how", ["closed early", "window over"])
def test_a_closed_link_still_shows_the_form_with_a_410(client, session, base_data, how):
    if how == "closed early":
        event = make_event(session, base_data, qr_closed_at=datetime.now(timezone.utc))
    else:
        event = make_event(session, base_data, held_on=today_shanghai() - timedelta(days=onsite.QR_OPEN_DAYS + 1))
    response = client.get(f"/complaints/new?event={event.public_code}&lang=en")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert 'id="complaint-form"' in html and "幸福社区广场" in html
    assert "no longer takes complaints by QR code" in html and 'name="event_code"' not in html


def test_the_last_day_of_the_window_still_takes_complaints(client, session, base_data):
    event = make_event(session, base_data, held_on=today_shanghai() - timedelta(days=onsite.QR_OPEN_DAYS))
    assert client.get(f"/complaints/new?event={event.public_code}").status_code == 200
    assert _file(client, base_data, event_code=event.public_code).status_code == 200
    assert _complaints(session)[0].event_id == event.id


def test_closing_while_the_consumer_types_gives_422_then_an_ordinary_complaint(client, session, base_data):
    client.set_cookie("lang", "en")
    event = make_event(session, base_data)
    html = client.get(f"/complaints/new?event={event.public_code}").get_data(as_text=True)
    assert 'name="event_code"' in html
    onsite.close_qr(session, base_data.users["volunteer"], event)
    session.commit()

    response = _file(client, base_data, event_code=event.public_code, description=STORY,
                     headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="event_code-error"' in html and "no longer takes complaints by QR code" in html
    assert 'name="event_code"' not in html and "现场买的保健品是假货" in html
    assert _complaints(session) == []

    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert "event_code" not in hidden
    response = _file(client, base_data, description=STORY, **hidden)
    assert response.status_code == 200
    [complaint] = _complaints(session)
    assert complaint.event_id is None and complaint.channel == "web"


def test_an_unknown_event_code_in_the_post_gives_422(client, session, base_data):
    client.set_cookie("lang", "en")
    response = _file(client, base_data, event_code="ZZZZZZZZ", headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The event link was not found" in html and 'name="event_code"' not in html
    assert _complaints(session) == []


def test_other_errors_keep_the_event_link(client, session, base_data):
    client.set_cookie("lang", "en")
    event = make_event(session, base_data)
    response = _file(client, base_data, event_code=event.public_code, consumer_phone="123",
                     headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'name="event_code" value="{event.public_code}"' in html and "You are filing on site at" in html


def test_a_link_closed_before_a_typing_error_is_corrected_is_dropped_at_once(client, session, base_data):
    client.set_cookie("lang", "en")
    event = make_event(session, base_data)
    onsite.close_qr(session, base_data.users["volunteer"], event)
    session.commit()
    response = _file(client, base_data, event_code=event.public_code, consumer_phone="123",
                     headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="consumer_phone-error"' in html and "no longer takes complaints by QR code" in html
    assert 'name="event_code"' not in html and "You are filing on site at" not in html


def test_the_service_refuses_a_closed_event(session, base_data, app):
    event = make_event(session, base_data, qr_closed_at=datetime.now(timezone.utc))
    data = ComplaintCreate.model_validate(complaint_form(base_data, event_code=event.public_code))
    with pytest.raises(FieldErrors) as exc:
        complaints.create_complaint(session, None, data, [], LocalStorage(app.config["UPLOAD_DIR"]))
    assert exc.value.errors == {"event_code": "event_closed"}


# --- what the event page shows ----------------------------------------------------------------------------

def _render_partials(app, session, user, event):
    with app.test_request_context("/?lang=en"):
        context = onsite.detail_context(session, user, event, today_shanghai())
        return context, (render_template("outreach/_qr.html", event=event, **context)
                         + render_template("outreach/_onsite.html", event=event, **context))


def test_the_events_complaints_carry_no_personal_data(app, session, base_data, make_complaint):
    event = make_event(session, base_data)
    complaint = make_complaint(event_code=event.public_code, consumer_name="赵秘密", consumer_phone="13712349876",
                               description="这是一段不应给志愿者看的描述文字\u3002")
    make_complaint()  # an ordinary one: not the event's

    [row] = onsite.onsite_complaints(session, event)
    assert row.merchant_name == base_data.merchants[0].name and row.category_name == "食品"
    assert row.state == "submitted" and row.tracking_code == complaint.tracking_code
    assert row.received_on == today_shanghai()

    context, html = _render_partials(app, session, base_data.users["volunteer"], event)
    assert context["show_codes"] is False and context["qr_open"] is True and context["can_close_qr"] is True
    assert base_data.merchants[0].name in html and "Food" in html and "Submitted, awaiting acceptance" in html
    for secret in ("赵秘密", "13712349876", "9876", "不应给志愿者看", complaint.tracking_code):
        assert secret not in html
    assert _link(event) in html and f"/events/{event.id}/qr/close" in html

    context, html = _render_partials(app, session, base_data.users["supervisor"], event)
    assert context["show_codes"] is True
    assert f'href="/handling/complaints/{complaint.tracking_code}"' in html and "赵秘密" not in html


def test_a_district_handler_sees_codes_only_of_complaints_in_their_district(app, session, base_data,
                                                                           make_complaint):
    handler = base_data.users["handler"]  # CD; base_data.merchants[0] is in CD
    event = make_event(session, base_data, recorder=handler)
    cd = make_complaint(event_code=event.public_code)
    other = next(m for m in base_data.merchants if m.district_id != handler.district_id)
    elsewhere = make_complaint(event_code=event.public_code, merchant_id=str(other.id),
                               merchant_name=other.name, district_id=str(other.district_id))
    _context, html = _render_partials(app, session, handler, event)
    assert cd.tracking_code in html and elsewhere.tracking_code not in html


# --- closing the link -------------------------------------------------------------------------------------

def test_the_recorder_closes_the_link(client, session, base_data, login_as):
    event = make_event(session, base_data)
    login_as("volunteer")
    response = client.post(f"/events/{event.id}/qr/close")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/events/{event.id}")
    session.expire_all()
    closed = session.get(OutreachEvent, event.id)
    assert closed.qr_closed_at is not None
    audit = session.exec(select(AuditLog).where(AuditLog.action == "outreach.qr_close")).one()
    assert audit.object_id == event.id and audit.actor_id == base_data.users["volunteer"].id
    assert client.get(f"/complaints/new?event={event.public_code}").status_code == 410
    # Closing again changes nothing and writes no second audit row.
    assert client.post(f"/events/{event.id}/qr/close").status_code == 303
    assert session.exec(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == "outreach.qr_close")).one() == 1


def test_closing_over_htmx_swaps_the_qr_panel(client, session, base_data, login_as):
    event = make_event(session, base_data)
    login_as("supervisor")
    response = client.post(f"/events/{event.id}/qr/close?lang=en", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="event-qr"' in html and "<html" not in html
    assert "Closed on" in html and "/qr/close" not in html


def test_who_may_close_the_link(client, session, base_data, login_as):
    event = make_event(session, base_data)
    assert client.post(f"/events/{event.id}/qr/close").status_code == 302  # anonymous: to sign in
    login_as("consumer")
    assert client.post(f"/events/{event.id}/qr/close").status_code == 404
    login_as("handler")  # CD staff, CX event
    assert client.post(f"/events/{event.id}/qr/close").status_code == 404
    helper = make_user(session, base_data, "volunteer")
    session.add(EventVolunteer(event_id=event.id, user_id=helper.id))
    session.commit()
    sign_in(client, helper)  # took part, but did not record it
    assert client.post(f"/events/{event.id}/qr/close").status_code == 403
    old = make_event(session, base_data, received_at=datetime.now(timezone.utc) - timedelta(days=8))
    login_as("volunteer")  # the recorder, after the edit window
    assert client.post(f"/events/{old.id}/qr/close").status_code == 403
    session.expire_all()
    assert session.get(OutreachEvent, event.id).qr_closed_at is None
    assert session.get(OutreachEvent, old.id).qr_closed_at is None
    context_user = base_data.users["volunteer"]
    assert onsite.detail_context(session, context_user, old, today_shanghai())["can_close_qr"] is False
