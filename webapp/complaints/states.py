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

# States in which the consumer may still add information or withdraw, and the deadline clock runs.
OPEN_STATES = frozenset({SUBMITTED, ACCEPTED, MEDIATING})

# What the actions that end a complaint make of it (Complaint.result); a dispute reopens it (None).
RESULTS: dict[str, str | None] = {
    "resolve": "resolved", "fail": "failed", "refer": "referred",
    "reject": "rejected", "withdraw": "withdrawn", "dispute": None,
}
CONCLUSIONS = frozenset({"resolved", "failed", "referred"})  # 办结: mediation came to an end

# action -> (states it may start from, state it leads to; None = stays where it is)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    # handler's side
    "accept": (frozenset({SUBMITTED}), ACCEPTED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "assign": (frozenset({ACCEPTED, MEDIATING}), MEDIATING),
    "log_step": (frozenset({MEDIATING}), None),
    "request_info": (OPEN_STATES, None),
    "resolve": (frozenset({MEDIATING}), RESOLVED),
    "fail": (frozenset({MEDIATING}), MEDIATION_FAILED),
    "refer": (frozenset({ACCEPTED, MEDIATING}), REFERRED),
    "close": (frozenset({RESOLVED, MEDIATION_FAILED}), CLOSED),
    "archive": (frozenset({CLOSED, REJECTED, WITHDRAWN, REFERRED}), ARCHIVED),
    "follow_up": (frozenset({CLOSED, ARCHIVED}), None),
    "remind": (OPEN_STATES, None),
    # consumer's side
    "add_info": (OPEN_STATES, None),
    "withdraw": (OPEN_STATES, WITHDRAWN),
    "accept_outcome": (frozenset({RESOLVED}), CLOSED),
    "dispute": (frozenset({RESOLVED, CLOSED}), MEDIATING),
    "rate": (frozenset({CLOSED, ARCHIVED}), None),
}

CONSUMER_ACTIONS = frozenset({"add_info", "withdraw", "accept_outcome", "dispute", "rate"})
SUPERVISOR_ACTIONS = frozenset({"reassign", "remind", "audit"})


class TransitionNotAllowed(Exception):
    """The action is not allowed from the complaint's current state."""

    def __init__(self, action: str, state: str):
        super().__init__(f"{action} not allowed from {state}")
        self.action, self.state = action, state


def allowed(action: str, current: str) -> bool:
    """True when `action` may be taken in state `current`."""
    return current in TRANSITIONS[action][0]


def target_state(action: str, current: str) -> str:
    """The state `action` leads to from `current` (itself when it stays), or TransitionNotAllowed."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise TransitionNotAllowed(action, current)
    return target or current
