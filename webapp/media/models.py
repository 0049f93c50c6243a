"""Photo: a sanitised image stored by content hash, attached to the record it is evidence for."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow


class Photo(SQLModel, table=True):
    """One uploaded photo; the files are served only through an authorised route."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    complaint_event_id: int | None = Field(default=None, foreign_key="complaintevent.id")
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    finding_id: int | None = Field(default=None, foreign_key="inspectionfinding.id")
    outreach_event_id: int | None = Field(default=None, foreign_key="outreachevent.id", index=True)
    display_key: str = Field(max_length=120)
    thumb_key: str = Field(max_length=120)
    display_sha256: str = Field(max_length=64, index=True)
    width: int
    height: int
    source_format: str = Field(max_length=10)
    source_bytes: int
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
