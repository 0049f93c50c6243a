"""Suggested targets (建议检查对象): the riskiest merchants of a district, with reasons; supervisors plan them."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import INSPECTOR, SUPERVISOR, District
from webapp.auth.routes import role_required
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.forms import FieldErrors, validate
from webapp.htmx import redirect, render, wants_partial
from webapp.inspections.policy import in_scope
from webapp.merchants import risk
from webapp.merchants.models import Merchant

bp = Blueprint("risk", __name__)

TODAY_TOP = 3


def _scope() -> int | None:
    """District staff see their district; city-level staff the whole city or the district they chose."""
    if current_user.district_id is not None:
        return current_user.district_id
    chosen = request.values.get("district", type=int)
    return chosen if chosen and get_session().get(District, chosen) else None


def _districts() -> list[tuple[int, str]]:
    return [(d.id, label(d)) for d in get_session().exec(select(District).order_by(District.code))]


def _context(**ctx) -> dict:
    day = today_shanghai()
    return dict(today=day, tomorrow=day + timedelta(days=1), latest=day + timedelta(days=risk.PLAN_AHEAD_DAYS),
                explain=risk.explain, can_plan=current_user.role == SUPERVISOR, scope=_scope(), **ctx)


def _page(status: int = 200, forms: dict | None = None, problem: str | None = None):
    session = get_session()
    scope = _scope()
    return render("inspections/targets.html", status=status,
                  **_context(targets=risk.scores(session, scope, today_shanghai()), method=risk.method(),
                             districts=_districts(), city_level=current_user.district_id is None,
                             forms=forms or {}, problem=problem))


@bp.get("/inspections/targets")
@role_required(INSPECTOR, SUPERVISOR)
def targets():
    """The district's merchants ranked by risk score, each with its reasons in words."""
    return _page()


@bp.post("/inspections/targets/plan")
@role_required(SUPERVISOR)
def plan():
    """Plan a suggested target as an inspection: htmx swaps the row, a plain form goes back to the list."""
    session = get_session()
    merchant = session.get(Merchant, request.form.get("merchant_id", type=int) or 0)
    if merchant is None:
        abort(404)
    values = request.form.to_dict()
    data, errors = validate(risk.PlanIn, values)
    task = None
    if not errors:
        try:
            task = risk.plan(session, current_user, data, today_shanghai())
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = exc.errors
    if wants_partial():
        # Only a merchant of one's own district shows its reasons, even in an error.
        shown = (risk.score_of(session, merchant, today_shanghai()) if in_scope(current_user, merchant.district_id)
                 else risk.RiskScore(merchant.id, merchant.name, "", None, 0.0, [], None))
        return render("inspections/_target.html", status=422 if errors else 200,
                      **_context(t=shown, values=values, errors=errors, planned=task))
    if errors:
        return _page(422, {merchant.id: (values, errors)},
                     problem=f"{merchant.name}: {'; '.join(errors.values())}")
    flash(_("Inspection of %(name)s planned for %(date)s.", name=merchant.name, date=task.planned_on.isoformat()),
          "success")
    return redirect(url_for("risk.targets", district=request.form.get("district") or None))


@bp.app_template_global("suggested_targets")
def suggested_targets(limit: int = TODAY_TOP) -> list[risk.RiskScore]:
    """The top targets of the signed-in inspector's district, for the "Today" page."""
    if not current_user.is_authenticated or current_user.role not in (INSPECTOR, SUPERVISOR):
        return []
    return risk.scores(get_session(), current_user.district_id, today_shanghai(), limit=limit)


@bp.app_template_global("explain_risk")
def explain_risk(reason: risk.Reason) -> str:
    """A reason in words (for templates that are not rendered by this blueprint)."""
    return risk.explain(reason)
