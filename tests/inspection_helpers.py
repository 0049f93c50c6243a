"""Shared pieces of the inspection tests: a valid flat form as the phone sends it, and row counts."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timezone

from sqlmodel import func, select

from conftest import jpeg_bytes
from webapp.inspections.models import ChecklistItem, ChecklistTemplate

JSON = {"Accept": "application/json"}


def template(session, code: str = "food"):
    """A seeded checklist and its items in order."""
    t = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == code)).one()
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == t.id)
                         .order_by(ChecklistItem.position)).all()
    return t, list(items)


def inspection_form(session, base_data, fail=(3,), code: str = "food", merchant=None, **overrides) -> dict:
    """A valid inspection of the first demo merchant (城东区): every item passes except those in `fail`."""
    t, items = template(session, code)
    merchant = merchant or base_data.merchants[0]
    form = {
        "client_uuid": str(uuid.uuid4()),
        "captured_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "merchant_id": str(merchant.id),
        "merchant_search": merchant.name,
        "template_id": str(t.id),
        "note": "现场检查",
        "inspector_count": "2",
        "latitude": "31.2304",
        "longitude": "121.4737",
        "accuracy_m": "12",
    }
    for n, item in enumerate(items):
        form[f"item-{item.id}"] = "fail" if n in fail else "pass"
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def photo_file(data: bytes | None = None, name: str = "shelf.jpg"):
    return (io.BytesIO(data if data is not None else jpeg_bytes()), name)


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()
