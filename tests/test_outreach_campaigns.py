"""Outreach campaigns (3·15 …): starting one, its page of totals, who may read it, and the demo's."""
import re
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from outreach_helpers import make_event
from webapp.audit import AuditLog
from webapp.auth.models import User
from webapp.campaigns import service
from webapp.campaigns.models import Campaign
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.outreach.models import EventVolunteer, OutreachEvent

HX = {"HX-Request": "true"}


def _count(session, model, *where):
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _campaign(session, kind="outreach", name="2026 年 3·15", **values):
    today = today_shanghai()
    values.setdefault("starts_on", today - timedelta(days=20))
    values.setdefault("ends_on", today + timedelta(days=10))
    campaign = Campaign(kind=kind, name=name, **values)
    session.add(campaign)
    session.commit()
    return campaign


def _form(**overrides):
    today = today_shanghai()
    form = {"kind": "outreach", "name": "2026 年 3·15", "theme": "共筑满意消费 携手维护权益",
            "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=30)).isoformat()}
    form.update(overrides)
    return form


def test_supervisor_starts_an_outreach_campaign(client, session, base_data, login_as):
    login_as("supervisor")
    form = client.get("/campaigns").get_data(as_text=True)
    assert 'name="kind"' in form and 'value="outreach"' in form
    response = client.post("/campaigns", data=_form(district_id=str(base_data.districts["NH"].id)))
    assert response.status_code == 303
    campaign = session.exec(select(Campaign)).one()
    assert (campaign.kind, campaign.theme, campaign.district_id) == ("outreach", "共筑满意消费 携手维护权益",
                                                                     base_data.districts["NH"].id)
    log = session.exec(select(AuditLog).where(AuditLog.action == "campaign.create")).one()
    assert log.after["kind"] == "outreach"
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="outreach-summary">尚未开展宣传活动。<' in page and 'id="fig-events">0<' in page
    listing = client.get("/campaigns?lang=en").get_data(as_text=True)
    assert "tag-outreach" in listing and "2026 年 3·15" in listing


@pytest.mark.parametrize("kind", ["party", "", "Outreach"])
def test_the_kind_must_be_one_of_the_two(client, session, base_data, login_as, kind):
    login_as("supervisor")
    response = client.post("/campaigns", data=_form(kind=kind), headers=HX)
    assert response.status_code == 422
    assert 'id="kind-error"' in response.get_data(as_text=True)
    assert _count(session, Campaign) == 0


@pytest.mark.parametrize("role", ["volunteer", "handler", "inspector"])
def test_only_supervisors_start_campaigns(client, session, base_data, login_as, role):
    login_as(role)
    assert client.post("/campaigns", data=_form()).status_code == 403
    assert _count(session, Campaign) == 0


def test_campaign_page_totals_its_events(client, session, base_data, login_as, make_complaint):
    campaign = _campaign(session, theme="共筑满意消费 携手维护权益")
    other = _campaign(session, name="六进")
    d, u = base_data.districts, base_data.users
    e1 = make_event(session, base_data, campaign_id=campaign.id, place="幸福社区广场")
    make_event(session, base_data, recorder=u["handler"], campaign_id=campaign.id, venue_type="school",
               place="东关中学", participants=300, consultations=15, leaflets=350, volunteers=4)
    e3 = make_event(session, base_data, recorder=u["supervisor"], district_id=d["NH"].id, campaign_id=campaign.id,
                    venue_type="village", place="桃源村", participants=1580, consultations=121, leaflets=1500,
                    volunteers=9)
    make_event(session, base_data, campaign_id=other.id, place="不算在内的活动", participants=9999)
    for event in (e1, e3):
        complaint = make_complaint()
        complaint.event_id, complaint.channel = event.id, "event"
        session.add(complaint)
    session.commit()
    login_as("supervisor")
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'id="fig-events">3<' in html and 'id="fig-participants">2000<' in html
    assert 'id="fig-leaflets">2250<' in html and 'id="fig-onsite">2<' in html and 'id="fig-volunteers">18<' in html
    assert 'id="fig-venue-community">1<' in html and 'id="fig-venue-school">1<' in html
    assert ('开展宣传活动 3 场，其中进社区 1 场、进学校 1 场、进农村 1 场，参与群众 2000 人次，接受咨询 170 余人次，'
            '发放宣传资料 2200 余份，现场受理投诉 2 件，出动志愿者 18 人次。') in html
    rows = re.findall(r'<tr id="district-(\w+)">', html)
    assert rows == ["CD", "CX", "NH"]
    assert "桃源村" in html and "不算在内的活动" not in html
    assert f'href="/events/{e1.id}"' in html or f'/events/{e1.id}"' in html
    assert "共筑满意消费 携手维护权益" in html
    en = client.get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
    assert "3 outreach events were held: 1 in a community, 1 in a school, 1 in a village;" in en
    assert "Chengxi District" in en


def test_volunteers_read_outreach_campaigns_only(client, session, base_data, login_as):
    outreach = _campaign(session)
    enforcement = _campaign(session, kind="enforcement", name="食品安全专项整治")
    own = make_event(session, base_data, campaign_id=outreach.id, place="幸福社区广场")
    theirs = make_event(session, base_data, recorder=base_data.users["handler"], campaign_id=outreach.id,
                        place="东关中学")
    login_as("volunteer")
    assert client.get(f"/campaigns/{outreach.id}").status_code == 200
    assert client.get(f"/campaigns/{enforcement.id}").status_code == 404
    assert client.get("/campaigns/999999").status_code == 404
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "2026 年 3·15" in listing and "食品安全专项整治" not in listing
    assert 'id="campaign-form"' not in listing
    page = client.get(f"/campaigns/{outreach.id}").get_data(as_text=True)
    # Their own event opens; another's is listed without a link (they could not open it).
    assert f'/events/{own.id}"' in page and f'/events/{theirs.id}"' not in page and "东关中学" in page


def test_consumers_never_see_campaigns(client, session, base_data, login_as):
    outreach = _campaign(session)
    login_as("consumer")
    assert client.get("/campaigns").status_code == 403
    assert client.get(f"/campaigns/{outreach.id}").status_code == 403


def test_district_campaigns_are_the_districts(client, session, base_data, login_as):
    d = base_data.districts
    nanhu = _campaign(session, name="南湖区宣传月", district_id=d["NH"].id)
    chengxi = _campaign(session, name="城西区宣传月", district_id=d["CX"].id)
    login_as("volunteer")   # CX
    assert client.get(f"/campaigns/{nanhu.id}").status_code == 404
    assert client.get(f"/campaigns/{chengxi.id}").status_code == 200
    listing = client.get("/campaigns").get_data(as_text=True)
    assert "城西区宣传月" in listing and "南湖区宣传月" not in listing
    client.post("/logout")
    login_as("handler")     # CD
    assert client.get(f"/campaigns/{nanhu.id}").status_code == 404
    client.post("/logout")
    login_as("supervisor")  # city level
    assert client.get(f"/campaigns/{nanhu.id}").status_code == 200
    assert client.get(f"/campaigns/{chengxi.id}").status_code == 200


def test_district_supervisor_campaign_is_their_districts(client, session, base_data, login_as):
    supervisor = base_data.users["supervisor"]
    supervisor.district_id = base_data.districts["CD"].id
    session.add(supervisor)
    session.commit()
    login_as("supervisor")
    assert client.post("/campaigns", data=_form(district_id=str(base_data.districts["NH"].id))).status_code == 303
    assert session.exec(select(Campaign)).one().district_id == base_data.districts["CD"].id


def test_running_outreach(session, base_data):
    d = base_data.districts
    day = date(2026, 3, 15)
    city = _campaign(session, name="city", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    cx = _campaign(session, name="cx", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 15), district_id=d["CX"].id)
    _campaign(session, name="nh", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), district_id=d["NH"].id)
    _campaign(session, name="over", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 14))
    _campaign(session, name="later", starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 31))
    _campaign(session, name="stopped", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), active=False)
    _campaign(session, kind="enforcement", name="enf", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    assert [c.name for c in service.running_outreach(session, d["CX"].id, day)] == ["cx", "city"]
    assert [c.id for c in service.running_outreach(session, d["CD"].id, day)] == [city.id]
    assert [c.id for c in service.running_outreach(session, None, day)] == [city.id]
    over = session.exec(select(Campaign).where(Campaign.name == "over")).one()
    assert [c.id for c in service.running_outreach(session, d["CX"].id, date(2026, 3, 10))] == [cx.id, over.id,
                                                                                              city.id]
    assert service.running_outreach(session, d["CX"].id, date(2026, 4, 1)) == []


def test_demo_outreach_is_idempotent_and_shows_three_districts(app, client, session, base_data, login_as):
    from webapp.demo import load_demo
    from webapp.outreach.demo import _latest_315

    upload_dir = app.config["UPLOAD_DIR"]
    load_demo(session, upload_dir)
    session.commit()
    counted = [_count(session, m) for m in (Campaign, OutreachEvent, EventVolunteer, Complaint, User)]
    load_demo(session, upload_dir)
    session.commit()
    assert [_count(session, m) for m in (Campaign, OutreachEvent, EventVolunteer, Complaint, User)] == counted
    today = today_shanghai()
    assert session.exec(select(func.max(OutreachEvent.held_on))).one() <= today
    campaign = session.exec(select(Campaign).where(Campaign.name == f"{_latest_315(today)} 年 3·15")).one()
    assert campaign.kind == "outreach" and campaign.district_id is None
    onsite = session.exec(select(Complaint).join(OutreachEvent, OutreachEvent.id == Complaint.event_id)
                          .where(OutreachEvent.campaign_id == campaign.id)).all()
    assert 3 <= len(onsite) <= 5 and all(c.channel == "event" for c in onsite)
    login_as("supervisor")
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert re.findall(r'<tr id="district-(\w+)">', html) == ["CD", "CX", "NH"]
    assert f'id="fig-onsite">{len(onsite)}<' in html
    assert "开展宣传活动 13 场，其中进社区 3 场、进学校 3 场、进农村 2 场、进企业 1 场、进商场 3 场、进机关 1 场" in html
    client.post("/logout")
    login_as("volunteer")
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
