"""Outreach totals: what a set of events adds up to, and the sentence a work summary says it in."""
from datetime import date

import pytest
from sqlmodel import select

from outreach_helpers import make_event
from webapp.auth.models import User
from webapp.campaigns.models import Campaign
from webapp.complaints.models import Complaint
from webapp.demo_data import DEMO_PASSWORD
from webapp.outreach import totals
from webapp.outreach.models import VENUE_TYPES, EventVolunteer, OutreachEvent
from webapp.outreach.totals import Totals, approx, compute, sentence


def _campaign(session, name, **values):
    campaign = Campaign(kind="outreach", name=name, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), **values)
    session.add(campaign)
    session.commit()
    return campaign


def _volunteer(session, base_data, username, code="CX"):
    user = User(username=username, display_name="志愿者", role="volunteer", district_id=base_data.districts[code].id)
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    session.commit()
    return user


def _link(session, complaint, event):
    complaint.event_id, complaint.channel = event.id, "event"
    session.add(complaint)
    session.commit()


@pytest.fixture
def scene(session, base_data, make_complaint):
    """Four events of the 3·15 in three districts, one of another campaign, and their complaints."""
    d, u = base_data.districts, base_data.users
    march, other = _campaign(session, "2026 年 3·15"), _campaign(session, "2026 年六进")
    helper = _volunteer(session, base_data, "helper")
    e1 = make_event(session, base_data, campaign_id=march.id, held_on=date(2026, 3, 15))   # CX community, defaults
    e2 = make_event(session, base_data, campaign_id=march.id, held_on=date(2026, 3, 14), venue_type="school",
                    place="城西第二中学", participants=650, consultations=40, leaflets=900, banners=1, boards=3,
                    volunteers=5)
    e3 = make_event(session, base_data, recorder=u["handler"], campaign_id=march.id, held_on=date(2026, 3, 15),
                    venue_type="village", place="西山村", participants=310, consultations=92, leaflets=1100,
                    banners=2, boards=6, volunteers=7)
    e4 = make_event(session, base_data, recorder=u["supervisor"], district_id=d["NH"].id, campaign_id=march.id,
                    held_on=date(2026, 3, 15), venue_type="market", place="南湖万达广场", participants=980,
                    consultations=210, leaflets=2600, banners=3, boards=10, volunteers=15)
    e5 = make_event(session, base_data, campaign_id=other.id, participants=5000, leaflets=9000, volunteers=50)
    for event in (e1, e2, e5):
        session.add(EventVolunteer(event_id=event.id, user_id=helper.id))
    session.commit()
    for event in (e1, e1, e4, e5):
        _link(session, make_complaint(), event)
    make_complaint()   # filed online: counts nowhere
    return {"march": march, "other": other, "events": (e1, e2, e3, e4, e5), "helper": helper}


def test_campaign_totals_by_venue_and_district(session, base_data, scene):
    t = compute(session, OutreachEvent.campaign_id == scene["march"].id)
    assert t.events == 4
    assert list(t.by_venue) == list(VENUE_TYPES)
    assert t.by_venue == {"community": 1, "school": 1, "village": 1, "enterprise": 0, "market": 1, "government": 0}
    assert (t.participants, t.consultations, t.leaflets) == (120 + 650 + 310 + 980, 35 + 40 + 92 + 210,
                                                              400 + 900 + 1100 + 2600)
    assert (t.banners, t.boards, t.volunteers) == (2 + 1 + 2 + 3, 4 + 3 + 6 + 10, 5 + 5 + 7 + 15)
    assert t.onsite_complaints == 3            # two at e1, one at e4; not the other campaign's, not online
    assert t.volunteer_people == 4             # volunteer, helper, handler, supervisor
    rows = [(r.code, r.name, r.name_en, r.events, r.participants, r.consultations, r.leaflets, r.volunteers, r.onsite)
            for r in t.by_district]
    assert rows == [("CD", "城东区", "Chengdong District", 1, 310, 92, 1100, 7, 0),
                    ("CX", "城西区", "Chengxi District", 2, 770, 75, 1300, 10, 2),
                    ("NH", "南湖区", "Nanhu District", 1, 980, 210, 2600, 15, 1)]


def test_other_filters_and_nothing_matching(session, base_data, scene):
    volunteer = base_data.users["volunteer"]
    mine = compute(session, OutreachEvent.recorder_id == volunteer.id)
    assert mine.events == 3 and mine.onsite_complaints == 3 and mine.participants == 120 + 650 + 5000
    assert mine.volunteer_people == 2
    district = compute(session, OutreachEvent.district_id == base_data.districts["NH"].id,
                       OutreachEvent.held_on >= date(2026, 3, 15))
    assert district.events == 1 and district.leaflets == 2600 and district.onsite_complaints == 1
    everything = compute(session)
    assert everything.events == 5 and everything.onsite_complaints == 4 and everything.volunteer_people == 4
    none = compute(session, OutreachEvent.campaign_id == -1)
    assert none == Totals()
    assert none.by_venue == dict.fromkeys(VENUE_TYPES, 0) and none.by_district == []
    assert sentence(none) == "尚未开展宣传活动。" and sentence(none, "en") == "No outreach events yet."


def test_totals_equal_an_independent_count(session, base_data, scene):
    """The aggregate queries agree with adding the rows up one by one."""
    campaign_id = scene["march"].id
    t = compute(session, OutreachEvent.campaign_id == campaign_id)
    events = session.exec(select(OutreachEvent).where(OutreachEvent.campaign_id == campaign_id)).all()
    ids = {e.id for e in events}
    assert t.events == len(events)
    for name in ("participants", "consultations", "leaflets", "banners", "boards", "volunteers"):
        assert getattr(t, name) == sum(getattr(e, name) for e in events), name
    assert t.onsite_complaints == sum(1 for c in session.exec(select(Complaint)) if c.event_id in ids)
    assert t.volunteer_people == len({v.user_id for v in session.exec(select(EventVolunteer))
                                      if v.event_id in ids})


def _t(**values) -> Totals:
    venues = values.pop("venues", {})
    t = Totals(**values)
    t.by_venue.update(venues)
    return t


def test_summary_sentence_zh_and_en():
    t = _t(events=12, venues={"community": 5, "school": 3, "village": 4}, participants=1834, consultations=305,
           leaflets=3456, onsite_complaints=6, volunteers=40, banners=9, boards=20)
    assert sentence(t) == ("开展宣传活动 12 场，其中进社区 5 场、进学校 3 场、进农村 4 场，参与群众 1800 余人次，"
                           "接受咨询 300 余人次，发放宣传资料 3400 余份，现场受理投诉 6 件，出动志愿者 40 人次。")
    assert sentence(t, "en") == (
        "12 outreach events were held: 5 in communities, 3 in schools, 4 in villages; about 1,800 people took "
        "part, about 300 consultations were given, about 3,400 leaflets were handed out, 6 complaints were taken "
        "on site and volunteers turned out 40 times.")


def test_sentence_leaves_out_zero_figures_and_keeps_venue_order():
    t = _t(events=3, venues={"government": 1, "market": 1, "enterprise": 1}, leaflets=30000)
    assert sentence(t) == "开展宣传活动 3 场，其中进企业 1 场、进商场 1 场、进机关 1 场，发放宣传资料 3 万份。"
    assert sentence(t, "en") == ("3 outreach events were held: 1 in an enterprise, 1 in a shopping centre, "
                                 "1 in a government office; 30,000 leaflets were handed out.")
    one = _t(events=1, venues={"community": 1}, participants=1, volunteers=1)
    assert sentence(one) == "开展宣传活动 1 场，其中进社区 1 场，参与群众 1 人次，出动志愿者 1 人次。"
    assert sentence(one, "en") == ("1 outreach event was held: 1 in a community; 1 person took part and "
                                   "a volunteer turned out once.")
    bare = _t(events=2, venues={"school": 2})
    assert sentence(bare) == "开展宣传活动 2 场，其中进学校 2 场。"
    assert sentence(bare, "en") == "2 outreach events were held: 2 in schools."


@pytest.mark.parametrize("n, zh, en", [
    (0, None, None),
    (99, "99 份", "99 leaflets"),
    (100, "100 份", "100 leaflets"),
    (345, "340 余份", "about 340 leaflets"),
    (3000, "3000 份", "3,000 leaflets"),
    (3456, "3400 余份", "about 3,400 leaflets"),
    (9999, "9900 余份", "about 9,900 leaflets"),
    (10000, "1 万份", "10,000 leaflets"),
    (15300, "1.5 万余份", "about 15,000 leaflets"),
    (30000, "3 万份", "30,000 leaflets"),
    (123456, "12.3 万余份", "about 123,000 leaflets"),
])
def test_rounding_like_the_summaries_do(n, zh, en):
    t = _t(events=1, venues={"community": 1}, leaflets=n)
    if zh is None:
        assert "发放" not in sentence(t) and "leaflet" not in sentence(t, "en")
        return
    assert sentence(t) == f"开展宣传活动 1 场，其中进社区 1 场，发放宣传资料 {zh}。"
    assert sentence(t, "en") == f"1 outreach event was held: 1 in a community; {en} were handed out."


def test_approx():
    assert [approx(n) for n in (0, 42, 100, 101, 1834, 15300, 30000)] == [
        (0, False), (42, False), (100, False), (100, True), (1800, True), (15000, True), (30000, False)]


def test_sentence_for_locale(app):
    t = _t(events=2, venues={"school": 2})
    with app.test_request_context("/?lang=en"):
        assert totals.sentence_for_locale(t) == "2 outreach events were held: 2 in schools."
    with app.test_request_context("/"):
        assert totals.sentence_for_locale(t) == "开展宣传活动 2 场，其中进学校 2 场。"
