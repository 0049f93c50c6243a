"""The handler's and supervisor's screens: inbox scoping and filters, actions with 422/409/403, 督办, audit."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from webapp.audit import AuditLog
from webapp.auth.models import User
from webapp.complaints import deadlines, handling, states
from webapp.complaints.models import Complaint, ComplaintEvent
from webapp.demo_data import DEMO_PASSWORD

HX = {"HX-Request": "true"}


@pytest.fixture
def people(base_data):
    return base_data.users


@pytest.fixture
def cx_merchant(base_data):
    return next(m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id)


@pytest.fixture
def make_cx(make_complaint, cx_merchant):
    """A complaint against a merchant of 城西区 (CX); the demo handler works in 城东区 (CD)."""
    def _make(**overrides):
        return make_complaint(merchant_id=str(cx_merchant.id), merchant_name=cx_merchant.name,
                              district_id=str(cx_merchant.district_id), **overrides)
    return _make


@pytest.fixture
def cx_handler(session, base_data):
    user = User(username="handler_cx", display_name="西区受理", role="handler",
                district_id=base_data.districts["CX"].id)
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    session.commit()
    return user


def _login(client, user):
    response = client.post("/login", data={"username": user.username, "password": DEMO_PASSWORD})
    assert response.status_code in (200, 303)


def _fresh(session, complaint):
    session.expire_all()
    return session.get(Complaint, complaint.id)


def _mediating(session, people, complaint, assignee=None):
    handling.accept(session, people["handler"], complaint, complaint.version)
    handling.assign(session, people["handler"], complaint, complaint.version, assignee or people["handler"])
    session.commit()
    return complaint


def _make_overdue(session, complaint, days=30):
    """Move the receipt back so the 7-working-day decision deadline has passed."""
    complaint.received_at = complaint.received_at - timedelta(days=days)
    deadlines.recompute(session, complaint)
    session.commit()
    return complaint


def _codes(html):
    return set(re.findall(r'id="complaint-(\d+)"', html))


def _post(client, complaint, slug, data=None, headers=HX, version=None):
    form = {"version": str(complaint.version if version is None else version), **(data or {})}
    return client.post(f"/handling/complaints/{complaint.tracking_code}/{slug}", data=form, headers=headers)


# --- who may see the inbox ------------------------------------------------------------------------

def test_inbox_sends_strangers_to_login(client, base_data):
    response = client.get("/handling/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    htmx = client.get("/handling/inbox", headers=HX)
    assert htmx.status_code == 401 and "/login" in htmx.headers["HX-Redirect"]


@pytest.mark.parametrize("role", ["consumer", "volunteer", "inspector", "admin"])
def test_inbox_is_for_handlers_and_supervisors_only(client, login_as, role):
    login_as(role)
    for url in ("/handling/inbox", "/handling/referrals", "/handling/overdue"):
        assert client.get(url).status_code == 403, url


def test_handler_sees_only_their_district_city_supervisor_sees_all(client, login_as, make_complaint, make_cx,
                                                                  base_data):
    cd, cx = make_complaint(), make_cx()
    login_as("handler")
    html = client.get("/handling/inbox").get_data(as_text=True)
    assert _codes(html) == {str(cd.id)}
    # A district filter cannot widen a handler's view.
    html = client.get(f"/handling/inbox?district_id={base_data.districts['CX'].id}").get_data(as_text=True)
    assert _codes(html) == {str(cd.id)}

    login_as("supervisor")
    html = client.get("/handling/inbox").get_data(as_text=True)
    assert _codes(html) == {str(cd.id), str(cx.id)}
    assert 'name="district_id"' in html
    html = client.get(f"/handling/inbox?district_id={base_data.districts['CX'].id}").get_data(as_text=True)
    assert _codes(html) == {str(cx.id)}


def test_rows_show_code_merchant_state_assignee_and_days_left(client, login_as, make_complaint, base_data):
    complaint = make_complaint()
    login_as("handler")
    html = client.get("/handling/inbox").get_data(as_text=True)
    code = complaint.tracking_code
    assert f"{code[:5]}-{code[5:]}" in html
    assert base_data.merchants[0].name in html and "食品" in html
    assert "剩 7 个工作日" in html and "未分办" in html
    assert f'href="/handling/complaints/{code}"' in html


# --- filters, search, order, pages ---------------------------------------------------------------

def test_filters_narrow_the_inbox(client, login_as, make_complaint, session, people, base_data):
    fresh = make_complaint(consumer_phone="13700001111")
    late = _make_overdue(session, make_complaint(consumer_phone="13700002222"))
    mine = _mediating(session, people, make_complaint(consumer_phone="13700003333"))
    other_merchant = base_data.merchants[1]
    theirs = make_complaint(merchant_id=str(other_merchant.id), merchant_name=other_merchant.name,
                            category_id=str(base_data.categories["appliances"].id))
    login_as("handler")

    def ids(query):
        response = client.get(f"/handling/inbox?{query}")
        assert response.status_code == 200
        return _codes(response.get_data(as_text=True))

    everyone = {str(c.id) for c in (fresh, late, mine, theirs)}
    assert ids("") == everyone
    assert ids("state=mediating") == {str(mine.id)}
    assert ids("state=submitted") == everyone - {str(mine.id)}
    assert ids("state=open") == everyone
    assert ids("state=closed") == set()
    assert ids("due=overdue") == {str(late.id)}
    assert ids("due=due_soon") == set()
    assert ids("assignee=me") == {str(mine.id)}
    assert ids("assignee=none") == everyone - {str(mine.id)}
    assert ids(f"assignee={people['handler'].id}") == {str(mine.id)}
    assert ids(f"category_id={base_data.categories['appliances'].id}") == {str(theirs.id)}
    assert ids("channel=web") == everyone and ids("channel=hotline") == set()
    assert ids(f"merchant={other_merchant.name[:3]}") == {str(theirs.id)}
    # One search box: tracking code (with or without the hyphen, any case), phone digits, merchant name.
    code = late.tracking_code
    assert ids(f"q={code}") == {str(late.id)}
    assert ids(f"q={code[:5].lower()}-{code[5:]}") == {str(late.id)}
    assert ids("q=13700003333") == {str(mine.id)}
    assert ids("q=3333") == {str(mine.id)}
    assert ids(f"q={other_merchant.name}") == {str(theirs.id)}
    assert ids("q=%25") == set()  # a LIKE wildcard is searched for literally
    assert ids("state=bogus&due=whenever&assignee=somebody") == everyone  # unknown values are ignored


def test_due_soon_filter(client, login_as, make_complaint, session):
    soon = make_complaint()
    today = deadlines.local_date(soon.received_at)
    # Received long ago, due in one working day from today.
    from webapp import workdays
    soon.accept_due_on = workdays.add_workdays(today, 1)
    session.commit()
    later = make_complaint()
    login_as("handler")
    html = client.get("/handling/inbox?due=due_soon").get_data(as_text=True)
    assert _codes(html) == {str(soon.id)}
    assert str(later.id) not in _codes(html)


def test_most_urgent_first_paused_and_concluded_last(client, login_as, make_complaint, session, people):
    done = make_complaint()
    handling.reject(session, people["handler"], done, done.version, "duplicate", "重复投诉")
    paused = make_complaint()
    handling.request_info(session, people["handler"], paused, paused.version, "请补充小票照片")
    session.commit()
    fresh = make_complaint()
    late = _make_overdue(session, make_complaint())
    login_as("handler")
    html = client.get("/handling/inbox").get_data(as_text=True)
    order = re.findall(r'id="complaint-(\d+)"', html)
    assert order == [str(late.id), str(fresh.id), str(paused.id), str(done.id)]
    assert "超期" in html and "暂停计时" in html


def test_htmx_gets_only_the_results_and_the_url_is_shareable(client, login_as, make_complaint):
    complaint = make_complaint()
    login_as("handler")
    full = client.get("/handling/inbox")
    page = full.get_data(as_text=True)
    assert "<html" in page and 'id="inbox-results"' in page
    assert 'hx-get="/handling/inbox"' in page and 'hx-push-url="true"' in page and 'hx-target="#inbox-results"' in page
    partial = client.get("/handling/inbox?state=submitted", headers=HX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body and 'id="inbox-filters"' not in body
    assert f'id="complaint-{complaint.id}"' in body
    assert "HX-Request" in partial.headers["Vary"]


def test_pagination_25_per_page(client, login_as, make_complaint):
    made = [make_complaint() for _ in range(27)]
    login_as("handler")
    first = client.get("/handling/inbox").get_data(as_text=True)
    assert len(_codes(first)) == 25 and "27" in first
    assert "/handling/inbox?page=2" in first
    second = client.get("/handling/inbox?page=2", headers=HX).get_data(as_text=True)
    assert len(_codes(second)) == 2
    assert _codes(first) | _codes(second) == {str(c.id) for c in made}
    # A page past the end shows the last page rather than nothing.
    assert _codes(client.get("/handling/inbox?page=99").get_data(as_text=True)) == _codes(second)


# --- the staff complaint page ---------------------------------------------------------------------

def test_staff_page_shows_consumer_details_timeline_and_allowed_actions(client, login_as, make_complaint):
    complaint = make_complaint(consumer_phone="13912345678")
    login_as("handler")
    response = client.get(f"/handling/complaints/{complaint.tracking_code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "测试用户" in html and 'href="tel:13912345678"' in html
    assert "买到的牛奶已经过期两天" in html and "¥56.80" in html and "退货退款" in html
    assert "/handling/complaints/%s/accept" % complaint.tracking_code in html
    assert "/handling/complaints/%s/reject" % complaint.tracking_code in html
    assert "/resolve" not in html and "/remind" not in html and "/audit" not in html
    assert f'name="version" value="{complaint.version}"' in html


def test_staff_page_is_for_district_staff_only(client, login_as, make_complaint, make_cx, cx_handler):
    cd = make_complaint()
    _login(client, cx_handler)
    assert client.get(f"/handling/complaints/{cd.tracking_code}").status_code == 404
    login_as("consumer")
    assert client.get(f"/handling/complaints/{cd.tracking_code}").status_code == 403
    login_as("supervisor")
    assert client.get(f"/handling/complaints/{make_cx().tracking_code}").status_code == 200


def test_internal_note_is_on_the_staff_page_but_not_the_consumers(client, app, login_as, make_complaint, session,
                                                                 people):
    complaint = _mediating(session, people, make_complaint(consumer_phone="13912345678"))
    login_as("handler")
    response = _post(client, complaint, "log-step", {"kind": "call", "note": "商家老板态度强硬，内部记录", "internal": "on"})
    assert response.status_code == 200
    response = _post(client, _fresh(session, complaint), "log-step", {"kind": "call", "note": "已电话联系商家"})
    assert response.status_code == 200
    staff = client.get(f"/handling/complaints/{complaint.tracking_code}").get_data(as_text=True)
    assert "商家老板态度强硬，内部记录" in staff and "内部" in staff and "已电话联系商家" in staff

    consumer = app.test_client()
    found = consumer.post("/track", data={"code": complaint.tracking_code, "phone_last4": "5678"})
    assert found.status_code == 303
    public = consumer.get(f"/track/{complaint.tracking_code}").get_data(as_text=True)
    assert "已电话联系商家" in public and "商家老板态度强硬" not in public
    # Holding the tracking code does not open the staff page.
    assert consumer.get(f"/handling/complaints/{complaint.tracking_code}").status_code == 302


# --- actions --------------------------------------------------------------------------------------

def test_accept_moves_on_and_redirects_with_htmx(client, login_as, make_complaint, session, app):
    sent = []

    class Outbox:
        name = "email"

        def send(self, to, subject, body):
            sent.append((to, subject))

    app.extensions["notify_channels"]["email"] = Outbox()
    complaint = make_complaint(consumer_email="wang@example.com")
    login_as("handler")
    response = _post(client, complaint, "accept")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/handling/complaints/{complaint.tracking_code}"
    complaint = _fresh(session, complaint)
    assert complaint.state == states.ACCEPTED and complaint.version == 2
    assert sent and sent[0][0] == "wang@example.com"
    # Without htmx, a plain form gets 303 See Other.
    plain = _post(client, complaint, "assign", {"assignee_id": str(complaint.owner_id)}, headers={})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(complaint.tracking_code)
    assert _fresh(session, complaint).state == states.MEDIATING


def test_reject_without_reason_is_422_and_changes_nothing(client, login_as, make_complaint, session):
    complaint = make_complaint()
    login_as("handler")
    response = _post(client, complaint, "reject", {"reject_reason": "", "note": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="action-reject"' in html
    assert 'id="reject_reason-error"' in html and 'id="note-error"' in html and "open" in html
    assert _fresh(session, complaint).state == states.SUBMITTED and _fresh(session, complaint).version == 1
    response = _post(client, complaint, "reject", {"reject_reason": "duplicate", "note": ""})
    assert response.status_code == 422 and 'id="note-error"' in response.get_data(as_text=True)
    response = _post(client, complaint, "reject", {"reject_reason": "duplicate", "note": "与另一件重复"})
    assert response.status_code == 200 and _fresh(session, complaint).state == states.REJECTED
    full = _post(client, make_complaint(), "reject", {"note": "x"}, headers={})
    assert full.status_code == 422 and "<html" in full.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["-20", "abc", "100000000000", "1.234"])
def test_resolve_with_a_bad_amount_is_422(client, login_as, make_complaint, session, people, amount):
    complaint = _mediating(session, people, make_complaint())
    login_as("handler")
    response = _post(client, complaint, "resolve", {"outcome": "商家退款", "recovered": amount})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="recovered-error"' in html and f'value="{amount}"' in html and "商家退款" in html
    assert _fresh(session, complaint).state == states.MEDIATING


def test_resolve_stores_money_in_fen(client, login_as, make_complaint, session, people):
    complaint = _mediating(session, people, make_complaint())
    login_as("handler")
    response = _post(client, complaint, "resolve", {"outcome": "商家退款并赔偿", "recovered": "1,299.50"})
    assert response.status_code == 200
    complaint = _fresh(session, complaint)
    assert complaint.state == states.RESOLVED and complaint.recovered_fen == 129950


def test_stale_version_is_409_with_the_current_state(client, login_as, make_complaint, session, people):
    complaint = make_complaint()
    handling.accept(session, people["supervisor"], complaint, 1)
    session.commit()
    login_as("handler")
    response = _post(client, complaint, "reject", {"reject_reason": "duplicate", "note": "重复"}, version=1)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "这件投诉刚被其他人更新" in html and "已受理" in html
    assert response.headers["HX-Retarget"] == f"#complaint-{complaint.id}"
    assert _fresh(session, complaint).state == states.ACCEPTED and _fresh(session, complaint).version == 2
    # Same state, still stale: a second tab's log entry does not overwrite either.
    _mediating_now = _fresh(session, complaint)
    handling.assign(session, people["handler"], _mediating_now, 2, people["handler"])
    session.commit()
    response = _post(client, complaint, "log-step", {"kind": "call", "note": "x"}, version=2)
    assert response.status_code == 409
    assert session.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "step_call")).first() is None


def test_form_without_version_is_a_bad_request(client, login_as, make_complaint, session, people):
    complaint = make_complaint()
    login_as("handler")
    response = client.post(f"/handling/complaints/{complaint.tracking_code}/accept", data={}, headers=HX)
    assert response.status_code == 400
    assert _post(client, complaint, "accept", version="²").status_code == 400
    assert _post(client, complaint, "accept", version="9" * 30).status_code == 409
    handling.accept(session, people["handler"], complaint, 1)
    session.commit()
    for odd in ("²", "9" * 30, "-1", "abc"):
        response = _post(client, _fresh(session, complaint), "assign", {"assignee_id": odd})
        assert response.status_code == 422, odd


def test_action_not_allowed_now_is_409(client, login_as, make_complaint):
    complaint = make_complaint()
    login_as("handler")
    response = _post(client, complaint, "close")
    assert response.status_code == 409
    assert client.post(f"/handling/complaints/{complaint.tracking_code}/explode",
                       data={"version": "1"}).status_code == 404


@pytest.mark.parametrize("role", ["consumer", "volunteer", "inspector"])
@pytest.mark.parametrize("slug", ["accept", "reject", "remind"])
def test_other_roles_cannot_act(client, login_as, make_complaint, session, role, slug):
    complaint = make_complaint()
    login_as(role)
    response = _post(client, complaint, slug, {"reject_reason": "duplicate", "note": "x"})
    assert response.status_code in (403, 404)
    assert _fresh(session, complaint).state == states.SUBMITTED


def test_handler_of_another_district_gets_404(client, make_complaint, session, cx_handler):
    complaint = make_complaint()
    _login(client, cx_handler)
    assert _post(client, complaint, "accept").status_code == 404
    assert _fresh(session, complaint).state == states.SUBMITTED


def test_only_a_supervisor_reassigns_and_says_why(client, login_as, make_complaint, session, people, base_data):
    other = User(username="handler2", display_name="东区二号", role="handler",
                 district_id=base_data.districts["CD"].id)
    other.set_password(DEMO_PASSWORD)
    session.add(other)
    session.commit()
    complaint = _mediating(session, people, make_complaint())
    login_as("handler")
    page = client.get(f"/handling/complaints/{complaint.tracking_code}").get_data(as_text=True)
    assert "/assign" not in page  # a handler is not offered a reassignment
    response = _post(client, complaint, "assign", {"assignee_id": str(other.id), "reason": "请假"})
    assert response.status_code == 403
    assert _fresh(session, complaint).assignee_id == people["handler"].id

    login_as("supervisor")
    page = client.get(f"/handling/complaints/{complaint.tracking_code}").get_data(as_text=True)
    assert "更换调解人" in page and 'name="reason"' in page
    response = _post(client, complaint, "assign", {"assignee_id": str(other.id), "reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    response = _post(client, complaint, "assign", {"assignee_id": str(other.id), "reason": "原调解人休假"})
    assert response.status_code == 200
    complaint = _fresh(session, complaint)
    assert complaint.assignee_id == other.id and complaint.owner_id == people["handler"].id
    assert session.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "reassigned")).one().note == "原调解人休假"


def test_request_info_pauses_and_follow_up_records_satisfaction(client, login_as, make_complaint, session, people):
    complaint = _mediating(session, people, make_complaint())
    login_as("handler")
    assert _post(client, complaint, "request-info", {"note": ""}).status_code == 422
    assert _post(client, complaint, "request-info", {"note": "请补充购物小票"}).status_code == 200
    complaint = _fresh(session, complaint)
    assert complaint.paused_since is not None
    page = client.get(f"/handling/complaints/{complaint.tracking_code}").get_data(as_text=True)
    assert "暂停计时" in page and "/request-info" not in page

    done = _mediating(session, people, make_complaint())
    handling.resolve(session, people["handler"], done, done.version, "退款", 5680)
    handling.close(session, people["handler"], done, done.version)
    session.commit()
    assert _post(client, done, "follow-up", {"satisfaction": "9"}).status_code == 422
    assert _post(client, done, "follow-up", {"satisfaction": "4", "note": "基本满意"}).status_code == 200
    done = _fresh(session, done)
    assert done.satisfaction == 4
    assert "/follow-up" not in client.get(f"/handling/complaints/{done.tracking_code}").get_data(as_text=True)


def test_fail_refer_close_archive(client, login_as, make_complaint, session, people):
    login_as("handler")
    failed = _mediating(session, people, make_complaint())
    assert _post(client, failed, "fail", {"advice": ""}).status_code == 422
    assert _post(client, failed, "fail", {"advice": "court", "note": "建议起诉"}).status_code == 200
    failed = _fresh(session, failed)
    assert failed.state == states.MEDIATION_FAILED
    assert _post(client, failed, "close").status_code == 200
    failed = _fresh(session, failed)
    assert _post(client, failed, "archive").status_code == 200
    assert _fresh(session, failed).state == states.ARCHIVED

    referred = _mediating(session, people, make_complaint())
    assert _post(client, referred, "refer", {"reason": ""}).status_code == 422
    assert _post(client, referred, "refer", {"reason": "涉嫌销售过期食品，移交执法"}).status_code == 200
    assert _fresh(session, referred).state == states.REFERRED
    html = client.get("/handling/referrals").get_data(as_text=True)
    assert f'id="complaint-{referred.id}"' in html and "涉嫌销售过期食品" in html
    assert f'id="complaint-{failed.id}"' not in html


# --- supervisors: audit and 督办 -------------------------------------------------------------------

def test_audit_trail_is_for_supervisors(client, login_as, make_complaint, session, people):
    complaint = make_complaint()
    handling.accept(session, people["handler"], complaint, 1)
    session.commit()
    login_as("handler")
    assert client.get(f"/handling/complaints/{complaint.tracking_code}/audit").status_code == 403
    login_as("supervisor")
    page = client.get(f"/handling/complaints/{complaint.tracking_code}").get_data(as_text=True)
    assert f"/handling/complaints/{complaint.tracking_code}/audit" in page
    response = client.get(f"/handling/complaints/{complaint.tracking_code}/audit")
    html = response.get_data(as_text=True)
    rows = session.exec(select(AuditLog).where(AuditLog.object_id == complaint.id)).all()
    assert response.status_code == 200 and len(rows) == 2
    for row in rows:
        assert f'id="audit-{row.id}"' in html
    assert "陈受理" in html and "待受理" in html and "已受理" in html and "→" in html


def test_overdue_list_and_reminder(client, login_as, make_complaint, make_cx, session, people, app):
    sent = []

    class Outbox:
        name = "email"

        def send(self, to, subject, body):
            sent.append(to)

    app.extensions["notify_channels"]["email"] = Outbox()
    handler = session.get(User, people["handler"].id)
    handler.email = "chen@example.com"
    late = _make_overdue(session, _mediating(session, people, make_complaint()), days=100)
    late.accepted_at = late.received_at
    deadlines.recompute(session, late)
    session.commit()
    on_time = make_complaint()
    far = _make_overdue(session, make_cx())
    login_as("handler")
    assert client.get("/handling/overdue").status_code == 403
    assert _post(client, late, "remind", {"note": "请尽快办结"}).status_code == 403

    login_as("supervisor")
    html = client.get("/handling/overdue").get_data(as_text=True)
    assert _codes(html) == {str(late.id), str(far.id)} and str(on_time.id) not in _codes(html)
    assert "超期" in html and "陈受理" in html
    response = client.post(f"/handling/complaints/{late.tracking_code}/remind",
                           data={"back": "overdue", "note": ""}, headers=HX)
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert "<html" not in row and row.strip().startswith(f'<li id="complaint-{late.id}"') and "已督办" in row
    event = session.exec(select(ComplaintEvent).where(ComplaintEvent.kind == "reminder")).one()
    assert event.complaint_id == late.id and event.public is False
    assert sent == ["chen@example.com"]
    assert "督办 1 次" in client.get("/handling/overdue").get_data(as_text=True)
    # From the complaint page, a reminder goes back to the complaint.
    response = _post(client, _fresh(session, late), "remind", {"note": "再次督办"})
    assert response.headers["HX-Redirect"] == f"/handling/complaints/{late.tracking_code}"


def test_english_labels(client, login_as, make_complaint):
    make_complaint()
    login_as("handler")
    html = client.get("/handling/inbox?lang=en").get_data(as_text=True)
    assert "Complaint inbox" in html and "7 working days left" in html and "Not assigned" in html


def test_inbox_queries_do_not_grow_with_the_rows(client, login_as, make_complaint, session, people, app):
    from sqlalchemy import event

    engine = app.extensions["db_engine"]
    statements = []

    def count(*_args):
        statements.append(1)

    def queries_for_inbox():
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/handling/inbox").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    login_as("handler")
    _mediating(session, people, make_complaint())
    few = queries_for_inbox()
    for _ in range(6):
        _mediating(session, people, make_complaint())
    assert queries_for_inbox() == few


def test_absurd_query_values_do_not_break_the_inbox(client, login_as, make_complaint):
    complaint = make_complaint()
    login_as("supervisor")
    huge = "9" * 30
    response = client.get(f"/handling/inbox?assignee={huge}&category_id={huge}&district_id={huge}&page={huge}")
    # Not an id: ignored like any other unknown value.
    assert response.status_code == 200 and _codes(response.get_data(as_text=True)) == {str(complaint.id)}
    response = client.get(f"/handling/inbox?page={huge}&q=%27%22%3C")
    assert response.status_code == 200
    assert _codes(client.get("/handling/inbox?page=-3").get_data(as_text=True)) == {str(complaint.id)}
