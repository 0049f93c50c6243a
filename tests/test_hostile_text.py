"""Hostile text through every form and the query strings of the reports and searches (hypothesis).

Text mixes Han, Uyghur, Tibetan, Latin and Cyrillic, emoji with ZWJ, combining marks, RTL override,
zero-width characters, control characters including NUL, surrogates (sent as the undecodable bytes a
broken client would send), markup, and 100k-character runs. Properties, for every form:
  - never a 5xx;
  - a 4xx saves nothing (no row anywhere changes in number);
  - no raw markup from the input in any HTML answer (a fixed marker `<i-x>` rides in every value);
  - what a saved text field holds is the input with at most control and format characters removed and the
    ends trimmed: letters, marks, symbols and spaces come back exactly, and NUL never reaches the database.
"""
from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import text
from sqlmodel import Session, select

from conftest import complaint_form
from inspection_helpers import JSON, inspection_form, template
from outreach_helpers import make_event
from test_outreach_events import event_form
from webapp.all_models import metadata
from webapp.complaints.models import Complaint, ComplaintEvent
from webapp.inspections.models import Inspection
from webapp.outreach import roster
from webapp.outreach.models import OutreachEvent

EXAMPLES = 25
HYPOTHESIS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.data_too_large])
MARK = "<i-x>"
PIECES = ["消费者投诉", "ئۇيغۇرچە", "བོད་ཡིག", "Latin text", "Кириллица", "👨\u200d👩\u200d👧🍜", "e\u0301\u0308",
          "\u202eevil", "\u200b\u200c\u200d\ufeff", "\x00", "\x01\x1b[31m\x7f\x85", "\ud800", "\udfff", "\r\n",
          "\t", "<script>alert(1)</script>", "&amp;", "'\"", "%00", "\\x00", " ", "１２３"]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=6).map("".join)
LONG = ("长👨\u200d👩\u200d👧\u0301\u202e\x00" * 20_000)[:100_000]  # an explicit @example in every test


def encode(form: dict) -> bytes:
    """x-www-form-urlencoded, with lone surrogates sent as the (invalid) bytes a broken client would send."""
    def q(value):
        return quote(str(value).encode("utf-8", "surrogatepass"), safe="")
    pairs = []
    for key, value in form.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append(f"{q(key)}={q(v)}")
    return "&".join(pairs).encode()


def row_counts(app) -> dict[str, int]:
    with app.extensions["db_engine"].connect() as conn:
        return {t.name: conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar()
                for t in metadata.sorted_tables}


def kept(value: str) -> str:
    """What must survive of a text: letters, marks, numbers, punctuation, symbols and spaces, ends trimmed.

    Forms may drop "other" characters (control, format, surrogate, private-use, and code points this
    Python's Unicode tables do not know yet, category C*), nothing else.
    """
    return "".join(c for c in value if unicodedata.category(c)[0] != "C").strip()


def as_received(sent: str) -> str:
    """Werkzeug keeps bytes that are not UTF-8 as their %XX escapes: a lone surrogate arrives as text."""
    return "".join(quote(c.encode("utf-8", "surrogatepass"), safe="") if unicodedata.category(c) == "Cs" else c
                   for c in sent)


def same_text(sent: str, stored: str) -> bool:
    return "\x00" not in stored and kept(as_received(sent)) == kept(stored)


def submit(client, method: str, url: str, form: dict, headers=None):
    if method == "GET":
        return client.get(url + ("&" if "?" in url else "?") + encode(form).decode(), headers=headers)
    return client.post(url, data=encode(form), headers=headers, content_type="application/x-www-form-urlencoded")


def check(app, client, method, url, form, headers=None):
    """Submit; return the response after checking the properties every form shares."""
    before = row_counts(app)
    response = submit(client, method, url, form, headers)
    status = response.status_code
    assert status < 500, (url, status)
    if 400 <= status < 500:
        assert row_counts(app) == before, (url, status, "a refused submission saved something")
    if response.mimetype == "text/html":
        assert MARK not in response.get_data(as_text=True), (url, "raw markup from the input")
    return response


def hostile(value: str) -> str:
    return MARK + value


# ------------------------------------------------------------------------------------------- the forms

def test_complaint_filing(client, session, base_data, app):
    @HYPOTHESIS
    @given(field=st.sampled_from(["merchant_name", "merchant_address", "description", "consumer_name",
                                  "consumer_phone", "amount", "purchase_date", "problem_type"]), value=TEXT)
    @example(field="description", value=LONG)
    def run(field, value):
        client_uuid = str(uuid.uuid4())
        form = complaint_form(base_data, client_uuid=client_uuid, **{field: hostile(value)})
        if field in ("merchant_name", "merchant_address"):
            form.pop("merchant_id")
        response = check(app, client, "POST", "/complaints", form)
        if response.status_code in (302, 303):
            session.expire_all()
            saved = session.exec(select(Complaint).where(Complaint.client_uuid == client_uuid)).one()
            stored = {"description": saved.description, "consumer_name": saved.consumer_name}.get(field)
            if stored is not None:
                assert same_text(hostile(value), stored)
            page = client.get(f"/track/{saved.tracking_code}")
            assert page.status_code == 200 and MARK not in page.get_data(as_text=True)
    run()


def test_track_lookup_add_info_dispute_rate_withdraw(client, session, base_data, app, make_complaint):
    complaint = make_complaint()
    code = complaint.tracking_code
    assert client.post("/track", data={"code": code, "phone_last4": "5678"}).status_code == 303

    @HYPOTHESIS
    @given(target=st.sampled_from(["track-code", "track-digits", "info", "dispute", "rate", "withdraw"]),
           value=TEXT)
    @example(target="info", value=LONG)
    def run(target, value):
        v = hostile(value)
        url, form = {
            "track-code": ("/track", {"code": v, "phone_last4": "5678"}),
            "track-digits": ("/track", {"code": code, "phone_last4": v}),
            "info": (f"/track/{code}/info", {"note": v}),
            "dispute": (f"/track/{code}/dispute", {"reason": v}),
            "rate": (f"/track/{code}/rate", {"score": "4", "comment": v}),
            "withdraw": (f"/track/{code}/withdraw", {"reason": v}),
        }[target]
        response = check(app, client, "POST", url, form)
        if target == "info" and response.status_code in (302, 303):
            session.expire_all()
            note = session.exec(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                                .order_by(ComplaintEvent.id.desc())).first()
            assert same_text(v, note.note)
            assert MARK not in client.get(f"/track/{code}").get_data(as_text=True)
    run()


def test_login_register_join(client, session, base_data, app):
    invite = roster.create_invite(session, base_data.users["supervisor"], base_data.districts["CX"].id, 7, roster.MAX_USES[1])
    session.commit()

    @HYPOTHESIS
    @given(target=st.sampled_from(["login-user", "login-password", "register-phone", "register-name",
                                   "register-password", "join-name", "join-phone"]), value=TEXT)
    @example(target="login-user", value=LONG)
    def run(target, value):
        v = hostile(value)
        person = {"display_name": "张志愿", "phone": f"139{uuid.uuid4().int % 10**8:08d}", "password": "long-enough-1"}
        url, form = {
            "login-user": ("/login", {"username": v, "password": "x"}),
            "login-password": ("/login", {"username": "handler", "password": v}),
            "register-phone": ("/register", {**person, "phone": v}),
            "register-name": ("/register", {**person, "display_name": v}),
            "register-password": ("/register", {**person, "password": v}),
            "join-name": (f"/join/{invite.code}", {**person, "display_name": v}),
            "join-phone": (f"/join/{invite.code}", {**person, "phone": v}),
        }[target]
        check(app, client, "POST", url, form)
        client.post("/logout")
    run()


def test_inspections(client, session, base_data, app, login_as):
    login_as("inspector")
    _t, items = template(session)

    @HYPOTHESIS
    @given(field=st.sampled_from(["note", "merchant_search", "new_merchant_name", "new_merchant_address",
                                  "item-note", "sample-0-product", "inspector_count", "captured_at"]), value=TEXT)
    @example(field="note", value=LONG)
    def run(field, value):
        form = inspection_form(session, base_data)
        if field == "item-note":
            field = f"item-{items[3].id}-note"
        if field.startswith("new_merchant"):
            form.pop("merchant_id")
            form.update(new_merchant_name="新商户", new_merchant_address="城东路1号",
                        new_merchant_district_id=str(base_data.districts["CD"].id), merchant_search="")
        form[field] = hostile(value)
        response = check(app, client, "POST", "/inspections", form, JSON)
        if response.status_code == 201 and field == "note":
            session.expire_all()
            saved = session.get(Inspection, response.get_json()["id"])
            assert same_text(form["note"], saved.note)
            assert MARK not in client.get(f"/inspections/{saved.id}").get_data(as_text=True)
    run()


def test_events_and_event_edit(client, session, base_data, app, login_as):
    login_as("volunteer")
    event = make_event(session, base_data)

    @HYPOTHESIS
    @given(edit=st.booleans(), field=st.sampled_from(["place", "topic", "note", "start_time", "participants",
                                                      "formats", "venue_type"]), value=TEXT)
    @example(edit=False, field="topic", value=LONG)
    def run(edit, field, value):
        form = event_form(**{field: hostile(value)})
        if edit:
            form = {k: v for k, v in form.items() if k not in ("client_uuid", "captured_at")}
            response = check(app, client, "POST", f"/events/{event.id}/edit", form)
            record_id = event.id if response.status_code in (302, 303) else None
        else:
            response = check(app, client, "POST", "/events", form, JSON)
            record_id = response.get_json()["id"] if response.status_code == 201 else None
        if record_id and field in ("place", "topic", "note"):
            session.expire_all()
            assert same_text(form[field], getattr(session.get(OutreachEvent, record_id), field))
            assert MARK not in client.get(f"/events/{record_id}").get_data(as_text=True)
    run()


def test_supervisor_forms_warnings_targets_campaigns_invites_reports(client, session, base_data, app, login_as):
    login_as("supervisor")
    today = date.today()

    @HYPOTHESIS
    @given(target=st.sampled_from(["warning-title", "warning-summary", "warning-body", "target-note",
                                   "target-value", "campaign-name", "campaign-theme", "invite-days",
                                   "reports", "export", "summary", "public-search", "merchant-search"]), value=TEXT)
    @example(target="warning-body", value=LONG)
    def run(target, value):
        v = hostile(value)
        warning = {"kind": "warning", "title": "预付卡消费警示", "summary": "办卡前看清退费条款",
                   "body_md": "办卡前请看清退费条款。", "district_id": ""}
        campaign = {"kind": "enforcement", "name": "农资打假专项", "theme": "春耕农资",
                    "starts_on": today.isoformat(), "ends_on": today.isoformat(), "district_id": ""}
        method, url, form = {
            "warning-title": ("POST", "/warnings/new", {**warning, "title": v}),
            "warning-summary": ("POST", "/warnings/new", {**warning, "summary": v}),
            "warning-body": ("POST", "/warnings/new", {**warning, "body_md": v}),
            "target-note": ("POST", "/reports/targets", {"metric": "events", "target": "10",
                                                         "year": str(today.year), "note": v}),
            "target-value": ("POST", "/reports/targets", {"metric": "events", "target": v, "year": str(today.year)}),
            "campaign-name": ("POST", "/campaigns", {**campaign, "name": v}),
            "campaign-theme": ("POST", "/campaigns", {**campaign, "theme": v}),
            "invite-days": ("POST", "/volunteers/invites", {"days": v, "max_uses": "5"}),
            "reports": ("GET", "/reports", {"from": v, "to": v, "district": v, "period": v}),
            "export": ("GET", "/reports/export/complaints.csv", {"from": v, "district": v, "state": v}),
            "summary": ("GET", "/reports/summary", {"doc_lang": v, "district": v}),
            "public-search": ("GET", "/m", {"q": v}),
            "merchant-search": ("GET", "/merchants/search", {"q": v, "merchant_name": v}),
        }[target]
        check(app, client, method, url, form)
    run()


def test_staff_forms_handling_merchants_checklists_admin(client, session, base_data, app, login_as,
                                                        make_complaint):
    complaint = make_complaint()
    merchant = base_data.merchants[0]  # 城东区, the handler's district

    @HYPOTHESIS
    @given(target=st.sampled_from(["accept-note", "reject-note", "log-step", "request-info", "merchant-name",
                                   "merchant-address", "merchant-uscc", "checklist-name", "item-text",
                                   "user-name", "user-display", "cluster-note"]), value=TEXT)
    @example(target="log-step", value=LONG)
    def run(target, value):
        v = hostile(value)
        session.expire_all()
        version = str(session.get(Complaint, complaint.id).version)
        code = complaint.tracking_code
        merchant_form = {"name": merchant.name, "uscc": "", "address": merchant.address,
                         "district_id": str(merchant.district_id), "sector": merchant.sector}
        role, url, form = {
            "accept-note": ("handler", f"/handling/complaints/{code}/accept", {"version": version, "note": v}),
            "reject-note": ("handler", f"/handling/complaints/{code}/reject",
                            {"version": version, "reject_reason": "duplicate", "note": v}),
            "log-step": ("handler", f"/handling/complaints/{code}/log-step",
                         {"version": version, "kind": "call", "note": v}),
            "request-info": ("handler", f"/handling/complaints/{code}/request-info",
                             {"version": version, "question": v, "note": v}),
            "merchant-name": ("handler", f"/merchants/{merchant.id}/edit", {**merchant_form, "name": v}),
            "merchant-address": ("handler", f"/merchants/{merchant.id}/edit", {**merchant_form, "address": v}),
            "merchant-uscc": ("handler", f"/merchants/{merchant.id}/edit", {**merchant_form, "uscc": v}),
            "checklist-name": ("admin", "/admin/checklists", {"name": v, "name_en": v}),
            "item-text": ("admin", "/admin/checklists/1/items", {"text": v}),
            "user-name": ("admin", "/admin/users", {"username": v, "display_name": "李四", "role": "handler",
                                                    "district_id": "", "password": "long-enough-1"}),
            "user-display": ("admin", "/admin/users", {"username": f"u{uuid.uuid4().hex[:8]}", "display_name": v,
                                                       "role": "handler", "district_id": "",
                                                       "password": "long-enough-1"}),
            "cluster-note": ("handler", "/handling/clusters/1/handled", {"note": v}),
        }[target]
        login_as(role)
        check(app, client, "POST", url, form)
        client.post("/logout")
    run()


@pytest.mark.parametrize("path", ["/track/{code}/withdraw", "/m", "/reports"])
def test_nul_is_refused_before_any_route(client, session, base_data, app, make_complaint, login_as, path):
    """The request-wide guard: NUL in a form or query value is a 422, never the database's problem."""
    complaint = make_complaint()
    if path == "/reports":
        login_as("supervisor")
    url = path.format(code=complaint.tracking_code)
    method = "POST" if "withdraw" in path else "GET"
    before = row_counts(app)
    response = submit(client, method, url, {"reason" if method == "POST" else "q": "已退款\x00"})
    assert response.status_code == 422 and row_counts(app) == before
    with Session(app.extensions["db_engine"]) as s:
        assert s.get(Complaint, complaint.id).state == complaint.state
