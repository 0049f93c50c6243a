"""Input schemas for the consumer's side of a complaint (validated, never table models)."""
from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Optional
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from webapp.complaints.choices import DESIRED_OUTCOMES, PROBLEM_TYPES
from webapp.forms import clean_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_AMOUNT_FEN = 10_000_000 * 100  # ten million yuan: beyond that it is a typo, not a purchase
MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")


def today_shanghai() -> date:
    """Today's date in China, whatever the server's clock zone."""
    return datetime.now(SHANGHAI).date()


def normalize_phone(raw: str) -> str:
    """Digits of a mainland mobile number, without +86, spaces or hyphens (full-width allowed)."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def parse_yuan(raw: str) -> int:
    """'1,299.50' yuan -> 129950 fen; ValueError with a readable message otherwise."""
    text = unicodedata.normalize("NFKC", raw).replace(",", "").replace("¥", "").replace("元", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Please enter the amount in yuan, e.g. 299.50.")) from None
    if not amount.is_finite():
        raise ValueError(_("Please enter the amount in yuan, e.g. 299.50."))
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("Use at most two decimal places (fen)."))
    fen = int(amount * 100)
    if fen > MAX_AMOUNT_FEN:
        raise ValueError(_("That amount is too large; please check it."))
    return fen


class ComplaintCreate(BaseModel):
    """What a consumer types into /complaints/new."""

    model_config = ConfigDict(populate_by_name=True)

    merchant_id: Optional[int] = None
    merchant_name: str = ""
    merchant_address: str = ""
    district_id: int
    category_id: int
    problem_type: str
    purchase_date: Optional[date] = None
    amount_fen: Optional[int] = Field(default=None, alias="amount")
    description: str
    desired_outcome: str
    consumer_name: str
    consumer_phone: str
    consumer_email: Optional[str] = None
    consent_share: bool = False
    client_uuid: Optional[str] = None
    event_code: Optional[str] = None  # from an outreach event's QR link: an on-site complaint (现场受理)

    @model_validator(mode="before")
    @classmethod
    def _from_form(cls, data: dict) -> dict:
        data = dict(data)
        for key in ("merchant_id", "purchase_date", "client_uuid", "consumer_email", "event_code"):
            if data.get(key) in ("", None):
                data[key] = None
        data["consent_share"] = data.get("consent_share") in ("on", "1", "true", True)
        return data

    @field_validator("merchant_name", "merchant_address", "consumer_name", "description")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        # Control characters have no place in a complaint; newlines in the description do.
        return clean_text(value).strip()

    @field_validator("amount_fen", mode="before")
    @classmethod
    def _amount(cls, value) -> Optional[int]:
        if value in (None, ""):
            return None
        if isinstance(value, int):
            return value
        return parse_yuan(str(value))

    @field_validator("merchant_name")
    @classmethod
    def _merchant_name(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("merchant_id") is None and not value:
            raise ValueError(_("Please choose the merchant or type its name."))
        if len(value) > 120:
            raise ValueError(_("Please keep it under %(n)s characters.", n=120))
        return value

    @field_validator("merchant_address")
    @classmethod
    def _merchant_address(cls, value: str) -> str:
        if len(value) > 200:
            raise ValueError(_("Please keep it under %(n)s characters.", n=200))
        return value

    @field_validator("problem_type")
    @classmethod
    def _problem_type(cls, value: str) -> str:
        if value not in PROBLEM_TYPES:
            raise ValueError(_("Please choose what kind of problem it is."))
        return value

    @field_validator("desired_outcome")
    @classmethod
    def _desired_outcome(cls, value: str) -> str:
        if value not in DESIRED_OUTCOMES:
            raise ValueError(_("Please choose what you would like the merchant to do."))
        return value

    @field_validator("purchase_date")
    @classmethod
    def _purchase_date(cls, value: Optional[date]) -> Optional[date]:
        if value is None:
            return value
        if value > today_shanghai():
            raise ValueError(_("The purchase date cannot be in the future."))
        if value < today_shanghai() - timedelta(days=365 * 10):
            raise ValueError(_("The purchase date is more than ten years ago; please check it."))
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        if len(value) < 10:
            raise ValueError(_("Please describe what happened in at least 10 characters."))
        if len(value) > 2000:
            raise ValueError(_("Please keep it under %(n)s characters.", n=2000))
        return value

    @field_validator("consumer_name")
    @classmethod
    def _consumer_name(cls, value: str) -> str:
        if not value:
            raise ValueError(_("Please enter your name."))
        if len(value) > 40:
            raise ValueError(_("Please keep it under %(n)s characters.", n=40))
        return value

    @field_validator("consumer_phone")
    @classmethod
    def _consumer_phone(cls, value: str) -> str:
        digits = normalize_phone(value)
        if not MOBILE.match(digits):
            raise ValueError(_("Please enter an 11-digit mainland mobile number, e.g. 13812345678."))
        return digits

    @field_validator("consumer_email")
    @classmethod
    def _email(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        value = value.strip()
        if len(value) > 120 or not EMAIL.match(value):
            raise ValueError(_("Please enter a valid e-mail address, or leave it empty."))
        return value

    @field_validator("client_uuid")
    @classmethod
    def _client_uuid(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError(_("This value is not valid.")) from None

    @field_validator("event_code")
    @classmethod
    def _event_code(cls, value: Optional[str]) -> Optional[str]:
        # Only length here: whether the event exists and still takes complaints is the service's check.
        if value is not None and len(value) > 20:
            raise ValueError(_("This event link is not valid."))
        return value

    @field_validator("consent_share")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError(_("We can only mediate if you agree to share your complaint with the merchant."))
        return value


class InfoAdd(BaseModel):
    """More information a consumer adds to an open complaint."""

    note: str

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        value = clean_text(value).strip()
        if len(value) > 2000:
            raise ValueError(_("Please keep it under %(n)s characters.", n=2000))
        return value


class Rating(BaseModel):
    """The consumer's satisfaction after closing (回访)."""

    satisfaction: int
    comment: str = ""

    @field_validator("satisfaction")
    @classmethod
    def _score(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError(_("Choose from 1 to 5 stars."))
        return value

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        if len(value) > 500:
            raise ValueError(_("Please keep it under %(n)s characters.", n=500))
        return value


class Dispute(BaseModel):
    """Why the consumer does not accept the outcome."""

    reason: str

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("Please say what you do not accept."))
        if len(value) > 1000:
            raise ValueError(_("Please keep it under %(n)s characters.", n=1000))
        return value.strip()


class TrackLookup(BaseModel):
    """The tracking form: code plus the last four digits of the phone."""

    code: str
    phone_last4: str

    @field_validator("phone_last4")
    @classmethod
    def _last4(cls, value: str) -> str:
        value = unicodedata.normalize("NFKC", value).strip()
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError(_("Enter the last four digits of the mobile number you gave."))
        return value
