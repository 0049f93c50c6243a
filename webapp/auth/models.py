"""District and User: every staff user belongs to a district, or to none (city level)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlmodel import Field, SQLModel
from werkzeug.security import check_password_hash, generate_password_hash

CONSUMER, VOLUNTEER, INSPECTOR, HANDLER, SUPERVISOR, ADMIN = (
    "consumer", "volunteer", "inspector", "handler", "supervisor", "admin")
ROLES = (CONSUMER, VOLUNTEER, INSPECTOR, HANDLER, SUPERVISOR, ADMIN)
STAFF_ROLES = (VOLUNTEER, INSPECTOR, HANDLER, SUPERVISOR, ADMIN)
ROLE_LABELS = {
    CONSUMER: _l("Consumer"),
    VOLUNTEER: _l("Volunteer"),
    INSPECTOR: _l("Inspector"),
    HANDLER: _l("Complaint handler"),
    SUPERVISOR: _l("Supervisor"),
    ADMIN: _l("Administrator"),
}


def utcnow() -> datetime:
    """Aware UTC now: every timestamp is stored in UTC and shown in Asia/Shanghai."""
    return datetime.now(timezone.utc)


class District(SQLModel, table=True):
    """A district (辖区) of the city."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=60)
    name_en: str = Field(max_length=60, default="")


class User(UserMixin, SQLModel, table=True):
    """A person who signs in: consumers by mobile number, staff by username."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True, index=True)
    display_name: str = Field(max_length=60, default="")
    phone: str | None = Field(default=None, max_length=11, index=True)
    email: str | None = Field(default=None, max_length=120)
    role: str = Field(max_length=20, index=True)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)

    def set_password(self, password: str) -> None:
        """Hash with scrypt (Werkzeug's default modern KDF)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_city_level(self) -> bool:
        """Staff without a district see the whole city."""
        return self.district_id is None
