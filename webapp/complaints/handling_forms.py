"""The handler's action forms: what each one is called, how its fields become service arguments, messages."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from webapp.auth.models import User
from webapp.complaints.choices import FAIL_ADVICE, REJECT_REASONS, STEP_KINDS
from webapp.complaints.schemas import parse_yuan
from webapp.forms import clean_text

NOTE_MAX = 2000

# URL slug -> (service function name, title shown on the page). Order = order on the page.
ACTIONS = {
    "accept": ("accept", _l("Accept")),
    "reject": ("reject", _l("Do not accept")),
    "assign": ("assign", _l("Assign a mediator")),
    "log-step": ("log_step", _l("Log a mediation step")),
    "request-info": ("request_info", _l("Ask the consumer for information")),
    "resolve": ("resolve", _l("Resolved by mediation")),
    "fail": ("fail", _l("Mediation failed")),
    "refer": ("refer", _l("Refer to enforcement")),
    "close": ("close", _l("Close the case")),
    "archive": ("archive", _l("Archive")),
    "follow-up": ("follow_up", _l("Follow-up call")),
    "remind": ("remind", _l("Send a reminder")),
}
REASSIGN_TITLE = _l("Change the mediator")


def _clean(value: str | None) -> str:
    # Control characters have no place in a note; newlines do.
    return clean_text(value or "").strip()


def _text(form, name: str, errors: dict, required: bool = False) -> str:
    value = _clean(form.get(name))
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > NOTE_MAX:
        errors[name] = _("Please keep it under %(n)s characters.", n=NOTE_MAX)
    return value


def _choice(form, name: str, choices, errors: dict) -> str:
    value = (form.get(name) or "").strip()
    if value not in choices:
        errors[name] = _("Please choose one of the options.")
    return value


def parse(session: Session, action: str, form) -> tuple[dict, dict[str, str]]:
    """Keyword arguments for handling.<action>, or {field: message} for what is missing or wrong."""
    errors: dict[str, str] = {}
    kwargs: dict = {}
    if action in ("accept", "close"):
        kwargs["note"] = _text(form, "note", errors)
    elif action == "reject":
        kwargs["reason"] = _choice(form, "reject_reason", REJECT_REASONS, errors)
        kwargs["note"] = _text(form, "note", errors, required=True)
    elif action == "assign":
        raw = form.get("assignee_id", "")
        assignee = session.get(User, int(raw)) if raw.isascii() and raw.isdigit() and int(raw) < 2**31 else None
        if assignee is None:
            errors["assignee_id"] = _("Please choose one of the options.")
        kwargs["assignee"] = assignee
        kwargs["reason"] = _text(form, "reason", errors)
    elif action == "log_step":
        kwargs["kind"] = _choice(form, "kind", STEP_KINDS, errors)
        kwargs["note"] = _text(form, "note", errors, required=True)
        kwargs["public"] = not form.get("internal")
    elif action == "request_info":
        kwargs["note"] = _text(form, "note", errors, required=True)
    elif action == "resolve":
        kwargs["outcome"] = _text(form, "outcome", errors, required=True)
        raw = (form.get("recovered") or "").strip()
        try:
            kwargs["recovered_fen"] = parse_yuan(raw) if raw else None
        except ValueError as exc:
            errors["recovered"] = str(exc)
    elif action == "fail":
        kwargs["advice"] = _choice(form, "advice", FAIL_ADVICE, errors)
        kwargs["note"] = _text(form, "note", errors)
    elif action == "refer":
        kwargs["reason"] = _text(form, "reason", errors, required=True)
    elif action == "follow_up":
        score = (form.get("satisfaction") or "").strip()
        if score not in ("1", "2", "3", "4", "5"):
            errors["satisfaction"] = _("Choose from 1 to 5.")
        kwargs["satisfaction"] = int(score) if score in ("1", "2", "3", "4", "5") else 0
        kwargs["note"] = _text(form, "note", errors)
    elif action == "remind":
        kwargs["note"] = _text(form, "note", errors)
    return kwargs, errors


def service_errors(codes: dict[str, str]) -> dict[str, str]:
    """Messages for the codes the handling service raises in FieldErrors."""
    messages = {
        "required": _("This field is required."),
        "choice": _("Please choose one of the options."),
        "district": _("This person does not work in the complaint's district."),
        "already_paused": _("The clock is already paused: the consumer has not answered the last request yet."),
        "already": _("The consumer has already rated the handling."),
    }
    ranges = {"recovered": _("Please enter an amount from 0 to 10,000,000 yuan."),
              "satisfaction": _("Choose from 1 to 5.")}
    return {name: ranges.get(name, _("This value is not valid.")) if code == "range"
            else messages.get(code, _("This value is not valid.")) for name, code in codes.items()}
