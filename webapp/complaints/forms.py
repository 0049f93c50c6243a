"""What the complaint form needs to render: choices, category tree, districts, messages."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session, select

from webapp.auth.models import District
from webapp.complaints.choices import DESIRED_OUTCOMES, PROBLEM_TYPES
from webapp.complaints.models import Category
from webapp.i18n import current_lang


def label(obj) -> str:
    """A District's or Category's name in the UI language."""
    return obj.name_en if current_lang() == "en" and obj.name_en else obj.name


def category_groups(session: Session) -> list[tuple[str, list[tuple[int, str]]]]:
    """[(group label, [(category id, label)])], in display order."""
    rows = session.exec(select(Category.id, Category.parent_id, Category.name, Category.name_en)
                        .order_by(Category.position, Category.id)).all()
    groups = [c for c in rows if c.parent_id is None]
    return [(label(g), [(c.id, label(c)) for c in rows if c.parent_id == g.id]) for g in groups]


def form_context(session: Session, values: dict, errors: dict) -> dict:
    """Template context of the complaint form."""
    districts = list(session.exec(select(District).order_by(District.code)))
    return {
        "values": values,
        "errors": errors,
        "category_groups": category_groups(session),
        "districts": [(d.id, label(d)) for d in districts],
        "problem_types": PROBLEM_TYPES,
        "desired_outcomes": DESIRED_OUTCOMES,
    }


def reference_errors(codes: dict[str, str]) -> dict[str, str]:
    """Messages for references the service found missing (deleted merchant, unknown category …)."""
    messages = {
        "merchant": _("That merchant is no longer in the registry; please type its name."),
        "district": _("Please choose the district from the list."),
        "category": _("Please choose a category from the list."),
        "event_unknown": _("The event link was not found, so nothing was sent yet. "
                           "Send the form again to file an ordinary complaint."),
        "event_closed": _("This event no longer takes complaints by QR code, so nothing was sent yet. "
                          "Send the form again to file it as an ordinary complaint."),
        "event_not_yet": _("This event's QR code does not take complaints yet, so nothing was sent yet. "
                           "Send the form again to file it as an ordinary complaint."),
    }
    return {field: messages.get(code, _("This value is not valid.")) for field, code in codes.items()}
