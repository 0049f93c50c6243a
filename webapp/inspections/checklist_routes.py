"""The admin's checklist editor (each change audited; answered items are retired, never deleted)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.models import ADMIN
from webapp.auth.routes import role_required
from webapp.db import get_session
from webapp.forms import validate
from webapp.htmx import redirect, render, wants_partial
from webapp.inspections import checklists
from webapp.inspections.models import ChecklistItem, ChecklistTemplate
from webapp.inspections.schemas import ItemEdit, TemplateEdit

bp = Blueprint("checklists", __name__, url_prefix="/admin/checklists")


def _template_or_404(template_id: int) -> ChecklistTemplate:
    template = get_session().get(ChecklistTemplate, template_id)
    if template is None:
        abort(404)
    return template


def _item_or_404(template: ChecklistTemplate, item_id: int) -> ChecklistItem:
    item = get_session().get(ChecklistItem, item_id)
    if item is None or item.template_id != template.id:
        abort(404)
    return item


def _index(values: dict | None = None, errors: dict | None = None, status: int = 200):
    return render("inspections/checklists.html", "inspections/_template_form.html", status=status,
                  templates=checklists.templates(get_session()), values=values or {}, errors=errors or {})


def _editor(template: ChecklistTemplate, status: int = 200, *, values: dict | None = None,
            errors: dict | None = None, notice: str = ""):
    session = get_session()
    return render("inspections/checklist.html", "inspections/_checklist.html", status=status, template=template,
                  items=checklists.items_of(session, template), used=checklists.used_ids(session, template),
                  values=values or {}, errors=errors or {}, notice=notice)


def _done(template: ChecklistTemplate, notice: str):
    """htmx swaps the editor with the notice in it; a plain form goes back to the editor page."""
    if wants_partial():
        return _editor(template, notice=notice)
    flash(notice, "success")
    return redirect(url_for("checklists.edit", template_id=template.id))


@bp.get("")
@role_required(ADMIN)
def index():
    """Every checklist with its number of items, and a form to add one."""
    return _index()


@bp.post("")
@role_required(ADMIN)
def create():
    """Add a checklist, then edit its items."""
    values = request.form.to_dict()
    data, errors = validate(TemplateEdit, values)
    if errors:
        return _index(values, errors, 422)
    session = get_session()
    template = checklists.create_template(session, current_user, data)
    session.commit()
    flash(_("Checklist added: now add its items."), "success")
    return redirect(url_for("checklists.edit", template_id=template.id))


@bp.get("/<int:template_id>")
@role_required(ADMIN)
def edit(template_id: int):
    """One checklist's editor."""
    return _editor(_template_or_404(template_id))


@bp.post("/<int:template_id>")
@role_required(ADMIN)
def update(template_id: int):
    """Rename the checklist, or take it out of use."""
    template = _template_or_404(template_id)
    values = request.form.to_dict()
    data, errors = validate(TemplateEdit, values)
    if errors:
        return _editor(template, 422, values=values, errors=errors)
    session = get_session()
    checklists.update_template(session, current_user, template, data, active=values.get("active") == "on")
    session.commit()
    return _done(template, _("Saved."))


@bp.post("/<int:template_id>/items")
@role_required(ADMIN)
def add_item(template_id: int):
    """Add an item at the end."""
    template = _template_or_404(template_id)
    values = request.form.to_dict()
    data, errors = validate(ItemEdit, values)
    if errors:
        return _editor(template, 422, values={"new": values}, errors={"new": errors})
    session = get_session()
    checklists.add_item(session, current_user, template, data)
    session.commit()
    return _done(template, _("Item added."))


@bp.post("/<int:template_id>/items/<int:item_id>")
@role_required(ADMIN)
def edit_item(template_id: int, item_id: int):
    """Reword an item (an answered one is replaced, keeping old answers' wording)."""
    template = _template_or_404(template_id)
    item = _item_or_404(template, item_id)
    values = request.form.to_dict()
    data, errors = validate(ItemEdit, values)
    if errors:
        return _editor(template, 422, values={item.id: values}, errors={item.id: errors})
    session = get_session()
    new = checklists.edit_item(session, current_user, item, data)
    session.commit()
    return _done(template, _("Item reworded: past inspections keep the old wording.")
                 if new.id != item.id else _("Saved."))


@bp.post("/<int:template_id>/items/<int:item_id>/<any(up, down, remove, restore):op>")
@role_required(ADMIN)
def item_op(template_id: int, item_id: int, op: str):
    """Move an item up or down, retire (or delete an unused) item, or restore a retired one."""
    template = _template_or_404(template_id)
    item = _item_or_404(template, item_id)
    session = get_session()
    notice = _("Order changed.")
    if op in ("up", "down"):
        checklists.move_item(session, current_user, item, op)
    elif op == "remove":
        outcome = checklists.remove_item(session, current_user, item)
        notice = (_("The item has been answered in inspections, so it was taken off the form, not deleted.")
                  if outcome == "deactivated" else _("Item deleted."))
    else:
        checklists.restore_item(session, current_user, item)
        notice = _("Item back on the form.")
    session.commit()
    return _done(template, notice)
