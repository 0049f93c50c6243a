"""Every figure of the dashboard and the work summary, for a period and a district (None: the whole city).

Complaints are counted by the day they were received, with what has become of them now (the cohort of the
period), from the day tables that `rollup.refresh` keeps true; top merchants come from the complaints
themselves through a covering index. Inspections are counted by the day they were made, outreach events by
the day they were held. No Flask request code here: routes, the summary and the exports all call `build`.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, or_, union_all
from sqlmodel import Session, func, select

from webapp.auth.models import District
from webapp.complaints.models import Category, Complaint
from webapp.inspections.models import Inspection, RectificationOrder, Sample
from webapp.merchants.models import Merchant
from webapp.outreach import totals as outreach_totals
from webapp.outreach.models import OutreachEvent
from webapp.reports import rollup
from webapp.reports.models import (ComplaintDayCategory, ComplaintDayCloseDays, ComplaintDayProblem, ComplaintDayStat,
                                   ComplaintMonthCategory, ComplaintMonthCloseDays, ComplaintMonthMerchant,
                                   ComplaintMonthProblem, ComplaintMonthStat, StatLock)
from webapp.reports.period import Period

TOP = 5
COUNTED = ("received", "accepted", "rejected", "withdrawn", "concluded", "resolved", "failed", "referred",
           "on_time", "recovered_fen", "rated", "satisfied", "satisfaction_sum")


# --- figures of the summary tables, kept per process between two refreshes -------------------------------------
#
# The day and month tables change only in rollup.refresh() and rollup.rebuild(), and both bump StatLock.refreshed
# in the same transaction. So what a query of those tables returns is a function of (refreshed, the query): a
# figure read at refreshed = n is reused until the next refresh, by any request of this process on this database.
# Everything else the dashboard shows (names, inspections, outreach, complaints read directly) is read every time.

class _Memo:
    """Results of summary-table queries at one StatLock.refreshed value (None: remember nothing)."""

    _stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # engine -> (refreshed, {key: result})
    MAX = 512

    def __init__(self, session: Session | None = None):
        self.results = None
        if session is None:
            return
        refreshed = session.exec(select(StatLock.refreshed).where(StatLock.id == 1)).first()
        if refreshed is None:
            return
        engine = session.get_bind()
        stored = self._stores.get(engine)
        if stored is None or stored[0] != refreshed or len(stored[1]) > self.MAX:
            stored = (refreshed, {})
            self._stores[engine] = stored
        self.results = stored[1]

    def get(self, key: tuple, compute):
        if self.results is None:
            return compute()
        try:
            return self.results[key]
        except KeyError:
            value = self.results[key] = compute()
            return value


_NO_MEMO = _Memo()


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
class DistrictFigures:
    """One district's share of a city-wide period."""
    district: District
    complaints: ComplaintFigures
    inspections: int = 0


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
    districts: list[DistrictFigures] = field(default_factory=list)   # city-wide only, by district code

    @property
    def empty(self) -> bool:
        return not (self.complaints.received or self.inspections.inspections or self.outreach.events)


def _parts(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The period's whole calendar months as [first, after) month starts, and the odd days around them."""
    first = period.start if period.start.day == 1 else rollup.next_month(period.start)
    after_end = period.end + timedelta(days=1)
    after = after_end if after_end.day == 1 else period.end.replace(day=1)
    if first >= after:
        return None, [(period.start, period.end)]
    edges = [(period.start, first - timedelta(days=1))] if period.start < first else []
    if after <= period.end:
        edges.append((after, period.end))
    return (first, after), edges


def _sources(period: Period, district_id: int | None, day_table, month_table) -> list[tuple]:
    """(table, WHERE) pairs that together cover the period exactly once: month rows, then day rows."""
    months, edges = _parts(period)
    out = []
    if months:
        out.append((month_table, [month_table.month >= months[0], month_table.month < months[1]]))
    if edges:
        out.append((day_table, [or_(*(and_(day_table.day >= a, day_table.day <= b) for a, b in edges))]))
    if district_id is not None:
        out = [(table, [*where, table.district_id == district_id]) for table, where in out]
    return out


def _where_days(table, period: Period, district_id: int | None) -> list:
    where = [table.day >= period.start, table.day <= period.end]
    if district_id is not None:
        where.append(table.district_id == district_id)
    return where


# The SUM columns of each stat table, built once: SQL expressions are immutable and reusable, and building these
# 13 x 2 function calls for every statement was most of the dashboard's Python time in SQLAlchemy.
_SUMS: dict[tuple, tuple] = {}


def _sums(table, coalesce: bool = True) -> tuple:
    key = (table, coalesce)
    if key not in _SUMS:
        _SUMS[key] = tuple(func.coalesce(func.sum(getattr(table, name)), 0) if coalesce
                           else func.sum(getattr(table, name)) for name in COUNTED)
    return _SUMS[key]


def complaint_figures(session: Session, period: Period, district_id: int | None,
                      memo: _Memo = _NO_MEMO) -> ComplaintFigures:
    """The complaints received in the period, counted by what has become of them (refresh first)."""
    def compute() -> ComplaintFigures:
        totals = dict.fromkeys(COUNTED, 0)
        for table, where in _sources(period, district_id, ComplaintDayStat, ComplaintMonthStat):
            row = session.exec(select(*_sums(table)).where(*where)).one()
            for name, value in zip(COUNTED, row):
                totals[name] += int(value)
        figures = ComplaintFigures(**totals)
        figures.close_days = _counts(session, ComplaintDayCloseDays, ComplaintMonthCloseDays, "workdays", period,
                                     district_id)
        return figures

    return memo.get(("complaints", period.start, period.end, district_id), compute)


def _counts(session: Session, day_table, month_table, key: str, period: Period, district_id: int | None,
            keys=None, memo: _Memo = _NO_MEMO) -> dict:
    """Complaints of the period by `key` (category_id, problem_type, workdays), optionally only `keys`."""
    def compute() -> dict:
        counts: dict = {}
        for table, where in _sources(period, district_id, day_table, month_table):
            column = getattr(table, key)
            if keys is not None:
                where = [*where, column.in_(keys)]
            for k, n in session.exec(select(column, func.sum(table.n)).where(*where).group_by(column)):
                counts[k] = counts.get(k, 0) + int(n)
        return counts

    return memo.get(("counts", day_table.__name__, key, period.start, period.end, district_id,
                     None if keys is None else tuple(keys)), compute)


def _ranked(counts: dict, limit: int) -> list:
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]


def top_categories(session: Session, period: Period, district_id: int | None, limit: int = TOP,
                   memo: _Memo = _NO_MEMO) -> list[Hotspot]:
    tables = (ComplaintDayCategory, ComplaintMonthCategory, "category_id")
    top = _ranked(_counts(session, *tables, period, district_id, memo=memo), limit)
    ids = [k for k, _ in top]
    before = _counts(session, *tables, period.previous(), district_id, ids, memo=memo)
    year_before = _counts(session, *tables, period.year_before(), district_id, ids, memo=memo)
    names = {c.id: c for c in session.exec(select(Category).where(Category.id.in_(ids)))} if ids else {}
    return [Hotspot(k, names[k].name, names[k].name_en or names[k].name, n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def top_problems(session: Session, period: Period, district_id: int | None, limit: int = TOP,
                 memo: _Memo = _NO_MEMO) -> list[Hotspot]:
    from flask_babel import force_locale

    from webapp.complaints.choices import PROBLEM_TYPES

    tables = (ComplaintDayProblem, ComplaintMonthProblem, "problem_type")
    top = _ranked(_counts(session, *tables, period, district_id, memo=memo), limit)
    keys = [k for k, _ in top]
    before = _counts(session, *tables, period.previous(), district_id, keys, memo=memo)
    year_before = _counts(session, *tables, period.year_before(), district_id, keys, memo=memo)

    def label(key: str, lang: str) -> str:
        with force_locale(lang):
            return str(PROBLEM_TYPES.get(key, key))

    return [Hotspot(k, label(k, "zh_Hans_CN"), label(k, "en"), n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def _merchant_counts(session: Session, period: Period, district_id: int | None, ids=None,
                     limit: int | None = None, memo: _Memo = _NO_MEMO) -> list[tuple[int, int]]:
    """Complaints of the period by merchant: whole months from the month table, odd days from the complaints
    (through the (received_on, merchant_id) index); the top `limit`, or only the merchants `ids`."""
    if _parts(period)[1]:   # odd days are read from the complaints themselves: never remembered
        return _merchant_rows(session, period, district_id, ids, limit)
    return memo.get(("merchants", period.start, period.end, district_id, None if ids is None else tuple(ids), limit),
                    lambda: _merchant_rows(session, period, district_id, ids, limit))


def _merchant_rows(session: Session, period: Period, district_id: int | None, ids,
                   limit: int | None) -> list[tuple[int, int]]:
    months, edges = _parts(period)
    parts = []
    if months:
        m = ComplaintMonthMerchant
        where = [m.month >= months[0], m.month < months[1]]
        where += [m.district_id == district_id] if district_id is not None else []
        where += [m.merchant_id.in_(ids)] if ids is not None else []
        parts.append(select(m.merchant_id.label("merchant_id"), m.n.label("n")).where(*where))
    if edges:
        where = [or_(*(and_(Complaint.received_on >= a, Complaint.received_on <= b) for a, b in edges))]
        where += [Complaint.district_id == district_id] if district_id is not None else []
        where += [Complaint.merchant_id.in_(ids)] if ids is not None else []
        # count(*): answered from the index alone, no table reads
        parts.append(select(Complaint.merchant_id.label("merchant_id"), func.count().label("n"))
                     .where(*where).group_by(Complaint.merchant_id))
    rows = parts[0].subquery() if len(parts) == 1 else union_all(*parts).subquery()
    total = func.sum(rows.c.n)
    stmt = select(rows.c.merchant_id, total).group_by(rows.c.merchant_id)
    if limit:
        stmt = stmt.order_by(total.desc(), rows.c.merchant_id).limit(limit)
    return [(int(k), int(v)) for k, v in session.exec(stmt)]


def top_merchants(session: Session, period: Period, district_id: int | None, limit: int = TOP,
                  memo: _Memo = _NO_MEMO) -> list[Hotspot]:
    top = _merchant_counts(session, period, district_id, limit=limit, memo=memo)
    ids = [k for k, _ in top]
    if not ids:
        return []
    before = dict(_merchant_counts(session, period.previous(), district_id, ids, memo=memo))
    year_before = dict(_merchant_counts(session, period.year_before(), district_id, ids, memo=memo))
    names = {m.id: m.name for m in session.exec(select(Merchant).where(Merchant.id.in_(ids)))}
    return [Hotspot(k, names.get(k, "?"), names.get(k, "?"), n, before.get(k, 0), year_before.get(k, 0))
            for k, n in top]


def series(session: Session, period: Period, district_id: int | None,
           memo: _Memo = _NO_MEMO) -> list[tuple[date, int]]:
    """Complaints received per month (per day when the period is at most 62 days), gaps filled with 0."""
    by_day = memo.get(("series", period.start, period.end, district_id), lambda: dict(session.exec(
        select(ComplaintDayStat.day, func.sum(ComplaintDayStat.received))
        .where(*_where_days(ComplaintDayStat, period, district_id)).group_by(ComplaintDayStat.day)).all()))
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
    count, visits, merchants, failed = session.exec(   # count(*): from the covering index alone
        select(func.count(), func.coalesce(func.sum(Inspection.inspector_count), 0),
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


def by_district(session: Session, period: Period, memo: _Memo = _NO_MEMO) -> list[DistrictFigures]:
    """Each district's complaints (all figures) and inspections in the period, in a few grouped queries."""
    def compute() -> dict[int, dict]:
        totals: dict[int, dict] = {}
        for table, where in _sources(period, None, ComplaintDayStat, ComplaintMonthStat):
            for district_id, *row in session.exec(
                    select(table.district_id, *_sums(table, coalesce=False))
                    .where(*where).group_by(table.district_id)):
                into = totals.setdefault(district_id, dict.fromkeys(COUNTED, 0))
                for name, value in zip(COUNTED, row):
                    into[name] += int(value or 0)
        return totals

    totals = memo.get(("districts", period.start, period.end), compute)
    start, end = period.utc_bounds()
    inspections = dict(session.exec(select(Inspection.district_id, func.count())
                                    .where(Inspection.captured_at >= start, Inspection.captured_at < end)
                                    .group_by(Inspection.district_id)).all())
    return [DistrictFigures(d, ComplaintFigures(**totals.get(d.id, dict.fromkeys(COUNTED, 0))),
                            int(inspections.get(d.id, 0)))
            for d in session.exec(select(District).order_by(District.code))]


def build(session: Session, period: Period, district: District | None, remember: bool = False) -> Dashboard:
    """All the dashboard's figures (the day tables are refreshed first). `remember`: reuse the summary-table
    figures this process read since the last refresh (see _Memo); the caller must not change what it gets."""
    rollup.refresh(session)
    # Only a committed StatLock.refreshed may key what is remembered: not after a refresh in this transaction.
    memo = _Memo(session) if remember and not session.info.get(rollup.UNCOMMITTED) else _NO_MEMO
    d = district.id if district is not None else None
    return Dashboard(
        period=period, district=district,
        complaints=complaint_figures(session, period, d, memo),
        complaints_previous=complaint_figures(session, period.previous(), d, memo),
        complaints_year_before=complaint_figures(session, period.year_before(), d, memo),
        categories=top_categories(session, period, d, memo=memo), problems=top_problems(session, period, d, memo=memo),
        merchants=top_merchants(session, period, d, memo=memo), series=series(session, period, d, memo),
        inspections=inspection_figures(session, period, d), outreach=outreach_figures(session, period, d),
        districts=by_district(session, period, memo) if district is None else [])
