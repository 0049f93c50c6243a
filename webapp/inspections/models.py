"""Checklist templates and the inspections made with them, with samples and rectification orders."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow

PASS, FAIL, NA = "pass", "fail", "na"


class ChecklistTemplate(SQLModel, table=True):
    """A checklist for one kind of business (food, prices, measuring instruments …); admins edit it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    name_en: str = Field(default="", max_length=120)
    active: bool = Field(default=True)
    position: int = Field(default=0)


class ChecklistItem(SQLModel, table=True):
    """One thing to check (检查项), answered pass / fail / not applicable."""

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="checklisttemplate.id", index=True)
    position: int = Field(default=0)
    text: str = Field(max_length=200)
    text_en: str = Field(default="", max_length=240)
    active: bool = Field(default=True)


class Inspection(SQLModel, table=True):
    """A field check of a merchant; sent from a phone, possibly hours after it was made."""
    __table_args__ = (  # the dashboard's figures of a period, read from the index alone
        Index("ix_inspection_captured_cover", "captured_at", "district_id", "merchant_id", "result",
              "inspector_count", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    body_sha256: str = Field(max_length=64)  # what was sent first: a replay must match it
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    template_id: int = Field(foreign_key="checklisttemplate.id")
    district_id: int = Field(foreign_key="district.id", index=True)
    inspector_id: int = Field(foreign_key="user.id", index=True)
    inspector_count: int = Field(default=1)  # officers on the visit: 执法人员人次
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    follow_up_of: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    result: str = Field(max_length=10)  # pass | fail
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    accuracy_m: float | None = Field(default=None)
    captured_at: datetime = Field(index=True)  # the phone's clock: when the check was made
    received_at: datetime = Field(default_factory=utcnow)


class InspectionFinding(SQLModel, table=True):
    """The answer to one checklist item in one inspection."""

    __table_args__ = (UniqueConstraint("inspection_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    item_id: int = Field(foreign_key="checklistitem.id")
    answer: str = Field(max_length=4)
    note: str = Field(default="", max_length=500)


class Sample(SQLModel, table=True):
    """A sample taken for lab testing (抽检); the result arrives later."""

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    product: str = Field(max_length=120)
    brand: str = Field(default="", max_length=80)
    batch: str = Field(default="", max_length=60)
    quantity: str = Field(default="", max_length=40)
    sample_no: str = Field(default="", max_length=60)
    lab_result: str | None = Field(default=None, max_length=4)  # pass | fail
    report_no: str = Field(default="", max_length=60)
    result_on: date | None = Field(default=None)
    # Published on the public sampling-results page (抽检结果公示) by a supervisor; None: not public.
    published_at: datetime | None = Field(default=None, index=True)
    published_by_id: int | None = Field(default=None, foreign_key="user.id")


class RectificationOrder(SQLModel, table=True):
    """责令整改: which items to put right, by when; a passing re-inspection closes it."""

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    item_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due_on: date = Field(index=True)
    closed_by_id: int | None = Field(default=None, foreign_key="inspection.id")
    closed_at: datetime | None = Field(default=None)


class InspectionTask(SQLModel, table=True):
    """A check on an inspector's list: planned, requested from a complaint, or suggested by risk."""

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    planned_on: date = Field(index=True)
    source: str = Field(default="plan", max_length=20)  # plan | complaint | risk
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    note: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id")
