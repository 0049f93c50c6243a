"""The service worker keeps restricted shell pages only for accounts that may open them (no 401/403 fetched again)."""
import json
import re

import pytest

from webapp.demo_data import DEMO_PASSWORD
from webapp.shell import RESTRICTED, SHELL_DATA, SHELL_PAGES, warm_paths


def _client_as(app, user):
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code in (200, 303)
    return client


def test_warm_paths_are_exactly_the_restricted_pages_each_account_may_open(app, base_data):
    from flask_login import AnonymousUserMixin

    accounts = {"guest": None, **base_data.users}
    assert {"consumer", "volunteer", "inspector", "handler", "supervisor"} <= set(accounts)
    for name, user in accounts.items():
        client = _client_as(app, user)
        listed = warm_paths(user if user is not None else AnonymousUserMixin())
        for path in RESTRICTED:
            status = client.get(path).status_code
            assert (status == 200) == (path in listed), (name, path, status, listed)


def test_the_worker_installs_open_pages_and_warms_restricted_ones_only_when_named(client, base_data):
    assert set(RESTRICTED) <= set(SHELL_PAGES) | set(SHELL_DATA)
    body = client.get("/sw.js").get_data(as_text=True)
    restricted = json.loads(re.search(r"const RESTRICTED = (\[.*?\]);", body).group(1))
    assert restricted == list(RESTRICTED)
    assert "OPEN.concat(kept)" in body and "OPEN.concat(allowed)" in body
    assert "PAGES.concat(DATA).map" not in body  # no longer every page for everyone


@pytest.mark.parametrize("role, expected", [
    ("inspector", "/inspections/new /inspections/merchants.json"),
    ("handler", "/events/new"),
    ("supervisor", "/inspections/new /inspections/merchants.json /events/new"),
])
def test_staff_pages_name_the_paths_to_warm(client, login_as, role, expected):
    login_as(role)
    html = client.get("/outbox").get_data(as_text=True)
    assert f'data-warm-paths="{expected}"' in html


def test_guest_pages_ask_for_no_warming(client, base_data):
    html = client.get("/outbox").get_data(as_text=True)
    assert "data-warm" not in html
