"""Merging two records of one merchant: everything about the merged-away record moves to the survivor.

All checks run before anything is written, so a refused merge changes nothing; a merge that passes is a
handful of bulk UPDATEs plus one audit row in the caller's transaction (the route commits once).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import utcnow
from webapp.complaints.models import Complaint, ComplaintCluster
from webapp.inspections.models import Inspection, InspectionTask, RectificationOrder, Sample
from webapp.merchants import uscc as uscc_rules
from webapp.merchants.models import DuplicateSuspect, Merchant
from webapp.reports import rollup

ERRORS = {
    "self": _l("A merchant cannot be merged into itself."),
    "merged": _l("One of these records has already been merged into another merchant."),
    "district": _l("Only city-level staff can merge merchants of different districts."),
    "uscc": _l("These records have different credit codes: they are different merchants."),
}


class MergeError(Exception):
    """A merge refused before anything changed: `code` is one of ERRORS' keys."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(ERRORS[self.code])


def check(actor, source: Merchant, target: Merchant) -> None:
    """Raise MergeError when `source` may not be merged into `target` by `actor`."""
    if source.id == target.id:
        raise MergeError("self")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise MergeError("merged")
    if actor.district_id is not None and not (source.district_id == target.district_id == actor.district_id):
        raise MergeError("district")
    a, b = uscc_rules.normalize(source.uscc), uscc_rules.normalize(target.uscc)
    if a and b and a != b and uscc_rules.is_valid(a) and uscc_rules.is_valid(b):
        raise MergeError("uscc")


def _move(session: Session, model, source_id: int, target_id: int) -> int:
    result = session.execute(update(model).where(model.merchant_id == source_id)
                             .values(merchant_id=target_id).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


def _suspects(session: Session, actor, source: Merchant, target: Merchant, now) -> int:
    """The pair is marked merged; the source's other pairs move to the target unless the target already
    has a pair with that merchant (then they are closed as merged). Returns the rows changed."""
    rows = list(session.exec(select(DuplicateSuspect).where(or_(
        DuplicateSuspect.merchant_id.in_((source.id, target.id)),
        DuplicateSuspect.candidate_id.in_((source.id, target.id)))).order_by(DuplicateSuspect.id)))
    paired = {frozenset((r.merchant_id, r.candidate_id)) for r in rows
              if source.id not in (r.merchant_id, r.candidate_id)}   # the target's own pairs
    close, repoint_new, repoint_old = [], [], []
    for row in rows:
        pair = {row.merchant_id, row.candidate_id}
        if source.id not in pair:
            continue
        if pair == {source.id, target.id}:
            close.append(row.id)
            continue
        moved = frozenset(target.id if m == source.id else m for m in pair)
        if moved in paired:
            # The target already has a pair with that merchant: this one is closed, not duplicated.
            if row.status == "open":
                close.append(row.id)
            continue
        paired.add(moved)
        (repoint_new if row.merchant_id == source.id else repoint_old).append(row.id)
    if close:
        session.execute(update(DuplicateSuspect).where(DuplicateSuspect.id.in_(close))
                        .values(status="merged", decided_by_id=actor.id, decided_at=now)
                        .execution_options(synchronize_session="fetch"))
    if repoint_new:
        session.execute(update(DuplicateSuspect).where(DuplicateSuspect.id.in_(repoint_new))
                        .values(merchant_id=target.id).execution_options(synchronize_session="fetch"))
    if repoint_old:
        session.execute(update(DuplicateSuspect).where(DuplicateSuspect.id.in_(repoint_old))
                        .values(candidate_id=target.id).execution_options(synchronize_session="fetch"))
    return len(close) + len(repoint_new) + len(repoint_old)


def _snapshot(m: Merchant) -> dict:
    return {"id": m.id, "name": m.name, "uscc": m.uscc, "address": m.address, "sector": m.sector,
            "district_id": m.district_id, "merged_into_id": m.merged_into_id}


def merge(session: Session, actor, source: Merchant, target: Merchant) -> dict[str, int]:
    """Merge `source` into `target`: every complaint, inspection (with its samples), order, task, cluster and
    duplicate pair moves exactly once; empty fields of the target are filled from the source; the source
    stays as a pointer (merged_into_id) so old links resolve. Raises MergeError, changing nothing.

    Returns the counts moved: complaints, inspections, samples, orders, tasks, clusters, suspects, merchants
    (earlier records merged into the source, now pointing at the target).
    """
    check(actor, source, target)
    before = {"source": _snapshot(source), "target": _snapshot(target)}
    now = utcnow()
    samples = session.exec(select(func.count(Sample.id)).join(Inspection, Inspection.id == Sample.inspection_id)
                           .where(Inspection.merchant_id == source.id)).one()
    # The summary tables count complaints by merchant: their days are refreshed before they are read again.
    rollup.log_bulk_change(session, Complaint.merchant_id == source.id)
    counts = {
        "complaints": _move(session, Complaint, source.id, target.id),
        "inspections": _move(session, Inspection, source.id, target.id),
        "samples": int(samples),
        "orders": _move(session, RectificationOrder, source.id, target.id),
        "tasks": _move(session, InspectionTask, source.id, target.id),
        "clusters": _move(session, ComplaintCluster, source.id, target.id),
        "suspects": _suspects(session, actor, source, target, now),
    }
    counts["merchants"] = session.execute(
        update(Merchant).where(Merchant.merged_into_id == source.id)
        .values(merged_into_id=target.id, updated_at=now).execution_options(synchronize_session="fetch")
    ).rowcount or 0
    if not uscc_rules.normalize(target.uscc) and uscc_rules.normalize(source.uscc):
        target.uscc = uscc_rules.normalize(source.uscc)
    if not (target.address or "").strip() and (source.address or "").strip():
        target.address = source.address
    if target.sector in ("", "other", None) and source.sector not in ("", "other", None):
        target.sector = source.sector
    target.verified = target.verified or source.verified
    source.merged_into_id = target.id
    source.updated_at = target.updated_at = now
    session.add_all([source, target])
    session.flush()
    audit.record(session, actor, "merchant.merge", source, before=before,
                 after={"source": _snapshot(source), "target": _snapshot(target), "counts": counts})
    return counts


def resolve(session: Session, merchant: Merchant | None) -> Merchant | None:
    """The record that survived: follows merged_into_id (for old links to a merged-away merchant)."""
    seen = set()
    while merchant is not None and merchant.merged_into_id is not None and merchant.id not in seen:
        seen.add(merchant.id)
        merchant = session.get(Merchant, merchant.merged_into_id)
    return merchant
