"""Tests for webapp.workdays: official 2026 calendar, 调休, fallback years and pauses."""

import random
from datetime import date, timedelta

import chinese_calendar
import pytest

from webapp import workdays as w
from webapp.workdays import (
    ACCEPT_DECISION_WORKDAYS,
    MEDIATION_WORKDAYS,
    Deadline,
    add_workdays,
    add_workdays_with_pauses,
    calendar_source,
    deadline,
    is_workday,
    workdays_between,
)

D = date


def test_constants():
    assert ACCEPT_DECISION_WORKDAYS == 7
    assert MEDIATION_WORKDAYS == 45


# --- 2026 official schedule (国办发明电〔2025〕7号), as shipped in chinese_calendar 1.11.0 ---

def test_2026_mid_autumn_and_national_day_are_holidays():
    # 中秋节 9-25..9-27, 国庆节 10-01..10-07.
    for day in [D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27)]:
        assert chinese_calendar.get_holiday_detail(day) == (True, "Mid-autumn Festival")
        assert not is_workday(day)
    for i in range(1, 8):
        day = D(2026, 10, i)
        assert chinese_calendar.get_holiday_detail(day) == (True, "National Day")
        assert not is_workday(day)
    assert is_workday(D(2026, 10, 8)) and is_workday(D(2026, 10, 9))


def test_2026_national_day_adjusted_workdays():
    # 调休: Sunday 9-20 and Saturday 10-10 are working days.
    assert D(2026, 9, 20).weekday() == 6 and D(2026, 10, 10).weekday() == 5
    assert is_workday(D(2026, 9, 20))
    assert is_workday(D(2026, 10, 10))
    assert not is_workday(D(2026, 10, 11))  # the following Sunday stays a rest day
    weekend_workdays = [
        d for d in chinese_calendar.get_workdays(D(2026, 9, 1), D(2026, 10, 31))
        if d.weekday() >= 5
    ]
    assert weekend_workdays == [D(2026, 9, 20), D(2026, 10, 10)]


def test_2026_spring_festival():
    # 春节 2-15..2-23 off; Saturdays 2-14 and 2-28 are adjusted working days.
    for i in range(15, 24):
        assert not is_workday(D(2026, 2, i)), D(2026, 2, i)
    assert is_workday(D(2026, 2, 14)) and is_workday(D(2026, 2, 28))
    assert is_workday(D(2026, 2, 13)) and is_workday(D(2026, 2, 24))
    assert not is_workday(D(2026, 3, 1))


def test_2026_new_year_adjusted_sunday():
    assert not is_workday(D(2026, 1, 1)) and not is_workday(D(2026, 1, 2))
    assert is_workday(D(2026, 1, 4))  # Sunday 调休


@pytest.mark.parametrize(
    "start, n, expected",
    [
        # Received Fri 9-25 (itself a holiday; receipt day never counts): Mon 28, Tue 29, Wed 30,
        # skip 10-01..07, Thu 8, Fri 9, Sat 10 (调休), skip Sun 11, Mon 12.
        (D(2026, 9, 25), 7, D(2026, 10, 12)),
        # Fri 9-18: Sun 20 (调休), 21, 22, 23, 24, skip 25..27, 28, 29.
        (D(2026, 9, 18), 7, D(2026, 9, 29)),
        # 10-08, 09, 10(Sat), 12, 13, 14, 15, 16, 19, 20.
        (D(2026, 9, 30), 10, D(2026, 10, 20)),
        # Fri 2-13: Sat 14 (调休), skip 15..23, 24, 25, 26, 27, Sat 28 (调休), skip Sun, Mon 3-02.
        (D(2026, 2, 13), 7, D(2026, 3, 2)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        # n=0 returns start unchanged, even on a holiday.
        (D(2026, 10, 1), 0, D(2026, 10, 1)),
    ],
)
def test_add_workdays_hand_checked(start, n, expected):
    assert add_workdays(start, n) == expected


def test_add_workdays_rejects_negative():
    with pytest.raises(ValueError):
        add_workdays(D(2026, 5, 6), -1)


def test_workdays_between_basic_and_symmetric():
    assert workdays_between(D(2026, 9, 25), D(2026, 10, 12)) == 7
    assert workdays_between(D(2026, 10, 12), D(2026, 9, 25)) == -7
    assert workdays_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert workdays_between(D(2026, 5, 6), D(2026, 5, 6)) == 0
    # start excluded, end included
    assert workdays_between(D(2026, 10, 8), D(2026, 10, 9)) == 1


def test_workdays_between_inverts_add_workdays():
    rng = random.Random(20260925)
    base = D(2025, 1, 1)
    for _ in range(600):
        s = base + timedelta(days=rng.randrange(365 * 4))  # spans official 2025–2026 and fallback 2027–2028
        n = rng.randrange(0, 60)
        due = add_workdays(s, n)
        assert workdays_between(s, due) == n
        assert workdays_between(due, s) == -n
        if n:
            assert is_workday(due)
            assert workdays_between(s, due - timedelta(days=1)) == n - 1


def test_mediation_deadline_matches_independent_count():
    start = D(2026, 9, 10)
    due = add_workdays(start, MEDIATION_WORKDAYS)
    counted = [
        start + timedelta(days=i) for i in range(1, (due - start).days + 1)
        if chinese_calendar.is_workday(start + timedelta(days=i))
    ]
    assert len(counted) == MEDIATION_WORKDAYS and counted[-1] == due


# --- fallback years ---

def test_calendar_source():
    assert calendar_source(2026) == "official"
    assert calendar_source(2004) == "official"
    assert calendar_source(2027) == "fallback"
    assert calendar_source(2030) == "fallback"
    assert calendar_source(2003) == "fallback"


@pytest.mark.parametrize("year", [2027, 2030])
def test_fallback_years_skip_weekends_and_national_day(year):
    assert not is_workday(D(year, 10, 1))
    for day in (D(year, 1, 1) + timedelta(days=i) for i in range(365)):
        if day.weekday() >= 5:
            assert not is_workday(day), day
    due = deadline(D(year, 9, 30), 1)
    assert due.source == "fallback" and due.is_fallback
    assert due.due_on > D(year, 10, 1) and due.due_on.weekday() < 5


def test_deadline_source_declared():
    assert deadline(D(2026, 9, 25), 7) == Deadline(D(2026, 10, 12), "official")
    assert not deadline(D(2026, 9, 25), 7).is_fallback
    # Touching 2027 at all makes the result a fallback: 12-29, 30, 31, skip 1-01 (Fri), 4..7.
    assert deadline(D(2026, 12, 28), 7) == Deadline(D(2027, 1, 7), "fallback")


def test_holidays_fallback_reproduces_official_2026():
    # The fallback path (holidays CN + its weekend_workdays) must agree with the official data
    # wherever both exist, so 调休 is honoured when holidays knows the schedule.
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert w._fallback_is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_plain_weekday_fallback_when_holidays_unavailable(monkeypatch):
    monkeypatch.setattr(w, "_fallback_calendar", lambda year: None)
    assert w._fallback_is_workday(D(2030, 10, 1))  # Tuesday: no holiday data, Mon–Fri only
    assert not w._fallback_is_workday(D(2030, 10, 5))


# --- pauses ---

def test_pause_excludes_working_days():
    start = D(2026, 5, 6)  # Wednesday
    # 5-01..5-05 Labor Day; 7, 8, Sat 9 (调休), 11, 12, 13, 14.
    assert add_workdays(start, 7) == D(2026, 5, 14)
    # Pause [Mon 5-11, Wed 5-13): Mon 11 and Tue 12 don't count → 7, 8, 9, 13, 14, 15, 18.
    paused = add_workdays_with_pauses(start, 7, [(D(2026, 5, 11), D(2026, 5, 13))])
    assert paused == D(2026, 5, 18)
    assert workdays_between(start, paused) == 7 + 2


def test_pause_semantics():
    start = D(2026, 9, 25)
    assert add_workdays_with_pauses(start, 7, []) == D(2026, 10, 12)
    # Pause only over non-working days changes nothing.
    assert add_workdays_with_pauses(start, 7, [(D(2026, 10, 1), D(2026, 10, 8))]) == D(2026, 10, 12)
    # Pause end is exclusive: [9-28, 9-29) removes only Mon 9-28.
    assert add_workdays_with_pauses(start, 7, [(D(2026, 9, 28), D(2026, 9, 29))]) == D(2026, 10, 13)
    # Pause before start is irrelevant; empty pause is a no-op.
    assert add_workdays_with_pauses(start, 7, [(D(2026, 9, 1), D(2026, 9, 20)),
                                               (D(2026, 9, 29), D(2026, 9, 29))]) == D(2026, 10, 12)
    # Two pauses add up.
    two = [(D(2026, 9, 28), D(2026, 9, 29)), (D(2026, 10, 9), D(2026, 10, 10))]
    assert add_workdays_with_pauses(start, 7, two) == D(2026, 10, 14)


def test_open_pause_stops_clock():
    start = D(2026, 9, 25)
    assert add_workdays_with_pauses(start, 7, [(D(2026, 9, 29), None)]) is None
    # Opened on the due day itself: that day no longer counts → unknown.
    assert add_workdays_with_pauses(start, 7, [(D(2026, 10, 12), None)]) is None
    # Opened after the deadline already fell due: the due date stands.
    assert add_workdays_with_pauses(start, 7, [(D(2026, 10, 13), None)]) == D(2026, 10, 12)
    assert add_workdays_with_pauses(start, 0, [(D(2026, 9, 1), None)]) == start


def test_pause_validation():
    with pytest.raises(ValueError):
        add_workdays_with_pauses(D(2026, 9, 25), 7, [(D(2026, 10, 9), D(2026, 10, 8))])
    with pytest.raises(ValueError):
        add_workdays_with_pauses(D(2026, 9, 25), -1, [])
