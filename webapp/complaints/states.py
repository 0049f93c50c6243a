"""The complaint lifecycle: states, and the ONE table of allowed transitions (DESIGN §5)."""
from flask_babel import lazy_gettext as _l

SUBMITTED, ACCEPTED, REJECTED, MEDIATING = "submitted", "accepted", "rejected", "mediating"
RESOLVED, MEDIATION_FAILED, REFERRED = "resolved", "mediation_failed", "referred"
CLOSED, ARCHIVED, WITHDRAWN = "closed", "archived", "withdrawn"

LABELS = {
    SUBMITTED: _l("Submitted, awaiting acceptance"),
    ACCEPTED: _l("Accepted"),
    REJECTED: _l("Not accepted"),
    MEDIATING: _l("In mediation"),
    RESOLVED: _l("Resolved by mediation"),
    MEDIATION_FAILED: _l("Mediation failed"),
    REFERRED: _l("Referred for enforcement"),
    CLOSED: _l("Closed"),
    ARCHIVED: _l("Archived"),
    WITHDRAWN: _l("Withdrawn"),
}

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({SUBMITTED}), ACCEPTED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "assign": (frozenset({ACCEPTED, MEDIATING}), MEDIATING),
    "resolve": (frozenset({MEDIATING}), RESOLVED),
    "fail": (frozenset({MEDIATING}), MEDIATION_FAILED),
    "refer": (frozenset({ACCEPTED, MEDIATING}), REFERRED),
    "close": (frozenset({RESOLVED, MEDIATION_FAILED}), CLOSED),
    "archive": (frozenset({CLOSED, REJECTED, WITHDRAWN, REFERRED}), ARCHIVED),
    "withdraw": (frozenset({SUBMITTED, ACCEPTED, MEDIATING}), WITHDRAWN),
    "dispute": (frozenset({RESOLVED, CLOSED}), MEDIATING),
}

# States in which the consumer may still add information or withdraw.
OPEN_STATES = frozenset({SUBMITTED, ACCEPTED, MEDIATING})


class TransitionNotAllowed(Exception):
    """The action is not allowed from the complaint's current state."""

    def __init__(self, action: str, state: str):
        super().__init__(f"{action} not allowed from {state}")
        self.action, self.state = action, state


def target_state(action: str, current: str) -> str:
    """The state `action` leads to from `current`, or TransitionNotAllowed."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise TransitionNotAllowed(action, current)
    return target
