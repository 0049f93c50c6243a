"""The flat event form (a browser, or the outbox replaying it) to a schema, and the service's codes to messages."""
from __future__ import annotations

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

from webapp.forms import _message, clean_text
from webapp.outreach.schemas import COUNT_LIMITS, EventCreate, EventFields

SCALARS = ("client_uuid", "captured_at", "held_on", "start_time", "end_time", "campaign_id", "district_id",
           "venue_type", "place", "topic", "note", *COUNT_LIMITS)
LISTS = ("formats", "audiences")


def gather(form: MultiDict) -> tuple[dict, dict[str, str]]:
    """The schema's input from the flat fields, and errors only the raw form can show."""
    errors: dict[str, str] = {}
    data = {}
    for key in SCALARS:
        value = form.get(key)
        if value is not None:
            data[key] = clean_text(value).strip()
    for key in LISTS:
        data[key] = [clean_text(v) for v in form.getlist(key) if v]
    ids = []
    for raw in form.getlist("volunteer_ids"):
        if raw.strip().isdigit() and len(raw.strip()) <= 9:
            ids.append(int(raw))
        elif raw.strip():
            errors["volunteer_ids"] = _("Please choose the volunteers from the list.")
    data["volunteer_ids"] = ids
    return data, errors


def validate_event(form: MultiDict, schema: type[BaseModel] = EventCreate) -> tuple[EventFields | None, dict]:
    """(data, {}) when the form is well-formed, else (None, {field: message})."""
    raw, errors = gather(form)
    if schema is not EventCreate:
        raw.pop("client_uuid", None)
        raw.pop("captured_at", None)
    try:
        data = schema.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(field, _message(error))
        return None, errors
    return (None, errors) if errors else (data, {})


def reference_errors(codes: dict[str, str]) -> dict[str, str]:
    """Messages for what the service found wrong against the data."""
    messages = {
        "district": _("Please choose the district from the list."),
        "campaign": _("This campaign is not running in this district."),
        "campaign_period": _("The event was held outside the campaign's dates."),
        "volunteer": _("Some of the chosen volunteers are not on this district's roster."),
        "too_few_volunteers": _("You listed more volunteers by name than the number of volunteers."),
    }
    return {f: messages.get(code, _("This value is not valid.")) for f, code in codes.items()}


def summary(errors: dict[str, str]) -> str:
    """One line for the outbox's list: how many things to correct."""
    from flask_babel import ngettext
    return ngettext("Please correct %(num)s item marked in red.", "Please correct the %(num)s items marked in red.",
                    len(errors))
