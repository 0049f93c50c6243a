"""The staff's merchant pages: the registry, one merchant's record, the edit, duplicates and merging."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import HANDLER, SUPERVISOR, District
from webapp.auth.routes import role_required
from webapp.complaints import states
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.errors import error_response
from webapp.forms import MAX_ID, FieldErrors, parse_id, validate
from webapp.htmx import redirect, render
from webapp.inspections.labels import LABELS as INSPECTION_LABELS
from webapp.merchants import dedup, merge, office
from webapp.merchants.models import SECTORS, DuplicateSuspect, Merchant

bp = Blueprint("merchant_office", __name__)


def _common() -> dict:
    districts = get_session().exec(select(District).order_by(District.id)).all()
    return {"sectors": SECTORS, "district_names": {d.id: label(d) for d in districts},
            "states": states.LABELS, "ilabels": INSPECTION_LABELS, "name_of": label, "today": today_shanghai(),
            "reasons": dedup.REASONS, "can": lambda action, merchant=None: office.can(current_user, action, merchant)}


def get_merchant_or_404(merchant_id: int, action: str = "view") -> Merchant:
    """Load a merchant and check `action`: 404 when it is not theirs to see, 403 when they may only look."""
    merchant = get_session().get(Merchant, merchant_id) if merchant_id <= MAX_ID else None
    if merchant is None or not office.can(current_user, "view", merchant):
        abort(404)
    if not office.can(current_user, action, merchant):
        abort(403)
    return merchant


def _survivor_redirect(merchant: Merchant, endpoint: str = "merchant_office.detail"):
    """A merged-away record's address leads to the record it was merged into."""
    survivor = merge.resolve(get_session(), merchant)
    return redirect(url_for(endpoint, merchant_id=survivor.id))


@bp.get("/merchants")
@role_required(*office.READERS)
def index():
    """The registry: search by name, address or credit code; filter; 50 a page; merged records hidden."""
    filters = office.Filters.from_args(request.args)
    result = office.registry(get_session(), current_user, filters)
    return render("merchants/index.html", "merchants/_registry.html", result=result, filters=result.filters,
                  **_common())


@bp.get("/merchants/<int:merchant_id>")
@role_required(*office.READERS)
def detail(merchant_id: int):
    """One merchant: figures by month, the latest complaints, inspections, samples, orders; possible duplicates."""
    merchant = get_merchant_or_404(merchant_id)
    if merchant.merged_into_id is not None:
        return _survivor_redirect(merchant)
    session = get_session()
    return render("merchants/detail.html", r=office.record(session, current_user, merchant),
                  duplicates=office.possible_duplicates(session, current_user, merchant), **_common())


def _edit_page(merchant: Merchant, values: dict, errors: dict, status: int = 200, taken: Merchant | None = None):
    return render("merchants/edit.html", "merchants/_edit_form.html", status=status, merchant=merchant,
                  values=values, errors=errors, taken=taken, **_common())


@bp.route("/merchants/<int:merchant_id>/edit", methods=["GET", "POST"])
@role_required(*office.EDITORS)
def edit(merchant_id: int):
    """Correct a merchant's record; the credit code is checked and must not belong to another record."""
    merchant = get_merchant_or_404(merchant_id, "edit")
    if merchant.merged_into_id is not None:
        return _survivor_redirect(merchant, "merchant_office.edit")
    if request.method == "GET":
        return _edit_page(merchant, office.form_values(merchant), {})
    values = request.form.to_dict()
    data, errors = validate(office.MerchantForm, values)
    session = get_session()
    if not errors:
        try:
            changed = office.update(session, current_user, merchant, data)
            session.commit()
        except office.UsccTaken as exc:
            session.rollback()
            return _edit_page(merchant, values, exc.errors, 422, taken=exc.other)
        except FieldErrors as exc:
            session.rollback()
            errors = exc.errors
    if errors:
        return _edit_page(merchant, values, errors, 422)
    flash(_("Merchant saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("merchant_office.detail", merchant_id=merchant.id))


@bp.get("/merchants/duplicates")
@role_required(HANDLER, SUPERVISOR)
def duplicates():
    """Open duplicate suspicions: both records side by side with what hangs on each."""
    session = get_session()
    rows = office.suspects(session, current_user)
    ids = {m.id for _s, newer, older in rows for m in (newer, older)}
    return render("merchants/duplicates.html", rows=rows, counts=office.counts(session, list(ids)), **_common())


@bp.post("/merchants/duplicates/<int:suspect_id>/dismiss")
@role_required(HANDLER, SUPERVISOR)
def dismiss(suspect_id: int):
    """Say the two records are different merchants: the suspicion leaves the list."""
    session = get_session()
    suspect = session.get(DuplicateSuspect, suspect_id) if suspect_id <= MAX_ID else None
    if suspect is None:
        abort(404)
    for merchant_id in (suspect.merchant_id, suspect.candidate_id):
        get_merchant_or_404(merchant_id, "merge")
    try:
        dedup.dismiss(session, current_user, suspect)
        session.commit()
    except dedup.SuspectError as exc:
        session.rollback()
        if exc.code == "district":
            return error_response(403, _("Only city-level staff may decide about records of two districts."))
        return error_response(409, _("This suspicion has already been decided."))
    flash(_("Marked as different merchants."), "success")
    back = parse_id(request.form.get("back"))
    return redirect(url_for("merchant_office.detail", merchant_id=back) if back in
                    (suspect.merchant_id, suspect.candidate_id) else url_for("merchant_office.duplicates"))


# A refused merge: a self-merge or a cross-district one is a wrong choice (422); a record already merged or a
# different credit code is a conflict with the data (409). The message is merge.py's.
MERGE_STATUS = {"self": 422, "district": 422, "merged": 409, "uscc": 409}


def _merge_pair(merchant_id: int, into) -> tuple[Merchant, Merchant]:
    source = get_merchant_or_404(merchant_id, "merge")
    target_id = parse_id(into)
    if target_id is None:
        abort(404)
    return source, get_merchant_or_404(target_id, "merge")


def _merge_page(source: Merchant, target: Merchant, status: int = 200, error: str | None = None):
    counts = office.counts(get_session(), list({source.id, target.id}))
    return render("merchants/merge.html", status=status, source=source, target=target, counts=counts,
                  error=error, **_common())


@bp.get("/merchants/<int:merchant_id>/merge")
@role_required(HANDLER, SUPERVISOR)
def confirm_merge(merchant_id: int):
    """Both records and what would move, before the merge is made."""
    source, target = _merge_pair(merchant_id, request.args.get("into"))
    try:
        merge.check(current_user, source, target)
    except merge.MergeError as exc:
        return _merge_page(source, target, MERGE_STATUS.get(exc.code, 422), exc.message)
    return _merge_page(source, target)


@bp.post("/merchants/<int:merchant_id>/merge")
@role_required(HANDLER, SUPERVISOR)
def do_merge(merchant_id: int):
    """Move everything of this record to the one kept, all or nothing; the old address then leads there."""
    source, target = _merge_pair(merchant_id, request.form.get("into"))
    session = get_session()
    try:
        moved = merge.merge(session, current_user, source, target)
        session.commit()
    except merge.MergeError as exc:
        session.rollback()
        return _merge_page(source, target, MERGE_STATUS.get(exc.code, 422), exc.message)
    flash(_("Merged into %(name)s: %(complaints)s complaints, %(inspections)s inspections and %(orders)s "
            "rectification orders moved.", name=target.name, complaints=moved.get("complaints", 0),
            inspections=moved.get("inspections", 0), orders=moved.get("orders", 0)), "success")
    return redirect(url_for("merchant_office.detail", merchant_id=target.id))
