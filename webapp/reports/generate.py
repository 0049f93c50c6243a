"""Realistic data at volume, for the scale benchmark and the demo's history: `flask reports generate`.

Complaints spread over years (the current one up to today), districts, merchants (a long tail: a few
merchants draw many complaints, most draw one or two), categories and problem types, with the seasons of
the field (a 3·15 peak in March, the shopping festivals of June and November). Each ends the way real ones
do: most accepted and concluded in a few working days, some rejected, withdrawn, referred or failed in
mediation, a few still open near today. Inspections (about one per six complaints) with samples and
rectification orders, and outreach events (about one per hundred) come in proportion.

Rows are written with bulk INSERTs (not the services: a million complaints through the ORM would take
hours); the day tables are rebuilt at the end. Everything is derived from a seed, so a run is repeatable.
"""
from __future__ import annotations

import bisect
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, text
from sqlmodel import Session, select

from webapp import workdays
from webapp.auth.models import District, User
from webapp.complaints.models import Category, Complaint
from webapp.complaints.schemas import SHANGHAI
from webapp.complaints.tracking import ALPHABET, check_character
from webapp.inspections.models import ChecklistTemplate, Inspection, RectificationOrder, Sample
from webapp.merchants.models import Merchant
from webapp.outreach.models import AUDIENCES, FORMATS, VENUE_TYPES, OutreachEvent
from webapp.reports import rollup

BATCH = 5_000
EXTRA_DISTRICTS = [("GX", "高新区", "Gaoxin District"), ("JK", "经开区", "Jingkai District"),
                   ("JB", "江北区", "Jiangbei District"), ("BH", "北湖区", "Beihu District"),
                   ("XS", "西山区", "Xishan District"), ("LJ", "临江区", "Linjiang District"),
                   ("DG", "东港区", "Donggang District"), ("QS", "青山区", "Qingshan District"),
                   ("BS", "白沙县", "Baisha County"), ("TY", "桃源县", "Taoyuan County")]
SHOP_WORDS = ["超市", "便利店", "手机店", "家电城", "健身房", "美容院", "培训学校", "餐厅", "汽车4S店", "装修公司",
              "药房", "服装店", "母婴店", "电商旗舰店", "旅行社", "酒店", "物业公司", "快递站", "眼镜店", "洗衣店"]
PREFIX = "华盛金鑫宏达百佳乐家惠民新城东方美联天虹永辉利群福瑞嘉和顺安康泰".strip()
PROBLEMS = [("quality", 30), ("after_sales", 18), ("contract", 16), ("false_advertising", 10),
            ("price_fraud", 9), ("safety", 5), ("personal_info", 4), ("other", 8)]
# month -> weight: 3·15 in March, 618 in June, Double 11 in November
SEASON = {1: 8, 2: 6, 3: 12, 4: 8, 5: 8, 6: 10, 7: 8, 8: 8, 9: 8, 10: 7, 11: 11, 12: 9}
DESIRED = ["refund", "exchange", "repair", "compensation", "apology"]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗"
GENERATED = "（生成数据）消费纠纷，要求经营者依法处理。"   # marks generated complaints


def tracking_code(n: int) -> str:
    """A valid tracking code for the n-th generated complaint: "Z", n in base 31, its check character."""
    digits = ""
    while n or len(digits) < 8:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
    body = "Z" + digits[-8:]
    return body + check_character(body)


@dataclass
class Generated:
    complaints: int = 0
    merchants: int = 0
    inspections: int = 0
    samples: int = 0
    orders: int = 0
    events: int = 0

    def __str__(self) -> str:
        return (f"generated {self.complaints} complaints, {self.merchants} merchants, {self.inspections} "
                f"inspections ({self.samples} samples, {self.orders} rectification orders), {self.events} events")


class _Calendar:
    """Working days of the span, for adding N working days by bisection instead of day-by-day loops."""

    def __init__(self, first: date, last: date):
        self.days, d = [], first
        while d <= last:
            if workdays.is_workday(d):
                self.days.append(d)
            d += timedelta(days=1)

    def add(self, start: date, n: int) -> date:
        i = bisect.bisect_right(self.days, start) + n - 1
        return self.days[min(i, len(self.days) - 1)]


def _utc(day: date, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59), rng.randint(0, 59)), SHANGHAI)
    return local.astimezone(timezone.utc)


def _districts(session: Session, wanted: int) -> list[District]:
    have = session.exec(select(District).order_by(District.id)).all()
    codes = {d.code for d in have}
    for code, name, en in EXTRA_DISTRICTS[:max(0, wanted - len(have))]:
        if code not in codes:
            session.add(District(code=code, name=name, name_en=en))
    session.flush()
    return session.exec(select(District).order_by(District.id)).all()[:max(wanted, 1)]


def _merchants(session: Session, districts: list[District], n: int, rng: random.Random) -> list[tuple[int, int]]:
    """(merchant id, district id) of n new merchants, in popularity order (the first draw the most)."""
    first = session.exec(select(func.max(Merchant.id))).one() or 0
    rows = []
    for i in range(n):
        d = districts[rng.randrange(len(districts))]
        name = f"{rng.choice(PREFIX)}{rng.choice(PREFIX)}{rng.choice(SHOP_WORDS)}（{d.name}{i + 1}号）"
        rows.append({"name": name[:120], "address": f"{d.name}示范路{rng.randint(1, 999)}号", "district_id": d.id,
                     "sector": "other", "verified": False, "trusted": False, "created_at": datetime.now(timezone.utc)})
    for i in range(0, len(rows), BATCH):
        session.execute(insert(Merchant), rows[i:i + BATCH])
    return [(m_id, d_id) for m_id, d_id in session.exec(
        select(Merchant.id, Merchant.district_id).where(Merchant.id > first).order_by(Merchant.id))]


def _ending(rng: random.Random, received: date, today: date, cal: _Calendar, settled: bool) -> dict:
    """What became of a complaint received on `received` (state, result, dates, days, money, rating);
    `settled`: every one has ended by `today` (history behind live data)."""
    age = (today - received).days
    roll = rng.random()
    if not settled and age < 10 and roll < 0.5:
        return {"state": "submitted" if age < 3 else "mediating", "accepted": age >= 3}
    if roll < 0.06:
        return {"state": "rejected", "result": "rejected", "accepted": False, "days": rng.randint(1, 7)}
    if roll < 0.10:
        return {"state": "withdrawn", "result": "withdrawn", "accepted": True, "days": rng.randint(1, 10)}
    days = min(int(rng.expovariate(1 / 4)) + 1, 60)
    if rng.random() < 0.03:          # the hard cases that run past the 45 working days
        days = rng.randint(40, 70)
    if not settled and age < 90 and cal.add(received, days) > today:
        return {"state": "mediating", "accepted": True}
    result = "referred" if roll < 0.13 else "failed" if roll < 0.25 else "resolved"
    state = {"referred": "referred", "failed": "closed", "resolved": "closed"}[result]
    if age > 400 and result != "referred":
        state = "archived"
    return {"state": state, "result": result, "accepted": True, "days": days}


def _complaint_rows(n: int, districts, merchants, categories, years: int, today: date, cal: _Calendar,
                    rng: random.Random, start_no: int, settled: bool):
    weights = [1 / (r + 1) for r in range(len(merchants))]
    picked = rng.choices(merchants, weights=weights, k=n)
    first = date(today.year - years + 1, 1, 1)
    span = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    day_weights = [SEASON[d.month] * (0.7 + 0.1 * (d.year - first.year)) for d in span]
    days = rng.choices(span, weights=day_weights, k=n)
    problems, problem_w = zip(*PROBLEMS)
    now = datetime.now(timezone.utc)
    for i, ((merchant_id, district_id), day) in enumerate(zip(picked, days)):
        end = _ending(rng, day, today, cal, settled)
        received = _utc(day, rng)
        accept_due = cal.add(day, workdays.ACCEPT_DECISION_WORKDAYS)
        row = {"tracking_code": tracking_code(start_no + i), "kind": "complaint", "state": end["state"],
               "channel": rng.choice(("web", "web", "web", "hotline", "walk_in")), "merchant_id": merchant_id,
               "district_id": district_id, "category_id": rng.choice(categories),
               "problem_type": rng.choices(problems, weights=problem_w)[0],
               "amount_fen": rng.randint(10, 20000) * 100, "description": GENERATED,
               "desired_outcome": rng.choice(DESIRED), "consumer_name": rng.choice(SURNAMES) + "先生",
               "consumer_phone": f"139{rng.randint(10_000_000, 99_999_999)}", "consent_share": False,
               "received_at": received, "received_on": day, "accept_due_on": accept_due,
               "deadline_source": "official", "outcome": "", "satisfaction_comment": "", "version": 1,
               "updated_at": now, "accepted_at": None, "conclude_due_on": None, "result": end.get("result"),
               "close_workdays": None, "on_time": None, "concluded_at": None, "closed_at": None,
               "recovered_fen": None, "satisfaction": None, "reject_reason": None}
        if end["accepted"]:
            accepted_on = cal.add(day, 1)
            row["accepted_at"] = _utc(accepted_on, rng)
            row["conclude_due_on"] = cal.add(accepted_on, workdays.MEDIATION_WORKDAYS)
        if end.get("result"):
            concluded_on = cal.add(day, end["days"])
            row["concluded_at"] = _utc(concluded_on, rng)
            if end["result"] == "rejected":
                row["reject_reason"] = "outside_scope"
        if end.get("result") in ("resolved", "failed", "referred"):
            row["close_workdays"] = end["days"]
            row["on_time"] = row["concluded_at"] is not None and concluded_on <= row["conclude_due_on"]
            if end["result"] == "resolved":
                row["recovered_fen"] = rng.randint(0, row["amount_fen"] // 100) * 100
            if end["state"] in ("closed", "archived"):
                row["closed_at"] = row["concluded_at"]
                if rng.random() < 0.6:
                    row["satisfaction"] = rng.choices((5, 4, 3, 2, 1), weights=(55, 30, 8, 4, 3))[0]
        yield row


def _inspections(session: Session, n: int, districts, merchants, years: int, today: date,
                 rng: random.Random, out: Generated) -> None:
    template = session.exec(select(ChecklistTemplate.id)).first()
    staff = session.exec(select(User.id).where(User.role.in_(("inspector", "supervisor", "admin")))).all()
    if template is None or not staff or not n:
        return
    by_district: dict[int, list[int]] = {}
    for m_id, d_id in merchants:
        by_district.setdefault(d_id, []).append(m_id)
    first = date(today.year - years + 1, 1, 1)
    span = (today - first).days
    first_id = session.exec(select(func.max(Inspection.id))).one() or 0
    rows = []
    for _ in range(n):
        district = districts[rng.randrange(len(districts))]
        pool = by_district.get(district.id) or [m for m, _ in merchants]
        day = first + timedelta(days=rng.randint(0, span))
        rows.append({"client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "body_sha256": "0" * 64,
                     "merchant_id": rng.choice(pool), "template_id": template, "district_id": district.id,
                     "inspector_id": rng.choice(staff), "inspector_count": rng.choice((2, 2, 2, 3, 4)),
                     "result": "fail" if rng.random() < 0.18 else "pass", "note": "", "captured_at": _utc(day, rng),
                     "received_at": _utc(day, rng)})
    for i in range(0, len(rows), BATCH):
        session.execute(insert(Inspection), rows[i:i + BATCH])
    out.inspections += n
    made = session.exec(select(Inspection.id, Inspection.merchant_id, Inspection.result, Inspection.captured_at)
                        .where(Inspection.id > first_id)).all()
    samples, orders = [], []
    for ins_id, merchant_id, result, captured in made:
        if rng.random() < 0.2:
            tested = rng.random() < 0.9
            samples.append({"inspection_id": ins_id, "product": "抽检样品", "brand": "", "batch": "", "quantity": "",
                            "sample_no": "", "report_no": "",
                            "lab_result": (("fail" if rng.random() < 0.07 else "pass") if tested else None)})
        if result == "fail":
            closed = rng.random() < 0.8
            orders.append({"inspection_id": ins_id, "merchant_id": merchant_id, "item_ids": [],
                           "due_on": captured.date() + timedelta(days=15),
                           "closed_at": captured + timedelta(days=rng.randint(3, 20)) if closed else None})
    for table, batch in ((Sample, samples), (RectificationOrder, orders)):
        for i in range(0, len(batch), BATCH):
            session.execute(insert(table), batch[i:i + BATCH])
    out.samples += len(samples)
    out.orders += len(orders)


def _events(session: Session, n: int, districts, years: int, today: date, rng: random.Random,
            out: Generated) -> None:
    recorder = session.exec(select(User.id).where(User.role.in_(("volunteer", "handler", "supervisor")))).first()
    if recorder is None or not n:
        return
    first = date(today.year - years + 1, 1, 1)
    span = (today - first).days
    rows = []
    for _ in range(n):
        day = first + timedelta(days=rng.randint(0, span))
        if rng.random() < 0.15:    # the 3·15 week
            day = date(day.year, 3, rng.randint(12, 18))
            day = min(day, today)
        participants = rng.randint(20, 600)
        rows.append({"client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "body_sha256": "0" * 64,
                     "public_code": f"z{rng.getrandbits(40):010x}"[:10],
                     "district_id": districts[rng.randrange(len(districts))].id, "recorder_id": recorder,
                     "held_on": day, "venue_type": rng.choice(VENUE_TYPES), "place": "生成数据活动地点",
                     "formats": [rng.choice(FORMATS)], "audiences": [rng.choice(AUDIENCES)], "topic": "",
                     "participants": participants, "consultations": participants // rng.randint(3, 8),
                     "leaflets": participants * rng.randint(1, 4), "banners": rng.randint(0, 3),
                     "boards": rng.randint(0, 6), "volunteers": rng.randint(1, 12), "note": "",
                     "captured_at": _utc(day, rng), "received_at": _utc(day, rng)})
    first_id = session.exec(select(func.max(OutreachEvent.id))).one() or 0
    for i in range(0, len(rows), BATCH):
        session.execute(insert(OutreachEvent), rows[i:i + BATCH])
    out.events += n
    # 现场受理: some complaints of the event's district and day were taken at the event's desk
    onsite = [{"e": e_id, "d": d_id, "day": held_on, "k": rng.choice((0, 0, 1, 1, 2, 3))}
              for e_id, d_id, held_on in session.exec(
                  select(OutreachEvent.id, OutreachEvent.district_id, OutreachEvent.held_on)
                  .where(OutreachEvent.id > first_id))]
    session.execute(text(
        "UPDATE complaint SET event_id = :e, channel = 'event' WHERE id IN (SELECT id FROM complaint "
        "WHERE district_id = :d AND received_on = :day AND event_id IS NULL LIMIT :k)"),
        [row for row in onsite if row["k"]])


def generate(session: Session, complaints: int, years: int = 5, districts: int = 3, seed: int = 2026,
             today: date | None = None, rebuild: bool = True, settled: bool = False) -> Generated:
    """Add `complaints` complaints over `years` years (and inspections, events in proportion)."""
    rng = random.Random(seed)
    today = today or datetime.now(SHANGHAI).date()
    out = Generated()
    places = _districts(session, districts)
    categories = session.exec(select(Category.id).where(Category.parent_id.is_not(None))).all()
    if not categories:
        raise ValueError("load the reference data first (flask demo, or load_reference)")
    merchants = _merchants(session, places, max(50, complaints // 40), rng)
    out.merchants = len(merchants)
    cal = _Calendar(date(today.year - years, 1, 1), today + timedelta(days=400))
    start_no = (session.exec(select(func.count(Complaint.id))).one() or 0) + 1
    batch = []
    for row in _complaint_rows(complaints, places, merchants, categories, years, today, cal, rng, start_no, settled):
        batch.append(row)
        if len(batch) == BATCH:
            session.execute(insert(Complaint), batch)
            out.complaints += len(batch)
            batch = []
    if batch:
        session.execute(insert(Complaint), batch)
        out.complaints += len(batch)
    _inspections(session, complaints // 6, places, merchants, years, today, rng, out)
    _events(session, complaints // 100, places, years, today, rng, out)
    if rebuild:
        rollup.rebuild(session)
    return out
