"""Public pages (no login): warnings and tips, sampling results, merchants' records, the trusted list;
and the supervisors' pages that write and publish warnings."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, abort, flash, make_response, redirect as flask_redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import SUPERVISOR, District
from webapp.auth.routes import role_required
from webapp.db import get_session
from webapp.forms import FieldErrors, validate
from webapp.htmx import redirect, render
from webapp.inspections.labels import LAB_RESULTS
from webapp.merchants.models import SECTORS
from webapp.public import records, sampling, warnings
from webapp.public.models import Warning

bp = Blueprint("public", __name__)

PER_PAGE = 10
FIELDS = ("kind", "title", "summary", "body_md", "district_id")


@dataclass
class Pager:
    """A page of a public list and the links to its neighbours."""

    page: int
    total: int
    per_page: int
    args: dict

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def link(self, page: int) -> dict:
        return {**{k: v for k, v in self.args.items() if v}, "page": page}


def _pager(total: int, per_page: int = PER_PAGE, **args) -> Pager:
    page = request.args.get("page", 1, type=int) or 1
    pages = max(math.ceil(total / per_page), 1)
    return Pager(page=min(max(page, 1), pages), total=total, per_page=per_page, args=args)


def public_page(view):
    """Cacheable for five minutes by anyone when nobody is signed in (signed-in pages show the user's name)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            if current_user.is_authenticated:
                response.headers["Cache-Control"] = "private, no-cache"
            else:
                response.headers["Cache-Control"] = "public, max-age=300"
            response.vary.add("Cookie")  # the language and text size come from cookies
        return response
    return wrapped


# ---------------------------------------------------------------- warnings: the public side

@bp.get("/warnings")
@public_page
def warnings_index():
    """The latest published warnings and tips, newest first; ?kind=warning|tip narrows them."""
    session = get_session()
    kind = request.args.get("kind") if request.args.get("kind") in warnings.KINDS else None
    pager = _pager(warnings.count_published(session, kind), kind=kind)
    rows = warnings.published(session, kind, limit=pager.per_page, offset=pager.offset)
    return render("public/warnings.html", rows=rows, paging=pager, kind=kind,
                  districts=records.district_names(session))


@bp.get("/warnings/<int:warning_id>")
@public_page
def warning_detail(warning_id: int):
    """One published warning; drafts and withdrawn ones do not exist for the public."""
    session = get_session()
    warning = session.get(Warning, warning_id)
    if not warnings.is_public(warning):
        abort(404)
    district = session.get(District, warning.district_id) if warning.district_id else None
    return render("public/warning.html", w=warning, district=district)


# ---------------------------------------------------------------- warnings: the supervisors' side

def _managed_or_404(warning_id: int) -> Warning:
    warning = get_session().get(Warning, warning_id)
    if warning is None:
        abort(404)
    if not warnings.can_manage(current_user, warning):
        abort(403)
    return warning


def _form(warning: Warning | None, values: dict, errors: dict, status: int = 200):
    session = get_session()
    districts = session.exec(select(District).order_by(District.code)).all()
    return render("public/warning_form.html", status=status, w=warning, values=values, errors=errors,
                  districts=districts, preview=None)


def _save(warning: Warning | None):
    values = {k: request.form.get(k, "") for k in FIELDS}
    data, errors = validate(warnings.WarningIn, values)
    session = get_session()
    if not errors:
        try:
            if warning is None:
                warning = warnings.create(session, current_user, data)
            else:
                warnings.update(session, current_user, warning, data)
            if request.form.get("then") == "publish":
                warnings.publish(session, current_user, warning)
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = exc.errors
    if errors:
        return _form(warning if warning is not None and warning.id else None, values, errors, 422)
    flash(_("Published.") if request.form.get("then") == "publish" else _("Saved."), "success")
    return redirect(url_for("public.manage"))


@bp.get("/warnings/manage")
@role_required(SUPERVISOR)
def manage():
    """The supervisor's warnings and tips: drafts first, then published and withdrawn ones."""
    session = get_session()
    return render("public/manage.html", rows=warnings.manageable(session, current_user),
                  status_of=warnings.status, districts=records.district_names(session))


@bp.route("/warnings/new", methods=["GET", "POST"])
@role_required(SUPERVISOR)
def new_warning():
    """Write a warning or tip; it is saved as a draft unless published at once."""
    if request.method == "POST":
        return _save(None)
    return _form(None, {"kind": request.args.get("kind", "warning"), "district_id": ""}, {})


@bp.route("/warnings/<int:warning_id>/edit", methods=["GET", "POST"])
@role_required(SUPERVISOR)
def edit_warning(warning_id: int):
    """Change a warning (a published one changes on the public page at once)."""
    warning = _managed_or_404(warning_id)
    if request.method == "POST":
        return _save(warning)
    values = {k: getattr(warning, k) for k in FIELDS}
    values["district_id"] = str(warning.district_id or "")
    return _form(warning, values, {})


@bp.post("/warnings/preview")
@role_required(SUPERVISOR)
def preview():
    """The sanitised HTML of the Markdown being written (an htmx fragment), or why it would be refused."""
    body = request.form.get("body_md", "").replace("\r\n", "\n")
    problem = warnings.markdown_problem(body)
    html = "" if problem else warnings.render_markdown(body)
    return render("public/_preview.html", "public/_preview.html", status=422 if problem else 200,
                  html=html, problem=problem)


def _change(warning_id: int, action, message: str):
    warning = _managed_or_404(warning_id)
    session = get_session()
    try:
        action(session, current_user, warning)
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return render("public/manage.html", status=422, rows=warnings.manageable(session, current_user),
                      status_of=warnings.status, districts=records.district_names(session),
                      problem=(warning.id, next(iter(exc.errors.values()))))
    flash(message, "success")
    return redirect(url_for("public.manage"))


@bp.post("/warnings/<int:warning_id>/publish")
@role_required(SUPERVISOR)
def publish_warning(warning_id: int):
    """Put the warning on the public pages."""
    return _change(warning_id, warnings.publish, _("Published."))


@bp.post("/warnings/<int:warning_id>/withdraw")
@role_required(SUPERVISOR)
def withdraw_warning(warning_id: int):
    """Take the warning off the public pages."""
    return _change(warning_id, warnings.withdraw, _("Withdrawn from the public pages."))


# ---------------------------------------------------------------- sampling results

@bp.get("/sampling")
@public_page
def sampling_index():
    """Published sampling results, newest first; ?result=pass|fail narrows them."""
    session = get_session()
    result = request.args.get("result") if request.args.get("result") in sampling.RESULTS else None
    pager = _pager(sampling.count_published(session, result), per_page=20, result=result)
    rows = sampling.published_results(session, result, limit=pager.per_page, offset=pager.offset)
    return render("public/sampling.html", rows=rows, paging=pager, result=result, lab=LAB_RESULTS)


# ---------------------------------------------------------------- merchants

@bp.get("/m")
@public_page
def merchant_search():
    """Find a merchant's public record by (part of) its name."""
    session = get_session()
    q = request.args.get("q", "").strip()[:60]
    pager = _pager(records.count_search(session, q), per_page=20, q=q)
    rows = records.search(session, q, limit=pager.per_page, offset=pager.offset)
    return render("public/search.html", q=q, rows=rows, paging=pager, districts=records.district_names(session),
                  sectors=SECTORS)


@bp.get("/m/<int:merchant_id>")
@public_page
def merchant_record(merchant_id: int):
    """A merchant's public record: counts and outcomes only, never anything about a consumer."""
    session = get_session()
    merchant, moved = records.resolve(session, merchant_id)
    if merchant is None:
        abort(404)
    if moved:
        return flask_redirect(url_for("public.merchant_record", merchant_id=merchant.id), code=301)
    return render("public/merchant.html", r=records.public_record(session, merchant), sectors=SECTORS,
                  lab=LAB_RESULTS, window_days=records.WINDOW_DAYS)


@bp.get("/trusted")
@public_page
def trusted():
    """放心消费示范单位: the trusted merchants, by district."""
    return render("public/trusted.html", groups=records.trusted_by_district(get_session()), sectors=SECTORS)
