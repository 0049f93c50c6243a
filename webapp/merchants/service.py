"""Merchant lookups and creation from complaints."""
from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, select

from webapp.merchants.models import Merchant


def search(session: Session, query: str, limit: int = 8) -> list[Merchant]:
    """Merchants whose name or address contains the query, verified ones first."""
    query = " ".join(query.split())[:60]
    if len(query) < 1:
        return []
    # The user's % and _ are literal characters, not wildcards.
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    stmt = (
        select(Merchant)
        .where(or_(func.lower(Merchant.name).like(pattern, escape="\\"),
                   func.lower(Merchant.address).like(pattern, escape="\\")))
        .order_by(Merchant.verified.desc(), func.length(Merchant.name), Merchant.id)
        .limit(limit)
    )
    return list(session.exec(stmt))


def find_or_create(session: Session, name: str, address: str, district_id: int) -> Merchant:
    """Reuse a merchant with the same name and address in the district, else add an unverified one."""
    existing = session.exec(
        select(Merchant).where(Merchant.name == name, Merchant.address == address,
                               Merchant.district_id == district_id)
    ).first()
    if existing:
        return existing
    merchant = Merchant(name=name, address=address, district_id=district_id, verified=False)
    session.add(merchant)
    session.flush()
    return merchant
