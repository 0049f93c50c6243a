"""Campaign: a named effort over a period that inspections or outreach events belong to."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow

ENFORCEMENT, OUTREACH = "enforcement", "outreach"


class Campaign(SQLModel, table=True):
    """专项整治 (kind enforcement) or a 宣传 campaign like "2026 年 3·15" (kind outreach)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=120)
    theme: str = Field(default="", max_length=200)
    starts_on: date
    ends_on: date
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
