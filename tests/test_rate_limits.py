"""Brute force meets the limiter: sign-in, tracking lookup, complaint filing, registration and joining the roster
answer 429 at their limits with a friendly page that still carries the security headers; the lock lifts when the
window ends; and the failure messages of sign-in and tracking reveal nothing about which part was wrong."""
from __future__ import annotations

import re

import limits.storage.memory
import pytest
from sqlmodel import select

from webapp.auth.models import User
from webapp.complaints.tracking import new_tracking_code
from webapp.demo_data import DEMO_PASSWORD
from webapp.extensions import limiter
from webapp.outreach import roster

# The limits of the routes (webapp/auth/routes.py, webapp/complaints/routes.py, webapp/outreach/roster_routes.py):
# POSTs per client address within the shortest window of each.
LOGIN_PER_MINUTE = 10
LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR = 20
TRACK_PER_MINUTE = 10
COMPLAINTS_PER_HOUR = 30
REGISTER_PER_HOUR = 10
JOIN_PER_HOUR = 20

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture
def app_config(app_config):
    """The test app with the limiter on (the other tests turn it off)."""
    return {**app_config, "RATELIMIT_ENABLED": True}


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Counters start at zero and are dropped afterwards: the limiter object is shared by every app."""
    limiter.reset()
    yield
    limiter.reset()


class _Clock:
    """time for the limiter's memory storage only, moved forward on demand (no sleeping in tests)."""

    def __init__(self, real):
        self._real = real
        self.offset = 0.0

    def time(self) -> float:
        return self._real.time() + self.offset

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def limiter_clock(monkeypatch):
    clock = _Clock(limits.storage.memory.time)
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    return clock


def _text(response) -> str:
    return response.get_data(as_text=True)


def assert_friendly_429(response, *, english: bool = False) -> None:
    """The 429 is the app's own error page, in the reader's language, with every security header."""
    assert response.status_code == 429, response.status_code
    body = _text(response)
    assert "Traceback" not in body and "werkzeug" not in body.lower() and "flask_limiter" not in body
    if english:
        assert "Too many attempts in a short time. Please wait a while and try again." in body
    else:
        assert "短时间内操作次数过多，请稍后再试。" in body
    assert response.mimetype == "text/html"
    for header in SECURITY_HEADERS:
        assert response.headers.get(header), f"429 without {header}"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def _flood(client, url: str, data: dict, n: int) -> list[int]:
    return [client.post(url, data=data).status_code for _ in range(n)]


def _error_message(response) -> list[tuple[str, str]]:
    """The form's field errors (field, message), without the values typed back into the form."""
    return re.findall(r'<small id="([\w-]+)-error" class="field-error">([^<]*)</small>', _text(response))


# --- sign-in ---------------------------------------------------------------------------------------------------

def test_login_brute_force_is_stopped_then_lifted_when_the_window_ends(client, base_data, limiter_clock):
    user = base_data.users["handler"]
    wrong = {"username": user.username, "password": "guess-000000"}
    codes = _flood(client, "/login", wrong, LOGIN_PER_MINUTE)
    assert codes == [422] * LOGIN_PER_MINUTE  # every guess was checked and refused
    blocked = client.post("/login", data=wrong)
    assert_friendly_429(blocked)
    # Even the right password is refused while the window lasts: the guesser learns nothing.
    assert client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD}).status_code == 429
    assert_friendly_429(client.post("/login?lang=en", data=wrong), english=True)
    # Reading the page is not limited: only attempts are.
    assert client.get("/login").status_code == 200

    limiter_clock.offset = 61  # the minute is over (the hourly budget of 50 is not spent)
    ok = client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD})
    assert ok.status_code == 303
    assert client.get("/handling/inbox").status_code == 200


def test_guessing_one_account_from_many_addresses_is_stopped_too(client, base_data):
    """Per-address limits alone let a botnet guess one account forever: failed sign-ins count per account too."""
    user = base_data.users["handler"]
    right = {"username": user.username, "password": DEMO_PASSWORD}
    # Successful sign-ins do not count against the account.
    for i in range(3):
        assert client.post("/login", data=right, environ_base={"REMOTE_ADDR": f"10.1.0.{i}"}).status_code == 303
    codes = [client.post("/login", data={"username": f" {user.username.upper()} ", "password": f"guess-{i}"},
                         environ_base={"REMOTE_ADDR": f"10.2.{i}.1"}).status_code
             for i in range(LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR)]
    assert codes == [422] * LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR
    assert_friendly_429(client.post("/login", data=right, environ_base={"REMOTE_ADDR": "10.3.0.1"}))
    # Another account, from the same addresses, is not locked.
    other = {"username": base_data.users["supervisor"].username, "password": DEMO_PASSWORD}
    assert client.post("/login", data=other, environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 303


def test_login_does_not_say_whether_the_account_exists(client, base_data):
    known = client.post("/login", data={"username": base_data.users["handler"].username, "password": "not-it-123"})
    unknown = client.post("/login", data={"username": "no-such-user-xyz", "password": "not-it-123"})
    assert known.status_code == unknown.status_code == 422
    message = "用户名/手机号或密码错误。"
    assert message in _text(known) and message in _text(unknown)
    assert _error_message(known) == _error_message(unknown) != []


# --- tracking lookup -------------------------------------------------------------------------------------------

def test_tracking_lookup_guessing_is_stopped(client, make_complaint):
    complaint = make_complaint()
    statuses = []
    for _ in range(TRACK_PER_MINUTE):
        statuses.append(client.post("/track", data={"code": new_tracking_code(), "phone_last4": "0000"}).status_code)
    assert statuses == [422] * TRACK_PER_MINUTE
    # The right code and digits now wait too.
    right = {"code": complaint.tracking_code, "phone_last4": complaint.consumer_phone[-4:]}
    assert_friendly_429(client.post("/track", data=right))


def test_tracking_lookup_does_not_say_which_half_was_wrong(client, make_complaint):
    complaint = make_complaint()
    last4 = complaint.consumer_phone[-4:]
    other_digits = "1234" if last4 != "1234" else "4321"
    unknown_code = new_tracking_code()
    while unknown_code == complaint.tracking_code:
        unknown_code = new_tracking_code()
    wrong_digits = client.post("/track", data={"code": complaint.tracking_code, "phone_last4": other_digits})
    wrong_code = client.post("/track", data={"code": unknown_code, "phone_last4": last4})
    both_wrong = client.post("/track", data={"code": unknown_code, "phone_last4": other_digits})
    assert wrong_digits.status_code == wrong_code.status_code == both_wrong.status_code == 422
    message = "没有找到与该单号和手机号后四位相符的投诉。"
    for response in (wrong_digits, wrong_code, both_wrong):
        assert message in _text(response)
        assert complaint.consumer_name not in _text(response)
    assert _error_message(wrong_digits) == _error_message(wrong_code) == _error_message(both_wrong) != []
    right = client.post("/track", data={"code": complaint.tracking_code, "phone_last4": last4})
    assert right.status_code == 303


# --- filing, registering, joining ------------------------------------------------------------------------------

def test_complaint_filing_is_limited(client, base_data):
    # Incomplete forms cost the server little, but they count: the limit is on attempts.
    codes = _flood(client, "/complaints", {"description": "x"}, COMPLAINTS_PER_HOUR)
    assert codes == [422] * COMPLAINTS_PER_HOUR
    assert_friendly_429(client.post("/complaints", data={"description": "x"}))


def test_registration_is_limited(client, session, base_data):
    codes = _flood(client, "/register", {"phone": "12", "password": "short"}, REGISTER_PER_HOUR)
    assert codes == [422] * REGISTER_PER_HOUR
    good = {"phone": "13911112222", "display_name": "新用户", "password": "long-enough-1"}
    assert_friendly_429(client.post("/register", data=good))
    assert session.exec(select(User).where(User.phone == "13911112222")).first() is None


def test_joining_the_roster_is_limited(client, session, base_data):
    invite = roster.create_invite(session, base_data.users["supervisor"], base_data.districts["CX"].id, 7, 50)
    session.commit()
    url = f"/join/{invite.code}"
    assert client.get(url).status_code == 200
    codes = _flood(client, url, {"display_name": "", "phone": "1", "password": "x"}, JOIN_PER_HOUR)
    assert codes == [422] * JOIN_PER_HOUR
    good = {"display_name": "张志愿", "phone": "13911113333", "password": "long-enough-1"}
    assert_friendly_429(client.post(url, data=good))
    assert session.exec(select(User).where(User.phone == "13911113333")).first() is None


def test_limits_count_per_client_address(client, base_data):
    """One address spending its budget does not lock out another."""
    wrong = {"username": base_data.users["handler"].username, "password": "guess-000000"}
    _flood(client, "/login", wrong, LOGIN_PER_MINUTE)
    assert client.post("/login", data=wrong).status_code == 429
    other = client.post("/login", data=wrong, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 422
