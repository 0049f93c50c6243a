"""Demo outreach: the 3·15 campaign and a year-round "六进" campaign, a day of desks in the three districts,
the volunteers who staffed them, and a few complaints taken on site.

Idempotent: campaigns are found by name, volunteers by username, events and complaints by a fixed client_uuid
(uuid5). The 3·15 is the latest one that has already happened, so every event is held on or before today.
"""
from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlmodel import Session, select

from webapp import demo_data
from webapp.auth.models import District, User
from webapp.campaigns.models import OUTREACH, Campaign
from webapp.complaints import service as complaints
from webapp.complaints import states
from webapp.complaints.models import Category
from webapp.complaints.schemas import ComplaintCreate, today_shanghai
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant
from webapp.outreach.codes import new_code
from webapp.outreach.models import EventVolunteer, OutreachEvent

NAMESPACE = uuid.UUID("3a15d0c4-7e21-4b6f-9c88-2f5e1d0b3150")
THEME_315 = "共筑满意消费 携手维护权益"
THEME_YEAR = "放心消费进万家"

# Extra volunteers so each district has its own: (username, display name, district code)
VOLUNTEERS = [
    ("volunteer-cd", "孙晓燕", "CD"),
    ("volunteer-nh", "吴建国", "NH"),
]

# (key, campaign "315" | "year" | None, March day (315) or days ago, district, recorder username,
#  other volunteers, venue type, place, formats, audiences, topic,
#  (participants, consultations, leaflets, banners, boards, volunteers))
EVENTS = [
    ("cd-square", "315", 15, "CD", "handler", ["volunteer-cd"], "market", "东关商业广场",
     ["desk", "leaflets", "boards"], ["general"], "3·15 国际消费者权益日主题宣传咨询", (1200, 260, 3500, 4, 12, 18)),
    ("cd-school", "315", 14, "CD", "volunteer-cd", [], "school", "城东实验小学",
     ["lecture", "quiz"], ["youth"], "校园消费安全课：远离“三无”零食", (420, 30, 600, 1, 2, 6)),
    ("cd-donghu", "315", 12, "CD", "volunteer-cd", [], "community", "东湖社区居委会",
     ["lecture", "desk"], ["elderly"], "防范保健品虚假宣传", (180, 65, 500, 1, 4, 5)),
    ("cd-park", "315", 20, "CD", "handler", ["volunteer-cd"], "enterprise", "城东工业园华泰电子厂",
     ["desk", "leaflets"], ["workers"], "预付卡消费风险提示", (260, 48, 700, 1, 2, 4)),
    ("cx-wanda", "315", 15, "CX", "volunteer", [], "market", "城西购物广场门前",
     ["desk", "performance", "leaflets"], ["general"], THEME_315, (1500, 320, 4200, 6, 16, 22)),
    ("cx-xingfu", "315", 15, "CX", "volunteer", [], "community", "幸福社区广场",
     ["desk", "leaflets"], ["elderly"], "防范养老诈骗", (230, 76, 800, 2, 4, 6)),
    ("cx-school", "315", 13, "CX", "volunteer", [], "school", "城西第二中学",
     ["lecture", "quiz"], ["youth"], "理性消费 拒绝网贷陷阱", (650, 40, 900, 1, 3, 5)),
    ("cx-xishan", "315", 18, "CX", "volunteer", [], "village", "西郊镇西山村村委会",
     ["desk", "boards", "leaflets"], ["rural"], "农资打假 识假辨假", (310, 92, 1100, 2, 6, 7)),
    ("cx-gov", "315", 8, "CX", "volunteer", [], "government", "城西区政务服务中心",
     ["lecture"], ["general", "women"], "消费维权法律法规宣讲", (120, 25, 300, 1, 2, 3)),
    ("nh-plaza", "315", 15, "NH", "supervisor", ["volunteer-nh"], "market", "南湖万达广场",
     ["desk", "performance", "leaflets", "boards"], ["general"], THEME_315, (980, 210, 2600, 3, 10, 15)),
    ("nh-taoyuan", "315", 15, "NH", "volunteer-nh", [], "village", "南湖镇桃源村文化广场",
     ["desk", "performance"], ["rural"], "农村消费维权 送法下乡", (540, 120, 1500, 2, 6, 9)),
    ("nh-school", "315", 16, "NH", "volunteer-nh", [], "school", "南湖中心小学",
     ["quiz"], ["youth"], "消费知识有奖问答", (380, 20, 500, 1, 2, 4)),
    ("nh-hupan", "315", 10, "NH", "volunteer-nh", [], "community", "湖畔社区活动中心",
     ["lecture"], ["elderly", "women"], "看懂食品标签", (150, 42, 400, 1, 3, 4)),
    ("cx-yangguang", "year", 12, "CX", "volunteer", [], "community", "阳光社区服务站",
     ["desk", "leaflets"], ["elderly"], "预付卡消费提醒", (90, 25, 260, 1, 2, 3)),
    ("cd-middle", "year", 30, "CD", "volunteer-cd", [], "school", "东关中学",
     ["lecture"], ["youth"], "网络购物七日无理由退货", (300, 15, 350, 1, 2, 4)),
    ("nh-fair", "year", 45, "NH", "volunteer-nh", [], "village", "南湖镇农村集市",
     ["desk", "boards"], ["rural"], "农资购买索票索证", (260, 70, 900, 2, 4, 6)),
    ("cx-elder", None, 5, "CX", "volunteer", [], "community", "城西老年大学",
     ["lecture"], ["elderly"], "警惕“免费旅游”陷阱", (60, 18, 120, 0, 1, 2)),
]

# On-site complaints: (key, event key, merchant, category code, problem, outcome, text, amount, state)
ONSITE = [
    ("c1", "cx-wanda", "时尚衣坊", "clothing", "quality", "exchange",
     "在时尚衣坊购买的羽绒服洗后严重缩水，吊牌标注的含绒量与实物不符，商家不同意换货。", "699.00", states.CLOSED),
    ("c2", "cx-wanda", "优品手机店", "telecom_devices", "after_sales", "repair",
     "手机在保修期内无法充电，门店要求自费维修。", "1899.00", states.RESOLVED),
    ("c3", "cx-xingfu", "仁和堂药店", "drugs", "false_advertising", "refund",
     "药店店员向老人推销保健品，称可以代替降压药，要求退款。", "1280.00", states.CLOSED),
    ("c4", "nh-plaza", "美的专卖店（南湖）", "appliances", "after_sales", "repair",
     "热水器安装后接口漏水，专卖店称需另付安装费才上门处理。", "2199.00", states.RESOLVED),
    ("c5", "nh-taoyuan", "惠农化肥农药店", "agri", "quality", "compensation",
     "购买的复合肥结块严重，施用后出现烧苗，要求赔偿损失。", "860.00", states.MEDIATION_FAILED),
]


def _latest_315(today: date) -> int:
    """The year of the latest 3·15 that has already happened."""
    return today.year if today >= date(today.year, 3, 15) else today.year - 1


def _campaign(session: Session, name: str, theme: str, starts_on: date, ends_on: date) -> Campaign:
    campaign = session.exec(select(Campaign).where(Campaign.kind == OUTREACH, Campaign.name == name)).first()
    if campaign is None:
        campaign = Campaign(kind=OUTREACH, name=name, theme=theme, starts_on=starts_on, ends_on=ends_on)
        session.add(campaign)
        session.flush()
    return campaign


def _volunteers(session: Session, districts: dict[str, District]) -> None:
    for username, name, code in VOLUNTEERS:
        if session.exec(select(User).where(User.username == username)).first() is None:
            user = User(username=username, display_name=name, role="volunteer", district_id=districts[code].id)
            user.set_password(demo_data.DEMO_PASSWORD)
            session.add(user)
    session.flush()


def _held_on(today: date, year_315: int, campaign: str | None, day: int) -> date:
    if campaign == "315":
        return min(date(year_315, 3, day), today)
    return max(today - timedelta(days=day), date(today.year, 1, 1))


def _event(session: Session, spec, campaigns: dict, districts: dict, users: dict, today: date,
           year_315: int) -> tuple[OutreachEvent | None, bool]:
    key, campaign, day, dcode, recorder, others, venue, place, formats, audiences, topic, counts = spec
    client_uuid = str(uuid.uuid5(NAMESPACE, f"event-{key}"))
    found = session.exec(select(OutreachEvent).where(OutreachEvent.client_uuid == client_uuid)).first()
    if found is not None:
        return found, False
    if recorder not in users or dcode not in districts:
        return None, False
    held_on = _held_on(today, year_315, campaign, day)
    # Sent from the phone at about 18:00 Beijing time on the day (10:00 UTC).
    sent = datetime.combine(held_on, time(10, 0), tzinfo=timezone.utc)
    participants, consultations, leaflets, banners, boards, volunteers = counts
    event = OutreachEvent(
        client_uuid=client_uuid, body_sha256=hashlib.sha256(client_uuid.encode()).hexdigest(),
        public_code=new_code(session, OutreachEvent.public_code),
        campaign_id=campaigns[campaign].id if campaign else None, district_id=districts[dcode].id,
        recorder_id=users[recorder].id, held_on=held_on, start_time=time(9, 0), end_time=time(11, 30),
        venue_type=venue, place=place, formats=formats, audiences=audiences, topic=topic,
        participants=participants, consultations=consultations, leaflets=leaflets, banners=banners,
        boards=boards, volunteers=volunteers, captured_at=sent, received_at=sent,
        qr_closed_at=sent + timedelta(days=1))
    session.add(event)
    session.flush()
    for username in [recorder, *others]:
        if username in users:
            session.add(EventVolunteer(event_id=event.id, user_id=users[username].id))
    return event, True


def _onsite(session: Session, storage: LocalStorage, events: dict[str, OutreachEvent]) -> int:
    """File the on-site complaints through the complaint service, then link each to its event."""
    from webapp.demo import _backdate  # the city demo's own path; imported here as it imports this module

    rng = random.Random(315)
    added = 0
    for i, (key, event_key, merchant_name, cat_code, problem, outcome, text, amount, state) in enumerate(ONSITE):
        event = events.get(event_key)
        merchant = session.exec(select(Merchant).where(Merchant.name == merchant_name)).first()
        category = session.exec(select(Category).where(Category.code == cat_code)).first()
        if event is None or merchant is None or category is None:
            continue
        client_uuid = str(uuid.uuid5(NAMESPACE, f"onsite-{key}"))
        complaint = complaints.find_by_client_uuid(session, client_uuid)
        if complaint is None:
            data = ComplaintCreate.model_construct(
                merchant_id=merchant.id, merchant_name=merchant.name, merchant_address=merchant.address,
                district_id=merchant.district_id, category_id=category.id, problem_type=problem,
                purchase_date=event.held_on - timedelta(days=rng.randint(10, 60)),
                amount_fen=int(float(amount) * 100), description=text, desired_outcome=outcome,
                consumer_name=rng.choice("张李刘陈杨黄赵") + ("女士" if i % 2 else "先生"),
                consumer_phone=f"137{rng.randint(10000000, 99999999)}", consent_share=True,
                client_uuid=client_uuid)
            complaint, _created = complaints.create_complaint(session, None, data, [], storage)
            _backdate(session, complaint, datetime.combine(event.held_on, time(2, 30), tzinfo=timezone.utc),
                      state, rng)
            added += 1
        if complaint.event_id != event.id or complaint.channel != "event":
            complaint.event_id, complaint.channel = event.id, "event"
            session.add(complaint)
    session.flush()
    return added


def load_demo_outreach(session: Session, storage: LocalStorage) -> int:
    """Add what is missing of the demo outreach; returns how many events were added."""
    districts = {d.code: d for d in session.exec(select(District))}
    if not all(code in districts for code, _n, _e in demo_data.DISTRICTS):
        return 0
    _volunteers(session, districts)
    today = today_shanghai()
    year_315 = _latest_315(today)
    campaigns = {
        "315": _campaign(session, f"{year_315} 年 3·15", THEME_315, date(year_315, 3, 1), date(year_315, 3, 31)),
        "year": _campaign(session, f"{today.year} 年消费维权宣传“六进”活动", THEME_YEAR,
                          date(today.year, 1, 1), date(today.year, 12, 31)),
    }
    usernames = {spec[4] for spec in EVENTS} | {u for spec in EVENTS for u in spec[5]}
    users = {u.username: u for u in session.exec(select(User).where(User.username.in_(usernames)))}
    events: dict[str, OutreachEvent] = {}
    added = 0
    for spec in EVENTS:
        event, created = _event(session, spec, campaigns, districts, users, today, year_315)
        if event is not None:
            events[spec[0]] = event
            added += created
    session.flush()
    _onsite(session, storage, events)
    return added
