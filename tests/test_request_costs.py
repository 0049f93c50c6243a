"""What the per-request savings (issue 9) may never do: show an edited checklist's old HTML, differ from the page
rendered in place, carry one request's language into the next, lose a consumer's unread updates, or show
figures from before a change."""
import re
from datetime import timedelta

from sqlmodel import select

from inspection_helpers import template
from webapp.complaints import handling, service
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.inspections import forms as inspection_forms
from webapp.inspections.models import ChecklistItem
from webapp.reports import figures, rollup
from webapp.reports.models import StatLock

HX = {"HX-Request": "true"}


def _form(client, lang: str = "zh") -> str:
    html = client.get(f"/inspections/new?lang={lang}").get_data(as_text=True)
    # per-request values: the CSRF token and the form's record number
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    return re.sub(r'name="client_uuid" value="[^"]+"', "", html)


def test_cached_checklists_are_the_checklists_rendered_in_place(client, base_data, login_as, monkeypatch):
    login_as("inspector")
    for lang in ("zh", "en"):
        inspection_forms._CHECKLISTS.clear()
        first, cached = _form(client, lang), _form(client, lang)
        assert any(key[1] == lang for key in inspection_forms._CHECKLISTS)
        monkeypatch.setattr(inspection_forms, "checklist_fragment", lambda context: None)
        in_place = _form(client, lang)
        monkeypatch.undo()
        assert first == cached == in_place
        assert 'class="checklist" data-template=' in in_place


def test_an_edited_checklist_is_on_the_next_form(client, session, base_data, login_as):
    t, items = template(session)
    login_as("inspector")
    before_zh, before_en = _form(client, "zh"), _form(client, "en")
    assert items[1].text in before_zh and t.name in before_zh and '<html lang="en"' in before_en
    client.post("/logout")
    login_as("admin")
    client.post(f"/admin/checklists/{t.id}/items/{items[1].id}", data={"text": "新的说法"}, headers=HX)
    renamed = client.post(f"/admin/checklists/{t.id}", data={"name": "食品经营检查（新）", "name_en": "Food shops (new)",
                                                            "active": "on"}, headers=HX)
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    new = session.exec(select(ChecklistItem).where(ChecklistItem.text == "新的说法")).one()
    client.post("/logout")
    login_as("inspector")
    after_zh, after_en = _form(client, "zh"), _form(client, "en")
    assert f'name="item-{new.id}"' in after_zh and "新的说法" in after_zh and "食品经营检查（新）" in after_zh
    assert items[1].text not in after_zh
    assert "Food shops (new)" in after_en and "食品经营检查（新）" not in after_en


def test_the_language_is_worked_out_per_request(app, client, base_data, login_as):
    login_as("inspector")
    with app.app_context():   # one app context around several requests: nothing may be kept on flask.g
        zh = client.get("/inspections/new?lang=zh").get_data(as_text=True)
        en = client.get("/inspections/new?lang=en").get_data(as_text=True)
        back = client.get("/inspections/new?lang=zh").get_data(as_text=True)
    assert '<html lang="zh' in zh and '<html lang="en' in en and '<html lang="zh' in back


def test_a_repeat_visit_with_nothing_new_writes_nothing(app, client, session, base_data, make_complaint):
    complaint = make_complaint()
    code = complaint.tracking_code
    tracker = app.test_client()
    assert tracker.post("/track", data={"code": code, "phone_last4": "5678"}, headers=HX).status_code == 200

    def seen_at():
        session.expire_all()
        return session.get(type(complaint), complaint.id).consumer_seen_at

    assert tracker.get(f"/track/{code}").status_code == 200
    first = seen_at()
    assert first is not None                       # the first visit is recorded
    assert tracker.get(f"/track/{code}").status_code == 200
    assert seen_at() == first                      # nothing new: not written again
    handler = base_data.users["handler"]
    c = session.get(type(complaint), complaint.id)
    handling.accept(session, handler, c, 1)
    session.commit()
    page = tracker.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert 'id="unread-notice"' in page and page.count('class="new"') == 1   # the update is marked new
    assert seen_at() > first                       # news was read: the time moves on
    assert service.unread_count(session, session.get(type(complaint), complaint.id)) == 0
    again = tracker.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert 'id="unread-notice"' not in again and 'class="new"' not in again


def _received(client, query: str = "") -> str:
    page = client.get("/reports" + query).get_data(as_text=True)
    return re.search(r'id="fig-received">([^<]*)<', page).group(1)


def test_the_dashboard_shows_a_new_complaint_at_once(client, session, base_data, login_as, make_complaint):
    make_complaint()
    login_as("supervisor")
    today = today_shanghai()
    month = f"?period=month&year={today.year}&month={today.month}"
    # the first view refreshes the tables; the next ones at the same refresh count reuse what was read
    assert _received(client) == _received(client) == "1" and _received(client, month) == "1"
    assert session.exec(figures.select(StatLock.refreshed)).first() is not None
    make_complaint()
    assert _received(client) == "2" and _received(client, month) == "2"
    assert _received(client) == "2"     # read again after that refresh: still the new figure
    # a change to what a complaint is counted by (here: received on another day) is seen as well
    c = session.exec(figures.select(Complaint).order_by(Complaint.id)).first()
    c.received_at = c.received_at - timedelta(days=400)
    session.commit()
    assert _received(client) == "1" and _received(client, month) == "1"


def test_figures_read_during_a_refresh_are_not_remembered(app, session, base_data, make_complaint):
    make_complaint()
    period = figures.Period.year(today_shanghai().year)
    pending = rollup.refresh(session)          # uncommitted work: its refresh count is not the database's
    assert pending
    assert figures.build(session, period, None, remember=True).complaints.received == 1
    session.rollback()
    stored = figures._Memo._stores.get(session.get_bind())
    assert stored is None or not stored[1], "remembered figures of an uncommitted refresh"
    figures.build(session, period, None, remember=True)   # refreshes again (rolled back): still not remembered
    stored = figures._Memo._stores.get(session.get_bind())
    assert stored is None or not stored[1]
    session.commit()
    figures.build(session, period, None, remember=True)   # now at a committed count: remembered
    assert figures._Memo._stores.get(session.get_bind())[1]


def test_sqlite_keeps_a_pooled_connection_for_every_server_thread(tmp_path):
    """make run serves with 8 threads: an overflow connection would be opened and closed on every request, and
    each new SQLite connection re-reads the schema and sets its pragmas."""
    from webapp.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        assert engine.pool.size() >= 8
    finally:
        engine.dispose()
    # An in-memory database (the 503 test's throwaway app) still gets an engine.
    memory = make_engine("sqlite://")
    with memory.connect() as conn:
        assert conn.exec_driver_sql("select 1").scalar() == 1
    memory.dispose()
