"""The closed lists of the inspection area: stored as keys, shown as translated labels."""
from flask_babel import lazy_gettext as _l

ANSWERS = {
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    "na": _l("N/A"),
}

RESULTS = {
    "pass": _l("No problems found"),
    "fail": _l("Problems found"),
}

LAB_RESULTS = {
    "pass": _l("Conforming"),
    "fail": _l("Non-conforming"),
}

TASK_SOURCES = {
    "plan": _l("Planned check"),
    "complaint": _l("From a complaint"),
    "risk": _l("Risk signal"),
}

LABELS = {"answers": ANSWERS, "results": RESULTS, "lab": LAB_RESULTS, "sources": TASK_SOURCES}
