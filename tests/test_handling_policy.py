"""Every role against every action: consumers, volunteers and inspectors never act as handlers;
handlers act only in their district; only supervisors reassign, remind and read the audit trail."""
import pytest
from flask_login import AnonymousUserMixin

from webapp.auth.models import User
from webapp.complaints import policy, states
from webapp.complaints.models import Complaint

# A state in which each action is allowed, so the table tests the role and not the state.
STATE_FOR = {action: sorted(sources)[0] for action, (sources, _target) in states.TRANSITIONS.items()}
STATE_FOR.update({"reassign": states.MEDIATING, "audit": states.CLOSED})

HANDLER_WORK = {"accept", "reject", "assign", "log_step", "request_info", "resolve", "fail", "refer", "close",
                "archive", "follow_up"}
CONSUMER_WORK = {"add_info", "withdraw", "accept_outcome", "dispute", "rate"}
SUPERVISOR_ONLY = {"reassign", "remind", "audit"}

# who -> the actions they may take on a complaint of district 1 filed by consumer 100
EXPECTED = {
    "anonymous": set(),
    "owner consumer": CONSUMER_WORK | {"view"},
    "other consumer": set(),
    "guest who tracked it": CONSUMER_WORK | {"view"},
    "volunteer": set(),
    "inspector": set(),
    "handler, same district": HANDLER_WORK | {"view"},
    "handler, other district": set(),
    "supervisor, same district": HANDLER_WORK | SUPERVISOR_ONLY | {"view"},
    "supervisor, city level": HANDLER_WORK | SUPERVISOR_ONLY | {"view"},
    "supervisor, other district": set(),
    "admin": set(),
}


def _who(name):
    tracked = set()
    if name == "anonymous":
        return AnonymousUserMixin(), tracked
    if name == "guest who tracked it":
        return AnonymousUserMixin(), {7}
    role, _, where = name.partition(", ")
    role = {"owner consumer": "consumer", "other consumer": "consumer"}.get(role, role)
    user = User(id=100 if name == "owner consumer" else 200, username=name, role=role, password_hash="x",
                district_id={"same district": 1, "other district": 2, "city level": None}.get(where, 1))
    return user, tracked


ACTIONS = sorted(set(states.TRANSITIONS) | SUPERVISOR_ONLY | {"view"})


@pytest.mark.parametrize("who", sorted(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(who, action):
    user, tracked = _who(who)
    complaint = Complaint(id=7, district_id=1, consumer_id=100, state=STATE_FOR.get(action, states.MEDIATING),
                          tracking_code="X", merchant_id=1, category_id=1, problem_type="quality",
                          description="x", desired_outcome="refund", consumer_name="x", consumer_phone="1")
    expected = action in EXPECTED[who]
    assert policy.can(user, action, complaint, tracked) is expected


@pytest.mark.parametrize("action", sorted(HANDLER_WORK | CONSUMER_WORK))
def test_state_still_matters_for_the_right_person(action):
    handler, _ = _who("handler, same district")
    consumer, _ = _who("owner consumer")
    actor = consumer if action in CONSUMER_WORK else handler
    sources = states.TRANSITIONS[action][0]
    for state in states.LABELS:
        complaint = Complaint(id=7, district_id=1, consumer_id=100, state=state, tracking_code="X", merchant_id=1,
                              category_id=1, problem_type="quality", description="x", desired_outcome="refund",
                              consumer_name="x", consumer_phone="1")
        assert policy.can(actor, action, complaint) is (state in sources)
