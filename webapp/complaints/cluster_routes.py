"""群体投诉 pages: the district's collective complaints, one cluster's complaints, and marking it handled."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.models import HANDLER, SUPERVISOR, District, User
from webapp.auth.routes import role_required
from webapp.complaints import clusters, states
from webapp.complaints.forms import label
from webapp.complaints.models import Category, ComplaintCluster
from webapp.db import get_session
from webapp.forms import FieldErrors
from webapp.htmx import redirect, render
from webapp.merchants.models import Merchant

bp = Blueprint("clusters", __name__)


def _cluster_or_404(cluster_id: int) -> ComplaintCluster:
    """The cluster if it is in the user's district (or the user is city-level); 404 otherwise."""
    cluster = get_session().get(ComplaintCluster, cluster_id)
    if cluster is None or not clusters.visible(current_user, cluster):
        abort(404)
    return cluster


@bp.app_context_processor
def _badge_helper() -> dict:
    """complaint_cluster(complaint) for the staff complaint page's "collective complaint" badge."""
    def complaint_cluster(complaint):
        if getattr(complaint, "cluster_id", None) is None:
            return None
        return get_session().get(ComplaintCluster, complaint.cluster_id)
    return {"complaint_cluster": complaint_cluster}


def _messages(errors: dict) -> dict:
    texts = {"required": _("Write how the collective complaint was dealt with."),
             "too_long": _("Please keep it under %(n)s characters.", n=clusters.NOTE_MAX)}
    return {k: texts.get(v, v) for k, v in errors.items()}


@bp.get("/handling/clusters")
@role_required(HANDLER, SUPERVISOR)
def index():
    """Collective complaints of the user's district, open ones first."""
    rows = clusters.for_user(get_session(), current_user)
    return render("handling/clusters.html", rows=rows, name_of=label,
                  show_district=current_user.district_id is None)


def _detail(cluster: ComplaintCluster, status: int = 200, errors: dict | None = None, values: dict | None = None,
            already: bool = False):
    session = get_session()
    return render(
        "handling/cluster.html", "handling/_cluster.html", status=status, cluster=cluster,
        complaints=clusters.members(session, cluster), merchant=session.get(Merchant, cluster.merchant_id),
        category=session.get(Category, cluster.category_id), district=session.get(District, cluster.district_id),
        handled_by=session.get(User, cluster.handled_by_id) if cluster.handled_by_id else None,
        state_labels=states.LABELS, name_of=label, can_handle=clusters.may_mark_handled(current_user, cluster),
        errors=errors or {}, values=values or {}, already=already)


@bp.get("/handling/clusters/<int:cluster_id>")
@role_required(HANDLER, SUPERVISOR)
def detail(cluster_id: int):
    """The cluster's complaints; a supervisor may mark it handled."""
    return _detail(_cluster_or_404(cluster_id))


@bp.post("/handling/clusters/<int:cluster_id>/handled")
@role_required(HANDLER, SUPERVISOR)
def mark_handled(cluster_id: int):
    """A supervisor records that the collective complaint was dealt with, and how (audited)."""
    cluster = _cluster_or_404(cluster_id)
    if not clusters.may_mark_handled(current_user, cluster):
        abort(403)
    session = get_session()
    values = {"note": request.form.get("note", "")}
    try:
        clusters.mark_handled(session, current_user, cluster, values["note"])
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return _detail(cluster, 422, _messages(exc.errors), values)
    except clusters.AlreadyHandled:
        session.rollback()
        response = _detail(session.get(ComplaintCluster, cluster_id), 409, already=True)
        # 4xx other than 422 go to the toast: this one replaces the page part like a 422 would.
        response.headers["HX-Retarget"] = f"#cluster-{cluster_id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return redirect(url_for("clusters.detail", cluster_id=cluster.id))
