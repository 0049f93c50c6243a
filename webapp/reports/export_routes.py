"""Routes of the reports area: exports of complaints, inspections and outreach events (.xlsx and .csv).

GET /reports/export/<complaints|inspections|events>.<xlsx|csv> with the list's filters in the query string:
- complaints: the staff inbox's filters (complaints.inbox.Filters) and the reports' period and district;
- inspections: period, district, result=pass|fail;
- events: period, district (or the events page's from/to), venue_type, campaign_id.
No period argument means no period limit (the inbox lists every complaint). Bad filters answer 422 with a
page saying what to change, another district 403, too many rows 422: never a broken file.
"""
from __future__ import annotations

import re
import tempfile
from urllib.parse import quote

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wsgi import wrap_file

from webapp.auth.models import District
from webapp.complaints import inbox
from webapp.complaints import policy as complaint_policy
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.inspections import policy as inspection_policy
from webapp.outreach import policy as outreach_policy
from webapp.errors import error_response
from webapp.forms import FieldErrors, parse_id
from webapp.i18n import current_lang
from webapp.outreach.labels import VENUES
from webapp.reports import exports, period
from webapp.reports.period import Period

bp = Blueprint("reports_export", __name__)

# Who may export what: exactly who may read those records in their own area (need to know: an admin, who
# manages accounts and never opens a complaint, does not take consumers' names home in a spreadsheet).
KINDS = {
    "complaints": complaint_policy.STAFF_ROLES,
    "inspections": inspection_policy.READER_ROLES,
    "events": outreach_policy.STAFF_ROLES,
}
PERIOD_ARGS = ("period", "year", "quarter", "month", "start", "end")
# Inbox filters Filters.from_args drops silently when they are not one of the choices; an export says so.
INBOX_CHOICES = ("state", "category_id", "channel", "due", "assignee", "district_id")


# The file name's first word: (zh, ASCII) — document text, like the work summary's.
FILE_WORDS = {"complaints": ("投诉", "complaints"), "inspections": ("监督检查", "inspections"),
              "events": ("宣传活动", "outreach-events")}


def _period_tag(when: Period | None) -> str:
    """2026, 2026-Q1, 2026-03, 2026-01-05_2026-02-01, or all."""
    if when is None:
        return "all"
    s = when.start
    return {"year": f"{s.year}", "quarter": f"{s.year}-Q{when.quarter_no}",
            "month": f"{s.year}-{s.month:02d}"}.get(when.kind, f"{s}_{when.end}")


def filenames(kind: str, when: Period | None, district: District | None, ext: str, lang: str) -> tuple[str, str]:
    """(the file's name in the UI language, e.g. 投诉-城东区-2026年.xlsx; an ASCII name for old clients)."""
    zh, en = FILE_WORDS[kind]
    ascii_parts = [en, district.code if district else "", _period_tag(when)]
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(p for p in ascii_parts if p)) + "." + ext
    if lang != "zh":
        return ascii_name, ascii_name
    label = when.label("zh") if when is not None else "全部"
    name = "-".join(p for p in (zh, district.name if district else "", label) if p)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name) + "." + ext, ascii_name


def content_disposition(name: str, ascii_name: str) -> str:
    """attachment with the UTF-8 name (RFC 6266/5987) and an ASCII fallback."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def can_export(kind: str) -> bool:
    """True when the signed-in user may download this export (templates hide the links otherwise)."""
    return bool(current_user.is_authenticated and current_user.role in KINDS.get(kind, ()))


@bp.app_context_processor
def _export_context() -> dict:
    return {"can_export": can_export}


def _choice_error() -> FieldErrors:
    return FieldErrors({"filters": _("Please choose one of the options.")})


def _period(args) -> Period | None:
    """The period asked for, None when no period argument is given; the events page's from/to become a
    custom period (its defaults: from the first of January to today)."""
    today = today_shanghai()
    if any((args.get(k) or "").strip() for k in PERIOD_ARGS):
        return period.parse(args, today)
    if any((args.get(k) or "").strip() for k in ("from", "to")):
        start = (args.get("from") or "").strip() or today.replace(month=1, day=1).isoformat()
        end = (args.get("to") or "").strip() or today.isoformat()
        return period.parse({"period": "custom", "start": start, "end": end}, today)
    return None


def _inbox_filters(args) -> inbox.Filters:
    """The inbox's filters; a value the inbox would silently drop is a 422 here (the file would hold more
    than asked for), and a district-level user's district_id of another district is a 403."""
    filters = inbox.Filters.from_args(args)
    if any((args.get(k) or "").strip() and not getattr(filters, k) for k in INBOX_CHOICES):
        raise _choice_error()
    own = current_user.district_id
    if own is not None and filters.district_id not in (None, own):
        raise period.Forbidden(str(filters.district_id))
    return filters


def _build(kind: str, args, lang: str) -> tuple[exports.Export, Period | None, District | None]:
    """The export asked for, or FieldErrors / period.Forbidden."""
    session = get_session()
    when = _period(args)
    district = period.district_for(session, current_user, args.get("district"))
    if kind == "complaints":
        filters = _inbox_filters(args)
        return exports.complaints(session, current_user, filters, when, district, today_shanghai(), lang), \
            when, district
    if kind == "inspections":
        result = (args.get("result") or "").strip()
        if result not in ("", "pass", "fail"):
            raise _choice_error()
        return exports.inspections(session, when, district, result, lang), when, district
    venue_type = (args.get("venue_type") or "").strip()
    raw_campaign = (args.get("campaign_id") or "").strip()
    campaign_id = parse_id(raw_campaign)
    if (venue_type and venue_type not in VENUES) or (raw_campaign and campaign_id is None):
        raise _choice_error()
    return exports.events(session, when, district, venue_type, campaign_id, lang), when, district


def _headers(kind: str, fmt: str, when, district, lang: str) -> dict:
    name, ascii_name = filenames(kind, when, district, fmt, lang)
    # Personal data: no copy in a shared cache or the browser's cache.
    return {"Content-Disposition": content_disposition(name, ascii_name), "Cache-Control": "no-store"}


def _xlsx(export: exports.Export, headers: dict) -> Response:
    """Build the workbook in a temporary file (flat memory), then send that file in chunks."""
    target = tempfile.TemporaryFile()
    try:
        exports.write_xlsx(export, target)
        size = target.tell()
        target.seek(0)
    except BaseException:
        target.close()
        raise
    response = Response(wrap_file(request.environ, target), mimetype=exports.XLSX_MIME, headers=headers,
                        direct_passthrough=True)
    response.content_length = size
    return response


def _csv_stream(export: exports.Export):
    """The CSV, read after the view has returned: the view's session was closed by then, so the rows come
    through the session of the context stream_with_context pushes again (closed when the stream ends)."""
    export.session = get_session()
    yield from exports.csv_chunks(export)


@bp.get("/reports/export/<any(complaints, inspections, events):kind>.<any(xlsx, csv):fmt>")
@login_required
def export(kind: str, fmt: str):
    """Download complaints, inspections or events with the current filters as .xlsx or .csv."""
    if not can_export(kind):
        abort(403)
    lang = current_lang()
    try:
        built, when, district = _build(kind, request.args, lang)
    except FieldErrors as exc:
        return error_response(422, " ".join(dict.fromkeys(exc.errors.values())))
    except period.Forbidden:
        return error_response(403, _("You may only see the data of your own district."))
    rows = built.count()
    if rows > exports.MAX_ROWS:
        return error_response(422, _("This export would have %(n)s rows, more than the %(max)s a spreadsheet "
                                     "holds. Please narrow the filters: a shorter period or one district.",
                                     n=rows, max=exports.MAX_ROWS))
    headers = _headers(kind, fmt, when, district, lang)
    if fmt == "xlsx":
        return _xlsx(built, headers)
    return Response(stream_with_context(_csv_stream(built)), mimetype=exports.CSV_MIME, headers=headers)
