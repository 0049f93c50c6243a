"""Behind a reverse proxy the rate limits count phones, not the proxy; without one the header can't be spoofed."""
import pytest

from webapp import create_app
from webapp.extensions import limiter


def _login_attempts(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    statuses = []
    for ip in forwarded_for:
        response = client.post("/login", data={"username": "nobody", "password": "wrong"},
                               headers={"X-Forwarded-For": ip})
        statuses.append(response.status_code)
    return statuses


@pytest.fixture
def limited_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False}


def test_without_trusted_proxy_the_forwarded_header_is_ignored(limited_config):
    app = create_app({**limited_config, "TRUSTED_PROXIES": 0})
    with app.app_context():
        limiter.reset()
    # An attacker rotating X-Forwarded-For is still one address: the 11th wrong password in a minute is refused.
    statuses = _login_attempts(app, [f"10.0.0.{i}" for i in range(11)])
    assert statuses[-1] == 429
    assert 429 not in statuses[:10]
    app.extensions["db_engine"].dispose()


def test_behind_one_trusted_proxy_each_phone_has_its_own_limit(limited_config):
    app = create_app({**limited_config, "TRUSTED_PROXIES": 1})
    with app.app_context():
        limiter.reset()
    statuses = _login_attempts(app, [f"10.0.0.{i}" for i in range(11)])
    assert 429 not in statuses
    # …and one phone behind the proxy is still limited on its own.
    statuses = _login_attempts(app, ["10.0.1.1"] * 11)
    assert statuses[-1] == 429
    app.extensions["db_engine"].dispose()
