"""Keeps the day tables of `webapp.reports.models` equal to what the complaints add up to.

* Every flush that adds, changes or deletes a `Complaint` sets its `received_on` (the Asia/Shanghai day of
  `received_at`) and logs the (day, district) it touched, before and after, in `StatDirty` — in the same
  transaction as the change, so a log row exists exactly when the change is committed.
* `refresh(session)` — called by every reader before it reads — recomputes the rows of the logged
  (day, district) pairs from the complaints, then deletes the log rows it handled (by id, so a change
  committed meanwhile is left for the next reader). Refreshers serialise on the single `StatLock` row.
* `rebuild(session)` recomputes everything (after a bulk load, or to check the tables).
* The month tables are recomputed the same way for the months of the logged days: from the day tables, and
  (top merchants) from the complaints through the (district, received_on, merchant) index.

Core `update()` statements on complaints bypass the log; none of them touches a column counted here.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, case, cast, delete, event, func, insert, inspect, tuple_, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Complaint
from webapp.complaints.states import CONCLUSIONS
from webapp.reports.models import (ComplaintDayCategory, ComplaintDayCloseDays, ComplaintDayProblem,
                                   ComplaintDayStat, ComplaintMonthCategory, ComplaintMonthCloseDays,
                                   ComplaintMonthMerchant, ComplaintMonthProblem, ComplaintMonthStat, StatDirty,
                                   StatLock)

TABLES = (ComplaintDayStat, ComplaintDayCategory, ComplaintDayProblem, ComplaintDayCloseDays)
# day table -> its month twin, and the columns they share besides day/month
MONTHLY = {ComplaintDayStat: ComplaintMonthStat, ComplaintDayCategory: ComplaintMonthCategory,
           ComplaintDayProblem: ComplaintMonthProblem, ComplaintDayCloseDays: ComplaintMonthCloseDays}
MONTH_TABLES = (*MONTHLY.values(), ComplaintMonthMerchant)
CHUNK = 400
C = Complaint


def _flag(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _selects(*where):
    """(table, columns, SELECT) for each day table, restricted by `where` on Complaint."""
    day, district = C.received_on, C.district_id
    base = (C.received_on.is_not(None), *where)
    stat = select(day, district, func.count(C.id), _flag(C.accepted_at.is_not(None)),
                  _flag(C.result == "rejected"), _flag(C.result == "withdrawn"),
                  _flag(C.result.in_(CONCLUSIONS)), _flag(C.result == "resolved"), _flag(C.result == "failed"),
                  _flag(C.result == "referred"), _flag(C.result.in_(CONCLUSIONS) & (C.on_time == True)),  # noqa: E712
                  func.coalesce(func.sum(case((C.result == "resolved", func.coalesce(C.recovered_fen, 0)),
                                              else_=0)), 0),
                  func.count(C.satisfaction), _flag(C.satisfaction >= 4),
                  func.coalesce(func.sum(C.satisfaction), 0)).where(*base).group_by(day, district)
    stat_cols = ["day", "district_id", "received", "accepted", "rejected", "withdrawn", "concluded", "resolved",
                 "failed", "referred", "on_time", "recovered_fen", "rated", "satisfied", "satisfaction_sum"]
    category = select(day, district, C.category_id, func.count(C.id)).where(*base) \
        .group_by(day, district, C.category_id)
    problem = select(day, district, C.problem_type, func.count(C.id)).where(*base) \
        .group_by(day, district, C.problem_type)
    close = select(day, district, C.close_workdays, func.count(C.id)) \
        .where(*base, C.result.in_(CONCLUSIONS), C.close_workdays.is_not(None)) \
        .group_by(day, district, C.close_workdays)
    return ((ComplaintDayStat, stat_cols, stat),
            (ComplaintDayCategory, ["day", "district_id", "category_id", "n"], category),
            (ComplaintDayProblem, ["day", "district_id", "problem_type", "n"], problem),
            (ComplaintDayCloseDays, ["day", "district_id", "workdays", "n"], close))


def _fill(session: Session, *where) -> None:
    for table, columns, sel in _selects(*where):
        session.execute(insert(table).from_select(columns, sel))


def first_of_month(session: Session, column):
    """SQL for the first day of `column`'s month, in the session's dialect."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "start of month")
    return cast(func.date_trunc("month", column), Date)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _fill_months(session: Session, month: date | None = None, districts: list[int] | None = None) -> None:
    """Month rows from the day rows (and merchants from the complaints): one month of some districts, or all."""
    for day_table, month_table in MONTHLY.items():
        keys = [c.name for c in day_table.__table__.primary_key.columns if c.name not in ("day", "district_id")]
        values = [c.name for c in day_table.__table__.columns if c.name not in ("day", "district_id", *keys)]
        m = first_of_month(session, day_table.day)
        sel = select(m, day_table.district_id, *(getattr(day_table, k) for k in keys),
                     *(func.sum(getattr(day_table, v)) for v in values))
        if month is not None:
            sel = sel.where(day_table.district_id.in_(districts), day_table.day >= month,
                            day_table.day < next_month(month))
        sel = sel.group_by(m, day_table.district_id, *(getattr(day_table, k) for k in keys))
        session.execute(insert(month_table).from_select(["month", "district_id", *keys, *values], sel))
    m = first_of_month(session, C.received_on)
    sel = select(m, C.district_id, C.merchant_id, func.count()).where(C.received_on.is_not(None))
    if month is not None:
        sel = sel.where(C.district_id.in_(districts), C.received_on >= month, C.received_on < next_month(month))
    session.execute(insert(ComplaintMonthMerchant).from_select(
        ["month", "district_id", "merchant_id", "n"], sel.group_by(m, C.district_id, C.merchant_id)))


UNCOMMITTED = "rollup_uncommitted"   # session.info flag: this transaction changed the summary tables


def _lock(session: Session) -> None:
    """Take the refresh lock (SQLite: the write lock; PostgreSQL: the row lock) for this transaction."""
    session.info[UNCOMMITTED] = True
    if session.execute(update(StatLock).where(StatLock.id == 1)
                       .values(refreshed=StatLock.refreshed + 1)).rowcount == 0:
        session.execute(insert(StatLock).values(id=1, refreshed=1))


def refresh(session: Session) -> int:
    """Recompute the rows of every logged (day, district); returns how many pairs were recomputed."""
    if session.exec(select(StatDirty.id).limit(1)).first() is None:
        return 0
    _lock(session)
    logged = session.exec(select(StatDirty.id, StatDirty.day, StatDirty.district_id)).all()
    pairs = sorted({(day, district) for _, day, district in logged})
    for i in range(0, len(pairs), CHUNK):
        chunk = pairs[i:i + CHUNK]
        for table in TABLES:
            session.execute(delete(table).where(tuple_(table.day, table.district_id).in_(chunk)))
        _fill(session, tuple_(C.received_on, C.district_id).in_(chunk))
    months: dict[date, set[int]] = {}
    for day, district in pairs:
        months.setdefault(day.replace(day=1), set()).add(district)
    for month, districts in sorted(months.items()):
        for table in MONTH_TABLES:
            session.execute(delete(table).where(table.month == month, table.district_id.in_(sorted(districts))))
        _fill_months(session, month, sorted(districts))
    ids = [row[0] for row in logged]
    for i in range(0, len(ids), CHUNK):
        session.execute(delete(StatDirty).where(StatDirty.id.in_(ids[i:i + CHUNK])))
    session.flush()
    return len(pairs)


def rebuild(session: Session) -> None:
    """Recompute every day table from all complaints (after a bulk load)."""
    _lock(session)
    for table in (*TABLES, *MONTH_TABLES, StatDirty):
        session.execute(delete(table))
    _fill(session)
    _fill_months(session)
    session.flush()


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _transaction_ended(session) -> None:
    session.info.pop(UNCOMMITTED, None)


@event.listens_for(OrmSession, "before_flush")
def _log_complaints(session, flush_context, instances) -> None:
    """Set received_on and log the (day, district) pairs touched by the complaints in this flush."""
    with session.no_autoflush:
        pairs = _touched(session)
    for day, district in pairs:
        session.add(StatDirty(day=day, district_id=district))


def log_bulk_change(session, *where) -> None:
    """Log the (day, district) pairs of the complaints matching `where`, before a bulk UPDATE changes what they
    are counted by: a bulk statement skips the flush hook above (a merchant merge moves complaints so)."""
    rows = session.execute(select(C.received_on, C.district_id)
                           .where(C.received_on.is_not(None), *where).distinct()).all()
    for day, district in rows:
        session.add(StatDirty(day=day, district_id=district))


# The columns the summary tables count by; a change to any other (a note, the version, a seen-at time)
# leaves them as they are and logs nothing.
COUNTED_COLUMNS = ("received_at", "received_on", "district_id", "merchant_id", "category_id", "problem_type",
                   "accepted_at", "result", "on_time", "close_workdays", "recovered_fen", "satisfaction")


def _counted_change(obj) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in COUNTED_COLUMNS)


def _touched(session) -> set[tuple[date, int]]:
    """The (day, district) pairs of the complaints in this flush: where they were stored, where they go."""
    pairs: set[tuple[date, int]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Complaint):
            continue
        if obj in session.dirty and obj not in session.deleted and not _counted_change(obj):
            continue
        if obj.id is not None and obj not in session.new:
            # the stored row, read from the database: an expired instance knows no old values
            stored = session.execute(select(C.received_on, C.district_id).where(C.id == obj.id)).first()
            if stored is not None and stored[0] is not None:
                pairs.add((stored[0], stored[1]))
        if obj not in session.deleted and obj.received_at is not None:
            obj.received_on = local_date(obj.received_at)
            pairs.add((obj.received_on, obj.district_id))
    return pairs
