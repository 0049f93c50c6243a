"""Working-day arithmetic for statutory complaint deadlines (official Chinese calendar with 调休)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# 《市场监督管理投诉举报处理暂行办法》: decide to accept/reject within 7 working days of receipt,
# conclude mediation within 45 working days of acceptance.
ACCEPT_DECISION_WORKDAYS = 7
MEDIATION_WORKDAYS = 45

OFFICIAL = "official"
FALLBACK = "fallback"

_ONE_DAY = timedelta(days=1)

__all__ = [
    "ACCEPT_DECISION_WORKDAYS",
    "MEDIATION_WORKDAYS",
    "Deadline",
    "add_workdays",
    "add_workdays_with_pauses",
    "calendar_source",
    "deadline",
    "is_workday",
    "workdays_between",
]


@lru_cache(maxsize=None)
def calendar_source(year: int) -> str:
    """Return "official" if chinese_calendar covers `year`, else "fallback"."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return FALLBACK
    return OFFICIAL


@lru_cache(maxsize=None)
def _fallback_calendar(year: int):
    """Return the `holidays` China calendar for `year`, or None if unavailable."""
    # Imported lazily: it is only needed for years chinese_calendar has no data for yet.
    try:
        import holidays
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    try:
        return holidays.country_holidays("CN", years=year)
    except Exception:  # noqa: BLE001 - any failure degrades to plain Mon–Fri, never crashes a page
        return None


def _fallback_is_workday(d: date) -> bool:
    """Workday per the `holidays` CN calendar (with its 调休 data if it has any), else Mon–Fri."""
    cal = _fallback_calendar(d.year)
    weekend = d.weekday() >= 5
    if cal is None:
        return not weekend
    # holidays 0.109 has no WORKDAY category for CN; adjusted weekend workdays (调休) are
    # exposed as `weekend_workdays` instead, populated for years whose schedule is published.
    if weekend:
        return d in getattr(cal, "weekend_workdays", ())
    return d not in cal


@lru_cache(maxsize=4096)
def is_workday(d: date) -> bool:
    """True if `d` is a working day (official calendar, or the declared fallback)."""
    if calendar_source(d.year) == OFFICIAL:
        return chinese_calendar.is_workday(d)
    return _fallback_is_workday(d)


def _check_n(n: int) -> None:
    # Deadlines only run forwards; a negative count is a caller bug, not a date before `start`.
    if n < 0:
        raise ValueError(f"working-day count must be >= 0, got {n}")


def add_workdays(start: date, n: int) -> date:
    """Return the n-th working day after `start` (`start` itself never counts; n=0 → start)."""
    _check_n(n)
    d = start
    while n:
        d += _ONE_DAY
        if is_workday(d):
            n -= 1
    return d


def workdays_between(start: date, end: date) -> int:
    """Count working days d with start < d <= end; negative (symmetric) if end < start."""
    if end < start:
        return -workdays_between(end, start)
    count = 0
    d = start + _ONE_DAY
    while d <= end:
        if is_workday(d):
            count += 1
        d += _ONE_DAY
    return count


@dataclass(frozen=True)
class Deadline:
    """A due date plus whether any year it spans was computed from fallback data."""

    due_on: date
    source: str  # "official" or "fallback"

    @property
    def is_fallback(self) -> bool:
        """True if the UI must warn that the date may change once the official calendar is out."""
        return self.source == FALLBACK


def source_for_span(first: date, last: date) -> str:
    """'fallback' when any year from `first` to `last` comes from fallback data, else 'official'."""
    years = range(min(first.year, last.year), max(first.year, last.year) + 1)
    return FALLBACK if any(calendar_source(y) == FALLBACK for y in years) else OFFICIAL


def deadline(start: date, n: int) -> Deadline:
    """Return the n-th working day after `start` with its calendar source."""
    due = add_workdays(start, n)
    return Deadline(due_on=due, source=source_for_span(start, due))


def add_workdays_with_pauses(
    start: date, n: int, pauses: Iterable[tuple[date, date | None]]
) -> date | None:
    """Like add_workdays, but working days in any [pause_start, pause_end) do not count.

    Returns None when an open pause (pause_end None) stops the clock before the n-th working
    day is reached: the due date is unknown until the pause is closed. An open pause that
    starts after the due date is irrelevant (the deadline had already fallen due).
    """
    _check_n(n)
    closed: list[tuple[date, date]] = []
    open_from: date | None = None
    for p_start, p_end in pauses:
        if p_end is None:
            # Several open pauses make no sense, but the earliest one is when the clock stopped.
            open_from = p_start if open_from is None else min(open_from, p_start)
        elif p_end < p_start:
            raise ValueError(f"pause ends before it starts: {p_start} .. {p_end}")
        else:
            closed.append((p_start, p_end))

    d = start
    while n:
        d += _ONE_DAY
        if open_from is not None and d >= open_from:
            return None
        if not is_workday(d):
            continue
        if any(p_start <= d < p_end for p_start, p_end in closed):
            continue
        n -= 1
    return d
