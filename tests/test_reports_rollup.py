"""The day tables stay equal to what the complaints add up to, through every transition; the results the
transitions record; and the volume generator. Checks count the complaints directly, in Python."""
from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from webapp import workdays
from webapp.complaints import deadlines, handling, service, tracking
from webapp.complaints.models import Complaint
from webapp.reports import rollup
from webapp.reports.generate import generate
from webapp.reports import figures
from webapp.reports.models import (ComplaintDayCategory, ComplaintDayCloseDays, ComplaintDayProblem,
                                   ComplaintDayStat, ComplaintMonthCategory, ComplaintMonthCloseDays,
                                   ComplaintMonthMerchant, ComplaintMonthProblem, ComplaintMonthStat, StatDirty)
from webapp.reports.period import Period

NOON_UTC = 4  # 12:00 in Shanghai


def _tables(session) -> dict:
    """Everything in the day tables, as plain comparable values."""
    stat = {(r.day, r.district_id): (r.received, r.accepted, r.rejected, r.withdrawn, r.concluded, r.resolved,
                                     r.failed, r.referred, r.on_time, r.recovered_fen, r.rated, r.satisfied,
                                     r.satisfaction_sum)
            for r in session.exec(select(ComplaintDayStat))}
    cats = {(r.day, r.district_id, r.category_id): r.n for r in session.exec(select(ComplaintDayCategory))}
    probs = {(r.day, r.district_id, r.problem_type): r.n for r in session.exec(select(ComplaintDayProblem))}
    close = {(r.day, r.district_id, r.workdays): r.n for r in session.exec(select(ComplaintDayCloseDays))}
    return {"stat": stat, "categories": cats, "problems": probs, "close": close}


def _expected(session) -> dict:
    """The same tables computed in Python from the complaint rows."""
    stat, cats, probs, close = {}, {}, {}, {}
    for c in session.exec(select(Complaint)):
        local = c.received_at.astimezone(timezone(timedelta(hours=8))).date()
        assert c.received_on == local
        key = (local, c.district_id)
        row = list(stat.get(key, [0] * 13))
        concluded = c.result in ("resolved", "failed", "referred")
        flags = [1, c.accepted_at is not None, c.result == "rejected", c.result == "withdrawn", concluded,
                 c.result == "resolved", c.result == "failed", c.result == "referred", concluded and bool(c.on_time),
                 (c.recovered_fen or 0) if c.result == "resolved" else 0, c.satisfaction is not None,
                 (c.satisfaction or 0) >= 4, c.satisfaction or 0]
        stat[key] = tuple(a + int(b) for a, b in zip(row, flags))
        cats[(*key, c.category_id)] = cats.get((*key, c.category_id), 0) + 1
        probs[(*key, c.problem_type)] = probs.get((*key, c.problem_type), 0) + 1
        if concluded and c.close_workdays is not None:
            close[(*key, c.close_workdays)] = close.get((*key, c.close_workdays), 0) + 1
    return {"stat": stat, "categories": cats, "problems": probs, "close": close}


def _month_tables(session) -> dict:
    stat = {(r.month, r.district_id): (r.received, r.accepted, r.rejected, r.withdrawn, r.concluded, r.resolved,
                                       r.failed, r.referred, r.on_time, r.recovered_fen, r.rated, r.satisfied,
                                       r.satisfaction_sum)
            for r in session.exec(select(ComplaintMonthStat))}
    return {"stat": stat,
            "categories": {(r.month, r.district_id, r.category_id): r.n
                           for r in session.exec(select(ComplaintMonthCategory))},
            "problems": {(r.month, r.district_id, r.problem_type): r.n
                         for r in session.exec(select(ComplaintMonthProblem))},
            "close": {(r.month, r.district_id, r.workdays): r.n for r in session.exec(select(ComplaintMonthCloseDays))},
            "merchants": {(r.month, r.district_id, r.merchant_id): r.n
                          for r in session.exec(select(ComplaintMonthMerchant))}}


def _expected_months(session) -> dict:
    """The month tables, from the expected day tables (and the complaints for merchants)."""
    out = {}
    for name, rows in _expected(session).items():
        merged = {}
        for (day, *rest), value in rows.items():
            key = (day.replace(day=1), *rest)
            if name == "stat":
                merged[key] = tuple(a + b for a, b in zip(merged.get(key, (0,) * 13), value))
            else:
                merged[key] = merged.get(key, 0) + value
        out[name] = merged
    merchants = {}
    for c in session.exec(select(Complaint)):
        key = (c.received_on.replace(day=1), c.district_id, c.merchant_id)
        merchants[key] = merchants.get(key, 0) + 1
    out["merchants"] = merchants
    return out


def _refreshed(session) -> dict:
    rollup.refresh(session)
    session.commit()
    assert session.exec(select(StatDirty)).first() is None
    assert _month_tables(session) == _expected_months(session)
    return _tables(session)


def test_every_transition_keeps_the_day_tables_true(session, base_data, make_complaint):
    handler = base_data.users["handler"]
    a, b, c, d = (make_complaint() for _ in range(4))
    other = make_complaint(category_id=str(base_data.categories["food"].id), problem_type="price_fraud")
    assert _refreshed(session) == _expected(session)
    assert sum(v[0] for v in _tables(session)["stat"].values()) == 5

    handling.accept(session, handler, a, a.version)
    handling.assign(session, handler, a, a.version, handler)
    handling.resolve(session, handler, a, a.version, "退款 56.8 元", 5680)
    handling.close(session, handler, a, a.version)
    service.rate(session, None, a, 5, "满意")
    handling.reject(session, handler, b, b.version, "court_or_arbitration", "")
    handling.accept(session, handler, c, c.version)
    handling.assign(session, handler, c, c.version, handler)
    handling.fail(session, handler, c, c.version, "court", "经营者拒绝")
    service.withdraw(session, None, d, "已自行解决")
    session.commit()
    tables = _refreshed(session)
    assert tables == _expected(session)
    (row,) = [v for v in tables["stat"].values()]  # all received today in one district
    assert row[:10] == (5, 2, 1, 1, 2, 1, 1, 0, 2, 5680)
    assert row[10:] == (1, 1, 5)
    assert a.result == "resolved" and a.close_workdays == 0 and a.on_time is True
    assert b.result == "rejected" and b.close_workdays is None
    assert other.result is None

    # a complaint moved to another day leaves the old day and joins the new one
    other.received_at = datetime(2025, 3, 15, NOON_UTC, tzinfo=timezone.utc)
    session.commit()
    tables = _refreshed(session)
    assert tables == _expected(session)
    assert (date(2025, 3, 15), other.district_id) in tables["stat"]

    # a dispute reopens the case: it is no longer concluded
    service.dispute(session, None, a, "退款未到账")
    session.commit()
    assert a.result is None and a.close_workdays is None
    assert _refreshed(session) == _expected(session)


def test_working_days_and_on_time_come_from_the_calendar(session, base_data, make_complaint):
    handler = base_data.users["handler"]
    complaint = make_complaint()
    received = date(2026, 9, 29)       # the National Day holiday follows
    complaint.received_at = datetime(2026, 9, 29, NOON_UTC, tzinfo=timezone.utc)
    handling.accept(session, handler, complaint, complaint.version)
    handling.refer(session, handler, complaint, complaint.version, "涉嫌违法，移交执法")
    session.commit()
    concluded = deadlines.local_date(complaint.concluded_at)
    assert complaint.close_workdays == workdays.workdays_between(received, concluded)
    assert complaint.on_time is (concluded <= complaint.conclude_due_on)


def test_refresh_only_takes_the_logged_days_and_rebuild_agrees(session, base_data, make_complaint):
    for _ in range(3):
        make_complaint()
    assert rollup.refresh(session) == 1           # three complaints, one (day, district)
    assert rollup.refresh(session) == 0           # nothing logged any more
    session.commit()
    refreshed = _tables(session)
    rollup.rebuild(session)
    session.commit()
    assert _tables(session) == refreshed == _expected(session)
    assert _month_tables(session) == _expected_months(session)


def test_generated_data_adds_up(session, base_data):
    out = generate(session, 600, years=2, districts=4, seed=5, today=date(2026, 11, 20))
    session.commit()
    assert out.complaints == 600 and out.inspections == 100 and out.events == 6
    complaints = session.exec(select(Complaint)).all()
    assert len(complaints) == 600
    assert all(tracking.is_valid(c.tracking_code) for c in complaints)   # the public pages format them
    assert {c.received_on.year for c in complaints} == {2025, 2026}
    assert max(c.received_on for c in complaints) <= date(2026, 11, 20)
    assert len({c.district_id for c in complaints}) == 4
    ended = [c for c in complaints if c.result in ("resolved", "failed", "referred")]
    assert ended and all(c.close_workdays is not None and c.concluded_at is not None for c in ended)
    assert all(c.accepted_at is None for c in complaints if c.result == "rejected")
    # the merchants' long tail: the most complained-about draws far more than the median one
    per_merchant = sorted((sum(1 for c in complaints if c.merchant_id == m) for m in
                           {c.merchant_id for c in complaints}), reverse=True)
    assert per_merchant[0] >= 5 * per_merchant[len(per_merchant) // 2]
    assert _tables(session) == _expected(session)
    assert _month_tables(session) == _expected_months(session)


def test_any_period_reads_whole_months_and_odd_days_exactly_once(session, base_data):
    """Month rows for whole months, day rows for the rest: the figures equal a count over the complaints."""
    generate(session, 900, years=2, districts=3, seed=11, today=date(2026, 11, 20))
    session.commit()
    complaints = session.exec(select(Complaint)).all()
    district = complaints[0].district_id
    periods = [Period.year(2025), Period.quarter(2026, 1), Period.month(2025, 2),
               Period("custom", date(2025, 3, 15), date(2025, 9, 9)),      # odd days at both ends
               Period("custom", date(2025, 4, 1), date(2025, 6, 17)),      # whole months, then odd days
               Period("custom", date(2025, 7, 3), date(2025, 7, 28)),      # inside one month
               Period("custom", date(2024, 12, 31), date(2026, 1, 1))]
    for period in periods:
        for d in (None, district):
            mine = [c for c in complaints if period.start <= c.received_on <= period.end
                    and (d is None or c.district_id == d)]
            got = figures.complaint_figures(session, period, d)
            assert got.received == len(mine), period
            assert got.resolved == sum(c.result == "resolved" for c in mine)
            assert got.recovered_fen == sum(c.recovered_fen or 0 for c in mine if c.result == "resolved")
            assert got.satisfied == sum((c.satisfaction or 0) >= 4 for c in mine)
            ended = sorted(c.close_workdays for c in mine if c.result in ("resolved", "failed", "referred"))
            assert sum(got.close_days.values()) == len(ended)
            if ended:
                assert got.median_close_days == (ended[(len(ended) - 1) // 2] + ended[len(ended) // 2]) / 2
            per_merchant = {}
            for c in mine:
                per_merchant[c.merchant_id] = per_merchant.get(c.merchant_id, 0) + 1
            expected_top = sorted(per_merchant.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            assert [(h.key, h.n) for h in figures.top_merchants(session, period, d)] == expected_top, period
            if d is None:
                for row in figures.by_district(session, period):
                    assert row.complaints.received == sum(c.district_id == row.district.id for c in mine)
                    assert row.complaints.concluded == sum(c.district_id == row.district.id and c.result in
                                                           ("resolved", "failed", "referred") for c in mine)
                assert sum(r.inspections for r in figures.by_district(session, period)) == \
                    figures.inspection_figures(session, period, None).inspections
            per_category = {}
            for c in mine:
                per_category[c.category_id] = per_category.get(c.category_id, 0) + 1
            top = figures.top_categories(session, period, d)
            assert all(h.n == per_category[h.key] for h in top)
            assert [h.n for h in top] == sorted(per_category.values(), reverse=True)[:5]


def test_generator_needs_the_reference_data(session):
    import pytest

    with pytest.raises(ValueError):
        generate(session, 10)


def test_changes_that_count_nothing_log_nothing(session, base_data, make_complaint):
    """A note, a version bump or a seen-at time leaves the summary tables alone: no log row, no write."""
    complaint = make_complaint()
    rollup.refresh(session)
    session.commit()
    complaint.consumer_seen_at = datetime.now(timezone.utc)
    complaint.satisfaction_comment = "谢谢"
    session.commit()
    assert session.exec(select(StatDirty)).first() is None
    complaint.satisfaction = 4
    session.commit()
    assert session.exec(select(StatDirty)).first() is not None
    assert _refreshed(session) == _expected(session)
