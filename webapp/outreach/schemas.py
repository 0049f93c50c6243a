"""Input schemas of outreach events (validated, never the table model)."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal, Optional

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationInfo, field_validator

from webapp.complaints.schemas import today_shanghai
from webapp.inspections.schemas import FUTURE_GRACE, MAX_AGE, _limit, parse_moment
from webapp.outreach.models import AUDIENCES, FORMATS
from webapp.sync.idempotency import require_uuid

Venue = Literal["community", "school", "village", "enterprise", "market", "government"]
MAX_DAYS_BACK = 366
# What one event can plausibly reach; more is a typing slip (an extra zero), not a record.
# 3·15 square events draw thousands; 10 million leaflets is not an event.
COUNT_LIMITS = {
    "participants": 50_000,
    "consultations": 50_000,
    "leaflets": 100_000,
    "banners": 200,
    "boards": 500,
    "volunteers": 500,
}


def whole_number(raw) -> int | None:
    """A count as typed on a phone: full-width digits and thousands separators allowed; "" is None."""
    if raw is None or isinstance(raw, int):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).replace(",", "").replace(" ", "").strip()
    if text == "":
        return None
    if text.lstrip("-").isdigit() and len(text) <= 12:
        return int(text)
    raise ValueError(_("Please enter a whole number, e.g. 120."))


class EventFields(BaseModel):
    """What a volunteer records about an event, and what staff may correct later."""

    held_on: date
    start_time: Optional[time] = None
    end_time: Optional[time] = None
    campaign_id: Optional[int] = None
    district_id: Optional[int] = None
    venue_type: Venue
    place: str
    formats: list[str] = []
    audiences: list[str] = []
    topic: str = ""
    participants: int = 0
    consultations: int = 0
    leaflets: int = 0
    banners: int = 0
    boards: int = 0
    volunteers: int = 1
    volunteer_ids: list[int] = []
    note: str = ""

    @field_validator("campaign_id", "district_id", "start_time", "end_time", mode="before")
    @classmethod
    def _blank(cls, value):
        return None if value in ("", None) else value

    @field_validator("held_on")
    @classmethod
    def _held_on(cls, value: date) -> date:
        today = today_shanghai()
        if value > today:
            raise ValueError(_("The event cannot be in the future: record it on the day or afterwards."))
        if value < today - timedelta(days=MAX_DAYS_BACK):
            raise ValueError(_("The event was more than a year ago: please check the date."))
        return value

    @field_validator("end_time")
    @classmethod
    def _end(cls, value: Optional[time], info: ValidationInfo) -> Optional[time]:
        start = info.data.get("start_time")
        if value is not None and start is not None and value < start:
            raise ValueError(_("The event cannot end before it starts."))
        return value

    @field_validator("place")
    @classmethod
    def _place(cls, value: str) -> str:
        value = _limit(value, 120)
        if not value:
            raise ValueError(_("Say where it was held, e.g. the community or school's name."))
        return value

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return _limit(value, 120)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _limit(value, 2000)

    @field_validator("formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        if any(v not in FORMATS for v in value):
            raise ValueError(_("Please choose one of the options."))
        if not value:
            raise ValueError(_("Choose at least one: what was done at the event?"))
        return [f for f in FORMATS if f in value]

    @field_validator("audiences")
    @classmethod
    def _audiences(cls, value: list[str]) -> list[str]:
        if any(v not in AUDIENCES for v in value):
            raise ValueError(_("Please choose one of the options."))
        return [a for a in AUDIENCES if a in value]

    @field_validator(*COUNT_LIMITS, mode="before")
    @classmethod
    def _number(cls, value, info: ValidationInfo):
        number = whole_number(value)
        return (1 if info.field_name == "volunteers" else 0) if number is None else number

    @field_validator(*COUNT_LIMITS)
    @classmethod
    def _count(cls, value: int, info: ValidationInfo) -> int:
        if value < 0:
            raise ValueError(_("A count cannot be negative."))
        if info.field_name == "volunteers" and value < 1:
            raise ValueError(_("At least one volunteer: the person recording counts."))
        limit = COUNT_LIMITS[info.field_name]
        if value > limit:
            raise ValueError(_("More than one event can reach (at most %(n)s): please check the number.",
                               n=f"{limit:,}"))
        return value

    @field_validator("volunteer_ids")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


class EventCreate(EventFields):
    """An event as the phone sends it, with its idempotency key and the phone's clock."""

    client_uuid: str
    captured_at: Optional[datetime] = None

    _uuid = field_validator("client_uuid")(require_uuid)

    @field_validator("captured_at", mode="before")
    @classmethod
    def _captured(cls, value):
        if value in (None, ""):
            return None
        try:
            moment = parse_moment(value) if isinstance(value, str) else value
        except ValueError:
            return None  # filled by the phone, never typed: the server's time is used instead
        now = datetime.now(timezone.utc)
        if moment > now + FUTURE_GRACE or moment < now - MAX_AGE:
            return None  # a hidden field the person cannot fix: the server's time is used instead
        return moment
