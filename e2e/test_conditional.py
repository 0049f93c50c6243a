"""A phone that opens the complaint form again gets a 304 and its kept copy; the copy files a new complaint."""
from __future__ import annotations

import re

from sqlmodel import select

from e2e.conftest import _QuietHandler
from e2e.test_complaint_flow import fill_complaint
from webapp.complaints.models import Complaint

RECEIPT = re.compile(r"/complaints/([0-9A-Z]{10})/receipt$")


def test_a_form_opened_again_from_the_kept_copy_files_a_second_complaint(page, db, monkeypatch):
    # The server's own answers (the browser shows a revalidated page as a 200 from its cache).
    answers = []
    monkeypatch.setattr(_QuietHandler, "log", lambda self, type, message, *args: answers.append(message % args))
    codes, numbers = [], []
    for phone in ("13912340001", "13912340002"):
        page.goto("/complaints/new")
        numbers.append(page.locator("#complaint-form input[name=client_uuid]").input_value())
        fill_complaint(page, phone)
        page.locator("#complaint-form button[type=submit]").click()
        page.wait_for_url(RECEIPT)
        codes.append(RECEIPT.search(page.url).group(1))
    assert codes[0] != codes[1]
    assert numbers[0] != numbers[1], "the kept copy must not reuse the first form's number"
    filed = db.exec(select(Complaint).where(Complaint.tracking_code.in_(codes))).all()
    assert sorted(c.consumer_phone for c in filed) == ["13912340001", "13912340002"]
    assert len({c.client_uuid for c in filed}) == 2
    forms = [line for line in answers if "/complaints/new " in line]
    assert any(" 304 " in line for line in forms), forms
