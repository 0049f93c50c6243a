"""A supervisor opens the dashboard on a phone, looks at last year, and downloads the work summary as .docx,
which opens in python-docx with the same figure the dashboard showed (counted here from the rows)."""
from __future__ import annotations

import io
from datetime import date, datetime

import docx
from sqlmodel import func, select

from e2e.test_outbox import sign_in
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import SHANGHAI


def _received(db, year: int) -> int:
    return db.exec(select(func.count()).select_from(Complaint).where(
        Complaint.received_on >= date(year, 1, 1), Complaint.received_on <= date(year, 12, 31))).one()


def test_supervisor_reads_the_dashboard_and_downloads_the_summary(new_context, db, screenshot_dir):
    page = new_context().new_page()
    sign_in(page, "supervisor")
    page.goto("/")
    page.click("#open-dashboard")
    page.wait_for_url("**/reports**")
    this_year = datetime.now(SHANGHAI).date().year
    page.locator("#fig-received").wait_for()
    assert page.locator("#fig-received").inner_text().replace(",", "") == str(_received(db, this_year))
    assert page.locator("#dash-main svg").count() >= 3   # charts drawn on the server
    # nothing wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360 + 1
    page.screenshot(path=str(screenshot_dir / "dashboard-360.png"), full_page=True)

    # last year, through the filter form (htmx swaps the results and keeps the address)
    last_year = this_year - 1
    page.select_option("#dash-period", "year")
    page.select_option("#dash-year", str(last_year))
    page.click("#dash-show")
    page.wait_for_url(f"**year={last_year}**")
    page.wait_for_function(
        "n => document.querySelector('#fig-received').innerText.replace(/,/g, '') === n", arg=str(_received(db, last_year)))

    with page.expect_download() as info:
        page.click("#link-docx")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    document = docx.Document(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "工作总结" in text and "一、" in text
    assert str(_received(db, last_year)) in text
