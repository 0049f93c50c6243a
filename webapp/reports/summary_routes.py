"""The work summary (工作总结): on screen (printable) and as a Word document, for a period and a district."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

from flask import Blueprint, make_response, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.auth.models import District
from webapp.auth.routes import role_required
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.errors import error_response
from webapp.forms import FieldErrors
from webapp.htmx import render
from webapp.i18n import current_lang
from webapp.reports import docx_export, period, summary

bp = Blueprint("reports_summary", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC_LANGS = ("zh", "en")


def _doc_lang() -> str:
    """The document's language: ?doc_lang=zh|en, else the UI language (?lang= switches the whole site)."""
    asked = (request.args.get("doc_lang") or "").strip()
    if asked and asked not in DOC_LANGS:
        raise FieldErrors({"doc_lang": _("Please choose one of the options.")})
    return asked or current_lang()


def _asked():
    """(period, district, document language) from the query, or FieldErrors naming every bad argument."""
    session, today, errors = get_session(), today_shanghai(), {}
    found = []
    for read in (lambda: period.parse(request.args, today),
                 lambda: period.district_for(session, current_user, request.args.get("district")),
                 _doc_lang):
        try:
            found.append(read())
        except FieldErrors as exc:
            errors.update(exc.errors)
            found.append(None)
    if errors:
        raise FieldErrors(errors)
    return tuple(found)


def _districts() -> list[District]:
    """The districts the user may choose: all of them at city level, none (their own is fixed) otherwise."""
    if current_user.district_id is not None:
        return []
    return list(get_session().exec(select(District).order_by(District.code)))


def _page(doc, status: int = 200, errors: dict | None = None, p=None, district=None, lang: str | None = None):
    values = request.args.to_dict()
    links = {}
    if doc is not None:
        code = {"district": district.code} if district is not None else {}
        other = "en" if lang == "zh" else "zh"
        links = {"docx": url_for("reports_summary.docx", **p.args(), **code, doc_lang=lang),
                 "other": url_for("reports_summary.show", **p.args(), **code, doc_lang=other), "other_lang": other}
        values = {**{k: str(v) for k, v in p.args().items()}, "district": district.code if district else "",
                  "lang": lang, **values}
    return render("reports/summary.html", status=status, doc=doc, errors=errors or {}, values=values,
                  districts=_districts(), links=links, today=today_shanghai(),
                  months=[(m, format_date(date(2000, m, 1), "MMMM")) for m in range(1, 13)])


def _summary():
    """Build the summary asked for; an error response instead when the arguments are bad or forbidden."""
    try:
        p, district, lang = _asked()
    except FieldErrors as exc:
        return None, _page(None, 422, exc.errors)
    except period.Forbidden:
        return None, error_response(403, _("You may only see the reports of your own district."))
    session = get_session()
    doc = summary.build(session, p, district, today_shanghai(), lang)
    session.commit()   # figures.build refreshed the day tables
    return (doc, p, district, lang), None


@bp.get("/reports/summary")
@role_required(*period.REPORT_ROLES)
def show():
    """The work summary on screen, laid out to print from the browser."""
    built, problem = _summary()
    if problem is not None:
        return problem
    doc, p, district, lang = built
    return _page(doc, p=p, district=district, lang=lang)


def _filename(doc: summary.Summary) -> tuple[str, str]:
    """(UTF-8 name, ASCII fallback), e.g. 工作总结-2026年-城东区.docx and work-summary-2026-CD.docx."""
    p, d = doc.period, doc.district
    if doc.lang == "zh":
        name = f"工作总结-{p.label('zh')}-{summary.scope_name(d, 'zh')}.docx"
    else:
        scope = (d.name_en or d.name) if d is not None else "Whole-city"
        name = f"Work-summary-{p.label('en')}-{scope}.docx".replace(" ", "-")
    span = {"year": f"{p.start.year}", "quarter": f"{p.start.year}-Q{p.quarter_no}",
            "month": f"{p.start.year}-{p.start.month:02d}"}.get(p.kind, f"{p.start.isoformat()}-{p.end.isoformat()}")
    ascii_name = f"work-summary-{span}-{d.code if d is not None else 'city'}-{doc.lang}.docx"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-._") else "-" for ch in ascii_name)
    return re.sub(r"-{2,}", "-", name.replace("–", "-")), safe


@bp.get("/reports/summary.docx")
@role_required(*period.REPORT_ROLES)
def docx():
    """The work summary as a Word document (bad arguments get the HTML page with the message, never a file)."""
    built, problem = _summary()
    if problem is not None:
        return problem
    doc = built[0]
    name, fallback = _filename(doc)
    response = make_response(docx_export.render(doc))
    response.headers["Content-Type"] = DOCX
    response.headers["Content-Disposition"] = (f"attachment; filename=\"{fallback}\"; "
                                               f"filename*=UTF-8''{quote(name, safe='')}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
