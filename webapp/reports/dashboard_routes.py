"""The supervisor's dashboard: a period's figures for a district or the whole city, with SVG charts.

GET /reports?period=month|quarter|year|custom&year=&quarter=&month=&start=&end=&district=<code>
The figures come from `figures.build`; this module only words and arranges them for the page (tiles with
环比/同比, chart rows, table rows). Bad arguments re-render the filter form with messages (422); another
district than one's own is a 403 with a message; only supervisors and admins get here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from webapp.auth.models import District
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.errors import error_response
from webapp.forms import FieldErrors
from webapp.htmx import render
from webapp.i18n import current_lang
from webapp.outreach.labels import VENUES
from webapp.reports import charts, figures, period
from webapp.reports.figures import ComplaintFigures, Dashboard, change

bp = Blueprint("reports_dashboard", __name__)
DASH = "—"
FIELDS = ("period", "year", "quarter", "month", "start", "end", "district")


@dataclass
class Tile:
    """One key figure: its value as shown, a line of context, and its change vs the two earlier periods."""
    key: str
    label: str
    value: str
    note: str = ""
    vs_previous: str | None = None      # None: no comparison is made for this figure
    vs_year_before: str | None = None
    bar: object = None                  # a charts.rate_bar for rates
    wide: bool = False                  # long values (money) take a whole row on a phone


def pct(rate: float | None) -> str:
    """0.923 → "92.3%"; None → "—"."""
    return DASH if rate is None else f"{rate * 100:.1f}%"


def _signed(x: float) -> str:
    """One decimal with its sign; no sign for zero ("+2.5", "-1.0", "0.0")."""
    text = f"{x:+.1f}"
    return text[1:] if text in ("+0.0", "-0.0") else text


def signed_pct(ratio: float | None) -> str:
    """A relative change: 0.25 → "+25.0%"; None (nothing to compare with) → "—"."""
    return DASH if ratio is None else _signed(ratio * 100) + "%"


def points(now: float | None, before: float | None) -> str:
    """The difference of two rates in percentage points ("+3.1 pp"); "—" when either is missing."""
    if now is None or before is None:
        return DASH
    return _("%(n)s pp", n=_signed((now - before) * 100))


def days_diff(now: float | None, before: float | None) -> str:
    """The difference of two medians in working days; "—" when either is missing."""
    if now is None or before is None:
        return DASH
    return _("%(n)s days", n=_signed(now - before).removesuffix(".0"))


def yuan(fen: int) -> str:
    """Integer fen as yuan with thousands separators: 123456 → "1,234.56"."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def number(n: float | None) -> str:
    return DASH if n is None else charts.number(n)


def _count_tile(key: str, text: str, now: int, prev: int, yoy: int, shown: str | None = None) -> Tile:
    return Tile(key, text, shown if shown is not None else str(now), vs_previous=signed_pct(change(now, prev)),
                vs_year_before=signed_pct(change(now, yoy)))


def _rate_tile(key: str, text: str, name: str, c: ComplaintFigures, p: ComplaintFigures, y: ComplaintFigures,
               part: int, whole: int) -> Tile:
    rate = getattr(c, name)
    note = _("%(part)s of %(whole)s", part=part, whole=whole) if rate is not None else _("No data in this period")
    return Tile(key, text, pct(rate), note, points(rate, getattr(p, name)), points(rate, getattr(y, name)),
                charts.rate_bar(rate, text, pct(rate)))


def complaint_tiles(board: Dashboard) -> list[Tile]:
    """The complaint figures of the period with 环比 and 同比 (a year's 环比 is its 同比: shown once)."""
    c, p, y = board.complaints, board.complaints_previous, board.complaints_year_before
    tiles = [_count_tile(k, t, getattr(c, k), getattr(p, k), getattr(y, k)) for k, t in (
        ("received", _("Complaints received")), ("accepted", _("Accepted")), ("rejected", _("Not accepted")),
        ("withdrawn", _("Withdrawn")), ("concluded", _("Concluded")))]
    tiles += [
        _rate_tile("closure", _("Closure rate"), "closure_rate", c, p, y, c.concluded, c.accepted),
        _rate_tile("mediation", _("Mediation success rate"), "mediation_success_rate", c, p, y,
                   c.resolved, c.resolved + c.failed),
        _rate_tile("on-time", _("On-time rate"), "on_time_rate", c, p, y, c.on_time, c.concluded),
    ]
    median = c.median_close_days
    tiles.append(Tile("median-days", _("Median working days to close"), number(median),
                      "" if median is not None else _("No data in this period"),
                      days_diff(median, p.median_close_days), days_diff(median, y.median_close_days)))
    satisfaction = _rate_tile("satisfaction", _("Satisfaction rate"), "satisfaction_rate", c, p, y,
                              c.satisfied, c.rated)
    if c.satisfaction_avg is not None:
        satisfaction.note = _("average %(avg)s of 5 from %(n)s ratings", avg=f"{c.satisfaction_avg:.1f}", n=c.rated)
    tiles.append(satisfaction)
    money = _count_tile("recovered", _("Money recovered (yuan)"), c.recovered_fen, p.recovered_fen,
                        y.recovered_fen, yuan(c.recovered_fen))
    money.wide = True
    tiles.append(money)
    if board.period.kind == "year":
        for tile in tiles:
            tile.vs_previous = None
    return tiles


def inspection_tiles(board: Dashboard) -> list[Tile]:
    """Inspections, rectification orders and samples of the period (no comparison is made for them)."""
    i = board.inspections
    tiles = [Tile(k, t, str(v)) for k, t, v in (
        ("inspections", _("Inspections made"), i.inspections), ("inspector-visits", _("Inspector visits"),
                                                             i.inspector_visits),
        ("merchants-checked", _("Merchants checked"), i.merchants), ("insp-failed", _("Problems found"), i.failed),
        ("orders", _("Rectification orders"), i.orders), ("orders-closed", _("Put right"), i.orders_closed))]
    tiles.append(_plain_rate("order-completion", _("Rectification completion rate"), i.order_completion_rate,
                             i.orders_closed, i.orders))
    tiles += [Tile(k, t, str(v)) for k, t, v in (
        ("samples", _("Samples taken"), i.samples), ("samples-tested", _("Samples with a lab result"),
                                                      i.samples_tested),
        ("samples-failed", _("Samples failed"), i.samples_failed))]
    tiles.append(_plain_rate("nonconformity", _("Non-conformity rate"), i.nonconformity_rate,
                             i.samples_failed, i.samples_tested))
    return tiles


def _plain_rate(key: str, text: str, rate: float | None, part: int, whole: int) -> Tile:
    note = _("%(part)s of %(whole)s", part=part, whole=whole) if rate is not None else _("No data in this period")
    return Tile(key, text, pct(rate), note, bar=charts.rate_bar(rate, text, pct(rate)))


def outreach_tiles(board: Dashboard) -> list[Tile]:
    """The outreach events of the period and what they reached."""
    t = board.outreach
    return [Tile(k, text, str(v)) for k, text, v in (
        ("events", _("Events"), t.events), ("participants", _("Participants"), t.participants),
        ("consultations", _("Consultations"), t.consultations), ("leaflets", _("Leaflets handed out"), t.leaflets),
        ("volunteers", _("Volunteer turnouts"), t.volunteers), ("onsite", _("On-site complaints"),
                                                                t.onsite_complaints),
        ("banners", _("Banners"), t.banners), ("boards", _("Display boards"), t.boards))]


def hotspot_sections(board: Dashboard) -> list[dict]:
    """Top categories, problem types and merchants: a bar chart and table rows each."""
    en = current_lang() == "en"
    sections = []
    for key, title, header, spots in (
            ("categories", _("Top goods and services"), _("Goods or service"), board.categories),
            ("problems", _("Top problem types"), _("Problem type"), board.problems),
            ("merchants", _("Most complained-about merchants"), _("Merchant"), board.merchants)):
        rows = [{"name": h.name_en if en else h.name, "n": h.n, "vs_previous": signed_pct(h.vs_previous),
                 "vs_year_before": signed_pct(h.vs_year_before)} for h in spots]
        chart = charts.bar_chart([(r["name"], r["n"], str(r["n"])) for r in rows], title) if rows else None
        sections.append({"key": key, "title": title, "header": header, "rows": rows, "chart": chart})
    return sections


def _month_label(d: date, multi_year: bool) -> tuple[str, str]:
    if current_lang() == "en":
        full = d.strftime("%B %Y")
        return (f"{d.month}/{d.year % 100:02d}" if multi_year else d.strftime("%b")), full
    return (f"{d.year % 100:02d}/{d.month}" if multi_year else f"{d.month}月"), f"{d.year}年{d.month}月"


def _day_label(d: date) -> tuple[str, str]:
    full = f"{d.day} {d.strftime('%b %Y')}" if current_lang() == "en" else f"{d.year}年{d.month}月{d.day}日"
    return str(d.day), full


def series_view(board: Dashboard) -> tuple[object, list[tuple[str, int]], bool]:
    """The series of complaints received: (column chart, [(full label, n)], daily?)."""
    daily = board.period.days <= 62
    multi_year = len({d.year for d, _n in board.series}) > 1
    labelled = [(*(_day_label(d) if daily else _month_label(d, multi_year)), n) for d, n in board.series]
    title = _("Complaints received per day") if daily else _("Complaints received per month")
    chart = charts.column_chart([(short, n, full) for short, full, n in labelled], title)
    return chart, [(full, n) for _short, full, n in labelled], daily


def venue_view(board: Dashboard) -> tuple[object, list[tuple[str, int]]]:
    """Events by venue type (进社区、进学校……): a bar chart and its rows."""
    rows = [(str(VENUES.get(v, v)), n) for v, n in board.outreach.by_venue.items()]
    return charts.bar_chart([(name, n, str(n)) for name, n in rows], _("Events by venue")), rows


def district_view(board: Dashboard) -> tuple[object | None, list[dict]]:
    """For the whole city: each district's complaints, inspections and events (None for one district)."""
    if board.district is not None:
        return None, []
    events = {d.district_id: d.events for d in board.outreach.by_district}
    rows = [{"code": r.district.code, "name": label(r.district), "received": r.complaints.received,
             "closure": pct(r.complaints.closure_rate), "inspections": r.inspections,
             "events": events.get(r.district.id, 0)} for r in board.districts]
    chart = charts.bar_chart([(r["name"], r["received"], str(r["received"])) for r in rows],
                             _("Complaints received by district"))
    return chart, rows


def _values(args, p: period.Period | None) -> dict:
    """What the filter form shows: the period understood, else what was typed."""
    values = {k: (args.get(k) or "").strip() for k in FIELDS}
    if p is not None:
        # Switching from a year (or custom days) to a month or quarter starts from the current one if it is
        # in that year, else from the first one.
        today = today_shanghai()
        first = p.start if p.kind in ("month", "quarter") or p.start.year != today.year else today
        values.update(period=p.kind, year=str(p.start.year), quarter=str((first.month - 1) // 3 + 1),
                      month=str(first.month), start=p.start.isoformat(), end=p.end.isoformat())
    return values


def _results(board: Dashboard) -> dict:
    """What the results part shows: tiles, charts and their rows, worded in the UI language."""
    p = board.period
    series_chart, series_rows, daily = series_view(board)
    venue_chart, venue_rows = venue_view(board)
    district_chart, district_rows = district_view(board)
    return {"board": board, "period": p, "in_progress": p.end >= today_shanghai(),
            "period_label": p.label("en" if current_lang() == "en" else "zh"),
            "district_name": label(board.district) if board.district is not None else _("Whole city"),
            "complaint_tiles": complaint_tiles(board), "inspection_tiles": inspection_tiles(board),
            "outreach_tiles": outreach_tiles(board), "hotspots": hotspot_sections(board),
            "series_chart": series_chart, "series_rows": series_rows, "daily": daily,
            "venue_chart": venue_chart, "venue_rows": venue_rows,
            "district_chart": district_chart, "district_rows": district_rows}


def _form_context(session, values: dict, errors: dict) -> dict:
    own = session.get(District, current_user.district_id) if current_user.district_id is not None else None
    districts = [] if own else [(d.code, label(d)) for d in session.exec(select(District).order_by(District.code))]
    today = today_shanghai()
    en = current_lang() == "en"
    months = [(m, date(2000, m, 1).strftime("%B") if en else f"{m}月") for m in range(1, 13)]
    return {"values": values, "errors": errors, "districts": districts, "own_district": label(own) if own else "",
            "years": list(range(today.year + 1, period.FIRST_YEAR - 1, -1)), "months": months}


def _parse(session) -> tuple[period.Period | None, District | None, dict]:
    """The period and district asked for, and the messages for what could not be understood."""
    errors: dict[str, str] = {}
    p = district = None
    try:
        p = period.parse(request.args, today_shanghai())
    except FieldErrors as exc:
        errors.update(exc.errors)
    try:
        district = period.district_for(session, current_user, request.args.get("district"))
    except FieldErrors as exc:
        errors.update(exc.errors)
    return p, district, errors


@bp.get("/reports")
@login_required
def dashboard():
    """The dashboard of a period (default: this year) for the user's district or the whole city."""
    if not period.can_report(current_user):
        return error_response(403, _("Only supervisors and administrators can see the reports."))
    session = get_session()
    try:
        p, district, errors = _parse(session)
    except period.Forbidden:
        return error_response(403, _("You may only see the reports of your own district."))
    context = _form_context(session, _values(request.args, p), errors)
    if errors:
        return render("reports/dashboard.html", "reports/_dashboard_main.html", status=422, board=None, **context)
    board = figures.build(session, p, district, remember=True)
    session.commit()   # build() refreshed the day tables: keep that work
    link_args = {**p.args(), **({"district": district.code} if district is not None else {})}
    response = render("reports/dashboard.html", "reports/_dashboard_main.html", link_query=urlencode(link_args),
                      **_results(board), **context)
    # The form sends every field (the hidden ones too): htmx puts the short address in the location bar.
    response.headers["HX-Push-Url"] = f"{request.path}?{urlencode(link_args)}"
    return response
