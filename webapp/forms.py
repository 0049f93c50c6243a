"""Validate form input through a pydantic schema and get per-field messages in the UI language."""
from __future__ import annotations

import re
from typing import TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


MAX_ID = 2**31 - 1  # an INTEGER column: larger numbers cannot be ids (PostgreSQL would refuse them)


# Never typed by a person, and NUL is refused by PostgreSQL (a 500 if it got that far): C0 controls other
# than tab, newline and carriage return, DEL, C1 controls, lone surrogates (from undecodable bytes) and the
# bidi embedding/override/isolate controls (they can make a name read backwards on a staff page).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """Text input without the characters no one types: the one place every form's text goes through."""
    return _UNWANTED.sub("", value)


def parse_id(value) -> int | None:
    """A positive id from a query string or form that fits the column, or None for anything else."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


class FieldErrors(Exception):
    """Input that passed the schema but broke a rule checked against the data (e.g. unknown category)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in {"missing", "string_too_short"} and error.get("input") in (None, ""):
        return _("This field is required.")
    if kind == "string_too_short":
        return _("Please write at least %(n)s characters.", n=error["ctx"]["min_length"])
    if kind == "string_too_long":
        return _("Please keep it under %(n)s characters.", n=error["ctx"]["max_length"])
    if kind in {"int_parsing", "int_type", "float_parsing"}:
        return _("Please choose or enter a valid number.")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return _("Please enter a valid date.")
    if kind in {"literal_error", "enum"}:
        return _("Please choose one of the options.")
    return _("This value is not valid.")


def validate(schema: type[T], data: dict) -> tuple[T | None, dict[str, str]]:
    """Return (object, {}) when valid, else (None, {field: message})."""
    cleaned = {k: (clean_text(v).strip() if isinstance(v, str) else v) for k, v in data.items()}
    try:
        return schema.model_validate(cleaned), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            errors.setdefault(field, _message(error))
        return None, errors
