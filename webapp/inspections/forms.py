"""The flat inspection form (a plain HTML form, or the outbox replaying it) to a schema, and back to messages."""
from __future__ import annotations

import math
import re

from flask import render_template
from flask_babel import force_locale, get_locale, gettext as _, ngettext
from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from webapp.auth.models import District
from webapp.complaints.forms import label
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.forms import _message, clean_text
from webapp.i18n import current_lang
from webapp.inspections import queries
from webapp.inspections.labels import LABELS
from webapp.inspections.models import ChecklistTemplate, Inspection, InspectionTask, RectificationOrder
from webapp.inspections.policy import in_scope
from webapp.inspections.schemas import MAX_SAMPLES, InspectionCreate
from webapp.media.photos import ProcessedPhoto
from webapp.media.uploads import process_uploads
from webapp.merchants.models import Merchant

ITEM = re.compile(r"item-(\d{1,9})")
ITEM_NOTE = re.compile(r"item-(\d{1,9})-note")
ITEM_PHOTOS = re.compile(r"item-(\d{1,9})-photos")
SAMPLE_FIELDS = ("product", "brand", "batch", "quantity", "sample_no")
SCALARS = ("client_uuid", "captured_at", "merchant_id", "merchant_search", "new_merchant_name",
           "new_merchant_address", "new_merchant_district_id", "template_id", "result", "note",
           "inspector_count", "order_due_on", "complaint_code", "task_id", "follow_up_of", "campaign_id")
OPTIONAL = {"captured_at", "merchant_id", "new_merchant_district_id", "result", "order_due_on",
            "complaint_code", "task_id", "follow_up_of", "campaign_id"}
GEO = {"latitude": 90.0, "longitude": 180.0, "accuracy_m": 100_000.0}


def _geo(raw: str | None, bound: float) -> float | None:
    # Filled by the phone, never typed: a value it could not get is dropped rather than refused,
    # because the person could not correct a hidden field.
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and -bound <= value <= bound else None


def gather(form: MultiDict) -> tuple[dict, dict[str, str]]:
    """The schema's input from the flat fields, and errors only the raw form can show (doubled answers)."""
    errors: dict[str, str] = {}
    data = {}
    for key in SCALARS:
        value = form.get(key, "")
        value = clean_text(value).strip() if isinstance(value, str) else value
        if value == "" and (key in OPTIONAL or key == "inspector_count"):
            continue
        data[key] = value
    answers, notes = {}, {}
    for key in form.keys():
        if match := ITEM.fullmatch(key):
            values = form.getlist(key)
            if len(values) > 1:
                errors[key] = _("This item was answered more than once; choose one answer.")
            elif values[0]:
                answers[int(match.group(1))] = values[0]
        elif match := ITEM_NOTE.fullmatch(key):
            notes[int(match.group(1))] = clean_text(form.get(key, ""))
    data["answers"], data["item_notes"] = answers, notes
    for key, bound in GEO.items():
        data[key] = _geo(form.get(key), bound)
    samples = {}
    for n in range(MAX_SAMPLES):
        row = {f: clean_text(form.get(f"sample-{n}-{f}", "")).strip() for f in SAMPLE_FIELDS}
        if any(row.values()):
            samples[n] = row
    data["samples"] = samples
    order_items = []
    for raw in form.getlist("order_item"):
        if raw.strip().isdigit():
            order_items.append(int(raw))
        elif raw.strip():
            errors["order_item"] = _("Please choose the items from the list.")
    data["order_items"] = order_items
    return data, errors


def _field(loc: tuple) -> str:
    """The form field a schema error belongs to."""
    head = str(loc[0]) if loc else "__all__"
    if head in ("answers", "item_notes") and len(loc) > 1:
        return f"item-{loc[1]}" + ("-note" if head == "item_notes" else "")
    if head == "samples" and len(loc) > 2:
        return f"sample-{loc[1]}-{loc[2]}"
    return {"order_items": "order_item"}.get(head, head)


def validate_inspection(form: MultiDict) -> tuple[InspectionCreate | None, dict[str, str]]:
    """(data, {}) when the form is well-formed, else (None, {field: message})."""
    raw, errors = gather(form)
    try:
        data = InspectionCreate.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(_field(error["loc"]), _message(error))
        return None, errors
    if not data.chosen_merchant():
        errors["merchant_id"] = _("Choose the merchant from the list, or add a new one.")
    return (None, errors) if errors else (data, {})


def item_photos(files: MultiDict) -> tuple[dict[int, list[ProcessedPhoto]], dict[str, str]]:
    """Each item's photos through the photo pipeline (at most 9 each), or a message per item."""
    photos, errors = {}, {}
    for key in files.keys():
        match = ITEM_PHOTOS.fullmatch(key)
        if not match:
            continue
        processed, problem = process_uploads(files.getlist(key))
        if problem:
            errors[key] = problem
        elif processed:
            photos[int(match.group(1))] = processed
    return photos, errors


def reference_errors(codes: dict[str, str]) -> dict[str, str]:
    """Messages for what the service found wrong against the data."""
    messages = {
        "merchant_both": _("Choose a merchant from the list or add a new one, not both."),
        "merchant_missing": _("That merchant is no longer in the registry; please choose it again."),
        "merchant_unknown": _("No merchant of your district has this name: choose one from the list, "
                              "or add it as a new merchant."),
        "merchant_ambiguous": _("Several merchants have this name: choose one from the list."),
        "merchant_required": _("Choose the merchant from the list, or add a new one."),
        "merchant_outside": _("This merchant is outside your district."),
        "merchant_no_district": _("This merchant has no district; please add it again with its address."),
        "required": _("This field is required."),
        "district": _("Please choose the district from the list."),
        "template": _("This checklist is no longer in use; please choose another one."),
        "unknown_item": _("This item is not on the checklist; please open the form again."),
        "no_answers": _("Answer at least one item of the chosen checklist."),
        "due_required": _("Set the deadline for putting these items right."),
        "no_failed": _("No item failed, so there is nothing to put right: clear the deadline."),
        "not_failed": _("Only items that failed in this inspection can be ordered put right."),
        "complaint": _("No complaint of your district has this tracking code."),
        "task": _("This task is not on your list any more."),
        "task_done": _("This task has already been done by another inspection."),
        "task_merchant": _("This task is for another merchant."),
        "follow_up": _("The inspection to follow up was not found."),
        "follow_up_merchant": _("A re-inspection must be of the same merchant as the first inspection."),
        "campaign": _("This campaign is not running in this district."),
        "campaign_period": _("The inspection was made outside the campaign's dates."),
        "before_sampling": _("The report cannot be dated before the sample was taken."),
    }
    return {f: messages.get(code, _("This value is not valid.")) for f, code in codes.items()}


def complaint_note(result: str, due_on) -> str:
    """What the consumer reads on the complaint's timeline (kept in Chinese, like the case file)."""
    with force_locale("zh_Hans_CN"):
        if result == "pass":
            return _("Inspectors checked the merchant on site and found no problem.")
        if due_on is not None:
            return _("Inspectors checked the merchant on site, found problems and ordered them put right "
                     "by %(date)s.", date=due_on.isoformat())
        return _("Inspectors checked the merchant on site and found problems.")


def summary(errors: dict[str, str]) -> str:
    """One line for the outbox's list: how many things to correct (the same words as the form's summary)."""
    return ngettext("Please correct %(num)s item marked in red.", "Please correct the %(num)s items marked in red.",
                    len(errors))


def _in_scope_get(session: Session, user, model, raw, district_attr: str = "district_id"):
    """Load a row named by a query parameter, only if it is of the user's district."""
    try:
        row = session.get(model, int(raw))
    except (TypeError, ValueError):
        return None
    return row if row is not None and in_scope(user, getattr(row, district_attr)) else None


def prefill(session: Session, user, args) -> dict:
    """Values the form starts with from ?merchant=, ?template=, ?complaint=, ?task=, ?follow_up_of=."""
    values: dict = {}
    merchant = _in_scope_get(session, user, Merchant, args.get("merchant"))
    task = _in_scope_get(session, user, InspectionTask, args.get("task"))
    if task is not None and task.inspection_id is None:
        values["task_id"] = str(task.id)
        merchant = merchant or session.get(Merchant, task.merchant_id)
        if task.complaint_id:
            values["complaint_code"] = session.get(Complaint, task.complaint_id).tracking_code
    earlier = _in_scope_get(session, user, Inspection, args.get("follow_up_of"))
    if earlier is not None:
        values["follow_up_of"] = str(earlier.id)
        values["template_id"] = str(earlier.template_id)
        merchant = merchant or session.get(Merchant, earlier.merchant_id)
    code = "".join(ch for ch in (args.get("complaint") or "").upper() if ch.isalnum())
    if code:
        complaint = session.exec(select(Complaint).where(Complaint.tracking_code == code)).first()
        if complaint is not None and in_scope(user, complaint.district_id):
            values["complaint_code"] = code
            merchant = merchant or session.get(Merchant, complaint.merchant_id)
    template = session.get(ChecklistTemplate, int(args["template"])) if args.get("template", "").isdigit() else None
    if template is not None and template.active:
        values["template_id"] = str(template.id)
    if merchant is not None and in_scope(user, merchant.district_id):
        values.update(merchant_id=str(merchant.id), merchant_search=merchant.name)
        values.setdefault("template_id", str(queries.template_for(session, merchant) or ""))
    return {k: v for k, v in values.items() if v}


def form_context(session: Session, user, values: dict, errors: dict, orders: list[str]) -> dict:
    """Everything the inspection form shows: all checklists, the district's merchants, campaigns, links."""
    today = today_shanghai()
    earlier = order_items = None
    if str(values.get("follow_up_of", "")).isdigit():
        earlier = _in_scope_get(session, user, Inspection, values["follow_up_of"])
        if earlier is not None:
            open_orders = session.exec(select(RectificationOrder).where(
                RectificationOrder.inspection_id == earlier.id)).all()
            order_items = {i for o in open_orders for i in o.item_ids}
    districts = list(session.exec(select(District).order_by(District.code))) if user.district_id is None else []
    task = _in_scope_get(session, user, InspectionTask, values.get("task_id")) if values.get("task_id") else None
    context = {
        "values": values,
        "errors": errors,
        "orders": set(orders),
        "templates": queries.templates_with_items(session),
        "merchants": queries.district_merchants(session, user),
        "campaigns": queries.running_campaigns(session, user, today),
        "districts": [(d.id, label(d)) for d in districts],
        "earlier": earlier,
        "earlier_items": order_items or set(),
        "task": task,
        "today": today,
        "labels": LABELS,
    }
    context["checklists_html"] = checklist_fragment(context)
    return context


# Rendered checklists (inspections/_checklists.html) by (locale, language, checklist content): the part of the
# form that is the same for every inspector. The key holds everything the fragment shows, so an edited checklist
# is a new key and never gets the old HTML; a few keys at most (two languages, the odd edit).
_CHECKLISTS: dict[tuple, Markup] = {}
_CHECKLISTS_MAX = 16


def checklist_fragment(context: dict) -> Markup | None:
    """The checklists' HTML when nothing on the form concerns an item (no answers, notes or errors on items,
    no orders ticked, not a re-inspection): rendered once per content and language. None: render it in place."""
    if context["earlier_items"] or context["orders"] or any(
            str(k).startswith("item-") for k in (*context["values"], *context["errors"])):
        return None
    key = (str(get_locale()), current_lang(),
           tuple((t.id, t.name, t.name_en, tuple((i.id, i.text, i.text_en) for i in items))
                 for t, items in context["templates"]))
    html = _CHECKLISTS.get(key)
    if html is None:
        if len(_CHECKLISTS) >= _CHECKLISTS_MAX:
            _CHECKLISTS.clear()
        html = _CHECKLISTS[key] = Markup(render_template("inspections/_checklists.html", **context))
    return html
