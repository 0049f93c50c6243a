"""The back office of inspections: samples awaiting a lab result, and rectification orders to follow up."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.models import INSPECTOR, SUPERVISOR
from webapp.auth.routes import role_required
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.forms import FieldErrors, validate
from webapp.htmx import redirect, render, wants_partial
from webapp.inspections import policy, queries, service
from webapp.inspections.forms import reference_errors
from webapp.inspections.labels import LABELS
from webapp.inspections.schemas import LabResult
from webapp.merchants.models import Merchant
from webapp.public import sampling

bp = Blueprint("inspection_office", __name__)


def _samples_page(status: int = 200, forms: dict | None = None):
    session = get_session()
    return render("inspections/samples.html", status=status,
                  pending=queries.samples(session, current_user, pending=True),
                  done=queries.samples(session, current_user, pending=False, limit=20),
                  labels=LABELS, today=today_shanghai(), forms=forms or {})


@bp.get("/inspections/samples")
@role_required(INSPECTOR, SUPERVISOR)
def samples():
    """Samples awaiting their lab result, each with a form to record it; then the latest results."""
    return _samples_page()


@bp.post("/inspections/samples/<int:sample_id>/result")
@role_required(INSPECTOR, SUPERVISOR)
def record_result(sample_id: int):
    """Record (or correct) the lab's verdict on one sample: htmx swaps its row, a plain form reloads the list."""
    sample, inspection = policy.get_sample_or_404(sample_id, "record_lab")
    values = request.form.to_dict()
    data, errors = validate(LabResult, values)
    session = get_session()
    if not errors:
        try:
            service.record_lab_result(session, current_user, sample, data, inspection.captured_at)
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = reference_errors(exc.errors)
    if wants_partial():
        merchant = session.get(Merchant, inspection.merchant_id)
        return render("inspections/_sample.html", status=422 if errors else 200, s=sample, inspection=inspection,
                      merchant=merchant, values=values, errors=errors, saved=not errors, labels=LABELS,
                      today=today_shanghai())
    if errors:
        return _samples_page(422, {sample.id: (values, errors)})
    flash(_("Lab result recorded."), "success")
    return redirect(url_for("inspection_office.samples"))


def _publication(sample_id: int, action, message: str):
    """Publish or unpublish one sample's result: supervisors of its district; 422 without a lab result."""
    sample, inspection = policy.get_sample_or_404(sample_id, "view")
    if not sampling.can_publish(current_user, inspection):
        abort(403)
    session = get_session()
    error = None
    try:
        action(session, current_user, sample)
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        error = next(iter(exc.errors.values()))
    if wants_partial():
        return render("public/_sample_publish.html", status=422 if error else 200, s=sample,
                      merchant=session.get(Merchant, inspection.merchant_id), labels=LABELS, publish_error=error)
    if error:
        flash(error, "error")
        return _samples_page(422)
    flash(message, "success")
    return redirect(url_for("inspection_office.samples") + "#publish-samples")


@bp.post("/inspections/samples/<int:sample_id>/publish")
@role_required(SUPERVISOR)
def publish_sample(sample_id: int):
    """Put a lab result on the public sampling-results page (抽检结果公示)."""
    return _publication(sample_id, sampling.publish_sample, _("Published on the public sampling results."))


@bp.post("/inspections/samples/<int:sample_id>/unpublish")
@role_required(SUPERVISOR)
def unpublish_sample(sample_id: int):
    """Take a lab result off the public page."""
    return _publication(sample_id, sampling.unpublish_sample, _("Removed from the public sampling results."))


@bp.get("/inspections/orders")
@role_required(INSPECTOR, SUPERVISOR)
def orders():
    """Open rectification orders, overdue first, with a link to start each re-inspection."""
    session = get_session()
    return render("inspections/orders.html", open_orders=queries.orders(session, current_user),
                  closed=queries.orders(session, current_user, open_only=False, limit=20),
                  today=today_shanghai(), labels=LABELS)
