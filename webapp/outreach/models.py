"""Outreach events (宣传活动), who took part in them, and the invitations that bring volunteers in."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow

# 进社区 / 进学校 / 进农村 / 进企业 / 进商场 / 进机关 (GLOSSARY: venue_type)
VENUE_TYPES = ("community", "school", "village", "enterprise", "market", "government")
# 咨询台 / 讲座 / 文艺演出 / 展板 / 发放资料 / 直播 / 有奖问答 / 其他 (GLOSSARY: formats)
FORMATS = ("desk", "lecture", "performance", "boards", "leaflets", "livestream", "quiz", "other")
# 社会公众 / 老年人 / 青少年 / 妇女 / 农村居民 / 企业职工 (GLOSSARY: audiences)
AUDIENCES = ("general", "elderly", "youth", "women", "rural", "workers")
# The figures a summary adds up, in the order it says them.
COUNTS = ("participants", "consultations", "leaflets", "banners", "boards", "volunteers")


class OutreachEvent(SQLModel, table=True):
    """One 宣传活动: a desk, a lecture, a performance … held somewhere on a day, with its counts."""

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    body_sha256: str = Field(max_length=64)  # what was sent first: a replay must match it
    public_code: str = Field(max_length=10, unique=True)  # in the QR link: /complaints/new?event=<code>
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    recorder_id: int = Field(foreign_key="user.id", index=True)
    held_on: date = Field(index=True)  # the local (Asia/Shanghai) day of the event
    start_time: time | None = Field(default=None)
    end_time: time | None = Field(default=None)
    venue_type: str = Field(max_length=20, index=True)
    place: str = Field(max_length=120)
    formats: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audiences: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    topic: str = Field(default="", max_length=120)
    participants: int = Field(default=0)   # 参与群众 N 人(次)
    consultations: int = Field(default=0)  # 接受咨询 N 人次
    leaflets: int = Field(default=0)       # 发放宣传资料 N 份
    banners: int = Field(default=0)        # 悬挂横幅 N 条
    boards: int = Field(default=0)         # 展板 N 块
    volunteers: int = Field(default=1)     # 志愿者 N 人
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    qr_closed_at: datetime | None = Field(default=None)  # no more on-site complaints through the QR code
    captured_at: datetime  # the phone's clock: when the record was made
    received_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime | None = Field(default=None)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class EventVolunteer(SQLModel, table=True):
    """A volunteer of the roster who took part in an event (the recorder always does)."""

    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outreachevent.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)


class VolunteerInvite(SQLModel, table=True):
    """An invitation (link or code) district staff hand out so volunteers can join the roster."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=10, unique=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    max_uses: int = Field(default=20)
    uses: int = Field(default=0)
    revoked_at: datetime | None = Field(default=None)
