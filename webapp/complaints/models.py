"""Complaint, its timeline (ComplaintEvent) and the goods/services Category tree."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow


class Category(SQLModel, table=True):
    """A goods or services category; two levels (商品/服务 → category)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    name: str = Field(max_length=60)
    name_en: str = Field(max_length=80, default="")
    position: int = Field(default=0)


class Complaint(SQLModel, table=True):
    """A consumer's complaint against a merchant; money in integer fen, times in UTC."""
    __table_args__ = (  # the dashboard's top merchants of a period, city-wide and per district
        Index("ix_complaint_received_on_merchant", "received_on", "merchant_id"),
        Index("ix_complaint_district_received_on_merchant", "district_id", "received_on", "merchant_id"),
        Index("ix_complaint_merchant_received_on", "merchant_id", "received_on"),   # … and their 环比/同比
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str = Field(max_length=10, unique=True)
    client_uuid: str | None = Field(default=None, max_length=36, unique=True)
    kind: str = Field(default="complaint", max_length=20)
    state: str = Field(default="submitted", max_length=20, index=True)
    channel: str = Field(default="web", max_length=20)
    event_id: int | None = Field(default=None, foreign_key="outreachevent.id", index=True)  # 现场受理
    cluster_id: int | None = Field(default=None, foreign_key="complaintcluster.id", index=True)  # 群体投诉
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    problem_type: str = Field(max_length=30)
    purchase_date: date | None = Field(default=None)
    amount_fen: int | None = Field(default=None)
    description: str = Field(sa_column=Column(Text, nullable=False))
    desired_outcome: str = Field(max_length=20)
    consumer_name: str = Field(max_length=40)
    consumer_phone: str = Field(max_length=11, index=True)
    consumer_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    consent_share: bool = Field(default=False)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    # The Asia/Shanghai day of received_at, kept by webapp.reports.rollup on every flush: reports count by it.
    received_on: date | None = Field(default=None)
    consumer_email: str | None = Field(default=None, max_length=120)
    accept_due_on: date | None = Field(default=None, index=True)
    deadline_source: str = Field(default="official", max_length=10)
    # Handling (受理 → 调解 → 办结): the first handler stays the owner (首问负责制).
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    accepted_at: datetime | None = Field(default=None)
    conclude_due_on: date | None = Field(default=None, index=True)
    paused_since: date | None = Field(default=None)
    reject_reason: str | None = Field(default=None, max_length=30)
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recovered_fen: int | None = Field(default=None)
    concluded_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None)
    # What became of it, set by the transition that ends it (states.RESULTS) and cleared by a dispute:
    # resolved | failed | referred | rejected | withdrawn. With it, working days from receipt to conclusion
    # and whether that was within the statutory deadline (conclusions only).
    result: str | None = Field(default=None, max_length=12)
    close_workdays: int | None = Field(default=None)
    on_time: bool | None = Field(default=None)
    satisfaction: int | None = Field(default=None)
    satisfaction_comment: str = Field(default="", max_length=500)
    followed_up_at: datetime | None = Field(default=None)
    consumer_seen_at: datetime | None = Field(default=None)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow)



class ComplaintPause(SQLModel, table=True):
    """A stretch when the deadline clock stood still, waiting for the consumer's information."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    started_on: date
    ended_on: date | None = Field(default=None)


class ComplaintEvent(SQLModel, table=True):
    """One entry of a complaint's timeline; `public` entries are shown to the consumer."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    kind: str = Field(max_length=30)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_label: str = Field(default="", max_length=60)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    public: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ComplaintCluster(SQLModel, table=True):
    """群体投诉: N or more complaints about one merchant and category within a window, flagged to supervisors."""

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    first_received_at: datetime
    last_received_at: datetime
    size: int = Field(default=0)
    flagged_at: datetime = Field(default_factory=utcnow, index=True)
    status: str = Field(default="open", max_length=10, index=True)   # open | handled
    handled_by_id: int | None = Field(default=None, foreign_key="user.id")
    handled_at: datetime | None = Field(default=None)
    note: str = Field(default="", max_length=500)
