"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from webapp.auth.models import utcnow


class AuditLog(SQLModel, table=True):
    """One state change, by a user or by a guest (actor_id None)."""

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=60)
    object_type: str = Field(max_length=40)
    object_id: int | None = Field(default=None)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)


def record(session: Session, actor, action: str, obj, before: dict | None = None,
           after: dict | None = None) -> AuditLog:
    """Add an audit row for `action` on `obj` by `actor` (a User, or None for a guest)."""
    row = AuditLog(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(row)
    return row


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
