"""The period a report covers (month, quarter, year or custom days) and the district it is for.

A `Period` is an inclusive span of Asia/Shanghai calendar days. `previous()` is the period just before it
(环比: the previous month, quarter or year; for custom days the same number of days before), and
`year_before()` the same days a year earlier (同比). Labels are document text in "zh" or "en", not gettext.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l

from webapp.auth.models import ADMIN, SUPERVISOR, District, User
from webapp.complaints.schemas import SHANGHAI
from webapp.forms import FieldErrors

KINDS = ("month", "quarter", "year", "custom")
MAX_DAYS = 366 * 5          # a custom period of at most five years
FIRST_YEAR = 2000
QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
REPORT_ROLES = (SUPERVISOR, ADMIN)


class Forbidden(Exception):
    """The user asked for a district they may not see."""


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:            # 29 February → 28 February
        return d.replace(year=d.year + years, day=28)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", date(year, month, 1), _month_end(year, month))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls("quarter", date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year, 12, 31))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def quarter_no(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def previous(self) -> Period:
        """环比: the period just before this one."""
        if self.kind == "month":
            return Period.month(self.start.year - (self.start.month == 1), (self.start.month - 2) % 12 + 1)
        if self.kind == "quarter":
            q = self.quarter_no
            return Period.quarter(self.start.year - (q == 1), (q - 2) % 4 + 1)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        end = self.start - timedelta(days=1)
        return Period("custom", end - timedelta(days=self.days - 1), end)

    def year_before(self) -> Period:
        """同比: the same days one year earlier."""
        if self.kind == "month":
            return Period.month(self.start.year - 1, self.start.month)
        if self.kind == "quarter":
            return Period.quarter(self.start.year - 1, self.quarter_no)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        return Period("custom", _shift_year(self.start, -1), _shift_year(self.end, -1))

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.start, time(0), SHANGHAI).astimezone(timezone.utc)
        end = datetime.combine(self.end + timedelta(days=1), time(0), SHANGHAI).astimezone(timezone.utc)
        return start, end

    def label(self, lang: str = "zh") -> str:
        s, e = self.start, self.end
        if lang == "zh":
            if self.kind == "year":
                return f"{s.year}年"
            if self.kind == "quarter":
                return f"{s.year}年{QUARTER_ZH[self.quarter_no]}"
            if self.kind == "month":
                return f"{s.year}年{s.month}月"
            return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"
        if self.kind == "year":
            return str(s.year)
        if self.kind == "quarter":
            return f"Q{self.quarter_no} {s.year}"
        if self.kind == "month":
            return s.strftime("%B %Y")
        return f"{s.day} {s.strftime('%b %Y')} – {e.day} {e.strftime('%b %Y')}"

    def args(self) -> dict:
        """Query arguments that give this period back through `parse`."""
        if self.kind == "year":
            return {"period": "year", "year": self.start.year}
        if self.kind == "quarter":
            return {"period": "quarter", "year": self.start.year, "quarter": self.quarter_no}
        if self.kind == "month":
            return {"period": "month", "year": self.start.year, "month": self.start.month}
        return {"period": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}


def _int(args, name: str, low: int, high: int, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise FieldErrors({name: str(_l("Please choose a value from %(low)s to %(high)s.", low=low, high=high))})
    return int(raw)


def _date(args, name: str) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        raise FieldErrors({name: str(_l("This field is required."))})
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FieldErrors({name: str(_l("Please enter a valid date."))}) from None
    if value.year < FIRST_YEAR:
        raise FieldErrors({name: str(_l("Please enter a date from %(year)s on.", year=FIRST_YEAR))})
    return value


def parse(args, today: date) -> Period:
    """The period asked for in query arguments (default: this year); FieldErrors when it makes no sense."""
    kind = (args.get("period") or "year").strip()
    if kind not in KINDS:
        raise FieldErrors({"period": str(_l("Please choose one of the options."))})
    if kind == "custom":
        start, end = _date(args, "start"), _date(args, "end")
        if end < start:
            raise FieldErrors({"end": str(_l("The period ends before it starts."))})
        if (end - start).days + 1 > MAX_DAYS:
            raise FieldErrors({"end": str(_l("Please choose a period of at most five years."))})
        return Period("custom", start, end)
    year = _int(args, "year", FIRST_YEAR, today.year + 1, today.year)
    if kind == "year":
        return Period.year(year)
    if kind == "quarter":
        return Period.quarter(year, _int(args, "quarter", 1, 4, (today.month - 1) // 3 + 1))
    return Period.month(year, _int(args, "month", 1, 12, today.month))


def can_report(user) -> bool:
    """Supervisors and admins see the reports (of their district, or the whole city at city level)."""
    return getattr(user, "is_authenticated", False) and user.role in REPORT_ROLES


def district_for(session, user: User, code: str | None) -> District | None:
    """The district a report is for (None: the whole city). District-level users always get their own;
    asking for another raises Forbidden; an unknown code raises FieldErrors."""
    code = (code or "").strip()
    own = session.get(District, user.district_id) if user.district_id is not None else None
    if not code:
        return own
    from sqlmodel import select

    district = session.exec(select(District).where(District.code == code)).first()
    if district is None:
        raise FieldErrors({"district": str(_l("Please choose one of the options."))})
    if own is not None and district.id != own.id:
        raise Forbidden(code)
    return district
