"""The supervisor dashboard (/reports) and the figures behind it, checked against independent counts.

A dataset is made through the real services (complaints filed, accepted, rejected, mediated, concluded, closed,
rated; received_at moved back into March 2025, February 2025 and March 2024), with inspections, samples,
rectification orders and outreach events as rows. Every expected figure is computed here in plain Python over
the rows (timeline entries, columns, the Asia/Shanghai day of each timestamp), never through
webapp.reports.figures, and compared with figures.build and with what the page shows.
"""
from __future__ import annotations

import html
import re
import statistics
import uuid
from collections import Counter
from datetime import date, datetime, time, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup
from sqlmodel import Session, func, select

from outreach_helpers import make_event, make_user, sign_in
from webapp import workdays
from webapp.complaints import handling, service
from webapp.complaints.choices import PROBLEM_TYPES
from webapp.complaints.models import Category, Complaint, ComplaintEvent
from webapp.inspections.models import ChecklistTemplate, Inspection, RectificationOrder, Sample
from webapp.merchants.models import Merchant
from webapp.outreach.models import OutreachEvent
from webapp.reports import charts, figures, rollup
from webapp.reports.models import ComplaintDayStat, StatDirty
from webapp.reports.period import Period

SH = ZoneInfo("Asia/Shanghai")
P = Period.month(2025, 3)                  # the period under test
ARGS = "period=month&year=2025&month=3"
XSS = '<script>alert("x")</script>劣质超市'


# --- time helpers (independent of webapp.complaints.deadlines) ----------------------------------------

def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in Shanghai local time, as aware UTC."""
    return datetime.combine(day, time(hour, minute), SH).astimezone(timezone.utc)


def local(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SH).date()


# --- the dataset ---------------------------------------------------------------------------------------

def _file(session, base_data, make_complaint, merchant, received: datetime, category="food", problem="quality"):
    c = make_complaint(merchant_id=str(merchant.id), merchant_name=merchant.name, merchant_address=merchant.address,
                       district_id=str(merchant.district_id), category_id=str(base_data.categories[category].id),
                       problem_type=problem, purchase_date="")
    c.received_at = received
    session.commit()
    return c


def _handle(session, base_data, c, path: str, recovered=None, close=False, rating=None, late=False):
    """Take a complaint down one path of the lifecycle through the services, as a city-level supervisor."""
    sup = base_data.users["supervisor"]
    if path == "reject":
        handling.reject(session, sup, c, c.version, "no_jurisdiction", "不属于本会受理范围")
    elif path == "withdraw":
        service.withdraw(session, None, c, "已与商家自行和解")
    elif path != "submitted":
        handling.accept(session, sup, c, c.version)
        if late:   # the mediation deadline lies in the past: concluding now is late
            c.conclude_due_on = date(2025, 4, 1)
            session.flush()
        if path == "refer":
            handling.refer(session, sup, c, c.version, "涉嫌违法经营")
        elif path in ("resolve", "fail"):
            handling.assign(session, sup, c, c.version, sup)
            if path == "resolve":
                handling.resolve(session, sup, c, c.version, "商家退款并道歉", recovered)
            else:
                handling.fail(session, sup, c, c.version, "court", "商家拒绝调解")
            if close:
                handling.close(session, sup, c, c.version)
            if rating:
                service.rate(session, None, c, rating, "")
    session.commit()


def _inspection(session, base_data, merchant, captured: datetime, count: int, result: str, samples=(), order=None):
    template = session.exec(select(ChecklistTemplate)).first()
    i = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                   template_id=template.id, district_id=merchant.district_id,
                   inspector_id=base_data.users["inspector"].id, inspector_count=count, result=result,
                   captured_at=captured)
    session.add(i)
    session.flush()
    for n, lab in enumerate(samples):
        session.add(Sample(inspection_id=i.id, product=f"样品{n}", lab_result=lab))
    if order is not None:
        session.add(RectificationOrder(inspection_id=i.id, merchant_id=merchant.id, item_ids=[1],
                                       due_on=date(2025, 4, 30), closed_at=at(date(2025, 4, 2)) if order else None))
    session.commit()
    return i


@pytest.fixture
def seeded(session, base_data, make_complaint):
    """Complaints, inspections and events in two districts, in March 2025, around it, and a year before."""
    cd, cx = base_data.districts["CD"], base_data.districts["CX"]
    m_cd = [m for m in base_data.merchants if m.district_id == cd.id]
    m_cx = [m for m in base_data.merchants if m.district_id == cx.id]
    f = lambda merchant, received, *a: _file(session, base_data, make_complaint, merchant, received, *a)  # noqa: E731
    h = lambda c, *a, **k: _handle(session, base_data, c, *a, **k)  # noqa: E731
    march = lambda d, *a: at(date(2025, 3, d), *a)  # noqa: E731
    # March 2025, 城东区
    h(f(m_cd[0], march(1, 0, 30)), "resolve", recovered=5000, close=True, rating=5)   # 00:30 local on the 1st
    h(f(m_cd[0], march(5)), "resolve", recovered=12345)
    h(f(m_cd[1], march(8), "food", "false_advertising"), "fail", close=True, rating=2, late=True)
    h(f(m_cd[0], march(10), "telecom", "contract"), "reject")
    h(f(m_cd[1], march(12), "online", "price_fraud"), "accept")
    h(f(m_cd[2], march(15)), "refer")
    h(f(m_cd[0], march(20), "cosmetics"), "withdraw")
    f(m_cd[2], march(31, 23, 30), "food", "safety")                                    # 23:30 local on the 31st
    # March 2025, 城西区
    h(f(m_cx[0], march(3), "catering"), "resolve", recovered=800, close=True, rating=4, late=True)
    h(f(m_cx[1], march(9)), "reject")
    onsite = f(m_cx[0], march(18), "food", "after_sales")
    reopened = f(m_cx[1], march(21), "catering", "contract")          # resolved, then disputed: open again
    h(reopened, "resolve", recovered=300)
    service.dispute(session, None, reopened, "商家未按约定退款")
    session.commit()
    settled = f(m_cx[1], march(22), "catering", "contract")           # disputed, then resolved again
    h(settled, "resolve", recovered=300)
    service.dispute(session, None, settled, "退款金额不对")
    handling.resolve(session, base_data.users["supervisor"], settled, settled.version, "补足退款", 450)
    handling.close(session, base_data.users["supervisor"], settled, settled.version)
    session.commit()
    # February 2025 (环比) and March 2024 (同比)
    h(f(m_cd[0], at(date(2025, 2, 28), 23, 59)), "resolve", recovered=1000, close=True, rating=3)
    f(m_cd[0], at(date(2025, 2, 10)))
    h(f(m_cd[1], at(date(2025, 2, 11)), "telecom", "contract"), "reject")
    f(m_cx[0], at(date(2025, 2, 20)))
    h(f(m_cd[0], at(date(2024, 3, 12))), "resolve", recovered=2000)
    f(m_cd[2], at(date(2024, 3, 13)))
    f(m_cx[0], at(date(2024, 3, 20), 9), "catering")
    # after the period, and today
    f(m_cd[0], at(date(2025, 4, 1), 0, 0))
    make_complaint()
    # inspections (by the local day they were made)
    i1 = _inspection(session, base_data, m_cd[0], march(1, 0, 10), 2, "fail", ("pass", "fail"), order=True)
    _inspection(session, base_data, m_cd[1], march(14), 3, "fail", (None,), order=False)
    _inspection(session, base_data, m_cd[0], march(20), 2, "pass")
    _inspection(session, base_data, m_cx[0], march(25), 1, "pass", ("pass",))
    _inspection(session, base_data, m_cd[0], at(date(2025, 2, 28), 23, 50), 4, "fail", ("fail",), order=False)
    _inspection(session, base_data, m_cx[0], at(date(2025, 4, 1), 0, 5), 2, "pass")
    # outreach events (by the day they were held)
    e = lambda d, district, venue, **k: make_event(session, base_data, held_on=d, venue_type=venue,  # noqa: E731
                                                   district_id=district.id, **k)
    e(date(2025, 3, 2), cd, "community")
    e(date(2025, 3, 15), cd, "school", participants=80, consultations=20, leaflets=300, volunteers=3)
    fair = e(date(2025, 3, 31), cx, "village", participants=200, consultations=50, leaflets=1000, volunteers=8)
    e(date(2025, 2, 28), cd, "community")
    e(date(2025, 4, 1), cx, "market")
    onsite.event_id, onsite.channel = fair.id, "event"
    session.commit()
    return SimpleNamespace(cd=cd, cx=cx, m_cd=m_cd, m_cx=m_cx, first_inspection=i1)


# --- independent counts over the rows --------------------------------------------------------------------

OUTCOMES = {"resolved": "resolved", "referred": "referred", "rejected": "rejected", "withdrawn": "withdrawn",
            "disputed": None}


def complaint_facts(session) -> list[SimpleNamespace]:
    """Each complaint with what its timeline says became of it (the last outcome entry; a dispute reopens it),
    not the columns the rollup reads."""
    outcome, accepted = {}, set()
    for cid, kind in session.exec(select(ComplaintEvent.complaint_id, ComplaintEvent.kind).order_by(ComplaintEvent.id)):
        if kind == "accepted":
            accepted.add(cid)
        if kind in OUTCOMES or kind.startswith("failed_"):
            outcome[cid] = OUTCOMES.get(kind, "failed")
    out = []
    for c in session.exec(select(Complaint)).all():
        result = outcome.get(c.id)
        concluded = result in ("resolved", "failed", "referred")
        day = local(c.received_at)
        done = local(c.concluded_at) if concluded else None
        out.append(SimpleNamespace(
            c=c, day=day, district_id=c.district_id, accepted=c.id in accepted, rejected=result == "rejected",
            withdrawn=result == "withdrawn", resolved=result == "resolved", failed=result == "failed",
            referred=result == "referred", concluded=concluded, on_time=concluded and done <= c.conclude_due_on,
            recovered=(c.recovered_fen or 0) if result == "resolved" else 0, rating=c.satisfaction,
            close_days=workdays.workdays_between(day, done) if concluded else None))
    return out


def picked(facts, period: Period, district_id=None):
    return [f for f in facts if period.start <= f.day <= period.end
            and (district_id is None or f.district_id == district_id)]


def expected_complaints(facts, period: Period, district_id=None) -> SimpleNamespace:
    rows = picked(facts, period, district_id)
    ratings = [f.rating for f in rows if f.rating is not None]
    close_days = [f.close_days for f in rows if f.concluded]
    return SimpleNamespace(
        received=len(rows), accepted=sum(f.accepted for f in rows), rejected=sum(f.rejected for f in rows),
        withdrawn=sum(f.withdrawn for f in rows), concluded=sum(f.concluded for f in rows),
        resolved=sum(f.resolved for f in rows), failed=sum(f.failed for f in rows),
        referred=sum(f.referred for f in rows), on_time=sum(f.on_time for f in rows),
        recovered_fen=sum(f.recovered for f in rows), rated=len(ratings), satisfied=sum(r >= 4 for r in ratings),
        satisfaction_sum=sum(ratings), close_days=close_days,
        median=statistics.median(close_days) if close_days else None)


def share(part, whole):
    return part / whole if whole else None


def expected_rates(e) -> dict:
    return {"closure": share(e.concluded, e.accepted), "mediation": share(e.resolved, e.resolved + e.failed),
            "on-time": share(e.on_time, e.concluded), "satisfaction": share(e.satisfied, e.rated)}


def expected_inspections(session, period: Period, district_id=None) -> dict:
    made = [i for i in session.exec(select(Inspection)).all()
            if period.start <= local(i.captured_at) <= period.end and district_id in (None, i.district_id)]
    ids = {i.id for i in made}
    orders = [o for o in session.exec(select(RectificationOrder)).all() if o.inspection_id in ids]
    samples = [s for s in session.exec(select(Sample)).all() if s.inspection_id in ids]
    return {"inspections": len(made), "inspector_visits": sum(i.inspector_count for i in made),
            "merchants": len({i.merchant_id for i in made}), "failed": sum(i.result == "fail" for i in made),
            "orders": len(orders), "orders_closed": sum(o.closed_at is not None for o in orders),
            "samples": len(samples), "samples_tested": sum(s.lab_result is not None for s in samples),
            "samples_failed": sum(s.lab_result == "fail" for s in samples)}


def expected_outreach(session, period: Period, district_id=None) -> dict:
    held = [e for e in session.exec(select(OutreachEvent)).all()
            if period.start <= e.held_on <= period.end and district_id in (None, e.district_id)]
    ids = {e.id for e in held}
    out = {k: sum(getattr(e, k) for e in held)
           for k in ("participants", "consultations", "leaflets", "banners", "boards", "volunteers")}
    out["events"] = len(held)
    out["onsite_complaints"] = sum(c.event_id in ids for c in session.exec(select(Complaint)).all())
    out["by_venue"] = Counter(e.venue_type for e in held)
    return out


def expected_top(facts, attr, period: Period, district_id=None, limit=5) -> dict:
    """{key: (n, n previous period, n a year before)} of the top `limit` keys."""
    count = lambda p: Counter(attr(f) for f in picked(facts, p, district_id))  # noqa: E731
    now, before, year_before = count(period), count(period.previous()), count(period.year_before())
    top = sorted(now.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]
    return {k: (n, before[k], year_before[k]) for k, n in top}


# --- figures.build against the independent counts ---------------------------------------------------------

SCOPES = [None, "CD", "CX"]
# Whole months, and spans with odd days on either side of whole months (figures may add both kinds of rows).
PERIODS = [P, Period("custom", date(2025, 2, 15), date(2025, 3, 20)),
           Period("custom", date(2025, 1, 10), date(2025, 4, 5)), Period.quarter(2025, 1)]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("asked", PERIODS, ids=str)
def test_complaint_figures_equal_independent_counts(app, session, seeded, base_data, scope, asked):
    district = base_data.districts[scope] if scope else None
    d_id = district.id if district else None
    with app.app_context():
        board = figures.build(session, asked, district)
    facts = complaint_facts(session)
    for got, period in ((board.complaints, asked), (board.complaints_previous, asked.previous()),
                        (board.complaints_year_before, asked.year_before())):
        want = expected_complaints(facts, period, d_id)
        for name in figures.COUNTED:
            assert getattr(got, name) == getattr(want, name), (scope, period, name)
        assert sorted(d for d, n in got.close_days.items() for _ in range(n)) == sorted(want.close_days), (period, got)
        assert got.median_close_days == want.median
        rates = expected_rates(want)
        assert got.closure_rate == rates["closure"] and got.on_time_rate == rates["on-time"]
        assert got.mediation_success_rate == rates["mediation"]
        assert got.satisfaction_rate == rates["satisfaction"]
        assert got.satisfaction_avg == share(want.satisfaction_sum, want.rated)
        for n in (3, 400, 1000):
            assert got.closed_within(n) == share(sum(d <= n for d in want.close_days), len(want.close_days))


def test_the_dataset_covers_every_figure(app, session, seeded):
    """Guard: the seed really exercises each counted figure and both period boundaries."""
    want = expected_complaints(complaint_facts(session), P)
    assert (want.received, want.accepted, want.rejected, want.withdrawn) == (13, 8, 2, 1)
    assert (want.resolved, want.failed, want.referred, want.concluded) == (4, 1, 1, 6)
    assert want.on_time == 4 and want.rated == 3 and want.recovered_fen == 5000 + 12345 + 800 + 450
    assert expected_complaints(complaint_facts(session), P.previous()).received == 4


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("asked", PERIODS, ids=str)
def test_hotspots_equal_independent_counts(app, session, seeded, base_data, scope, asked):
    district = base_data.districts[scope] if scope else None
    d_id = district.id if district else None
    with app.app_context():
        board = figures.build(session, asked, district)
    facts = complaint_facts(session)
    for spots, attr in ((board.categories, lambda f: f.c.category_id), (board.problems, lambda f: f.c.problem_type),
                        (board.merchants, lambda f: f.c.merchant_id)):
        want = expected_top(facts, attr, asked, d_id)
        got = {h.key: (h.n, h.previous, h.year_before) for h in spots}
        assert got == want
        assert [h.n for h in spots] == sorted((h.n for h in spots), reverse=True)
        for h in spots:
            assert h.vs_previous == (share(h.n - h.previous, h.previous) if h.previous else None)
            assert h.vs_year_before == (share(h.n - h.year_before, h.year_before) if h.year_before else None)
    names = {c.id: c.name for c in session.exec(select(Category))}
    assert all(h.name == names[h.key] for h in board.categories)
    merchants = {m.id: m.name for m in session.exec(select(Merchant))}
    assert all(h.name == merchants[h.key] for h in board.merchants)


@pytest.mark.parametrize("period", [P, Period.year(2025), Period("custom", date(2025, 2, 20), date(2025, 3, 5))])
def test_series_equals_independent_counts(app, session, seeded, period):
    with app.app_context():
        board = figures.build(session, period, None)
    facts = complaint_facts(session)
    daily = period.days <= 62
    want = Counter(f.day if daily else f.day.replace(day=1) for f in picked(facts, period))
    assert {d: n for d, n in board.series if n} == dict(want)
    assert len(board.series) == (period.days if daily else 12)


@pytest.mark.parametrize("scope", SCOPES)
def test_inspection_and_outreach_figures_equal_independent_counts(app, session, seeded, base_data, scope):
    district = base_data.districts[scope] if scope else None
    d_id = district.id if district else None
    with app.app_context():
        board = figures.build(session, P, district)
    want = expected_inspections(session, P, d_id)
    assert {k: getattr(board.inspections, k) for k in want} == want
    assert board.inspections.order_completion_rate == share(want["orders_closed"], want["orders"])
    assert board.inspections.nonconformity_rate == share(want["samples_failed"], want["samples_tested"])
    out = expected_outreach(session, P, d_id)
    venues = out.pop("by_venue")
    assert {k: getattr(board.outreach, k) for k in out} == out
    assert {v: n for v, n in board.outreach.by_venue.items() if n} == dict(venues)


def test_an_empty_period_has_no_rates(app, session, seeded):
    with app.app_context():
        board = figures.build(session, Period.month(2020, 1), None)
    assert board.empty and board.complaints.received == 0
    c = board.complaints
    assert None is c.closure_rate is c.on_time_rate is c.satisfaction_rate is c.median_close_days
    assert board.inspections.nonconformity_rate is None and board.categories == [] and board.merchants == []


def test_rollup_follows_a_received_at_change_on_an_expired_complaint(  # the stored values are loaded
        app, session, make_complaint):
    c = make_complaint()
    with Session(app.extensions["db_engine"]) as s:      # expire_on_commit=True, as SQLAlchemy's default
        complaint = s.get(Complaint, c.id)
        s.commit()                                        # every attribute of `complaint` is now expired
        complaint.received_at = at(date(2025, 3, 5))
        s.commit()
        rollup.refresh(s)
        s.commit()
        tables = {d: n for d, n in s.exec(select(ComplaintDayStat.day, ComplaintDayStat.received)) if n}
        truth = dict(s.exec(select(Complaint.received_on, func.count(Complaint.id)).group_by(Complaint.received_on)).all())
    assert tables == truth == {date(2025, 3, 5): 1}


def test_rollup_follows_a_district_change_on_an_expired_complaint(app, session, base_data, make_complaint):
    c = make_complaint()
    nanhu = base_data.districts["NH"].id
    with Session(app.extensions["db_engine"]) as s:
        rollup.refresh(s)
        s.commit()
        complaint = s.get(Complaint, c.id)
        s.commit()                                        # every attribute of `complaint` is now expired
        complaint.district_id = nanhu
        s.commit()
        rollup.refresh(s)
        s.commit()
        tables = {d: n for d, n in s.exec(select(ComplaintDayStat.district_id, ComplaintDayStat.received)) if n}
    assert tables == {nanhu: 1}


# --- the page ----------------------------------------------------------------------------------------------

def figs(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(r'id="fig-([\w-]+)">([^<]*)<', page)}


def changes(page: str, prefix: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in re.findall(rf'id="{prefix}-([\w-]+)">([^<]*)<', page)}


def table(page: str, table_id: str) -> dict[str, list[str]]:
    """{row header: [cells]} of a table with `table_id`."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = re.findall(r'<tr[^>]*>\s*<th scope="row">(.*?)</th>(.*?)</tr>', body, re.S)
    return {html.unescape(name.strip()): [html.unescape(x) for x in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
            for name, cells in rows}


def pct(r):
    return "—" if r is None else f"{r * 100:.1f}%"


def signed(x):
    """One decimal with a sign, none for zero."""
    return f"{x:.1f}".lstrip("-") if round(x, 1) == 0 else f"{x:+.1f}"


def rel(now, before):
    return "—" if not before else signed((now - before) / before * 100) + "%"


def pts(now, before):
    return "—" if now is None or before is None else signed((now - before) * 100) + " pp"


def yuan(fen):
    return f"{fen // 100:,}.{fen % 100:02d}"


@pytest.fixture
def en(client):
    client.set_cookie("lang", "en")
    return client


def _page(client, query=ARGS, status=200):
    response = client.get(f"/reports?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("scope", SCOPES)
def test_page_shows_the_independent_complaint_figures(session, seeded, base_data, login_as, en, scope):
    login_as("supervisor")
    d_id = base_data.districts[scope].id if scope else None
    page = _page(en, ARGS + (f"&district={scope}" if scope else ""))
    facts = complaint_facts(session)
    now, before, year = (expected_complaints(facts, p, d_id) for p in (P, P.previous(), P.year_before()))
    shown, prev, yoy = figs(page), changes(page, "prev"), changes(page, "yoy")
    for key in ("received", "accepted", "rejected", "withdrawn", "concluded"):
        assert shown[key] == str(getattr(now, key))
        assert prev[key] == rel(getattr(now, key), getattr(before, key))
        assert yoy[key] == rel(getattr(now, key), getattr(year, key))
    rates, rates_before, rates_year = expected_rates(now), expected_rates(before), expected_rates(year)
    for key, rate in rates.items():
        assert shown[key] == pct(rate), key
        assert prev[key] == pts(rate, rates_before[key]) and yoy[key] == pts(rate, rates_year[key])
    assert shown["recovered"] == yuan(now.recovered_fen)
    assert prev["recovered"] == rel(now.recovered_fen, before.recovered_fen)
    assert shown["median-days"] == ("—" if now.median is None else
                                    (str(int(now.median)) if float(now.median).is_integer() else f"{now.median:.1f}"))
    if now.rated:
        assert f"average {now.satisfaction_sum / now.rated:.1f} of 5 from {now.rated} ratings" in page


@pytest.mark.parametrize("scope", SCOPES)
def test_page_shows_the_independent_inspection_and_outreach_figures(session, seeded, base_data, login_as, en,
                                                                     scope):
    login_as("supervisor")
    d_id = base_data.districts[scope].id if scope else None
    shown = figs(_page(en, ARGS + (f"&district={scope}" if scope else "")))
    i = expected_inspections(session, P, d_id)
    assert shown["inspections"] == str(i["inspections"]) and shown["inspector-visits"] == str(i["inspector_visits"])
    assert shown["merchants-checked"] == str(i["merchants"]) and shown["insp-failed"] == str(i["failed"])
    assert shown["orders"] == str(i["orders"]) and shown["orders-closed"] == str(i["orders_closed"])
    assert shown["samples"] == str(i["samples"]) and shown["samples-tested"] == str(i["samples_tested"])
    assert shown["samples-failed"] == str(i["samples_failed"])
    assert shown["order-completion"] == pct(share(i["orders_closed"], i["orders"]))
    assert shown["nonconformity"] == pct(share(i["samples_failed"], i["samples_tested"]))
    o = expected_outreach(session, P, d_id)
    for key, name in (("events", "events"), ("participants", "participants"), ("consultations", "consultations"),
                      ("leaflets", "leaflets"), ("volunteers", "volunteers"), ("onsite", "onsite_complaints"),
                      ("banners", "banners"), ("boards", "boards")):
        assert shown[key] == str(o[name]), key


def test_page_tables_match_the_independent_counts(app, session, seeded, base_data, login_as, en):
    login_as("supervisor")
    page = _page(en)
    facts = complaint_facts(session)
    with app.test_request_context("/?lang=en"):
        problem_names = {k: str(v) for k, v in PROBLEM_TYPES.items()}
    categories = {c.id: c.name_en for c in session.exec(select(Category))}
    merchants = {m.id: m.name for m in session.exec(select(Merchant))}
    for table_id, attr, name in (
            ("hot-categories", lambda f: f.c.category_id, categories.get),
            ("hot-problems", lambda f: f.c.problem_type, problem_names.get),
            ("hot-merchants", lambda f: f.c.merchant_id, merchants.get)):
        want = {name(k): [str(n), rel(n, b), rel(n, y)] for k, (n, b, y) in expected_top(facts, attr, P).items()}
        assert table(page, table_id) == want, table_id
    by_day = Counter(f.day for f in picked(facts, P))
    series = table(page, "series-table")
    assert len(series) == 31
    assert series == {f"{d} Mar 2025": [str(by_day[date(2025, 3, d)])] for d in range(1, 32)}
    venues = expected_outreach(session, P)["by_venue"]
    assert table(page, "venue-table")["In a village"] == [str(venues["village"])]
    assert table(page, "venue-table")["In a school"] == [str(venues["school"])]
    districts = table(page, "district-table")
    for code in ("CD", "CX", "NH"):
        d = base_data.districts[code]
        c = expected_complaints(facts, P, d.id)
        assert districts[d.name_en] == [str(c.received), pct(share(c.concluded, c.accepted)),
                                        str(expected_inspections(session, P, d.id)["inspections"]),
                                        str(expected_outreach(session, P, d.id)["events"])]


def test_page_is_chinese_by_default_with_chinese_names(session, seeded, login_as, client):
    login_as("supervisor")
    page = _page(client)
    assert "2025年3月" in page and "食品" in page and seeded.m_cd[0].name in page
    assert '<html lang="zh-Hans"' in page


def test_page_has_svg_charts_each_with_a_table(seeded, login_as, en):
    login_as("supervisor")
    page = _page(en)
    # the series, three hotspots, venues and districts: each chart with its table
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="dash-chart') == 6
    assert 'role="img"' in page and 'aria-label="Complaints received per day"' in page
    for table in ("series-table", "hot-categories", "hot-problems", "hot-merchants", "venue-table", "district-table"):
        assert f'id="{table}"' in page
    assert ' style="' not in page.split('<main', 1)[1] and "<style" not in page


def test_links_carry_the_same_period_and_district(seeded, login_as, en):
    login_as("supervisor")
    page = _page(en, ARGS + "&district=CX")
    assert 'href="/reports/summary?period=month&amp;year=2025&amp;month=3&amp;district=CX"' in page
    assert 'href="/reports/summary.docx?period=month&amp;year=2025&amp;month=3&amp;district=CX"' in page
    assert 'href="/reports/export/complaints.xlsx?period=month&amp;year=2025&amp;month=3&amp;district=CX"' in page
    assert 'href="/reports/targets"' in page


def test_merchant_names_are_escaped_in_charts_and_tables(session, seeded, login_as, en):
    merchant = seeded.m_cd[0]
    merchant.name = XSS
    session.commit()
    login_as("supervisor")
    page = _page(en)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;劣质超市" in page
    assert XSS in table(page, "hot-merchants")


def test_the_request_refreshes_and_commits_the_day_tables(app, session, seeded, login_as, en):
    assert session.exec(select(func.count(StatDirty.id))).one() > 0
    login_as("supervisor")
    _page(en)
    session.expire_all()
    assert session.exec(select(func.count(StatDirty.id))).one() == 0


def test_htmx_gets_the_results_part_only(seeded, login_as, en):
    login_as("supervisor")
    every_field = "period=month&year=2025&quarter=1&month=3&start=2025-01-01&end=2025-12-31&district=CX"
    response = en.get(f"/reports?{every_field}", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert page.lstrip().startswith("<div id=\"dash-main\"") and "<html" not in page
    assert 'hx-get="/reports"' in page and 'hx-push-url="true"' in page
    # the location bar gets the short address of what is shown, not every field of the form
    assert response.headers["HX-Push-Url"] == "/reports?period=month&year=2025&month=3&district=CX"


def test_a_year_is_compared_with_the_year_before_only(session, seeded, login_as, en):
    login_as("supervisor")
    page = _page(en, "period=year&year=2025")
    facts = complaint_facts(session)
    now, before = (expected_complaints(facts, Period.year(y)) for y in (2025, 2024))
    assert 'id="prev-' not in page and changes(page, "yoy")["received"] == rel(now.received, before.received)
    assert "“vs a year ago” compares with 2024." in html.unescape(page)
    assert 'id="dash-in-progress"' not in page
    assert 'id="dash-in-progress"' in _page(en, "")                # this year is not over yet


def test_default_is_this_year_and_the_form_works_without_script(seeded, login_as, en):
    login_as("supervisor")
    page = _page(en, "")
    this_year = str(date.today().year)
    assert f'id="dash-period-label">{this_year}<' in page
    assert 'method="get" action="/reports"' in page and f'<option value="{this_year}" selected>' in page


def test_quarter_and_custom_periods(seeded, session, login_as, en):
    login_as("supervisor")
    facts = complaint_facts(session)
    q1 = figs(_page(en, "period=quarter&year=2025&quarter=1"))
    assert q1["received"] == str(expected_complaints(facts, Period.quarter(2025, 1)).received)
    custom = Period("custom", date(2025, 2, 28), date(2025, 3, 1))
    page = _page(en, "period=custom&start=2025-02-28&end=2025-03-01")
    assert figs(page)["received"] == str(expected_complaints(facts, custom).received) == "2"
    assert "28 Feb 2025 – 1 Mar 2025" in page


# --- who sees what -------------------------------------------------------------------------------------------

def test_district_supervisor_sees_only_their_district(session, seeded, base_data, client):
    client.set_cookie("lang", "en")
    boss = make_user(session, base_data, "supervisor", "CD", "东区主任")
    sign_in(client, boss)
    page = _page(client)
    want = expected_complaints(complaint_facts(session), P, base_data.districts["CD"].id)
    assert figs(page)["received"] == str(want.received)
    assert 'name="district"' not in page and 'id="dash-district">Chengdong District<' in page
    assert 'id="district-table"' not in page
    assert 'district=CD' in page                                  # links keep the district
    assert _page(client, ARGS + "&district=CD")
    response = client.get(f"/reports?{ARGS}&district=CX")
    assert response.status_code == 403
    assert "You may only see the reports of your own district." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["handler", "inspector", "volunteer", "consumer"])
def test_other_roles_are_refused(seeded, login_as, en, role):
    login_as(role)
    response = en.get(f"/reports?{ARGS}")
    assert response.status_code == 403
    assert "Only supervisors and administrators can see the reports." in response.get_data(as_text=True)


def test_admin_sees_the_dashboard(seeded, login_as, en):
    login_as("admin")
    assert figs(_page(en))["received"] == "13"


def test_anonymous_is_sent_to_login(client, base_data):
    response = client.get(f"/reports?{ARGS}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    hx = client.get("/reports", headers={"HX-Request": "true"})
    assert hx.status_code == 401 and "/login" in hx.headers["HX-Redirect"]


# --- bad input: 422 with the message beside the field, never 500 ------------------------------------------------

@pytest.mark.parametrize("query, field, message", [
    ("period=custom&start=2025-03-10&end=2025-03-01", "end", "The period ends before it starts."),
    ("period=custom&start=2025-03-10", "end", "This field is required."),
    ("period=custom&start=10/03/2025&end=2025-03-11", "start", "Please enter a valid date."),
    ("period=year&year=abc", "year", "Please choose a value from"),
    ("period=year&year=1999", "year", "Please choose a value from"),
    ("period=month&year=2025&month=13", "month", "Please choose a value from 1 to 12."),
    ("period=quarter&year=2025&quarter=5", "quarter", "Please choose a value from 1 to 4."),
    ("period=week", "period", "Please choose one of the options."),
    ("period=year&district=ZZ", "district", "Please choose one of the options."),
])
def test_bad_arguments_give_422_with_the_message_beside_the_field(seeded, login_as, en, query, field, message):
    login_as("supervisor")
    page = _page(en, query, status=422)
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', page)
    assert error and message in html.unescape(error.group(1))
    assert 'aria-invalid="true" aria-describedby="' + field + '-error"' in page
    assert 'id="dash-invalid"' in page and 'id="fig-received"' not in page


def test_bad_arguments_by_htmx_swap_the_form_with_its_messages(seeded, login_as, en):
    login_as("supervisor")
    response = en.get("/reports?period=custom&start=2025-03-10&end=2025-03-01", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in page and 'id="end-error"' in page


def test_an_empty_period_says_so(seeded, login_as, en):
    login_as("supervisor")
    page = _page(en, "period=month&year=2020&month=1")
    assert 'id="dash-empty"' in page and "Nothing was recorded in this period" in page
    assert 'id="fig-' not in page and "<svg xmlns" not in page


def test_a_period_without_complaints_shows_no_wall_of_zeros(seeded, login_as, en):
    login_as("supervisor")
    page = _page(en, "period=custom&start=2025-04-01&end=2025-04-01&district=CX")
    assert 'id="no-complaints"' in page and 'id="dash-hotspots"' not in page and 'id="fig-received"' not in page
    assert figs(page)["events"] == "1" and figs(page)["inspections"] == "1"


# --- the charts themselves -------------------------------------------------------------------------------------

def test_bar_chart_escapes_and_cuts_long_labels():
    svg = charts.bar_chart([(XSS, 3, "3"), ("东关农贸市场12号摊位" * 4, 1, "1"), ("零", 0, "0")], 'T<"&>')
    assert isinstance(svg, Markup)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-label="T&lt;&#34;&amp;&gt;"' in svg and 'width="100%"' in svg and 'role="img"' in svg
    assert "…</text>" in svg                                    # cut on its line …
    assert "<title>" + "东关农贸市场12号摊位" * 4 + ": 1</title>" in svg   # … and kept whole in the title
    assert svg.count("<rect") == 3 and svg.count('fill="#c62828"') == 2   # a grey sliver for zero
    assert "style=" not in svg


def test_fit_respects_the_width():
    long = "湖畔渔家乐" * 10
    cut = charts.fit(long, 320, 13)
    assert cut.endswith("…") and charts.text_width(cut, 13) <= 320
    assert charts.fit("short", 320, 13) == "short"


@pytest.mark.parametrize("n", [12, 31, 60])
def test_column_chart_labels_never_overlap(n):
    points = [(f"{i + 1}月", i % 7, f"2025年{i + 1}月") for i in range(n)]
    svg = str(charts.column_chart(points, "per month"))
    axis = [(float(x), label) for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="11" '
                                                          r'fill="#78909c" text-anchor="middle">([^<]*)</text>', svg)]
    assert axis and axis[0][1] == "1月"
    for (x1, a), (x2, _b) in zip(axis, axis[1:]):
        assert x2 - x1 >= charts.text_width(a, 11)
    assert svg.count("<title>") == n + 1


def test_rate_bar_is_bounded_and_says_its_value():
    assert 'width="100"' in charts.rate_bar(1.7, "办结率", "170.0%")
    svg = charts.rate_bar(0.923, "办结率", "92.3%")
    assert 'aria-label="办结率: 92.3%"' in svg and 'width="92.3"' in svg
    assert charts.rate_bar(None, "x", "—").count("<rect") == 1
