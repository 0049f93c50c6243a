"""Pages answer If-None-Match with a 304 while the phone's copy still shows the same thing, token included."""
from __future__ import annotations

import re

import pytest

from conftest import complaint_form
from webapp import conditional


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def test_repeat_visit_of_the_form_is_a_304_and_the_held_token_still_files(csrf_app_config, app, client, base_data):
    first = client.get("/complaints/new")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-cache"
    held_token = _token(first.get_data(as_text=True))

    again = client.get("/complaints/new", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    # Pages keep their security headers on a 304.
    assert "Content-Security-Policy" in again.headers

    # The page the phone kept is still good to send: its token is accepted.
    form = complaint_form(base_data)
    form["csrf_token"] = held_token
    filed = client.post("/complaints", data=form)
    assert filed.status_code in (200, 303), filed.get_data(as_text=True)[:300]


def test_the_validator_leaves_out_only_the_token(csrf_app_config, app, client, base_data):
    first = client.get("/complaints/new")
    second = client.get("/complaints/new")
    # Two renders differ (the token is signed with the time) yet carry one validator.
    assert first.headers["ETag"] == second.headers["ETag"]
    # Another language is another page.
    english = client.get("/complaints/new?lang=en", headers={"If-None-Match": first.headers["ETag"]})
    assert english.status_code == 200
    assert english.headers["ETag"] != first.headers["ETag"]


def test_another_session_never_gets_a_304_for_a_page_held_by_someone_else(csrf_app_config, app, client, base_data):
    etag = client.get("/complaints/new").headers["ETag"]
    stranger = app.test_client()
    answer = stranger.get("/complaints/new", headers={"If-None-Match": etag})
    # Same page, but the held token belongs to the other session's secret: the stranger gets a fresh page.
    assert answer.status_code == 200
    assert answer.headers["ETag"] != etag


def test_a_held_page_is_sent_again_after_half_the_token_lifetime(csrf_app_config, app, client, base_data, monkeypatch):
    import time as real_time

    etag = client.get("/complaints/new").headers["ETag"]
    assert client.get("/complaints/new", headers={"If-None-Match": etag}).status_code == 304
    half = app.config["WTF_CSRF_TIME_LIMIT"] // 2
    later = real_time.time() + half + 1
    monkeypatch.setattr(conditional.time, "time", lambda: later)
    assert client.get("/complaints/new", headers={"If-None-Match": etag}).status_code == 200


def test_a_changed_page_is_sent_again(app, client, base_data, login_as):
    login_as("consumer")
    before = client.get("/my/complaints")
    assert before.status_code == 200
    etag = before.headers["ETag"]
    assert client.get("/my/complaints", headers={"If-None-Match": etag}).status_code == 304
    assert client.post("/complaints", data=complaint_form(base_data)).status_code in (200, 303)
    after = client.get("/my/complaints", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag


def test_only_successful_page_gets_carry_a_validator(app, client, base_data):
    assert "ETag" not in client.get("/no-such-page").headers
    assert "ETag" not in client.post("/track", data={"code": "X"}).headers
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype != "text/html"
    assert "W/" not in manifest.headers.get("ETag", "")
