"""Input schemas of the roster: an invitation staff create, and a volunteer joining through one."""
from __future__ import annotations

from typing import Optional

from flask_babel import gettext as _
from pydantic import BaseModel, field_validator

from webapp.auth.schemas import Register
from webapp.outreach.roster import DAYS, MAX_USES


def _between(value: int, bounds: tuple[int, int]) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(_("Please enter a whole number from %(low)s to %(high)s.", low=bounds[0], high=bounds[1]))
    return value


class InviteCreate(BaseModel):
    """How long the invitation stays open, how many may join, and (city-level staff) for which district."""

    district_id: Optional[int] = None
    days: int = 14
    max_uses: int = 20

    @field_validator("district_id", mode="before")
    @classmethod
    def _district(cls, value):
        return None if value in ("", None) else value

    @field_validator("days")
    @classmethod
    def _days(cls, value: int) -> int:
        return _between(value, DAYS)

    @field_validator("max_uses")
    @classmethod
    def _max_uses(cls, value: int) -> int:
        return _between(value, MAX_USES)


class Join(Register):
    """A volunteer joins with a name, a mainland mobile number (their sign-in) and a password."""

    display_name: str

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise ValueError(_("This field is required."))
        if len(value) > 40:
            raise ValueError(_("Please keep it under %(n)s characters.", n=40))
        return value
