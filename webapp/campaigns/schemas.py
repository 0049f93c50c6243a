"""Input schema of a campaign (validated, never the table model)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Optional

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationInfo, field_validator

from webapp.campaigns.models import ENFORCEMENT, OUTREACH
from webapp.inspections.schemas import clean

MAX_DAYS = 366
KINDS = (ENFORCEMENT, OUTREACH)


class CampaignCreate(BaseModel):
    """A 专项整治 or an outreach campaign (3·15): kind, name, theme, dates, and the district (or the whole city).

    `kind` may be left out (enforcement, as before outreach campaigns existed); when given it must be one of KINDS.
    """

    kind: str = ENFORCEMENT
    name: str
    theme: str = ""
    starts_on: date
    ends_on: date
    district_id: Optional[int] = None

    @field_validator("district_id", mode="before")
    @classmethod
    def _district(cls, value):
        return None if value in ("", None) else value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(_("Please choose the kind of campaign."))
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = clean(value)
        if not value:
            raise ValueError(_("This field is required."))
        if len(value) > 120:
            raise ValueError(_("Please keep it under %(n)s characters.", n=120))
        return value

    @field_validator("theme")
    @classmethod
    def _theme(cls, value: str) -> str:
        value = clean(value)
        if len(value) > 200:
            raise ValueError(_("Please keep it under %(n)s characters.", n=200))
        return value

    @field_validator("ends_on")
    @classmethod
    def _ends(cls, value: date, info: ValidationInfo) -> date:
        starts = info.data.get("starts_on")
        if starts is not None and value < starts:
            raise ValueError(_("The campaign cannot end before it starts."))
        if starts is not None and value > starts + timedelta(days=MAX_DAYS):
            raise ValueError(_("A campaign lasts at most a year."))
        return value
