"""Outreach events as a volunteer's phone and a browser send them: idempotency, refusals, edits, pages."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from inspection_helpers import JSON, count, photo_file
from outreach_helpers import make_event, make_user, sign_in
from webapp.audit import AuditLog
from webapp.campaigns.models import Campaign
from webapp.complaints.schemas import today_shanghai
from webapp.media.models import Photo
from webapp.outreach.models import EventVolunteer, OutreachEvent

ROWS = (OutreachEvent, EventVolunteer, Photo)


def event_form(**overrides) -> dict:
    """A valid event form as the phone posts it."""
    form = {
        "client_uuid": str(uuid.uuid4()),
        "captured_at": datetime.now(timezone.utc).isoformat(),
        "held_on": today_shanghai().isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "venue_type": "village",
        "place": "石桥村文化广场",
        "formats": ["desk", "leaflets"],
        "audiences": ["elderly", "rural"],
        "topic": "农资打假与防范保健品骗局",
        "participants": "180",
        "consultations": "42",
        "leaflets": "600",
        "banners": "2",
        "boards": "6",
        "volunteers": "4",
        "note": "赶集日设摊",
    }
    form.update(overrides)
    return form


def _post(client, form, headers=JSON):
    return client.post("/events", data=form, headers=headers, content_type="multipart/form-data")




def _none_saved(session):
    assert [count(session, m) for m in ROWS] == [0, 0, 0]


def test_a_volunteer_logs_an_event_and_a_replay_is_the_same_one(client, session, base_data, login_as):
    volunteer = login_as("volunteer")
    form = event_form(photos=[photo_file()])
    first = _post(client, form)
    again = _post(client, dict(event_form(**{k: v for k, v in form.items() if k != "photos"}),
                               photos=[photo_file()]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    event = session.exec(select(OutreachEvent)).one()
    assert first.get_json()["url"] == f"/events/{event.id}"
    assert (event.district_id, event.recorder_id, event.venue_type) == (volunteer.district_id, volunteer.id, "village")
    assert (event.participants, event.consultations, event.leaflets, event.boards) == (180, 42, 600, 6)
    assert event.formats == ["desk", "leaflets"] and event.audiences == ["elderly", "rural"]
    assert event.start_time.strftime("%H:%M") == "09:00" and len(event.public_code) == 8
    assert [link.user_id for link in session.exec(select(EventVolunteer))] == [volunteer.id]
    photo = session.exec(select(Photo)).one()
    assert photo.outreach_event_id == event.id
    assert session.exec(select(AuditLog).where(AuditLog.action == "outreach_event.create")).one().object_id == event.id


def test_a_different_record_under_the_same_number_is_a_conflict(client, session, base_data, login_as):
    login_as("volunteer")
    form = event_form()
    assert _post(client, form).status_code == 201
    response = _post(client, dict(form, place="另一个地方"))
    assert response.status_code == 409 and response.get_json()["ok"] is False
    assert count(session, OutreachEvent) == 1


def test_a_plain_form_redirects_to_the_event_page(client, session, base_data, login_as):
    login_as("volunteer")
    response = _post(client, event_form(), headers={"Accept": "text/html"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "石桥村文化广场" in page.text and 'id="event-participants">180<' in page.text


@pytest.mark.parametrize("field, value, words", [
    ("leaflets", "10000000", "at most 100,000"),
    ("participants", "-5", "cannot be negative"),
    ("banners", "many", "whole number"),
    ("volunteers", "0", "At least one volunteer"),
    ("held_on", (today_shanghai() + timedelta(days=1)).isoformat(), "cannot be in the future"),
    ("held_on", "2024-02-30", "valid date"),
    ("held_on", (today_shanghai() - timedelta(days=400)).isoformat(), "more than a year ago"),
    ("venue_type", "moon", "one of the options"),
    ("formats", ["desk", "dance-off"], "one of the options"),
    ("formats", [], "at least one"),
    ("place", "  ", "where it was held"),
    ("end_time", "08:00", "end before it starts"),
    ("client_uuid", "not-a-uuid", "no valid number"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, session, base_data, login_as,
                                                                field, value, words):
    login_as("volunteer")
    client.set_cookie("lang", "en")
    response = _post(client, event_form(**{field: value}))
    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False and words in body["errors"][field]
    _none_saved(session)


def test_more_consultations_than_participants_is_allowed(client, session, base_data, login_as):
    login_as("volunteer")
    assert _post(client, event_form(participants="20", consultations="35")).status_code == 201


def test_full_width_digits_and_separators_are_read(client, session, base_data, login_as):
    login_as("volunteer")
    assert _post(client, event_form(leaflets="１,２００", participants="")).status_code == 201
    event = session.exec(select(OutreachEvent)).one()
    assert (event.leaflets, event.participants) == (1200, 0)


def test_the_html_form_keeps_what_was_typed_after_an_error(client, session, base_data, login_as):
    login_as("volunteer")
    client.set_cookie("lang", "en")
    response = _post(client, event_form(leaflets="10000000"), headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert 'value="石桥村文化广场"' in response.text and 'value="10000000"' in response.text
    assert 'name="formats" value="desk" checked' in response.text
    _none_saved(session)


def test_campaign_must_be_an_outreach_campaign_running_on_the_day(client, session, base_data, login_as):
    login_as("volunteer")
    client.set_cookie("lang", "en")
    today = today_shanghai()
    outreach = Campaign(kind="outreach", name="3·15", starts_on=today - timedelta(days=3), ends_on=today)
    enforcement = Campaign(kind="enforcement", name="整治", starts_on=today, ends_on=today)
    later = Campaign(kind="outreach", name="later", starts_on=today - timedelta(days=1), ends_on=today)
    session.add_all([outreach, enforcement, later])
    session.commit()
    bad = _post(client, event_form(campaign_id=str(enforcement.id)))
    early = _post(client, event_form(campaign_id=str(later.id), held_on=(today - timedelta(days=2)).isoformat()))
    assert bad.status_code == 422 and "not running" in bad.get_json()["errors"]["campaign_id"]
    assert early.status_code == 422 and "outside the campaign" in early.get_json()["errors"]["campaign_id"]
    _none_saved(session)
    assert _post(client, event_form(campaign_id=str(outreach.id))).status_code == 201
    assert session.exec(select(OutreachEvent)).one().campaign_id == outreach.id


def test_volunteers_listed_must_be_on_the_districts_roster(client, session, base_data, login_as):
    login_as("volunteer")
    client.set_cookie("lang", "en")
    mate = make_user(session, base_data, "volunteer", "CX", "王伙伴")
    stranger = make_user(session, base_data, "volunteer", "CD", "外区志愿者")
    outside = _post(client, event_form(volunteer_ids=[str(mate.id), str(stranger.id)]))
    assert outside.status_code == 422 and "roster" in outside.get_json()["errors"]["volunteer_ids"]
    too_few = _post(client, event_form(volunteer_ids=[str(mate.id)], volunteers="1"))
    assert too_few.status_code == 422 and "more volunteers by name" in too_few.get_json()["errors"]["volunteers"]
    _none_saved(session)
    assert _post(client, event_form(volunteer_ids=[str(mate.id)], volunteers="2")).status_code == 201
    assert sorted(session.exec(select(EventVolunteer.user_id))) == sorted([base_data.users["volunteer"].id, mate.id])


def test_who_may_record(client, session, base_data, login_as):
    assert _post(client, event_form()).status_code == 401
    login_as("consumer")
    assert _post(client, event_form()).status_code == 403
    assert client.get("/events/new").status_code == 403
    _none_saved(session)


def test_city_level_recorder_must_name_the_district(client, session, base_data, login_as):
    login_as("supervisor")
    client.set_cookie("lang", "en")
    response = _post(client, event_form())
    assert response.status_code == 422 and "district" in response.get_json()["errors"]["district_id"]
    nh = base_data.districts["NH"]
    assert _post(client, event_form(district_id=str(nh.id))).status_code == 201
    assert session.exec(select(OutreachEvent)).one().district_id == nh.id


def test_the_form_page_offers_the_running_campaign_and_the_roster(client, session, base_data, login_as):
    login_as("volunteer")
    mate = make_user(session, base_data, "volunteer", "CX", "王伙伴")
    today = today_shanghai()
    session.add(Campaign(kind="outreach", name="2026 年 3·15", starts_on=today, ends_on=today))
    session.commit()
    page = client.get("/events/new")
    assert page.status_code == 200
    assert "data-outbox" in page.text and "2026 年 3·15" in page.text and "王伙伴" in page.text
    assert 'selected>2026 年 3·15' in page.text
    assert str(mate.id) in page.text


def test_the_recorder_edits_for_seven_days(client, session, base_data, login_as):
    volunteer = login_as("volunteer")
    event = make_event(session, base_data)
    values = event_form(participants="200")
    response = client.post(f"/events/{event.id}/edit", data=values)
    assert response.status_code == 303
    session.refresh(event)
    assert event.participants == 200 and event.updated_by_id == volunteer.id
    row = session.exec(select(AuditLog).where(AuditLog.action == "outreach_event.edit")).one()
    assert row.before["participants"] == 120 and row.after["participants"] == 200
    event.received_at = datetime.now(timezone.utc) - timedelta(days=8)
    session.add(event)
    session.commit()
    assert client.get(f"/events/{event.id}/edit").status_code == 403
    assert client.post(f"/events/{event.id}/edit", data=event_form(participants="1")).status_code == 403
    session.refresh(event)
    assert event.participants == 200


def test_a_bad_edit_changes_nothing(client, session, base_data, login_as):
    login_as("volunteer")
    event = make_event(session, base_data)
    client.set_cookie("lang", "en")
    response = client.post(f"/events/{event.id}/edit", data=event_form(participants="-1", place="改名"))
    assert response.status_code == 422 and "cannot be negative" in response.text and 'value="改名"' in response.text
    session.refresh(event)
    assert (event.participants, event.place) == (120, "幸福社区广场")


def test_district_staff_correct_any_time_and_it_is_audited(client, session, base_data, login_as):
    event = make_event(session, base_data, received_at=datetime.now(timezone.utc) - timedelta(days=30))
    handler = make_user(session, base_data, "handler", "CX", "城西受理员")
    sign_in(client, handler)
    page = client.get(f"/events/{event.id}/edit")
    assert page.status_code == 200 and 'id="correcting-notice"' in page.text
    assert client.post(f"/events/{event.id}/edit", data=event_form(leaflets="450")).status_code == 303
    session.refresh(event)
    assert event.leaflets == 450 and event.recorder_id == base_data.users["volunteer"].id
    row = session.exec(select(AuditLog).where(AuditLog.action == "outreach_event.correct")).one()
    assert (row.actor_id, row.before["leaflets"], row.after["leaflets"]) == (handler.id, 400, 450)


def test_other_districts_and_other_roles_cannot_see_or_change(client, session, base_data, login_as):
    event = make_event(session, base_data)
    login_as("handler")   # 城东: another district
    assert client.get(f"/events/{event.id}").status_code == 404
    assert client.post(f"/events/{event.id}/edit", data=event_form()).status_code == 404
    client.post("/logout")
    login_as("consumer")
    assert client.get(f"/events/{event.id}").status_code == 404
    client.post("/logout")
    inspector = make_user(session, base_data, "inspector", "CX", "城西执法")
    sign_in(client, inspector)
    assert client.get(f"/events/{event.id}").status_code == 200
    assert client.get(f"/events/{event.id}/edit").status_code == 403


def test_another_volunteer_cannot_see_an_event_they_were_not_at(client, session, base_data, login_as):
    event = make_event(session, base_data)
    other = make_user(session, base_data, "volunteer", "CX", "另一位")
    sign_in(client, other)
    assert client.get(f"/events/{event.id}").status_code == 404
    session.add(EventVolunteer(event_id=event.id, user_id=other.id))
    session.commit()
    assert client.get(f"/events/{event.id}").status_code == 200
    assert client.get(f"/events/{event.id}/edit").status_code == 403   # only the recorder edits


def test_event_photos_are_served_only_to_those_who_may_see_the_event(client, session, base_data, login_as):
    login_as("volunteer")
    assert _post(client, event_form(photos=[photo_file()])).status_code == 201
    photo = session.exec(select(Photo)).one()
    assert client.get(f"/photos/{photo.id}/thumb").status_code == 200
    client.post("/logout")
    login_as("handler")   # another district
    assert client.get(f"/photos/{photo.id}/thumb").status_code == 404


def test_my_events_total_my_own(client, session, base_data, login_as):
    volunteer = login_as("volunteer")
    make_event(session, base_data, place="甲社区", participants=100)
    make_event(session, base_data, place="乙学校", venue_type="school", participants=50)
    other = make_user(session, base_data, "volunteer", "CX", "另一位")
    make_event(session, base_data, recorder=other, place="丙村", participants=999)
    page = client.get("/events/mine")
    assert page.status_code == 200
    assert "甲社区" in page.text and "乙学校" in page.text and "丙村" not in page.text
    assert 'id="fig-participants">150<' in page.text.replace(" ", "")
    assert volunteer.id


def test_the_staff_list_is_of_their_district_and_period(client, session, base_data, login_as):
    make_event(session, base_data, place="城西的活动")
    login_as("handler")   # 城东
    page = client.get("/events")
    assert page.status_code == 200 and "城西的活动" not in page.text
    client.post("/logout")
    login_as("supervisor")   # city level
    assert "城西的活动" in client.get("/events").text
    last_year = date(today_shanghai().year - 1, 1, 1).isoformat()
    assert "城西的活动" not in client.get(f"/events?from={last_year}&to={last_year}").text
    bad = client.get("/events?from=yesterday")
    assert bad.status_code == 422 and "城西的活动" in bad.text
