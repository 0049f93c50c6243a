"""Summary tables of complaints by local day (and by month) and district, their refresh log, and the year's
plan targets.

The day tables are a projection of `Complaint`: each row adds up the complaints *received* that day in that
district, with their state as it is now. `webapp.reports.rollup` keeps them true: any flush that touches a
complaint logs its (day, district) in `StatDirty`; the next reader recomputes exactly those rows from the
complaints before it reads. Nothing here is a cached answer: every figure is re-derived from rows.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow


# SQLite: clustered on the primary key (WITHOUT ROWID), so a range of days is read in one sweep with no
# lookups; PostgreSQL ignores the option.
CLUSTERED = {"sqlite_with_rowid": False}


class ComplaintDayStat(SQLModel, table=True):
    """The complaints received on `day` in a district, counted by what has become of them."""
    __table_args__ = (CLUSTERED,)
    day: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    received: int = 0
    accepted: int = 0        # 受理: accepted for handling
    rejected: int = 0        # 不予受理
    withdrawn: int = 0       # 撤诉
    concluded: int = 0       # 办结: mediation ended (resolved, failed or referred)
    resolved: int = 0        # 调解成功
    failed: int = 0          # 调解不成
    referred: int = 0        # 诉转案
    on_time: int = 0         # concluded within the statutory deadline
    recovered_fen: int = 0   # 挽回经济损失, integer fen
    rated: int = 0           # consumers who rated the handling (1–5)
    satisfied: int = 0       # … with 4 or 5
    satisfaction_sum: int = 0


class ComplaintDayCategory(SQLModel, table=True):
    """Complaints received on `day` in a district, by goods/services category."""
    __table_args__ = (CLUSTERED,)
    day: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    category_id: int = Field(primary_key=True, foreign_key="category.id")
    n: int = 0


class ComplaintDayProblem(SQLModel, table=True):
    """Complaints received on `day` in a district, by problem type."""
    __table_args__ = (CLUSTERED,)
    day: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    problem_type: str = Field(primary_key=True, max_length=30)
    n: int = 0


class ComplaintDayCloseDays(SQLModel, table=True):
    """Concluded complaints received on `day` in a district, by working days from receipt to conclusion."""
    __table_args__ = (CLUSTERED,)
    day: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    workdays: int = Field(primary_key=True)
    n: int = 0


# The same figures by calendar month (`month` = its first day), so that a year is read from 12 rows per
# district instead of 365; a period's whole months come from these, its odd days from the day tables.
class ComplaintMonthStat(SQLModel, table=True):
    """ComplaintDayStat summed over a calendar month."""
    __table_args__ = (CLUSTERED,)
    month: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    concluded: int = 0
    resolved: int = 0
    failed: int = 0
    referred: int = 0
    on_time: int = 0
    recovered_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    rated: int = 0
    satisfied: int = 0
    satisfaction_sum: int = 0


class ComplaintMonthCategory(SQLModel, table=True):
    __table_args__ = (CLUSTERED,)
    month: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    category_id: int = Field(primary_key=True, foreign_key="category.id")
    n: int = 0


class ComplaintMonthProblem(SQLModel, table=True):
    __table_args__ = (CLUSTERED,)
    month: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    problem_type: str = Field(primary_key=True, max_length=30)
    n: int = 0


class ComplaintMonthCloseDays(SQLModel, table=True):
    __table_args__ = (CLUSTERED,)
    month: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    workdays: int = Field(primary_key=True)
    n: int = 0


class ComplaintMonthMerchant(SQLModel, table=True):
    """Complaints received in a month in a district, by merchant (the top merchants of a period)."""
    __table_args__ = (Index("ix_complaintmonthmerchant_merchant_month", "merchant_id", "month"), CLUSTERED)
    month: date = Field(primary_key=True)
    district_id: int = Field(primary_key=True, foreign_key="district.id")
    merchant_id: int = Field(primary_key=True, foreign_key="merchant.id")
    n: int = 0


class StatDirty(SQLModel, table=True):
    """A (day, district) whose summary rows must be recomputed before they are read again."""
    id: int | None = Field(default=None, primary_key=True)
    day: date
    district_id: int


class StatLock(SQLModel, table=True):
    """One row: refreshers update it first, so that two of them never rebuild the same rows at once."""
    id: int = Field(primary_key=True)
    refreshed: int = 0


class PlanTarget(SQLModel, table=True):
    """A target of the year's work plan (工作计划), for the whole city (district_id None) or one district."""
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    metric: str = Field(max_length=30)
    target: int = Field(sa_column=Column(BigInteger, nullable=False))   # percent, count or fen (1 亿元 = 10¹⁰ fen)
    param: int | None = Field(default=None)   # e.g. the N of "closed within N working days"
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default=None)
