"""Plan targets (工作计划): every metric's measured value against an independent count over the rows (never
through webapp.reports.figures), the statuses on a fixed day, the service's validation, and the pages' rules
(roles, district scoping, 422 with messages and nothing saved)."""
from __future__ import annotations

import statistics
import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from inspection_helpers import template
from outreach_helpers import make_event, make_user, sign_in
from webapp.audit import AuditLog
from webapp.campaigns.models import Campaign
from webapp.complaints.models import Complaint
from webapp.forms import FieldErrors
from webapp.inspections.models import Inspection, Sample
from webapp.outreach.models import OutreachEvent
from webapp.reports import targets
from webapp.reports.models import PlanTarget
from webapp.reports.target_schemas import TargetFields

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
TODAY = date(2026, 6, 30)
CONCLUDED = ("resolved", "failed", "referred")

# (received day (local), district, accepted, result, working days to close, on time, rating, recovered fen)
COMPLAINTS = [
    (date(2026, 1, 5), "CD", True, "resolved", 2, True, 5, 12000),
    (date(2026, 2, 10), "CD", True, "resolved", 3, True, 4, 3050),
    (date(2026, 3, 3), "CD", True, "failed", 5, True, 2, None),
    (date(2026, 3, 20), "CD", True, "referred", 9, False, None, None),
    (date(2026, 4, 1), "CD", True, None, None, None, None, None),
    (date(2026, 4, 15), "CD", False, "rejected", None, None, None, None),
    (date(2026, 5, 8), "CD", True, "resolved", 1, True, 5, 80000),
    (date(2026, 6, 29), "CD", True, "resolved", 4, True, 3, 500),
    (date(2026, 2, 2), "NH", True, "resolved", 2, True, 5, 7000),
    (date(2026, 3, 9), "NH", True, "failed", 6, False, 1, None),
    (date(2026, 7, 20), "CD", True, "resolved", 2, True, 5, 99999),      # after TODAY
    (date(2025, 1, 9), "CD", True, "resolved", 2, True, 5, 1000),
    (date(2025, 2, 9), "CD", True, "resolved", 7, False, 4, 2000),
    (date(2025, 3, 9), "CD", True, "failed", 3, True, 5, None),
    (date(2025, 4, 9), "CD", True, "resolved", 2, True, 5, 3000),
    (date(2025, 5, 9), "CD", True, None, None, None, None, None),
    (date(2025, 6, 9), "CD", True, "resolved", 1, True, 4, 4000),
    (date(2025, 6, 20), "CD", False, "rejected", None, None, None, None),
    (date(2025, 6, 25), "CD", True, "resolved", 2, True, 5, 500),
    (date(2025, 6, 30), "CD", True, "resolved", 3, True, 5, 700),
    (date(2025, 6, 30), "CD", True, "resolved", 3, True, 2, 800),
    (date(2025, 9, 1), "CD", True, "resolved", 2, True, 5, 900),
    (date(2025, 5, 1), "NH", True, "resolved", 2, True, 5, 100),
]
# (captured at (UTC), district, campaign, samples): campaigns A and B are enforcement ones, C an outreach one.
INSPECTIONS = [
    (datetime(2026, 2, 3, 2, tzinfo=UTC), "CD", "A", 3),
    (datetime(2026, 3, 4, 2, tzinfo=UTC), "CD", "A", 3),
    (datetime(2026, 3, 5, 2, tzinfo=UTC), "CD", "B", 2),
    (datetime(2026, 4, 6, 2, tzinfo=UTC), "NH", "B", 4),
    (datetime(2026, 4, 7, 2, tzinfo=UTC), "CD", "C", 7),
    (datetime(2026, 5, 8, 2, tzinfo=UTC), "CD", None, 5),
    (datetime(2026, 6, 1, 2, tzinfo=UTC), "CD", None, 0),
    (datetime(2026, 6, 30, 17, tzinfo=UTC), "CD", "A", 2),               # 1 July in Shanghai: after TODAY
    (datetime(2025, 12, 31, 17, tzinfo=UTC), "CD", "B", 3),              # 1 January 2026 in Shanghai
    (datetime(2025, 5, 5, 2, tzinfo=UTC), "CD", "A", 6),
]
# (held on, district, leaflets)
EVENTS = ([(date(2026, m, 10), "CD", 100 * m) for m in range(1, 6)]
          + [(date(2026, m, 12), "CX", 50) for m in range(1, 7)]
          + [(date(2026, 1, 3), "NH", 300), (date(2026, 3, 3), "NH", 200), (date(2026, 7, 2), "CD", 999)]
          + [(date(2025, m, 5), "CD", 10) for m in range(1, 13) if m != 8])


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)   # noon in Shanghai


@pytest.fixture
def seeded(session, base_data, make_complaint):
    """Complaints, inspections with samples in campaigns, and events in 2025 and 2026 (see the tables above)."""
    d = base_data.districts
    for day, code, accepted, result, workdays, on_time, rating, fen in COMPLAINTS:
        c = make_complaint()
        c.received_at, c.district_id = _at(day), d[code].id
        c.accepted_at = _at(day) + timedelta(days=1) if accepted else None
        c.result, c.close_workdays, c.on_time, c.satisfaction, c.recovered_fen = result, workdays, on_time, rating, fen
        session.add(c)
    # received 30 June 17:00 UTC = 1 July in Shanghai: not in the year to 30 June
    late = make_complaint()
    late.received_at, late.satisfaction, late.result = datetime(2026, 6, 30, 17, tzinfo=UTC), 1, "failed"
    session.add(late)
    session.commit()
    tpl, _items = template(session)
    campaigns = {name: Campaign(kind=kind, name=name, starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31))
                 for name, kind in (("A", "enforcement"), ("B", "enforcement"), ("C", "outreach"))}
    session.add_all(campaigns.values())
    session.flush()
    for captured, code, campaign, samples in INSPECTIONS:
        i = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=base_data.merchants[0].id,
                       template_id=tpl.id, district_id=d[code].id, inspector_id=base_data.users["inspector"].id,
                       campaign_id=campaigns[campaign].id if campaign else None, result="pass", captured_at=captured)
        session.add(i)
        session.flush()
        session.add_all(Sample(inspection_id=i.id, product=f"样品{n}") for n in range(samples))
    session.commit()
    for held_on, code, leaflets in EVENTS:
        make_event(session, base_data, district_id=d[code].id, held_on=held_on, leaflets=leaflets)
    return base_data


# ---- independent counts: plain Python over the rows ------------------------------------------------------

def _local(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI).date()


def _complaints(session, start: date, end: date, district_id):
    session.expire_all()
    return [c for c in session.exec(select(Complaint)).all()
            if start <= _local(c.received_at) <= end and district_id in (None, c.district_id)]


def _share(part: int, whole: int):
    return part / whole if whole else None


def expected(session, metric: str, year: int, district_id, today: date, target: int = 1, param: int | None = None):
    """The figure a metric should measure, counted from the rows themselves."""
    start, end = date(year, 1, 1), (date(year, 12, 31) if year < today.year else today)
    rows = _complaints(session, start, end, district_id)
    concluded = [c for c in rows if c.result in CONCLUDED]
    if metric == "satisfaction":
        rated = [c for c in rows if c.satisfaction is not None]
        return _share(sum(c.satisfaction >= 4 for c in rated), len(rated))
    if metric == "closed_within":
        timed = [c for c in concluded if c.close_workdays is not None]
        return _share(sum(c.close_workdays <= param for c in timed), len(timed))
    if metric == "closure_rate":
        return _share(len(concluded), sum(c.accepted_at is not None for c in rows))
    if metric == "on_time_rate":
        return _share(sum(bool(c.on_time) for c in concluded), len(concluded))
    if metric == "mediation_success":
        ended = [c for c in rows if c.result in ("resolved", "failed")]
        return _share(sum(c.result == "resolved" for c in ended), len(ended))
    if metric == "complaints_down":
        before = len(_complaints(session, date(year - 1, 1, 1), end.replace(year=year - 1), district_id))
        return _share(before - len(rows), before)
    if metric == "median_close_days":
        days = [c.close_workdays for c in concluded if c.close_workdays is not None]
        return statistics.median(days) if days else None
    if metric == "recovered":
        return sum(c.recovered_fen or 0 for c in rows if c.result == "resolved")
    if metric in ("inspections", "samples", "quality_rounds"):
        return _inspected(session, metric, start, end, district_id, param)
    return _outreach(session, metric, year, start, end, district_id, target)


def _inspected(session, metric, start, end, district_id, param):
    inspections = [i for i in session.exec(select(Inspection)).all()
                   if start <= _local(i.captured_at) <= end and district_id in (None, i.district_id)]
    ids = {i.id for i in inspections}
    samples = [s for s in session.exec(select(Sample)).all() if s.inspection_id in ids]
    if metric == "inspections":
        return len(inspections)
    if metric == "samples":
        return len(samples)
    enforcement = {c.id for c in session.exec(select(Campaign)).all() if c.kind == "enforcement"}
    campaign_of = {i.id: i.campaign_id for i in inspections}
    per_campaign: dict[int, int] = {}
    for s in samples:
        campaign = campaign_of[s.inspection_id]
        if campaign in enforcement:
            per_campaign[campaign] = per_campaign.get(campaign, 0) + 1
    return sum(n >= param for n in per_campaign.values())


def _outreach(session, metric, year, start, end, district_id, target):
    events = [e for e in session.exec(select(OutreachEvent)).all()
              if start <= e.held_on <= end and district_id in (None, e.district_id)]
    if metric == "events":
        return len(events)
    if metric == "leaflets":
        return sum(e.leaflets for e in events)
    from webapp.auth.models import District
    districts = [district_id] if district_id else [d.id for d in session.exec(select(District)).all()]
    return sum(all(sum(e.held_on.month == m and e.district_id == d for e in events) >= target for d in districts)
               for m in range(1, end.month + 1))


# ---- helpers ---------------------------------------------------------------------------------------------

def fields(metric: str, target: int, year: int = 2026, district_id=None, param=None, note="") -> TargetFields:
    return TargetFields(metric=metric, year=year, target=target, param=param, district_id=district_id, note=note)


def add(session, base_data, metric, target, year=2026, code=None, param=None) -> PlanTarget:
    district_id = base_data.districts[code].id if code else None
    t = targets.create_target(session, base_data.users["supervisor"],
                              fields(metric, target, year, district_id, param), TODAY)
    session.commit()
    return t


def measured(session, base_data, year=2026, code=None, today=TODAY) -> dict:
    district = base_data.districts[code] if code else None
    return {(p.target.metric, p.target.param): p for p in targets.progress(session, year, district, today)}


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


# ---- every metric against its independent count ----------------------------------------------------------

TARGETS = [("satisfaction", 90, None), ("closed_within", 80, 3), ("closed_within", 60, 5), ("closure_rate", 95, None),
           ("on_time_rate", 98, None), ("mediation_success", 70, None), ("complaints_down", 20, None),
           ("median_close_days", 3, None), ("quality_rounds", 4, 5), ("quality_rounds", 2, 2),
           ("outreach_monthly", 1, None), ("inspections", 10, None), ("samples", 30, None),
           ("events", 24, None), ("leaflets", 3000, None), ("recovered", 5000, None)]


@pytest.mark.parametrize("code", ["CD", None])
@pytest.mark.parametrize("year", [2026, 2025])
def test_each_metric_measures_what_the_rows_say(session, seeded, code, year):
    for metric, target, param in TARGETS:
        add(session, seeded, metric, target, year, code, param)
    got = measured(session, seeded, year, code)
    assert len(got) == len(TARGETS)
    district_id = seeded.districts[code].id if code else None
    for metric, target, param in TARGETS:
        want = expected(session, metric, year, district_id, TODAY, target, param)
        value = got[(metric, param)].value
        if want is None:      # 2024 has no complaint to compare 2025 with
            assert (metric, year, value) == ("complaints_down", 2025, None)
            continue
        assert value == pytest.approx(want), (metric, param, value, want)


def test_the_seed_gives_meaningful_figures(session, seeded):
    """Spot values on the seed, so that the comparison above is not comparing zeros."""
    cd = seeded.districts["CD"].id
    assert expected(session, "satisfaction", 2026, cd, TODAY) == pytest.approx(3 / 5)
    assert expected(session, "closed_within", 2026, cd, TODAY, param=3) == pytest.approx(3 / 6)
    assert expected(session, "complaints_down", 2026, cd, TODAY) == pytest.approx((10 - 8) / 10)
    assert expected(session, "quality_rounds", 2026, cd, TODAY, param=5) == 2      # A: 3+3; B: 2+3 (1 Jan)
    assert expected(session, "quality_rounds", 2026, cd, TODAY, param=6) == 1      # C is not enforcement
    assert expected(session, "quality_rounds", 2026, None, TODAY, param=7) == 1    # A 6, B 2+4+3 = 9
    assert expected(session, "outreach_monthly", 2026, cd, TODAY, target=1) == 5
    assert expected(session, "outreach_monthly", 2026, None, TODAY, target=1) == 2   # NH: Jan and Mar only
    assert expected(session, "recovered", 2026, cd, TODAY) == 12000 + 3050 + 80000 + 500


def test_actual_and_label_are_document_text(session, seeded):
    add(session, seeded, "satisfaction", 90, code="CD")
    add(session, seeded, "recovered", 500000, code="CD")
    add(session, seeded, "outreach_monthly", 1)
    add(session, seeded, "outreach_monthly", 1, code="CD")
    add(session, seeded, "closed_within", 80, code="CD", param=3)
    cd, city = measured(session, seeded, code="CD"), measured(session, seeded)
    sat = cd[("satisfaction", None)]
    assert sat.label_zh == "群众满意率不低于 90%" and sat.label_en == "Satisfaction rate at least 90 %"
    assert sat.actual_zh == "60.0%（已评价 5 件，满意 3 件）"
    assert sat.actual_en == "60.0 % (3 of 5 rated)"
    money = cd[("recovered", None)]
    assert money.label_zh == "为消费者挽回经济损失不少于 50 万元"
    assert money.actual_zh.startswith("已完成 955.5 元，占全年目标的 ")
    assert cd[("closed_within", 3)].label_zh == "办结投诉中 3 个工作日内办结的不低于 80%"
    monthly = city[("outreach_monthly", None)]
    assert monthly.label_zh == "各区每月开展宣传活动不少于 1 场"
    assert monthly.actual_zh == "6 个月中 2 个月达标；未达标：2月、4—6月（城东区 1 个月，南湖区 4 个月）"
    assert monthly.actual_en == ("2 of 6 months met; short: Feb, Apr–Jun "
                                 "(Chengdong District 1 month, Nanhu District 4 months)")
    assert cd[("outreach_monthly", None)].actual_zh == "6 个月中 5 个月达标；未达标：6月"
    assert cd[("outreach_monthly", None)].label_en == "At least 1 outreach event a month"


# ---- statuses on a fixed day ----------------------------------------------------------------------------

def test_rates_this_year_are_on_track_or_at_risk(session, seeded):
    add(session, seeded, "satisfaction", 60, code="CD")            # 60.0 % measured: exactly met
    add(session, seeded, "on_time_rate", 90, code="CD")            # 5 of 6
    add(session, seeded, "median_close_days", 4, code="CD")        # 3.5 ≤ 4
    add(session, seeded, "complaints_down", 30, code="CD")         # down 20 %
    got = measured(session, seeded, code="CD")
    assert got[("satisfaction", None)].status == targets.ON_TRACK
    assert got[("on_time_rate", None)].status == targets.AT_RISK
    assert got[("median_close_days", None)].value == pytest.approx(3.5)
    assert got[("median_close_days", None)].status == targets.ON_TRACK
    assert got[("complaints_down", None)].status == targets.AT_RISK


def test_past_year_is_met_or_missed(session, seeded):
    add(session, seeded, "satisfaction", 80, year=2025, code="CD")     # 8 of 9 rated: met
    add(session, seeded, "closure_rate", 100, year=2025, code="CD")    # one still in mediation: missed
    add(session, seeded, "events", 11, year=2025, code="CD")           # 11 events: met
    add(session, seeded, "leaflets", 200, year=2025, code="CD")        # 110: missed
    add(session, seeded, "outreach_monthly", 1, year=2025, code="CD")  # no event in August: missed
    got = measured(session, seeded, 2025, "CD")
    assert got[("satisfaction", None)].status == targets.MET
    assert got[("closure_rate", None)].status == targets.MISSED
    assert got[("events", None)].status == targets.MET
    assert got[("leaflets", None)].status == targets.MISSED
    assert got[("outreach_monthly", None)].status == targets.MISSED
    assert got[("outreach_monthly", None)].value == 11


def test_counts_this_year_against_the_share_of_the_year(session, seeded):
    # 30 June: 181 of 365 days, 49.6 % of the year
    add(session, seeded, "inspections", 7, code="CD")      # 7 inspections so far: reached
    add(session, seeded, "samples", 46, code="CD")         # 23 = 50 % ≥ 49.6 %: on track
    add(session, seeded, "leaflets", 3100, code="CD")      # 1500 = 48.4 %: at risk
    got = measured(session, seeded, code="CD")
    assert [got[(m, None)].value for m in ("inspections", "samples", "leaflets")] == [7, 23, 1500]
    assert got[("inspections", None)].status == targets.MET
    assert got[("samples", None)].status == targets.ON_TRACK
    assert got[("leaflets", None)].status == targets.AT_RISK


def test_monthly_outreach_at_risk_once_an_elapsed_month_missed(session, seeded):
    add(session, seeded, "outreach_monthly", 1, code="CD")
    add(session, seeded, "outreach_monthly", 1)
    june = measured(session, seeded, code="CD")[("outreach_monthly", None)]
    assert (june.status, june.value) == (targets.ON_TRACK, 5)        # June not over: not yet a miss
    july = measured(session, seeded, code="CD", today=date(2026, 7, 1))[("outreach_monthly", None)]
    assert july.status == targets.AT_RISK                            # June ended without an event
    city = measured(session, seeded)[("outreach_monthly", None)]
    assert city.status == targets.AT_RISK                            # 南湖区 had none in February


def test_no_data_when_nothing_to_measure_or_the_year_is_ahead(session, seeded):
    add(session, seeded, "satisfaction", 90, code="CX")              # no complaint in 城西区
    add(session, seeded, "complaints_down", 10, code="CX")
    add(session, seeded, "satisfaction", 90, year=2027, code="CD")
    add(session, seeded, "events", 10, year=2027, code="CD")
    cx = measured(session, seeded, code="CX")
    assert cx[("satisfaction", None)].status == targets.NO_DATA and cx[("satisfaction", None)].value is None
    assert cx[("complaints_down", None)].status == targets.NO_DATA
    ahead = measured(session, seeded, 2027, "CD")
    assert {p.status for p in ahead.values()} == {targets.NO_DATA}
    assert all(targets.completion(p) is None for p in ahead.values())


def test_progress_of_a_scope_lists_only_its_own_targets(session, seeded):
    add(session, seeded, "events", 10, code="CD")
    add(session, seeded, "events", 30)
    assert [p.target.district_id for p in targets.progress(session, 2026, None, TODAY)] == [None]
    assert targets.progress(session, 2026, seeded.districts["NH"], TODAY) == []


# ---- the service: validation, duplicates, audit ----------------------------------------------------------

@pytest.mark.parametrize("metric,target,param,year,field,message", [
    ("no_such", 90, None, 2026, "metric", "Please choose a metric from the list."),
    ("satisfaction", 101, None, 2026, "target", "Please enter a percentage from 1 to 100."),
    ("satisfaction", 0, None, 2026, "target", "Please enter a percentage from 1 to 100."),
    ("events", 1_000_001, None, 2026, "target", "Please enter a number from 1 to 1,000,000."),
    ("recovered", 0, None, 2026, "target", "Please enter an amount from 1 to 100,000,000 yuan."),
    ("recovered", 100_000_001, None, 2026, "target", "Please enter an amount from 1 to 100,000,000 yuan."),
    ("median_close_days", 61, None, 2026, "target", "Please enter from 1 to 60 working days."),
    ("closed_within", 80, None, 2026, "param", "This metric needs this number."),
    ("closed_within", 80, 61, 2026, "param", "Please enter a number from 1 to 60."),
    ("quality_rounds", 4, 0, 2026, "param", "Please enter a number from 1 to 1000."),
    ("satisfaction", 90, None, 1999, "year", "Please enter a year from 2000 to 2027."),
    ("satisfaction", 90, None, 2028, "year", "Please enter a year from 2000 to 2027."),
])
def test_invalid_targets_are_refused(session, base_data, metric, target, param, year, field, message):
    with pytest.raises(FieldErrors) as refused:
        targets.create_target(session, base_data.users["supervisor"], fields(metric, target, year, param=param), TODAY)
    assert refused.value.errors[field] == message
    session.rollback()
    assert count(session, PlanTarget) == 0


def test_money_is_stored_in_fen_and_audited(session, base_data):
    t = add(session, base_data, "recovered", 500_000, code="NH")
    assert t.target == 50_000_000 and t.param is None
    assert targets.form_values(t)["target"] == "500000"
    log = session.exec(select(AuditLog).where(AuditLog.object_type == "PlanTarget")).one()
    assert log.action == "plan_target.create" and log.after["target"] == 50_000_000


def test_a_param_is_dropped_where_the_metric_takes_none(session, base_data):
    assert add(session, base_data, "satisfaction", 90, param=3).param is None


def test_duplicates_are_refused_but_other_params_and_scopes_are_not(session, base_data):
    add(session, base_data, "closed_within", 80, param=3)
    add(session, base_data, "closed_within", 60, param=5)
    add(session, base_data, "closed_within", 80, param=3, code="CD")
    add(session, base_data, "closed_within", 80, year=2025, param=3)
    with pytest.raises(FieldErrors) as refused:
        add(session, base_data, "closed_within", 90, param=3)
    assert "already set" in refused.value.errors["metric"]
    session.rollback()
    assert count(session, PlanTarget) == 4


def test_update_checks_duplicates_but_not_against_itself(session, base_data):
    boss = base_data.users["supervisor"]
    a = add(session, base_data, "events", 10)
    b = add(session, base_data, "leaflets", 1000)
    targets.update_target(session, boss, a, fields("events", 12, note="每季度至少三场"), TODAY)
    session.commit()
    assert (a.target, a.note) == (12, "每季度至少三场")
    with pytest.raises(FieldErrors):
        targets.update_target(session, boss, b, fields("events", 12), TODAY)
    session.rollback()
    session.refresh(b)
    assert b.metric == "leaflets"
    actions = session.exec(select(AuditLog.action).where(AuditLog.object_type == "PlanTarget")).all()
    assert sorted(actions) == ["plan_target.create", "plan_target.create", "plan_target.update"]


def test_a_district_supervisor_sets_only_its_own_districts_targets(session, base_data):
    chief = make_user(session, base_data, "supervisor", "CD")
    for district_id in (None, base_data.districts["NH"].id):
        with pytest.raises(FieldErrors) as refused:
            targets.create_target(session, chief, fields("events", 10, district_id=district_id), TODAY)
        assert refused.value.errors["district_id"] == "You may only set targets for your own district."
    targets.create_target(session, chief, fields("events", 10, district_id=base_data.districts["CD"].id), TODAY)
    session.commit()
    assert session.exec(select(PlanTarget.district_id)).all() == [base_data.districts["CD"].id]


# ---- the pages --------------------------------------------------------------------------------------------

def test_the_list_shows_progress_badges_and_the_form(client, session, seeded, login_as):
    add(session, seeded, "events", 1)
    add(session, seeded, "satisfaction", 90)
    login_as("supervisor")
    client.set_cookie("lang", "en")
    page = client.get("/reports/targets?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Satisfaction rate at least 90 %" in html and "At least 1 outreach event" in html
    assert "tgt-badge-met" in html and "<progress" in html
    assert 'id="target-form"' in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("role", ["handler", "inspector", "volunteer", "consumer"])
def test_other_roles_are_refused(client, login_as, role):
    login_as(role)
    assert client.get("/reports/targets").status_code == 403
    assert client.post("/reports/targets", data={"metric": "events", "target": "1", "year": "2026"}).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, base_data):
    response = client.get("/reports/targets")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "/login" in client.get("/reports/targets", headers={"HX-Request": "true"}).headers["HX-Redirect"]
    assert client.post("/reports/targets", data={"metric": "events"}).status_code == 302


def test_bad_filters_answer_4xx_with_a_message(client, base_data, login_as):
    login_as("supervisor")
    client.set_cookie("lang", "en")
    assert client.get("/reports/targets?year=1900").status_code == 422
    page = client.get("/reports/targets?district=ZZ")
    assert page.status_code == 422 and "Please choose one of the options." in page.get_data(as_text=True)


def test_create_through_the_form(client, session, base_data, login_as):
    login_as("supervisor")
    response = client.post("/reports/targets", data={"metric": "closed_within", "target": "80", "param": "3",
                                                     "year": "2026", "district_id": str(base_data.districts["NH"].id),
                                                     "note": "省局要求"})
    assert response.status_code == 303 and "district=NH" in response.headers["Location"]
    t = session.exec(select(PlanTarget)).one()
    assert (t.metric, t.target, t.param, t.note, t.created_by_id) == (
        "closed_within", 80, 3, "省局要求", base_data.users["supervisor"].id)


@pytest.mark.parametrize("form,field,message", [
    ({"metric": "nope", "target": "80"}, "metric", "Please choose a metric from the list."),
    ({"metric": "satisfaction", "target": "180"}, "target", "Please enter a percentage from 1 to 100."),
    ({"metric": "satisfaction", "target": "abc"}, "target", "Please choose or enter a valid number."),
    ({"metric": "closed_within", "target": "80"}, "param", "This metric needs this number."),
    ({"metric": "satisfaction", "target": "80", "year": "1999"}, "year", "Please enter a year from 2000 to"),
    ({"metric": "satisfaction", "target": "80", "district_id": "99999"}, "district_id",
     "Please choose the district from the list."),
])
def test_invalid_forms_answer_422_beside_the_field_and_save_nothing(client, session, base_data, login_as,
                                                                  form, field, message):
    login_as("supervisor")
    client.set_cookie("lang", "en")
    data = {"year": "2026", "district_id": "", **form}
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post("/reports/targets", data=data, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="{field}-error"' in html and message in html
        assert ("<html" in html) == (not headers)
    assert count(session, PlanTarget) == 0


def test_a_duplicate_through_the_form_is_refused(client, session, base_data, login_as):
    add(session, base_data, "events", 10)
    login_as("supervisor")
    client.set_cookie("lang", "en")
    response = client.post("/reports/targets", data={"metric": "events", "target": "20", "year": "2026"})
    assert response.status_code == 422 and "already set" in response.get_data(as_text=True)
    assert count(session, PlanTarget) == 1


def test_edit_and_delete(client, session, base_data, login_as):
    t = add(session, base_data, "recovered", 1000, code="CD")
    target_id = t.id
    login_as("supervisor")
    page = client.get(f"/reports/targets/{t.id}/edit").get_data(as_text=True)
    assert 'value="1000"' in page                                   # shown in 元
    response = client.post(f"/reports/targets/{t.id}/edit", data={
        "metric": "recovered", "target": "2500", "year": "2026", "district_id": str(t.district_id)})
    assert response.status_code == 303
    session.refresh(t)
    assert t.target == 250_000 and t.updated_at is not None
    bad = client.post(f"/reports/targets/{t.id}/edit", data={"metric": "recovered", "target": "0", "year": "2026"})
    assert bad.status_code == 422
    session.refresh(t)
    assert t.target == 250_000
    assert client.post(f"/reports/targets/{t.id}/delete", headers={"HX-Request": "true"}).headers["HX-Redirect"]
    assert count(session, PlanTarget) == 0
    assert client.get(f"/reports/targets/{target_id}/edit").status_code == 404


def test_the_form_follows_the_chosen_metric(client, base_data, login_as):
    login_as("supervisor")
    client.set_cookie("lang", "en")
    html = client.get("/reports/targets/form?metric=quality_rounds&target=4",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="param"' in html and "Batches per round M" in html and 'value="4"' in html
    assert "<html" not in html
    html = client.get("/reports/targets/form?metric=satisfaction", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="param"' not in html


def test_district_supervisors_see_and_manage_only_their_district(client, session, base_data):
    chief = make_user(session, base_data, "supervisor", "CD")
    own = add(session, base_data, "events", 10, code="CD")
    other = add(session, base_data, "events", 10, code="NH")
    city = add(session, base_data, "events", 30)
    sign_in(client, chief)
    client.set_cookie("lang", "en")
    page = client.get("/reports/targets?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="target-{own.id}"' in html and f'id="target-{other.id}"' not in html
    assert f'id="target-{city.id}"' not in html
    assert client.get("/reports/targets?district=NH").status_code == 403
    for t in (other, city):
        assert client.get(f"/reports/targets/{t.id}/edit").status_code == 404
        assert client.post(f"/reports/targets/{t.id}/edit", data={"metric": "events", "target": "1",
                                                                   "year": "2026"}).status_code == 404
        assert client.post(f"/reports/targets/{t.id}/delete").status_code == 404
        assert client.get(f"/reports/targets/form?id={t.id}").status_code == 404
    # a city-wide target is refused; without a district the target is the supervisor's own district's
    refused = client.post("/reports/targets", data={"metric": "leaflets", "target": "100", "year": "2026",
                                                    "district_id": ""})
    assert refused.status_code == 422 and "your own district" in refused.get_data(as_text=True)
    assert count(session, PlanTarget) == 3
    saved = client.post("/reports/targets", data={"metric": "leaflets", "target": "100", "year": "2026"})
    assert saved.status_code == 303
    assert session.exec(select(PlanTarget).where(PlanTarget.metric == "leaflets")).one().district_id == own.district_id


def test_city_supervisors_manage_any_district(client, session, base_data, login_as):
    t = add(session, base_data, "events", 10, code="NH")
    login_as("supervisor")
    assert client.get(f"/reports/targets/{t.id}/edit").status_code == 200
    page = client.get("/reports/targets?year=2026&district=NH").get_data(as_text=True)
    assert f'id="target-{t.id}"' in page


def test_a_money_target_of_one_hundred_million_yuan_is_kept_exactly(session, base_data):
    """1 亿元 is 10¹⁰ fen: more than a 32-bit column holds (PostgreSQL would refuse it)."""
    t = targets.create_target(session, base_data.users["supervisor"], fields("recovered", 100_000_000, 2026), TODAY)
    session.commit()
    session.expire_all()
    assert session.get(PlanTarget, t.id).target == 10_000_000_000
