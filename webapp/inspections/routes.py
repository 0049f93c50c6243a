"""The inspector's phone: today's work, the offline inspection form and its endpoint, one inspection's record."""
from __future__ import annotations

from webapp import conditional

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from webapp.auth.models import HANDLER, INSPECTOR, SUPERVISOR
from webapp.auth.routes import role_required
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.forms import FieldErrors
from webapp.htmx import render
from webapp.inspections import policy, queries, service
from webapp.inspections.forms import (complaint_note, form_context, item_photos, prefill, reference_errors,
                                      summary, validate_inspection)
from webapp.inspections.labels import LABELS
from webapp.media.uploads import storage
from webapp.sync import answers
from webapp.sync.idempotency import digest, parse_uuid, result, same_origin

bp = Blueprint("inspections", __name__)


def _form_page(values: dict, errors: dict, status: int = 200, orders: list[str] | None = None):
    context = form_context(get_session(), current_user, values, errors, orders or [])
    return render("inspections/new.html", status=status, **context)


@bp.get("/inspections/new")
@role_required(INSPECTOR, SUPERVISOR)
def new():
    """The inspection form with every checklist in it, so it works offline after one visit."""
    values = {"client_uuid": conditional.fresh_uuid(), "inspector_count": "1"}
    values.update(prefill(get_session(), current_user, request.args))
    return _form_page(values, {})


@bp.get("/inspections/merchants.json")
@login_required
def merchants_json():
    """The inspector's district's merchants, for picking one with no network."""
    if not policy.can_create(current_user):
        return result(403, error=_("Your account may not record inspections."))
    rows = queries.district_merchants(get_session(), current_user)
    response = jsonify([{"id": m.id, "name": m.name, "address": m.address, "district_id": m.district_id}
                        for m in rows])
    response.headers["Cache-Control"] = "no-cache"
    return response


def _saved(inspection, status: int):
    url = url_for("inspections.detail", inspection_id=inspection.id)
    return answers.saved(inspection.id, url, _("Inspection saved."), status)


def _replayed(existing, body: str):
    """The same record again gets the first answer; another record under its number is a conflict."""
    if existing.body_sha256 == body and existing.inspector_id == current_user.id:
        return _saved(existing, 200)
    return answers.refuse(409, _("This inspection record's number is already used by a different record. "
                          "Nothing was saved: open the form again and re-enter it."))


def _invalid(errors: dict[str, str]):
    if answers.outbox_asks():
        return result(422, error=summary(errors), errors=errors)
    values = request.form.to_dict()
    return _form_page(values, errors, 422, request.form.getlist("order_item"))


@bp.post("/inspections")
@login_required
def create():
    """Record an inspection sent by a form or replayed by the outbox; the client_uuid makes it idempotent."""
    if not same_origin():
        return answers.refuse(403, _("This record was not sent from this site."))
    if not policy.can_create(current_user):
        return answers.refuse(403, _("Your account may not record inspections."))
    session = get_session()
    body = digest(request.form, request.files)
    existing = service.find_by_client_uuid(session, parse_uuid(request.form.get("client_uuid")))
    if existing is not None:
        return _replayed(existing, body)
    data, errors = validate_inspection(request.form)
    photos, photo_errors = item_photos(request.files)
    errors.update(photo_errors)
    if errors:
        return _invalid(errors)
    try:
        inspection = service.create_inspection(session, current_user, data, photos, storage(), body,
                                               describe=complaint_note)
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return _invalid(reference_errors(exc.errors))
    except IntegrityError:
        # The same record arrived twice at once: the first one won; answer as for a replay.
        session.rollback()
        existing = service.find_by_client_uuid(session, data.client_uuid)
        if existing is None:
            raise
        return _replayed(existing, body)
    return _saved(inspection, 201)


@bp.get("/inspections/today")
@role_required(INSPECTOR, SUPERVISOR)
def today():
    """Today's list: planned and complaint checks, re-inspections due, and my latest inspections."""
    session = get_session()
    day = today_shanghai()
    return render("inspections/today.html", day=day, tasks=queries.open_tasks(session, current_user, day),
                  due=queries.reinspections_due(session, current_user, day),
                  recent=queries.recent_of(session, current_user), labels=LABELS)


def _complaint_url(complaint) -> str | None:
    if complaint is None or current_user.role not in (HANDLER, SUPERVISOR):
        return None
    try:
        return url_for("handling.complaint", code=complaint.tracking_code)
    except BuildError:
        return None


@bp.get("/inspections/<int:inspection_id>")
@login_required
def detail(inspection_id: int):
    """One inspection: findings with photos, samples, rectification order, re-inspections."""
    inspection = policy.get_inspection_or_404(inspection_id, "view")
    session = get_session()
    record = queries.record(session, inspection)
    ordered = {i for o in record.orders for i in o.item_ids}
    return render("inspections/detail.html", r=record, labels=LABELS, ordered=ordered,
                  items=queries.item_texts(session, ordered), today=today_shanghai(),
                  complaint_url=_complaint_url(record.complaint),
                  can_follow_up=policy.can(current_user, "follow_up", inspection))


@bp.errorhandler(403)
def _forbidden(_exc):
    # role_required aborts with 403: the outbox still gets its JSON answer.
    return answers.refuse(403, _("Your account may not do this."))


@bp.errorhandler(404)
def _not_found(_exc):
    return answers.refuse(404, _("This page does not exist, or you may not see it."))
