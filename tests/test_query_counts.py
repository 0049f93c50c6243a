"""No N+1 on the list pages: the number of SQL statements a list page runs does not grow with its rows.

Each page is opened with a few rows and again with several times as many; the statements counted on the app's
engine must be the same. A per-row lookup in a template or a route (a merchant's name, a photo count, a
district's name for each complaint …) makes the second count larger and fails the test with the statements.
"""
from __future__ import annotations

from contextlib import contextmanager
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from conftest import jpeg_bytes
from inspection_helpers import inspection_form, photo_file
from outreach_helpers import make_event
from webapp.complaints.models import Complaint
from webapp.media.photos import process_photo

FEW, MANY = 2, 8


@contextmanager
def counting(app):
    """Collect the SQL statements run on the app's engine inside the block."""
    statements: list[str] = []
    engine = app.extensions["db_engine"]

    def _count(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def statements_for(app, client, url: str, must_show: list[str]) -> list[str]:
    client.get(url)  # warm-up: summary-table refresh, sessions, caches that a first view may fill
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    missing = [text for text in must_show if text not in html]
    assert not missing, f"{url} does not list {missing}: the test would prove nothing"
    return statements


def assert_constant(app, client, url, add_rows, shown) -> None:
    """Open `url` with FEW rows and with MANY; the statement count must not change."""
    add_rows(FEW)
    few = statements_for(app, client, url, shown())
    add_rows(MANY - FEW)
    many = statements_for(app, client, url, shown())
    assert len(many) == len(few), (
        f"{url}: {len(few)} statements for {FEW} rows, {len(many)} for {MANY}:\n" + "\n".join(many))


def _photo():
    return process_photo(io.BytesIO(jpeg_bytes()), max_bytes=10 * 2**20, max_pixels=50_000_000)


@pytest.fixture
def complaints(make_complaint, base_data):
    made: list[Complaint] = []

    def add(n: int, **kwargs):
        for i in range(n):
            merchant = base_data.merchants[len(made) % 3]
            made.append(make_complaint(photos=[_photo()] if i % 2 else [], merchant_id=str(merchant.id),
                                       merchant_name=merchant.name, district_id=str(merchant.district_id),
                                       **kwargs))
    add.made = made
    return add


def test_handler_inbox(app, client, login_as, complaints):
    handler = login_as("handler")   # sees their district's complaints only
    assert_constant(app, client, "/handling/inbox", complaints,
                    lambda: [c.tracking_code for c in complaints.made if c.district_id == handler.district_id])


def test_supervisor_overdue_list(app, client, login_as, complaints, session):
    login_as("supervisor")

    def add(n):
        complaints(n)
        for c in complaints.made:   # received long ago and still undecided: overdue
            c.accept_due_on = date.today() - timedelta(days=3)
            session.add(c)
        session.commit()
    assert_constant(app, client, "/handling/overdue", add, lambda: [c.tracking_code for c in complaints.made])


def test_consumer_my_complaints(app, client, login_as, complaints, base_data):
    consumer = login_as("consumer")
    assert_constant(app, client, "/my/complaints", lambda n: complaints(n, actor=consumer),
                    lambda: [c.tracking_code for c in complaints.made])


def test_events_list_and_mine(app, client, login_as, session, base_data):
    volunteer = base_data.users["volunteer"]
    made = []

    def add(n):
        for _ in range(n):
            made.append(make_event(session, base_data, recorder=volunteer, place=f"第{len(made) + 1}社区广场",
                                   held_on=date.today() - timedelta(days=len(made) % 5)))
    login_as("supervisor")
    assert_constant(app, client, "/events", add, lambda: [e.place for e in made])
    client.post("/logout")
    login_as("volunteer")
    made.clear()
    add(FEW)
    few = statements_for(app, client, "/events/mine", [e.place for e in made])
    add(MANY - FEW)
    many = statements_for(app, client, "/events/mine", [e.place for e in made])
    assert len(many) == len(few), "\n".join(many)


def test_inspectors_today(app, client, login_as, session, base_data):
    login_as("inspector")
    notes = []

    def add(n):
        for _ in range(n):
            note = f"第{len(notes) + 1}次检查"
            form = inspection_form(session, base_data, note=note, fail=(1,))
            failed = [k for k, v in form.items() if k.startswith("item-") and v == "fail"][0]
            form[f"{failed}-photos"] = [photo_file()]
            response = client.post("/inspections", data=form, content_type="multipart/form-data")
            assert response.status_code in (201, 303), response.status_code
            notes.append(note)
    assert_constant(app, client, "/inspections/today", add,
                    lambda: [base_data.merchants[0].name])


def test_merchant_registry(app, client, login_as, complaints):
    login_as("supervisor")
    assert_constant(app, client, "/merchants", complaints, lambda: [])
