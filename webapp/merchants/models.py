"""Merchant (经营者): one record per shop, stall or company complained about or inspected."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow

# The sectors the seeds' summaries count; the key is stored, the label shown.
SECTORS = {
    "supermarket": _l("Supermarket and retail"),
    "food": _l("Food shop"),
    "catering": _l("Restaurant and catering"),
    "pharmacy": _l("Pharmacy"),
    "agri_inputs": _l("Seeds, fertiliser and pesticide"),
    "appliances": _l("Household appliances"),
    "cars": _l("Cars and repair"),
    "clothing": _l("Clothing and shoes"),
    "building": _l("Building materials and decoration"),
    "telecom": _l("Telecom and mobile phones"),
    "education": _l("Education and training"),
    "beauty": _l("Beauty and hairdressing"),
    "fitness": _l("Fitness and prepaid cards"),
    "property": _l("Property management"),
    "tourism": _l("Travel agency and tourism"),
    "finance": _l("Finance and insurance"),
    "ecommerce": _l("Online shop and livestream"),
    "market": _l("Farmers' market stall"),
    "other": _l("Other"),
}


class Merchant(SQLModel, table=True):
    """A merchant; `verified` is False for ones typed in by consumers until staff confirm them."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, index=True)
    uscc: str | None = Field(default=None, max_length=18, index=True)
    address: str = Field(default="", max_length=200)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    sector: str = Field(default="other", max_length=20)
    verified: bool = Field(default=False)
    trusted: bool = Field(default=False, index=True)   # 放心消费示范单位, shown on the public list
    trusted_since: date | None = Field(default=None)
    # A record merged into another stays (old links still resolve) and points to the one that survived.
    merged_into_id: int | None = Field(default=None, foreign_key="merchant.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default=None)


class DuplicateSuspect(SQLModel, table=True):
    """Two merchant records that look like the same shop: staff merge them or say they are different."""

    __table_args__ = (UniqueConstraint("merchant_id", "candidate_id"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)    # the newer record
    candidate_id: int = Field(foreign_key="merchant.id", index=True)   # the existing one it resembles
    score: int = Field(default=0)                                      # similarity, 0–100
    reason: str = Field(default="", max_length=200)
    status: str = Field(default="open", max_length=10, index=True)    # open | merged | dismissed
    created_at: datetime = Field(default_factory=utcnow)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None)
