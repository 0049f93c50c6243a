"""The volunteer roster: invitations, joining through one, participation counts, taking people off."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from webapp import create_app
from webapp.audit import AuditLog
from webapp.auth.models import User, utcnow
from webapp.forms import FieldErrors
from webapp.outreach import roster
from webapp.outreach.models import EventVolunteer, VolunteerInvite
from webapp.outreach.roster_schemas import Join
from tests.outreach_helpers import make_event

HX = {"HX-Request": "true"}
JOINER = {"display_name": "\u5f20\u5fd7\u613f", "phone": "139 1111 2222", "password": "long-enough-1"}


def _invite(session, base_data, district="CX", **overrides) -> VolunteerInvite:
    actor = base_data.users["supervisor"]
    invite = roster.create_invite(session, actor, base_data.districts[district].id,
                                  overrides.pop("days", 7), overrides.pop("max_uses", 5))
    for key, value in overrides.items():
        setattr(invite, key, value)
    session.add(invite)
    session.commit()
    return invite


def _reload(session, model, pk):
    session.expire_all()
    return session.get(model, pk)


# --- invitations ---------------------------------------------------------------------------------------

def test_district_handler_invites_for_own_district_only(client, session, base_data, login_as):
    login_as("handler")  # district CD
    response = client.post("/volunteers/invites", data={"days": "7", "max_uses": "10"}, headers=HX)
    assert response.status_code == 200
    invite = session.exec(select(VolunteerInvite)).one()
    assert invite.district_id == base_data.districts["CD"].id and invite.max_uses == 10
    body = response.get_data(as_text=True)
    assert roster.grouped(invite.code) in body and f"/join/{invite.code}" in body
    assert session.exec(select(AuditLog).where(AuditLog.action == "volunteer_invite.create")).first()
    # Another district's roster is not theirs to invite to.
    other = client.post("/volunteers/invites", data={"district_id": str(base_data.districts["CX"].id),
                                                     "days": "7", "max_uses": "10"}, headers=HX)
    assert other.status_code == 403
    assert len(session.exec(select(VolunteerInvite)).all()) == 1
    with pytest.raises(PermissionError):
        roster.create_invite(session, base_data.users["handler"], base_data.districts["CX"].id, 7, 10)


def test_city_level_staff_choose_the_district(client, session, base_data, login_as):
    login_as("supervisor")
    page = client.get("/volunteers").get_data(as_text=True)
    assert 'name="district_id"' in page
    missing = client.post("/volunteers/invites", data={"days": "7", "max_uses": "10"}, headers=HX)
    assert missing.status_code == 422 and 'id="district_id-error"' in missing.get_data(as_text=True)
    unknown = client.post("/volunteers/invites", data={"district_id": "9999", "days": "7", "max_uses": "10"},
                          headers=HX)
    assert unknown.status_code == 422
    ok = client.post("/volunteers/invites", data={"district_id": str(base_data.districts["NH"].id),
                                                  "days": "30", "max_uses": "200"})
    assert ok.status_code == 303
    invite = session.exec(select(VolunteerInvite)).one()
    assert invite.district_id == base_data.districts["NH"].id
    assert timedelta(days=29) < invite.expires_at - utcnow() <= timedelta(days=30)


def test_district_staff_form_has_no_district_choice(client, base_data, login_as):
    login_as("handler")
    assert 'name="district_id"' not in client.get("/volunteers").get_data(as_text=True)


@pytest.mark.parametrize("data,field", [
    ({"days": "0", "max_uses": "10"}, "days"),
    ({"days": "31", "max_uses": "10"}, "days"),
    ({"days": "7", "max_uses": "0"}, "max_uses"),
    ({"days": "7", "max_uses": "201"}, "max_uses"),
    ({"days": "soon", "max_uses": "10"}, "days"),
])
def test_invite_bounds(client, session, base_data, login_as, data, field):
    login_as("handler")
    response = client.post("/volunteers/invites", data=data, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in body
    assert f'value="{data[field]}"' in body  # what they typed is kept
    assert session.exec(select(VolunteerInvite)).first() is None
    with pytest.raises(FieldErrors):
        roster.create_invite(session, base_data.users["handler"], None, 31, 10)


def test_revoke_invite_within_district(client, session, base_data, login_as):
    cx = _invite(session, base_data, "CX")
    cd = _invite(session, base_data, "CD")
    login_as("handler")
    assert client.post(f"/volunteers/invites/{cx.id}/revoke", headers=HX).status_code == 404
    response = client.post(f"/volunteers/invites/{cd.id}/revoke", headers=HX)
    assert response.status_code == 200 and f'id="invite-{cd.id}"' not in response.get_data(as_text=True)
    assert _reload(session, VolunteerInvite, cd.id).revoked_at is not None
    assert _reload(session, VolunteerInvite, cx.id).revoked_at is None
    assert client.post("/volunteers/invites/99999/revoke", headers=HX).status_code == 404


@pytest.mark.parametrize("role", ["volunteer", "consumer", "inspector"])
def test_roster_is_for_roster_staff_only(client, session, base_data, login_as, role):
    invite = _invite(session, base_data, "CX")
    login_as(role)
    assert client.get("/volunteers").status_code == 403
    assert client.post("/volunteers/invites", data={"days": "7", "max_uses": "5"}).status_code == 403
    assert client.post(f"/volunteers/invites/{invite.id}/revoke").status_code == 403
    volunteer = base_data.users["volunteer"]
    assert client.post(f"/volunteers/{volunteer.id}/active", data={"active": "0"}).status_code == 403


def test_roster_needs_sign_in(client, base_data):
    response = client.get("/volunteers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- joining -------------------------------------------------------------------------------------------

def test_join_happy_path(client, session, base_data):
    client.set_cookie("lang", "en")
    invite = _invite(session, base_data, "CX", max_uses=2)
    page = client.get(f"/join/{roster.grouped(invite.code).lower()}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert base_data.districts["CX"].name_en in text and 'id="join-form"' in text
    response = client.post(f"/join/{invite.code}", data=JOINER)
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    assert any(c.startswith("field=1") for c in response.headers.getlist("Set-Cookie"))
    user = session.exec(select(User).where(User.username == "13911112222")).one()
    assert (user.role, user.district_id, user.phone, user.display_name) == (
        "volunteer", base_data.districts["CX"].id, "13911112222", JOINER["display_name"])
    assert user.check_password(JOINER["password"])
    assert _reload(session, VolunteerInvite, invite.id).uses == 1
    assert session.exec(select(AuditLog).where(AuditLog.action == "volunteer.join")).first()
    home = client.get("/").get_data(as_text=True)
    assert JOINER["display_name"] in home  # signed in, welcomed
    # Signed in, a join link says to sign out first; posting to it is refused.
    again = client.get(f"/join/{invite.code}")
    assert again.status_code == 200 and "sign out first" in again.get_data(as_text=True)
    assert client.post(f"/join/{invite.code}", data=dict(JOINER, phone="13911113333")).status_code == 409
    assert _reload(session, VolunteerInvite, invite.id).uses == 1


def test_join_htmx_redirects(client, session, base_data):
    invite = _invite(session, base_data, "CD")
    response = client.post(f"/join/{invite.code}", data=JOINER, headers=HX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    assert any(c.startswith("field=1") for c in response.headers.getlist("Set-Cookie"))


def test_used_up_invite(client, session, base_data):
    client.set_cookie("lang", "en")
    invite = _invite(session, base_data, "CX", max_uses=1)
    assert client.post(f"/join/{invite.code}", data=JOINER).status_code == 303
    client.post("/logout")
    second = client.post(f"/join/{invite.code}", data=dict(JOINER, phone="13911113333"))
    assert second.status_code == 410 and "Invitation full" in second.get_data(as_text=True)
    assert client.get(f"/join/{invite.code}").status_code == 410
    assert _reload(session, VolunteerInvite, invite.id).uses == 1
    assert session.exec(select(User).where(User.username == "13911113333")).first() is None


def test_join_claims_a_place_atomically(app, session, base_data):
    """Two people who both saw the last place: the conditional UPDATE lets only one of them in."""
    invite = _invite(session, base_data, "CX", max_uses=1)
    with Session(app.extensions["db_engine"], expire_on_commit=False) as other:
        stale = other.get(VolunteerInvite, invite.id)  # read before the first one joined
        other.commit()
        assert roster.usable(stale)
        roster.join(session, invite, Join.model_validate(JOINER))
        session.commit()
        with pytest.raises(roster.InviteProblem) as exc:
            roster.join(other, stale, Join.model_validate(dict(JOINER, phone="13911113333")))
        assert exc.value.problem == "used_up"
        other.rollback()
    assert _reload(session, VolunteerInvite, invite.id).uses == 1
    assert session.exec(select(User).where(User.username == "13911113333")).first() is None


def test_join_is_rate_limited(app_config, session, base_data):
    invite = _invite(session, base_data, "CX")
    app_config["RATELIMIT_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    statuses = [client.post(f"/join/{invite.code}", data=dict(JOINER, password="short"), headers=HX).status_code
                for _ in range(21)]
    assert statuses[:20] == [422] * 20 and statuses[20] == 429
    assert client.get(f"/join/{invite.code}").status_code == 200  # reading the page is not limited
    app.extensions["db_engine"].dispose()


def test_expired_and_revoked_invites(client, session, base_data):
    client.set_cookie("lang", "en")
    expired = _invite(session, base_data, "CX", expires_at=utcnow() - timedelta(minutes=1))
    revoked = _invite(session, base_data, "CX", revoked_at=utcnow())
    for invite, title in ((expired, "Invitation expired"), (revoked, "Invitation closed")):
        assert client.get(f"/join/{invite.code}").status_code == 410
        response = client.post(f"/join/{invite.code}", data=JOINER)
        assert response.status_code == 410 and title in response.get_data(as_text=True)
    assert session.exec(select(User).where(User.username == "13911112222")).first() is None
    assert roster.find_usable(session, expired.code) == (expired, "expired")
    assert roster.usable(revoked) is False


def test_unknown_invite(client, session, base_data):
    assert client.get("/join/ZZZZZZZZ").status_code == 404
    assert client.post("/join/ZZZZZZZZ", data=JOINER).status_code == 404
    assert client.get("/join/not-a-code!").status_code == 404
    assert roster.find_usable(session, "") == (None, "unknown")


def test_join_code_typed_by_hand(client, session, base_data):
    invite = _invite(session, base_data, "CX")
    page = client.get("/join")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    typed = client.get("/join", query_string={"code": " " + roster.grouped(invite.code).lower() + " "})
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/join/{invite.code}")
    bad = client.get("/join", query_string={"code": "??"})
    assert bad.status_code == 422 and 'id="code-error"' in bad.get_data(as_text=True)


def test_duplicate_phone(client, session, base_data):
    client.set_cookie("lang", "en")
    invite = _invite(session, base_data, "CX")
    # The demo consumer already signs in with this number.
    response = client.post(f"/join/{invite.code}", data=dict(JOINER, phone="13800000001"), headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="phone-error"' in body and "already has an account" in body
    assert _reload(session, VolunteerInvite, invite.id).uses == 0


@pytest.mark.parametrize("data,field", [
    (dict(JOINER, phone="12345"), "phone"),
    (dict(JOINER, password="short"), "password"),
    (dict(JOINER, display_name=""), "display_name"),
])
def test_join_bad_input_keeps_values(client, session, base_data, data, field):
    invite = _invite(session, base_data, "CX")
    response = client.post(f"/join/{invite.code}", data=data, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in body
    if field != "display_name":
        assert f'value="{JOINER["display_name"]}"' in body
    assert 'value="long-enough-1"' not in body and "short" not in body.split('id="password"')[1][:80]
    assert _reload(session, VolunteerInvite, invite.id).uses == 0


# --- participation and the roster page -----------------------------------------------------------------

def _volunteer(session, base_data, name, phone, district="CX") -> User:
    user = User(username=phone, phone=phone, display_name=name, role="volunteer",
                district_id=base_data.districts[district].id)
    user.set_password("long-enough-1")
    session.add(user)
    session.commit()
    return user


def test_participation_counts(client, session, base_data, login_as):
    recorder = base_data.users["volunteer"]  # CX
    helper = _volunteer(session, base_data, "\u5434\u5e2e\u5fd9", "13922223333")
    idle = _volunteer(session, base_data, "\u90d1\u672a\u53bb", "13922224444")
    _volunteer(session, base_data, "\u4e1c\u533a\u4eba", "13922225555", district="CD")
    first = make_event(session, base_data, held_on=date(2025, 3, 15))
    second = make_event(session, base_data, held_on=date.today())
    session.add(EventVolunteer(event_id=first.id, user_id=helper.id))
    session.commit()

    rows = {r.user.id: r for r in roster.participation(session, base_data.districts["CX"].id)}
    assert set(rows) == {recorder.id, helper.id, idle.id}
    assert (rows[recorder.id].events, rows[recorder.id].last_held_on, rows[recorder.id].recorded) == (
        2, second.held_on, 2)
    assert (rows[helper.id].events, rows[helper.id].last_held_on, rows[helper.id].recorded) == (
        1, date(2025, 3, 15), 0)
    assert (rows[idle.id].events, rows[idle.id].last_held_on, rows[idle.id].recorded) == (0, None, 0)
    recent = {r.user.id: r.events for r in roster.participation(session, base_data.districts["CX"].id,
                                                                since=date(2025, 6, 1))}
    assert recent == {recorder.id: 1, helper.id: 0, idle.id: 0}
    assert len(roster.participation(session, None)) == 4
    assert [u.id for u in roster.members(session, base_data.districts["CX"].id)] == sorted(
        [recorder.id, helper.id, idle.id], key=lambda i: session.get(User, i).display_name)

    login_as("supervisor")
    page = client.get("/volunteers", query_string={"district": base_data.districts["CX"].id})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="volunteer-{helper.id}"' in body and f'id="volunteer-{idle.id}"' in body
    row = body.split(f'id="volunteer-{recorder.id}"')[1].split("</tr>")[0]
    assert '<span class="count">2</span>' in row and second.held_on.isoformat() in row
    assert "\u4e1c\u533a\u4eba" not in body  # another district's volunteer, filtered out


def test_deactivate_within_district_only(client, session, base_data, login_as):
    cx_volunteer = base_data.users["volunteer"]
    cd_volunteer = _volunteer(session, base_data, "\u4e1c\u533a\u4eba", "13922225555", district="CD")
    login_as("handler")  # CD
    assert client.post(f"/volunteers/{cx_volunteer.id}/active", data={"active": "0"}, headers=HX).status_code == 404
    assert _reload(session, User, cx_volunteer.id).active is True
    # Staff are not volunteers: not on this page to switch off.
    handler = base_data.users["handler"]
    assert client.post(f"/volunteers/{handler.id}/active", data={"active": "0"}, headers=HX).status_code == 404
    assert client.post(f"/volunteers/{cd_volunteer.id}/active", data={"active": "maybe"}).status_code == 400

    response = client.post(f"/volunteers/{cd_volunteer.id}/active", data={"active": "0"}, headers=HX)
    assert response.status_code == 200 and 'id="roster"' in response.get_data(as_text=True)
    assert _reload(session, User, cd_volunteer.id).active is False
    assert cd_volunteer.id not in [u.id for u in roster.members(session, base_data.districts["CD"].id)]
    assert session.exec(select(AuditLog).where(AuditLog.action == "volunteer.deactivate")).first()
    back = client.post(f"/volunteers/{cd_volunteer.id}/active", data={"active": "1"})
    assert back.status_code == 303
    assert _reload(session, User, cd_volunteer.id).active is True
    with pytest.raises(PermissionError):
        roster.set_active(session, base_data.users["handler"], cx_volunteer, False)


def test_deactivated_volunteer_cannot_sign_in(client, session, base_data, login_as):
    login_as("supervisor")
    volunteer = base_data.users["volunteer"]
    assert client.post(f"/volunteers/{volunteer.id}/active", data={"active": "0"}).status_code == 303
    client.post("/logout")
    response = client.post("/login", data={"username": "volunteer", "password": "xiaobao-demo-2026"}, headers=HX)
    assert response.status_code == 422
