"""Routes of the reports area: the year's plan targets (工作计划) with their progress, and the form to set them.

Supervisors and admins only; a district-level one manages its own district's targets (another's answers 404),
city-level ones the whole city's and every district's. The rules live in `webapp.reports.targets`.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import District
from webapp.auth.routes import role_required
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.errors import error_response
from webapp.forms import FieldErrors, parse_id, validate
from webapp.htmx import redirect, render
from webapp.i18n import current_lang
from webapp.reports import period, targets
from webapp.reports.models import PlanTarget
from webapp.reports.target_schemas import TargetFields

bp = Blueprint("reports_target", __name__)
FORM = "reports/_target_form.html"


def _status_labels() -> dict[str, str]:
    return {targets.MET: _("Met"), targets.ON_TRACK: _("On track"), targets.AT_RISK: _("At risk"),
            targets.MISSED: _("Missed"), targets.NO_DATA: _("No data yet")}


def _districts() -> list[District]:
    session = get_session()
    if current_user.district_id is not None:
        return [session.get(District, current_user.district_id)]
    return list(session.exec(select(District).order_by(District.code)))


def _year(raw: str | None, today) -> tuple[int, dict]:
    """?year= (default: this year), from FIRST_YEAR to next year."""
    raw = (raw or "").strip()
    if not raw:
        return today.year, {}
    if raw.isdigit() and period.FIRST_YEAR <= int(raw) <= today.year + 1:
        return int(raw), {}
    return today.year, {"year": _("Please enter a year from %(low)s to %(high)s.",
                                  low=period.FIRST_YEAR, high=today.year + 1)}


def _form_context(values: dict, errors: dict, target: PlanTarget | None = None) -> dict:
    metric = targets.METRICS.get(values.get("metric") or "")
    return {"values": values, "errors": errors, "editing": target, "metrics": targets.METRICS,
            "metric": metric or next(iter(targets.METRICS.values())), "districts": _districts(),
            "district_label": label, "lang": current_lang(), "this_year": today_shanghai().year}


def _list_page(year: int, district: District | None, values: dict, errors: dict, filter_errors: dict,
               status: int = 200):
    session = get_session()
    today = today_shanghai()
    rows = targets.progress(session, year, district, today)
    return render("reports/targets.html", status=status, rows=rows, year=year, district=district,
                  today=today, filter_errors=filter_errors, completion=targets.completion,
                  status_labels=_status_labels(), scope_name=label(district) if district else _("Whole city"),
                  **_form_context(values, errors))


def _default_values(year: int, district: District | None) -> dict:
    return {"metric": next(iter(targets.METRICS)), "year": str(year),
            "district_id": str(district.id) if district is not None else ""}


@bp.get("/reports/targets")
@role_required(*period.REPORT_ROLES)
def index():
    """The year's targets of the whole city or a district, each with its progress; the form to add one."""
    session = get_session()
    year, filter_errors = _year(request.args.get("year"), today_shanghai())
    try:
        district = period.district_for(session, current_user, request.args.get("district"))
    except period.Forbidden:
        return error_response(403, _("You may only see the reports of your own district."))
    except FieldErrors as exc:
        filter_errors.update(exc.errors)
        district = period.district_for(session, current_user, None)
    return _list_page(year, district, _default_values(year, district), {}, filter_errors,
                      422 if filter_errors else 200)


@bp.get("/reports/targets/form")
@role_required(*period.REPORT_ROLES)
def form():
    """The form again for another metric (htmx, when the metric changes): its unit, its param, its help."""
    target = None
    if request.args.get("id"):
        target = targets.get_visible(get_session(), current_user, parse_id(request.args.get("id")))
        if target is None:
            abort(404)
    values = {k: request.args.get(k, "") for k in ("metric", "year", "target", "param", "district_id", "note")}
    return render(FORM, FORM, **_form_context(values, {}, target))


def _submitted(target: PlanTarget | None):
    """Validate and save the posted form; (target, None) when saved, else (None, errors)."""
    values = request.form.to_dict()
    if current_user.district_id is not None and "district_id" not in values:
        values["district_id"] = str(current_user.district_id)
    data, errors = validate(TargetFields, values)
    if errors:
        return values, errors
    session = get_session()
    try:
        if target is None:
            target = targets.create_target(session, current_user, data, today_shanghai())
        else:
            targets.update_target(session, current_user, target, data, today_shanghai())
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return values, exc.errors
    return target, None


def _back_to_list(target: PlanTarget):
    args = {"year": target.year}
    if target.district_id is not None and current_user.district_id is None:
        args["district"] = get_session().get(District, target.district_id).code
    return redirect(url_for("reports_target.index", **args))


@bp.post("/reports/targets")
@role_required(*period.REPORT_ROLES)
def create():
    """Set a target; the form comes back with messages beside its fields when something is wrong."""
    result, errors = _submitted(None)
    if errors is not None:
        return render("reports/target_edit.html", FORM, status=422, **_form_context(result, errors))
    flash(_("Target saved."), "success")
    return _back_to_list(result)


def _visible_or_404(target_id: int) -> PlanTarget:
    target = targets.get_visible(get_session(), current_user, target_id)
    if target is None:
        abort(404)
    return target


@bp.route("/reports/targets/<int:target_id>/edit", methods=["GET", "POST"])
@role_required(*period.REPORT_ROLES)
def edit(target_id: int):
    """Change a target of the plan."""
    target = _visible_or_404(target_id)
    if request.method == "GET":
        return render("reports/target_edit.html", FORM, **_form_context(targets.form_values(target), {}, target))
    result, errors = _submitted(target)
    if errors is not None:
        return render("reports/target_edit.html", FORM, status=422, **_form_context(result, errors, target))
    flash(_("Target saved."), "success")
    return _back_to_list(target)


@bp.post("/reports/targets/<int:target_id>/delete")
@role_required(*period.REPORT_ROLES)
def delete(target_id: int):
    """Remove a target from the plan."""
    target = _visible_or_404(target_id)
    session = get_session()
    year, district_id = target.year, target.district_id
    targets.delete_target(session, current_user, target)
    session.commit()
    flash(_("Target deleted."), "success")
    args = {"year": year}
    if district_id is not None and current_user.district_id is None:
        args["district"] = session.get(District, district_id).code
    return redirect(url_for("reports_target.index", **args))
