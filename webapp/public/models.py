"""Consumer warnings and tips (消费警示 / 消费提示) that supervisors write and publish."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from webapp.auth.models import utcnow

WARNING, TIP = "warning", "tip"


class Warning(SQLModel, table=True):  # noqa: A001 - the field's own word (GLOSSARY: Warning(kind))
    """A warning or tip in Markdown; the sanitised HTML is made once, when it is saved."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default=WARNING, max_length=10, index=True)   # warning | tip
    title: str = Field(max_length=120)
    summary: str = Field(default="", max_length=300)
    body_md: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)  # None: the whole city
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = Field(default=None)
    published_at: datetime | None = Field(default=None, index=True)   # None: a draft
    withdrawn_at: datetime | None = Field(default=None)
