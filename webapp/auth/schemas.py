"""Input schemas for sign-in, registration and staff creation."""
from __future__ import annotations

import re
from typing import Optional

from flask_babel import gettext as _
from pydantic import BaseModel, field_validator

from webapp.auth.models import ROLES
from webapp.complaints.schemas import MOBILE, normalize_phone


def _password(value: str) -> str:
    if len(value) < 8:
        raise ValueError(_("Use at least 8 characters."))
    if len(value) > 128:
        raise ValueError(_("Please keep it under %(n)s characters.", n=128))
    return value


class Login(BaseModel):
    """Username or mobile number, and password."""

    username: str
    password: str


class Register(BaseModel):
    """A consumer registers with a mainland mobile number and a password."""

    phone: str
    display_name: str = ""
    password: str

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        digits = normalize_phone(value)
        if not MOBILE.match(digits):
            raise ValueError(_("Please enter an 11-digit mainland mobile number, e.g. 13812345678."))
        return digits

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if len(value) > 40:
            raise ValueError(_("Please keep it under %(n)s characters.", n=40))
        return value

    _check_password = field_validator("password")(_password)


class StaffCreate(BaseModel):
    """An admin creates a staff account in a district (none = city level)."""

    username: str
    display_name: str
    role: str
    district_id: Optional[int] = None
    password: str

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{3,40}", value):
            raise ValueError(_("3–40 letters, digits, dots, dashes or underscores."))
        return value.lower()

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        if not value or len(value) > 60:
            raise ValueError(_("This field is required."))
        return value

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(_("Please choose one of the options."))
        return value

    @field_validator("district_id", mode="before")
    @classmethod
    def _district(cls, value):
        return None if value in ("", None) else value

    _check_password = field_validator("password")(_password)
