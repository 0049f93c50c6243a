"""Exports of complaints, inspections and outreach events as .xlsx and .csv, with the lists' filters.

No Flask request code here. `complaints(...)`, `inspections(...)` and `events(...)` each return an `Export`:
its columns and a statement whose rows are read on a server-side cursor in chunks (yield_per), turned into
what a person reads (labels in the UI language rather than keys, dates as dates, money in 元), and written
one at a time by `write_xlsx` (XlsxWriter in constant_memory mode) or `csv_chunks` (a bytes generator), so
a year of a city's records never sits in memory at once.

Personal data: exports leave the system — they travel by e-mail and on USB sticks — so the consumer's
mobile number is masked (138****0001); the tracking code finds the full record for those allowed to see it.

Formula injection: a text cell starting with =, +, -, @, a tab or a carriage return would be run as a
formula by a spreadsheet. The CSV prefixes such text with a ' and the .xlsx writes every text cell with
write_string (never write(), which guesses formulas, numbers and links).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import xlsxwriter
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from webapp.auth.models import District, User
from webapp.campaigns.models import Campaign
from webapp.complaints import inbox, states
from webapp.complaints.choices import CHANNELS, PROBLEM_TYPES
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Category, Complaint
from webapp.inspections.labels import RESULTS as INSPECTION_RESULTS
from webapp.inspections.models import Inspection, InspectionFinding, RectificationOrder, Sample
from webapp.merchants.models import Merchant
from webapp.outreach.labels import VENUES
from webapp.outreach.models import OutreachEvent
from webapp.reports.period import Period

# A worksheet holds 1,048,576 rows; more than MAX_ROWS rows is refused before any byte is sent (the route
# answers 422 asking for narrower filters). Should rows arrive between that count and the export, the file
# stops at MAX_ROWS and its last line says so: a file that is silently short would be read as complete.
MAX_ROWS = 1_000_000
CHUNK = 2000                       # rows fetched per round trip on the server-side cursor
CSV_BATCH = 500                    # rows per chunk of the CSV stream
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT, DATE, INT, MONEY = "text", "date", "int", "money"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
# What became of a complaint (Complaint.result), worded like the states that end it.
RESULT_LABELS = {"resolved": states.LABELS[states.RESOLVED], "failed": states.LABELS[states.MEDIATION_FAILED],
                 "referred": states.LABELS[states.REFERRED], "rejected": states.LABELS[states.REJECTED],
                 "withdrawn": states.LABELS[states.WITHDRAWN]}


@dataclass(frozen=True)
class Column:
    """One column: its header (a lazy gettext string, English msgid), the kind of value, its width in characters."""

    header: object
    kind: str = TEXT
    width: int = 12


@dataclass
class Export:
    """What to write: the sheet's title, its columns, and the statement plus the function turning a row into
    the cells' values. Iterating gives the rows, at most MAX_ROWS; `cut` is set when more were left."""

    kind: str
    title: object
    columns: tuple[Column, ...]
    statement: object
    convert: Callable[[tuple], tuple]
    session: Session
    cut: bool = field(default=False, init=False)

    def count(self) -> int:
        """How many rows the export has (one aggregate query; the route refuses more than MAX_ROWS)."""
        inner = self.statement.order_by(None).subquery()
        return int(self.session.exec(select(func.count()).select_from(inner)).one())

    def __iter__(self) -> Iterator[tuple]:
        result = self.session.exec(self.statement.limit(MAX_ROWS + 1).execution_options(yield_per=CHUNK))
        try:
            for n, row in enumerate(result):
                if n == MAX_ROWS:
                    self.cut = True
                    break
                yield self.convert(row)
        finally:
            result.close()


def cut_note() -> str:
    """The last line of an export that stopped at MAX_ROWS."""
    return str(_l("The export stopped at %(n)s rows: there were more. Please narrow the filters and export again.",
                  n=MAX_ROWS))


def mask_phone(phone: str | None) -> str:
    """138****0001: the first three and last four digits (exports leave the system: e-mail, USB sticks)."""
    phone = (phone or "").strip()
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def display_width(text: str) -> int:
    """Columns of a spreadsheet the text takes: Chinese characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def safe_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading =, +, -, @, tab or CR gets a ' before it."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _name(obj, lang: str) -> str:
    """A District's or Category's name in the language asked for."""
    return obj.name_en if lang == "en" and obj.name_en else obj.name


def _names(session: Session, model, lang: str) -> dict[int, str]:
    return {o.id: _name(o, lang) for o in session.exec(select(model))}


def _labels(mapping: dict) -> dict[str, str]:
    """Lazy labels as plain text of the current locale, once per export rather than once per cell."""
    return {k: str(v) for k, v in mapping.items()}


def _in_period(column_on, period: Period | None) -> list:
    return [] if period is None else [column_on >= period.start, column_on <= period.end]


# ----------------------------------------------------------------------------------------------- complaints

COMPLAINT_COLUMNS = (
    Column(_l("Tracking code"), TEXT, 12), Column(_l("Received on"), DATE, 12), Column(_l("District"), TEXT, 12),
    Column(_l("Merchant"), TEXT, 28), Column(_l("Goods or service"), TEXT, 18), Column(_l("Kind of problem"), TEXT, 18),
    Column(_l("Channel"), TEXT, 12), Column(_l("State"), TEXT, 18), Column(_l("Outcome"), TEXT, 18),
    Column(_l("Accepted on"), DATE, 12), Column(_l("Concluded on"), DATE, 12),
    Column(_l("Working days to conclude"), INT, 10), Column(_l("On time"), TEXT, 8),
    Column(_l("Money recovered (yuan)"), MONEY, 12), Column(_l("Satisfaction"), INT, 8),
    Column(_l("Consumer"), TEXT, 12), Column(_l("Mobile number"), TEXT, 14),
)


def complaint_statement(user: User, filters: inbox.Filters, period: Period | None, district: District | None,
                        today: date):
    """The inbox's query for `user` and `filters` (same scoping), limited to complaints received in `period`
    (None: any time) and `district` (None: every district the user sees), oldest first."""
    c = Complaint
    stmt = (select(c.tracking_code, c.received_on, c.district_id, Merchant.name, c.category_id, c.problem_type,
                   c.channel, c.state, c.result, c.accepted_at, c.concluded_at, c.close_workdays, c.on_time,
                   c.recovered_fen, c.satisfaction, c.consumer_name, c.consumer_phone)
            .join(Merchant, Merchant.id == c.merchant_id)
            .where(*inbox._where(user, filters, today), *_in_period(c.received_on, period)))
    if district is not None:
        stmt = stmt.where(c.district_id == district.id)
    return inbox.scoped(stmt, user).order_by(c.received_at, c.id)


def complaints(session: Session, user: User, filters: inbox.Filters, period: Period | None,
               district: District | None, today: date, lang: str) -> Export:
    """The complaints export: one row per complaint, as the inbox would list it."""
    districts, categories = _names(session, District, lang), _names(session, Category, lang)
    state_labels, results = _labels(states.LABELS), _labels(RESULT_LABELS)
    problems, channels = _labels(PROBLEM_TYPES), _labels(CHANNELS)
    yes, no = str(_l("Yes")), str(_l("No"))

    def convert(r) -> tuple:
        (code, received_on, district_id, merchant, category_id, problem, channel, state, result, accepted_at,
         concluded_at, workdays, on_time, recovered_fen, satisfaction, name, phone) = r
        return (code, received_on, districts.get(district_id, ""), merchant, categories.get(category_id, ""),
                problems.get(problem, problem), channels.get(channel, channel), state_labels.get(state, state),
                results.get(result, result or ""), accepted_at and local_date(accepted_at),
                concluded_at and local_date(concluded_at), workdays,
                "" if on_time is None else (yes if on_time else no),
                # Money counts only for a mediation that succeeded, as on the dashboard (a dispute reopens it).
                recovered_fen if result == "resolved" else None, satisfaction, name, mask_phone(phone))

    return Export("complaints", _l("Complaints"), COMPLAINT_COLUMNS,
                  complaint_statement(user, filters, period, district, today), convert, session)


# ---------------------------------------------------------------------------------------------- inspections

INSPECTION_COLUMNS = (
    Column(_l("Date"), DATE, 12), Column(_l("District"), TEXT, 12), Column(_l("Merchant"), TEXT, 28),
    Column(_l("Inspector"), TEXT, 12), Column(_l("Officers on this visit"), INT, 10), Column(_l("Result"), TEXT, 14),
    Column(_l("Failed items"), INT, 10), Column(_l("Samples taken"), INT, 10),
    Column(_l("Rectification orders"), INT, 10),
)


def _per_inspection(model, *where):
    """How many `model` rows belong to the inspection of the outer row (an indexed lookup per row)."""
    return (select(func.count(model.id)).where(model.inspection_id == Inspection.id, *where)
            .correlate(Inspection).scalar_subquery())


def inspection_statement(period: Period | None, district: District | None, result: str = ""):
    """Inspections made (by the local day of captured_at) in `period` and `district`, oldest first."""
    i = Inspection
    stmt = (select(i.captured_at, i.district_id, Merchant.name, User.display_name, User.username, i.inspector_count,
                   i.result, _per_inspection(InspectionFinding, InspectionFinding.answer == "fail"),
                   _per_inspection(Sample), _per_inspection(RectificationOrder))
            .join(Merchant, Merchant.id == i.merchant_id).outerjoin(User, User.id == i.inspector_id))
    if period is not None:
        start, end = period.utc_bounds()
        stmt = stmt.where(i.captured_at >= start, i.captured_at < end)
    if district is not None:
        stmt = stmt.where(i.district_id == district.id)
    if result:
        stmt = stmt.where(i.result == result)
    return stmt.order_by(i.captured_at, i.id)


def inspections(session: Session, period: Period | None, district: District | None, result: str,
                lang: str) -> Export:
    """The inspections export: one row per inspection, with its counts of failed items, samples and orders."""
    districts, results = _names(session, District, lang), _labels(INSPECTION_RESULTS)

    def convert(r) -> tuple:
        captured_at, district_id, merchant, display_name, username, officers, outcome, failed, samples, orders = r
        return (local_date(captured_at), districts.get(district_id, ""), merchant, display_name or username or "",
                officers, results.get(outcome, outcome), failed, samples, orders)

    return Export("inspections", _l("Inspections"), INSPECTION_COLUMNS,
                  inspection_statement(period, district, result), convert, session)


# --------------------------------------------------------------------------------------------------- events

EVENT_COLUMNS = (
    Column(_l("Date"), DATE, 12), Column(_l("District"), TEXT, 12), Column(_l("Campaign"), TEXT, 20),
    Column(_l("Venue type"), TEXT, 16), Column(_l("Place"), TEXT, 24), Column(_l("Topic"), TEXT, 24),
    Column(_l("Participants"), INT, 10), Column(_l("Consultations"), INT, 10),
    Column(_l("Leaflets handed out"), INT, 10), Column(_l("Banners"), INT, 8), Column(_l("Display boards"), INT, 8),
    Column(_l("Volunteers"), INT, 8), Column(_l("On-site complaints"), INT, 10),
)


def event_statement(period: Period | None, district: District | None, venue_type: str = "",
                    campaign_id: int | None = None):
    """Outreach events held (held_on) in `period` and `district`, oldest first, with their on-site complaints."""
    e = OutreachEvent
    onsite = (select(func.count(Complaint.id)).where(Complaint.event_id == e.id).correlate(e).scalar_subquery())
    stmt = (select(e.held_on, e.district_id, Campaign.name, e.venue_type, e.place, e.topic, e.participants,
                   e.consultations, e.leaflets, e.banners, e.boards, e.volunteers, onsite)
            .outerjoin(Campaign, Campaign.id == e.campaign_id).where(*_in_period(e.held_on, period)))
    if district is not None:
        stmt = stmt.where(e.district_id == district.id)
    if venue_type:
        stmt = stmt.where(e.venue_type == venue_type)
    if campaign_id is not None:
        stmt = stmt.where(e.campaign_id == campaign_id)
    return stmt.order_by(e.held_on, e.id)


def events(session: Session, period: Period | None, district: District | None, venue_type: str,
           campaign_id: int | None, lang: str) -> Export:
    """The outreach events export: one row per event with its counts."""
    districts, venues = _names(session, District, lang), _labels(VENUES)

    def convert(r) -> tuple:
        held_on, district_id, campaign, venue, *rest = r
        return (held_on, districts.get(district_id, ""), campaign or "", venues.get(venue, venue), *rest)

    return Export("events", _l("Outreach events"), EVENT_COLUMNS,
                  event_statement(period, district, venue_type, campaign_id), convert, session)


# -------------------------------------------------------------------------------------------------- writers

def write_xlsx(export: Export, target) -> int:
    """Write the export as a workbook to `target` (a path or a binary file); returns the rows written.

    constant_memory: each row goes to a temporary file as soon as it is complete, so memory stays flat
    whatever the number of rows (rows must then be written in order, which they are)."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(re.sub(r"[\[\]:*?/\\]", " ", str(export.title))[:31])
    bold = workbook.add_format({"bold": True})
    formats = {DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
               MONEY: workbook.add_format({"num_format": "0.00"})}
    for col, column in enumerate(export.columns):
        sheet.set_column(col, col, max(column.width, display_width(str(column.header)) + 2))
        sheet.write_string(0, col, str(column.header), bold)
    sheet.freeze_panes(1, 0)
    rows = 0
    for rows, values in enumerate(export, start=1):
        _xlsx_row(sheet, rows, export.columns, values, formats)
    sheet.autofilter(0, 0, rows, len(export.columns) - 1)
    if export.cut:
        sheet.write_string(rows + 1, 0, cut_note(), bold)
    workbook.close()
    return rows


def _xlsx_row(sheet, row: int, columns, values, formats) -> None:
    for col, (column, value) in enumerate(zip(columns, values)):
        if value is None or value == "":
            continue
        if column.kind == TEXT:
            sheet.write_string(row, col, str(value))     # never write(): it would take "=…" for a formula
        elif column.kind == DATE:
            sheet.write_datetime(row, col, value, formats[DATE])
        elif column.kind == MONEY:
            sheet.write_number(row, col, value / 100, formats[MONEY])
        else:
            sheet.write_number(row, col, value)


def _csv_cell(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == TEXT:
        return safe_text(str(value))
    if column.kind == DATE:
        return value.isoformat()
    if column.kind == MONEY:
        return f"{Decimal(value) / 100:.2f}"
    return str(value)


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The export as UTF-8 CSV with a BOM (so Excel in China reads it as UTF-8), a few hundred rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_text(str(c.header)) for c in export.columns])
    for n, values in enumerate(export, start=1):
        writer.writerow([_csv_cell(c, v) for c, v in zip(export.columns, values)])
        if n % CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if export.cut:
        writer.writerow([cut_note()])
    yield buffer.getvalue().encode("utf-8")
