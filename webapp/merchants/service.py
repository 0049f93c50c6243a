"""Merchant lookups, and creation from complaints and inspections (reusing or flagging near-duplicates)."""
from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, select

from webapp.merchants import dedup
from webapp.merchants.models import Merchant


def search(session: Session, query: str, limit: int = 8) -> list[Merchant]:
    """Active merchants whose name or address contains the query, verified ones first (merged ones never)."""
    query = " ".join(query.split())[:60]
    if len(query) < 1:
        return []
    # The user's % and _ are literal characters, not wildcards.
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    stmt = (
        select(Merchant)
        .where(Merchant.merged_into_id.is_(None),
               or_(func.lower(Merchant.name).like(pattern, escape="\\"),
                   func.lower(Merchant.address).like(pattern, escape="\\")))
        .order_by(Merchant.verified.desc(), func.length(Merchant.name), Merchant.id)
        .limit(limit)
    )
    return list(session.exec(stmt))


def find_or_create(session: Session, name: str, address: str, district_id: int) -> Merchant:
    """The district's active merchant with the same name and address keys, else a new unverified one.

    Keys fold full-width letters and digits and ignore spaces and punctuation, so "ABC超市东关店" typed in
    full width with brackets reuses the record typed in half width. A new merchant that only resembles
    existing ones is created and the likely duplicates are flagged for staff (DuplicateSuspect).
    """
    name = " ".join((name or "").split())
    address = " ".join((address or "").split())
    nkey, akey = dedup.name_key(name), dedup.address_key(address)
    rows = dedup.district_rows(session, district_id)
    same = [row for row in rows if dedup.name_key(row[1]) == nkey and dedup.address_key(row[2]) == akey]
    if same:
        existing = [session.get(Merchant, row[0]) for row in same]
        return min(existing, key=lambda m: (not m.verified, m.id))
    merchant = Merchant(name=name, address=address, district_id=district_id, verified=False)
    session.add(merchant)
    session.flush()
    dedup.flag_suspects(session, merchant)
    return merchant


# Division codes for the demo city's districts (fictional city, GB/T 2260-shaped codes).
_DEMO_DIVISIONS = {"CD": "330102", "CX": "330106", "NH": "330108"}
# Variants a consumer or an inspector might type: created through find_or_create, so they get flagged.
_DEMO_VARIANTS = [("华联超市东关分店", "东关大街18号", "CD"), ("惠民生鲜超市有限公司", "建设路56号", "CD"),
                  ("仁和堂 药店", "中山路8号", "CX")]


def load_demo_registry(session: Session) -> int:
    """Demo: valid credit codes for the registry's merchants and a few typed variants flagged as duplicates.

    Idempotent; returns the number of merchants added. Codes are derived from the merchant's id, so they
    are valid but belong to nobody real (as far as can be known).
    """
    from webapp.auth.models import District
    from webapp.merchants import uscc

    districts = {d.id: d.code for d in session.exec(select(District))}
    for merchant in session.exec(select(Merchant).where(Merchant.verified.is_(True), Merchant.uscc.is_(None),
                                                        Merchant.merged_into_id.is_(None))):
        division = _DEMO_DIVISIONS.get(districts.get(merchant.district_id, ""), "330100")
        body8 = f"MA{merchant.id:06d}"
        first17 = ("92" if merchant.sector == "market" else "91") + division + body8 + uscc.org_check_character(body8)
        merchant.uscc = first17 + uscc.check_character(first17)
        session.add(merchant)
    session.flush()
    codes = {code: i for i, code in districts.items()}
    before = session.exec(select(func.count(Merchant.id))).one()
    for name, address, code in _DEMO_VARIANTS:
        if code in codes:
            find_or_create(session, name, address, codes[code])
    return session.exec(select(func.count(Merchant.id))).one() - before
