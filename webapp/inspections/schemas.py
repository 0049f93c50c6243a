"""Input schemas of the inspection area (validated, never table models)."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Literal, Optional

from flask_babel import gettext as _
from pydantic import BaseModel, field_validator

from webapp.complaints.schemas import SHANGHAI, today_shanghai
from webapp.forms import clean_text
from webapp.sync.idempotency import require_uuid

MAX_SAMPLES = 5
MAX_INSPECTORS = 20
FUTURE_GRACE = timedelta(days=1)     # phones' clocks drift; more than a day ahead is a wrong clock
MAX_AGE = timedelta(days=366)        # a record queued for more than a year is a mistake, not a backlog
MAX_ORDER_DAYS = 365


def clean(value: str) -> str:
    """Drop control characters (keep newlines and tabs) and surrounding space."""
    return clean_text(value).strip()


def _limit(value: str, n: int) -> str:
    value = clean(value)
    if len(value) > n:
        raise ValueError(_("Please keep it under %(n)s characters.", n=n))
    return value


def parse_moment(raw: str) -> datetime:
    """ISO 8601 from the phone; an offset is expected, a naive time is taken as China time."""
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(_("The time of the inspection could not be read.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(timezone.utc)


class SampleIn(BaseModel):
    """One sample taken for the lab (抽检): a product, its brand, batch, quantity and sample number."""

    product: str = ""
    brand: str = ""
    batch: str = ""
    quantity: str = ""
    sample_no: str = ""

    @field_validator("product")
    @classmethod
    def _product(cls, value: str) -> str:
        value = _limit(value, 120)
        if not value:
            raise ValueError(_("Please name the product sampled, or clear this row."))
        return value

    @field_validator("brand")
    @classmethod
    def _brand(cls, value: str) -> str:
        return _limit(value, 80)

    @field_validator("batch", "sample_no")
    @classmethod
    def _batch(cls, value: str) -> str:
        return _limit(value, 60)

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: str) -> str:
        return _limit(value, 40)


class InspectionCreate(BaseModel):
    """A field inspection as the phone sends it (flat fields, gathered by webapp.inspections.forms)."""

    client_uuid: str
    captured_at: Optional[datetime] = None
    merchant_id: Optional[int] = None
    merchant_search: str = ""
    new_merchant_name: str = ""
    new_merchant_address: str = ""
    new_merchant_district_id: Optional[int] = None
    template_id: int
    answers: dict[int, Literal["pass", "fail", "na"]] = {}
    item_notes: dict[int, str] = {}
    result: Optional[Literal["pass", "fail"]] = None
    note: str = ""
    inspector_count: int = 1
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    accuracy_m: Optional[float] = None
    samples: dict[int, SampleIn] = {}
    order_items: list[int] = []
    order_due_on: Optional[date] = None
    complaint_code: Optional[str] = None
    task_id: Optional[int] = None
    follow_up_of: Optional[int] = None
    campaign_id: Optional[int] = None

    _uuid = field_validator("client_uuid")(require_uuid)

    @field_validator("captured_at", mode="before")
    @classmethod
    def _captured(cls, value):
        if value in (None, ""):
            return None
        moment = parse_moment(value) if isinstance(value, str) else value
        now = datetime.now(timezone.utc)
        if moment > now + FUTURE_GRACE:
            raise ValueError(_("The time of the inspection is in the future: please check the phone's clock."))
        if moment < now - MAX_AGE:
            raise ValueError(_("The time of the inspection is more than a year ago: please check it."))
        return moment

    @field_validator("merchant_search", "new_merchant_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _limit(value, 120)

    @field_validator("new_merchant_address")
    @classmethod
    def _address(cls, value: str) -> str:
        return _limit(value, 200)

    @field_validator("item_notes")
    @classmethod
    def _item_notes(cls, value: dict[int, str]) -> dict[int, str]:
        return {k: clean(v) for k, v in value.items() if clean(v)}

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _limit(value, 2000)

    @field_validator("inspector_count")
    @classmethod
    def _count(cls, value: int) -> int:
        if not 1 <= value <= MAX_INSPECTORS:
            raise ValueError(_("Between 1 and %(n)s officers.", n=MAX_INSPECTORS))
        return value

    @field_validator("order_due_on")
    @classmethod
    def _due(cls, value: Optional[date]) -> Optional[date]:
        if value is None:
            return None
        if value < today_shanghai():
            raise ValueError(_("The deadline cannot be in the past."))
        if value > today_shanghai() + timedelta(days=MAX_ORDER_DAYS):
            raise ValueError(_("The deadline is more than a year away; please check it."))
        return value

    @field_validator("complaint_code")
    @classmethod
    def _code(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        code = "".join(ch for ch in unicodedata.normalize("NFKC", value).upper() if ch.isalnum())
        return code or None

    def chosen_merchant(self) -> bool:
        """Whether the form names a merchant at all (from the list, typed, or new)."""
        return bool(self.merchant_id or self.merchant_search or self.new_merchant_name)


class LabResult(BaseModel):
    """The lab's verdict on a sample (合格 / 不合格) with its report number and date."""

    lab_result: Literal["pass", "fail"]
    report_no: str = ""
    result_on: date

    @field_validator("report_no")
    @classmethod
    def _report(cls, value: str) -> str:
        value = _limit(value, 60)
        if not value:
            raise ValueError(_("Please enter the number of the test report."))
        return value

    @field_validator("result_on")
    @classmethod
    def _on(cls, value: date) -> date:
        if value > today_shanghai():
            raise ValueError(_("The date of the report cannot be in the future."))
        return value


class TemplateEdit(BaseModel):
    """A checklist template's names (admin)."""

    name: str
    name_en: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = _limit(value, 80)
        if not value:
            raise ValueError(_("This field is required."))
        return value

    @field_validator("name_en")
    @classmethod
    def _name_en(cls, value: str) -> str:
        return _limit(value, 120)


class ItemEdit(BaseModel):
    """One checklist item's wording (admin)."""

    text: str
    text_en: str = ""

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = _limit(value, 200)
        if not value:
            raise ValueError(_("This field is required."))
        return value

    @field_validator("text_en")
    @classmethod
    def _text_en(cls, value: str) -> str:
        return _limit(value, 240)
