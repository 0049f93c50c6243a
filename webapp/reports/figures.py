"""Every figure of the dashboard and the work summary, for a period and a district (None: the whole city).

Complaints are counted by the day they were received, with what has become of them now (the cohort of the
period), from the day tables that `rollup.refresh` keeps true; top merchants come from the complaints
themselves through a covering index. Inspections are counted by the day they were made, outreach events by
the day they were held. No Flask request code here: routes, the summary and the exports all call `build`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case
from sqlmodel import Session, func, select

from webapp.auth.models import District
from webapp.complaints.models import Category, Complaint
from webapp.inspections.models import Inspection, RectificationOrder, Sample
from webapp.merchants.models import Merchant
from webapp.outreach import totals as outreach_totals
from webapp.outreach.models import OutreachEvent
from webapp.reports import rollup
from webapp.reports.models import ComplaintDayCategory, ComplaintDayCloseDays, ComplaintDayProblem, ComplaintDayStat
from webapp.reports.period import Period

TOP = 5
COUNTED = ("received", "accepted", "rejected", "withdrawn", "concluded", "resolved", "failed", "referred",
           "on_time", "recovered_fen", "rated", "satisfied", "satisfaction_sum")


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (an empty period says so, never 0 %)."""
    return part / whole if whole else None


def change(now: int, before: int) -> float | None:
    """Relative change (0.25 = +25 %); None when the earlier figure is 0."""
    return (now - before) / before if before else None


@dataclass
class ComplaintFigures:
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    concluded: int = 0        # 办结
    resolved: int = 0
    failed: int = 0
    referred: int = 0
    on_time: int = 0
    recovered_fen: int = 0
    rated: int = 0
    satisfied: int = 0
    satisfaction_sum: int = 0
    close_days: dict[int, int] = field(default_factory=dict)   # working days to conclusion -> complaints

    @property
    def closure_rate(self) -> float | None:       # 办结率: concluded of accepted
        return ratio(self.concluded, self.accepted)

    @property
    def mediation_success_rate(self) -> float | None:   # 调解成功率: resolved of mediations that ended
        return ratio(self.resolved, self.resolved + self.failed)

    @property
    def on_time_rate(self) -> float | None:       # 按时办结率
        return ratio(self.on_time, self.concluded)

    @property
    def satisfaction_rate(self) -> float | None:  # 满意率: rated 4 or 5 of those who rated
        return ratio(self.satisfied, self.rated)

    @property
    def satisfaction_avg(self) -> float | None:
        return ratio(self.satisfaction_sum, self.rated)

    @property
    def median_close_days(self) -> float | None:
        """Median working days from receipt to conclusion (the mean of the two middle ones when even)."""
        n = sum(self.close_days.values())
        if not n:
            return None
        wanted, seen, middle = {(n - 1) // 2, n // 2}, 0, []
        for days in sorted(self.close_days):
            for k in range(seen, seen + self.close_days[days]):
                if k in wanted:
                    middle.append(days)
            seen += self.close_days[days]
        return sum(middle) / len(middle)

    def closed_within(self, workdays: int) -> float | None:
        """Share of the concluded complaints concluded within `workdays` working days of receipt."""
        n = sum(self.close_days.values())
        return ratio(sum(v for k, v in self.close_days.items() if k <= workdays), n)


@dataclass
class Hotspot:
    """One of the most complained-about categories, problem types or merchants, with 环比 and 同比."""
    key: str | int
    name: str
    name_en: str
    n: int
    previous: int = 0
    year_before: int = 0

    @property
    def vs_previous(self) -> float | None:
        return change(self.n, self.previous)

    @property
    def vs_year_before(self) -> float | None:
        return change(self.n, self.year_before)


@dataclass
class InspectionFigures:
    inspections: int = 0          # 检查经营主体 N 户次
    inspector_visits: int = 0     # 出动执法人员 N 人次
    merchants: int = 0            # distinct merchants checked (户)
    failed: int = 0               # inspections with a failed item
    orders: int = 0               # 责令整改
    orders_closed: int = 0        # … put right (closed by a passing re-inspection)
    samples: int = 0              # 抽检 N 批次
    samples_tested: int = 0
    samples_failed: int = 0

    @property
    def order_completion_rate(self) -> float | None:
        return ratio(self.orders_closed, self.orders)

    @property
    def nonconformity_rate(self) -> float | None:   # 不合格率: failed of the samples with a lab result
        return ratio(self.samples_failed, self.samples_tested)


@dataclass
class Dashboard:
    period: Period
    district: District | None
    complaints: ComplaintFigures
    complaints_previous: ComplaintFigures
    complaints_year_before: ComplaintFigures
    categories: list[Hotspot]
    problems: list[Hotspot]
    merchants: list[Hotspot]
    series: list[tuple[date, int]]     # complaints received per month (or per day for short periods)
    inspections: InspectionFigures
    outreach: outreach_totals.Totals

    @property
    def empty(self) -> bool:
        return not (self.complaints.received or self.inspections.inspections or self.outreach.events)


def _where_days(table, period: Period, district_id: int | None) -> list:
    where = [table.day >= period.start, table.day <= period.end]
    if district_id is not None:
        where.append(table.district_id == district_id)
    return where


def complaint_figures(session: Session, period: Period, district_id: int | None) -> ComplaintFigures:
    """The complaints received in the period, counted by what has become of them (refresh first)."""
    row = session.exec(select(*(func.coalesce(func.sum(getattr(ComplaintDayStat, name)), 0) for name in COUNTED))
                       .where(*_where_days(ComplaintDayStat, period, district_id))).one()
    figures = ComplaintFigures(**{name: int(value) for name, value in zip(COUNTED, row)})
    figures.close_days = {int(days): int(n) for days, n in session.exec(
        select(ComplaintDayCloseDays.workdays, func.sum(ComplaintDayCloseDays.n))
        .where(*_where_days(ComplaintDayCloseDays, period, district_id))
        .group_by(ComplaintDayCloseDays.workdays))}
    return figures


def _counts(session: Session, table, key, period: Period, district_id: int | None, keys=None) -> dict:
    where = _where_days(table, period, district_id)
    if keys is not None:
        where.append(key.in_(keys))
    return {k: int(n) for k, n in session.exec(select(key, func.sum(table.n)).where(*where).group_by(key))}


def _ranked(counts: dict, limit: int) -> list:
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]


def top_categories(session: Session, period: Period, district_id: int | None, limit: int = TOP) -> list[Hotspot]:
    t = ComplaintDayCategory
    top = _ranked(_counts(session, t, t.category_id, period, district_id), limit)
    ids = [k for k, _ in top]
    before = _counts(session, t, t.category_id, period.previous(), district_id, ids)
    year_before = _counts(session, t, t.category_id, period.year_before(), district_id, ids)
    names = {c.id: c for c in session.exec(select(Category).where(Category.id.in_(ids)))} if ids else {}
    return [Hotspot(k, names[k].name, names[k].name_en or names[k].name, n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def top_problems(session: Session, period: Period, district_id: int | None, limit: int = TOP) -> list[Hotspot]:
    from flask_babel import force_locale

    from webapp.complaints.choices import PROBLEM_TYPES

    t = ComplaintDayProblem
    top = _ranked(_counts(session, t, t.problem_type, period, district_id), limit)
    keys = [k for k, _ in top]
    before = _counts(session, t, t.problem_type, period.previous(), district_id, keys)
    year_before = _counts(session, t, t.problem_type, period.year_before(), district_id, keys)

    def label(key: str, lang: str) -> str:
        with force_locale(lang):
            return str(PROBLEM_TYPES.get(key, key))

    return [Hotspot(k, label(k, "zh_Hans_CN"), label(k, "en"), n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def _merchant_counts(session: Session, period: Period, district_id: int | None, ids=None,
                     limit: int | None = None) -> list[tuple[int, int]]:
    n = func.count(Complaint.id)
    stmt = select(Complaint.merchant_id, n).where(Complaint.received_on >= period.start,
                                                  Complaint.received_on <= period.end)
    if district_id is not None:
        stmt = stmt.where(Complaint.district_id == district_id)
    if ids is not None:
        stmt = stmt.where(Complaint.merchant_id.in_(ids))
    stmt = stmt.group_by(Complaint.merchant_id)
    if limit:
        stmt = stmt.order_by(n.desc(), Complaint.merchant_id).limit(limit)
    return [(int(k), int(v)) for k, v in session.exec(stmt)]


def top_merchants(session: Session, period: Period, district_id: int | None, limit: int = TOP) -> list[Hotspot]:
    top = _merchant_counts(session, period, district_id, limit=limit)
    ids = [k for k, _ in top]
    if not ids:
        return []
    before = dict(_merchant_counts(session, period.previous(), district_id, ids))
    year_before = dict(_merchant_counts(session, period.year_before(), district_id, ids))
    names = {m.id: m.name for m in session.exec(select(Merchant).where(Merchant.id.in_(ids)))}
    return [Hotspot(k, names.get(k, "?"), names.get(k, "?"), n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def series(session: Session, period: Period, district_id: int | None) -> list[tuple[date, int]]:
    """Complaints received per month (per day when the period is at most 62 days), gaps filled with 0."""
    by_day = dict(session.exec(select(ComplaintDayStat.day, func.sum(ComplaintDayStat.received))
                               .where(*_where_days(ComplaintDayStat, period, district_id))
                               .group_by(ComplaintDayStat.day)).all())
    daily = period.days <= 62
    buckets: dict[date, int] = {}
    d = period.start
    while d <= period.end:
        key = d if daily else d.replace(day=1)
        buckets[key] = buckets.get(key, 0) + int(by_day.get(d, 0))
        d += timedelta(days=1)
    return list(buckets.items())


def inspection_figures(session: Session, period: Period, district_id: int | None) -> InspectionFigures:
    start, end = period.utc_bounds()
    where = [Inspection.captured_at >= start, Inspection.captured_at < end]
    if district_id is not None:
        where.append(Inspection.district_id == district_id)
    count, visits, merchants, failed = session.exec(
        select(func.count(Inspection.id), func.coalesce(func.sum(Inspection.inspector_count), 0),
               func.count(func.distinct(Inspection.merchant_id)),
               func.coalesce(func.sum(case((Inspection.result == "fail", 1), else_=0)), 0))
        .where(*where)).one()
    orders, closed = session.exec(
        select(func.count(RectificationOrder.id), func.count(RectificationOrder.closed_at))
        .join(Inspection, Inspection.id == RectificationOrder.inspection_id).where(*where)).one()
    samples, tested, bad = session.exec(
        select(func.count(Sample.id), func.count(Sample.lab_result),
               func.coalesce(func.sum(case((Sample.lab_result == "fail", 1), else_=0)), 0))
        .join(Inspection, Inspection.id == Sample.inspection_id).where(*where)).one()
    return InspectionFigures(inspections=int(count), inspector_visits=int(visits), merchants=int(merchants),
                             failed=int(failed), orders=int(orders), orders_closed=int(closed),
                             samples=int(samples), samples_tested=int(tested), samples_failed=int(bad))


def outreach_figures(session: Session, period: Period, district_id: int | None) -> outreach_totals.Totals:
    where = [OutreachEvent.held_on >= period.start, OutreachEvent.held_on <= period.end]
    if district_id is not None:
        where.append(OutreachEvent.district_id == district_id)
    return outreach_totals.compute(session, *where)


def build(session: Session, period: Period, district: District | None) -> Dashboard:
    """All the dashboard's figures (the day tables are refreshed first)."""
    rollup.refresh(session)
    d = district.id if district is not None else None
    return Dashboard(
        period=period, district=district,
        complaints=complaint_figures(session, period, d),
        complaints_previous=complaint_figures(session, period.previous(), d),
        complaints_year_before=complaint_figures(session, period.year_before(), d),
        categories=top_categories(session, period, d), problems=top_problems(session, period, d),
        merchants=top_merchants(session, period, d), series=series(session, period, d),
        inspections=inspection_figures(session, period, d), outreach=outreach_figures(session, period, d))
