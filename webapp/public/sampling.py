"""Publishing sampling results (抽检结果公示): a supervisor of the district puts a lab result on the public page.

Only a sample with a lab result can be published; what is shown is the product, brand, batch, the merchant,
the result, its date and the report number — never who took the sample or anything about a consumer. No Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from webapp.audit import record
from webapp.auth.models import SUPERVISOR, utcnow
from webapp.forms import FieldErrors
from webapp.inspections.models import Inspection, Sample
from webapp.merchants.models import Merchant

RESULTS = ("pass", "fail")


def can_publish(user, inspection: Inspection) -> bool:
    """Supervisors of the inspection's district (city-level supervisors: every district)."""
    return bool(getattr(user, "is_authenticated", False) and user.role == SUPERVISOR
                and (user.district_id is None or user.district_id == inspection.district_id))


def _snapshot(sample: Sample) -> dict:
    return {"published_at": sample.published_at, "published_by_id": sample.published_by_id,
            "lab_result": sample.lab_result, "report_no": sample.report_no}


def publish_sample(session: Session, actor, sample: Sample) -> Sample:
    """Publish a sample's lab result; FieldErrors (shown as a 422) when it has no result yet."""
    if sample.lab_result not in RESULTS:
        raise FieldErrors({"publish": _("This sample has no lab result yet: record the result before publishing it.")})
    if sample.published_at is not None:
        return sample
    before = _snapshot(sample)
    sample.published_at, sample.published_by_id = utcnow(), actor.id
    session.add(sample)
    session.flush()
    record(session, actor, "sample.publish", sample, before, _snapshot(sample))
    return sample


def unpublish_sample(session: Session, actor, sample: Sample) -> Sample:
    """Take a result off the public page (e.g. while a re-test is pending)."""
    if sample.published_at is None:
        return sample
    before = _snapshot(sample)
    sample.published_at, sample.published_by_id = None, None
    session.add(sample)
    session.flush()
    record(session, actor, "sample.unpublish", sample, before, _snapshot(sample))
    return sample


@dataclass
class PublicSample:
    """One row of the public page: only fields meant for the public."""

    id: int
    product: str
    brand: str
    batch: str
    merchant_id: int
    merchant_name: str
    merchant_public: bool
    result: str
    result_on: date | None
    report_no: str


def _published_stmt(result: str | None, merchant_id: int | None = None):
    stmt = (select(Sample, Merchant).join(Inspection, Inspection.id == Sample.inspection_id)
            .join(Merchant, Merchant.id == Inspection.merchant_id)
            .where(Sample.published_at != None, Sample.lab_result.in_(RESULTS)))  # noqa: E711
    if result in RESULTS:
        stmt = stmt.where(Sample.lab_result == result)
    if merchant_id is not None:
        stmt = stmt.where(Inspection.merchant_id == merchant_id)
    return stmt


def published_results(session: Session, result: str | None = None, limit: int = 20, offset: int = 0,
                      merchant_id: int | None = None) -> list[PublicSample]:
    """Published results, newest result first; `result` filters pass | fail."""
    stmt = _published_stmt(result, merchant_id).order_by(Sample.result_on.desc(), Sample.published_at.desc(),
                                                         Sample.id.desc())
    return [PublicSample(id=s.id, product=s.product, brand=s.brand, batch=s.batch, merchant_id=m.id,
                         merchant_name=m.name, merchant_public=bool(m.verified and m.merged_into_id is None),
                         result=s.lab_result, result_on=s.result_on, report_no=s.report_no)
            for s, m in session.exec(stmt.limit(limit).offset(offset))]


def count_published(session: Session, result: str | None = None, merchant_id: int | None = None) -> int:
    return session.exec(select(func.count()).select_from(_published_stmt(result, merchant_id).subquery())).one()
