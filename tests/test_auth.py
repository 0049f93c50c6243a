"""Accounts: sign in and out, consumer registration, staff creation by admin page and CLI, rate limits."""
import pytest
from sqlmodel import select

from webapp import create_app
from webapp.audit import AuditLog
from webapp.auth.models import User
from webapp.demo_data import DEMO_PASSWORD

HX = {"HX-Request": "true"}


def test_login_logout(client, base_data):
    bad = client.post("/login", data={"username": "handler", "password": "wrong-password"}, headers=HX)
    assert bad.status_code == 422 and 'id="password-error"' in bad.get_data(as_text=True)
    unknown = client.post("/login", data={"username": "nobody", "password": "whatever1"}, headers=HX)
    assert unknown.status_code == 422
    ok = client.post("/login?next=/track", data={"username": "HANDLER", "password": DEMO_PASSWORD}, headers=HX)
    assert ok.headers["HX-Redirect"] == "/track"
    assert "陈受理" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert "陈受理" not in client.get("/").get_data(as_text=True)


def test_login_next_is_never_another_site(client, base_data):
    response = client.post("/login?next=//evil.example/x", data={"username": "handler", "password": DEMO_PASSWORD})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]


def test_disabled_account_cannot_sign_in(client, base_data, session):
    user = session.get(User, base_data.users["handler"].id)
    user.active = False
    session.commit()
    response = client.post("/login", data={"username": "handler", "password": DEMO_PASSWORD}, headers=HX)
    assert response.status_code == 422


def test_consumer_registers_and_sees_my_complaints(client, base_data, session):
    response = client.post("/register", data={"phone": "139 0000 1234", "display_name": "刘先生",
                                              "password": "long-enough-1"}, headers=HX)
    assert response.headers["HX-Redirect"] == "/my/complaints"
    user = session.exec(select(User).where(User.username == "13900001234")).one()
    assert user.role == "consumer" and user.phone == "13900001234" and user.password_hash.startswith("scrypt")
    assert client.get("/my/complaints").status_code == 200
    # Filing while signed in links the complaint to the account and prefills the contact fields.
    form = client.get("/complaints/new").get_data(as_text=True)
    assert 'value="刘先生"' in form and 'value="13900001234"' in form


@pytest.mark.parametrize("data,field", [
    ({"phone": "12345", "password": "long-enough-1"}, "phone"),
    ({"phone": "13900001234", "password": "short"}, "password"),
    ({"phone": "13800000001", "password": "long-enough-1"}, "phone"),  # already registered (demo consumer)
])
def test_register_bad_input(client, base_data, data, field):
    response = client.post("/register", data=data, headers=HX)
    assert response.status_code == 422 and f'id="{field}-error"' in response.get_data(as_text=True)


def test_only_consumers_have_my_complaints(client, login_as):
    login_as("handler")
    assert client.get("/my/complaints").status_code == 403


def test_admin_creates_staff(client, login_as, base_data, session):
    login_as("admin")
    page = client.get("/admin/users")
    assert page.status_code == 200 and "inspector" in page.get_data(as_text=True)
    district = base_data.districts["NH"]
    response = client.post("/admin/users", data={"username": "Li.Si", "display_name": "李四", "role": "handler",
                                                 "district_id": str(district.id), "password": "initial-pass-1"},
                           headers=HX)
    assert response.headers["HX-Redirect"] == "/admin/users"
    user = session.exec(select(User).where(User.username == "li.si")).one()
    assert user.role == "handler" and user.district_id == district.id
    audit = session.exec(select(AuditLog).where(AuditLog.action == "user.create")).one()
    assert audit.actor_id == base_data.users["admin"].id and audit.after["role"] == "handler"
    duplicate = client.post("/admin/users", data={"username": "li.si", "display_name": "李四", "role": "handler",
                                                  "password": "initial-pass-1"}, headers=HX)
    assert duplicate.status_code == 422 and 'id="username-error"' in duplicate.get_data(as_text=True)
    bad_role = client.post("/admin/users", data={"username": "wang", "display_name": "王", "role": "superuser",
                                                 "password": "initial-pass-1"}, headers=HX)
    assert bad_role.status_code == 422 and 'id="role-error"' in bad_role.get_data(as_text=True)


@pytest.mark.parametrize("role", ["consumer", "volunteer", "inspector", "handler", "supervisor"])
def test_non_admins_cannot_manage_staff(client, login_as, role):
    login_as(role)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={"username": "x", "display_name": "x", "role": "admin",
                                             "password": "initial-pass-1"}).status_code == 403


def test_cli_create_user(app, base_data, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--username", "zhao", "--name", "赵六", "--role", "inspector",
                                 "--district", str(base_data.districts["CX"].id), "--password", "cli-pass-123"])
    assert result.exit_code == 0, result.output
    assert session.exec(select(User).where(User.username == "zhao")).one().role == "inspector"
    again = runner.invoke(args=["create-user", "--username", "zhao", "--name", "赵六", "--role", "inspector",
                                "--password", "cli-pass-123"])
    assert again.exit_code != 0 and "not created" in again.output


def test_demo_command_is_idempotent(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert "0 complaints added" in second.output
    from webapp.demo_data import USERS
    from webapp.outreach.demo import VOLUNTEERS   # a demo volunteer for each district besides CX's
    assert len(session.exec(select(User)).all()) == len(USERS) + len(VOLUNTEERS) == 8


def test_login_is_rate_limited(app_config, base_data):
    app_config["RATELIMIT_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    statuses = [client.post("/login", data={"username": "handler", "password": "guess-%d" % i}, headers=HX).status_code
                for i in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    app.extensions["db_engine"].dispose()


def test_field_staff_phones_keep_the_outbox_after_sign_out(client, base_data):
    response = client.post("/login", data={"username": "inspector", "password": DEMO_PASSWORD})
    assert any(c.startswith("field=1") for c in response.headers.getlist("Set-Cookie"))
    consumer = client.application.test_client()
    response = consumer.post("/login", data={"username": "13800000001", "password": DEMO_PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and not any(c.startswith("field=") for c in cookies)
