"""Consumer warnings and tips (消费警示 / 消费提示): Markdown in, sanitised HTML out, drafts until published.

Markdown is rendered with raw HTML switched off and the result is cleaned again by nh3 (an allow-list), so
nothing a supervisor types can run in a reader's browser. Rather than silently dropping what looked like HTML
or a script link, the service refuses such a body with a clear message: the supervisor learns that the
public would not have seen what they meant to show. No Flask here.
"""
from __future__ import annotations

from typing import Literal, Optional
from urllib.parse import urlsplit

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func
from sqlmodel import Session, select

from webapp.audit import record
from webapp.auth.models import SUPERVISOR, District, utcnow
from webapp.forms import FieldErrors
from webapp.public.models import TIP, WARNING, Warning

KINDS = (WARNING, TIP)
MAX_BODY = 20_000
TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a", "table", "thead",
        "tbody", "tr", "th", "td", "code", "pre", "hr"}
SCHEMES = {"http", "https", "mailto"}

# What the public sees: raw HTML is escaped as text, images are off (the allow-list has no <img>).
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")
# What the check reads: the same Markdown with HTML recognised and every link kept, so both can be named.
_detector = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").disable("image")
_detector.validateLink = lambda url: True


def html_message() -> str:
    return _("Scripts and HTML are not allowed; use Markdown.")


def link_message() -> str:
    return _("Links must start with http://, https:// or mailto:.")


def render_markdown(md: str) -> str:
    """Markdown to HTML that is safe to show anyone: commonmark without raw HTML, then nh3's allow-list."""
    html = _renderer.render(md or "")
    return nh3.clean(html, tags=TAGS, attributes={"a": {"href", "title"}}, url_schemes=SCHEMES,
                     link_rel="noopener nofollow", url_relative="deny", strip_comments=True)


def _safe_link(href: str) -> bool:
    cleaned = "".join(ch for ch in (href or "") if ch > " ").lower()
    try:
        scheme = urlsplit(cleaned).scheme
    except ValueError:
        return False
    return scheme in SCHEMES


def markdown_problem(md: str) -> str | None:
    """The message for Markdown that carries raw HTML (a script, an <img onerror>) or a non-web link; else None."""
    stack = list(_detector.parse(md or ""))
    while stack:
        token = stack.pop()
        if token.type in ("html_block", "html_inline"):
            return html_message()
        if token.type == "link_open" and not _safe_link(str(token.attrGet("href") or "")):
            # javascript:, data:, vbscript: (entities already decoded), or a relative link nobody outside can open.
            return html_message() if "script" in str(token.attrGet("href")).lower() else link_message()
        stack.extend(token.children or [])
    return None


class WarningIn(BaseModel):
    """What a supervisor sends from the warning form."""

    kind: Literal["warning", "tip"] = WARNING
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(default="", max_length=300)
    body_md: str = Field(min_length=1, max_length=MAX_BODY)
    district_id: Optional[int] = None

    @field_validator("district_id", mode="before")
    @classmethod
    def _blank_district(cls, value):
        return None if value in ("", None) else value

    @field_validator("body_md", mode="before")
    @classmethod
    def _newlines(cls, value):
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def status(warning: Warning) -> str:
    """draft | published | withdrawn."""
    if warning.withdrawn_at is not None:
        return "withdrawn"
    return "published" if warning.published_at is not None else "draft"


def is_public(warning: Warning | None) -> bool:
    return warning is not None and status(warning) == "published"


def can_manage(user, warning: Warning | None = None) -> bool:
    """Supervisors write warnings: city-level ones any, a district's supervisor only their district's."""
    if not getattr(user, "is_authenticated", False) or user.role != SUPERVISOR:
        return False
    return warning is None or user.district_id is None or warning.district_id == user.district_id


def _district_for(session: Session, actor, chosen: int | None) -> int | None:
    if actor.district_id is not None:
        return actor.district_id  # a district's supervisor writes for their own district
    if chosen is not None and session.get(District, chosen) is None:
        raise FieldErrors({"district_id": _("Please choose one of the options.")})
    return chosen


def _rendered(data: WarningIn) -> str:
    problem = markdown_problem(data.body_md)
    if problem:
        raise FieldErrors({"body_md": problem})
    return render_markdown(data.body_md)


def _snapshot(w: Warning) -> dict:
    return {"kind": w.kind, "title": w.title, "summary": w.summary, "district_id": w.district_id,
            "status": status(w)}


def create(session: Session, actor, data: WarningIn) -> Warning:
    """A new draft; FieldErrors when the body has HTML or a bad link, or the district is unknown."""
    html = _rendered(data)
    warning = Warning(kind=data.kind, title=data.title, summary=data.summary, body_md=data.body_md,
                      body_html=html, district_id=_district_for(session, actor, data.district_id),
                      author_id=actor.id)
    session.add(warning)
    session.flush()
    record(session, actor, "warning.create", warning, None, _snapshot(warning))
    return warning


def update(session: Session, actor, warning: Warning, data: WarningIn) -> Warning:
    """Change a warning (a published one changes on the public page at once)."""
    html = _rendered(data)
    # A district's supervisor cannot move a warning; city-level ones may (checked before anything changes).
    district_id = _district_for(session, actor, data.district_id) if actor.district_id is None \
        else warning.district_id
    before = _snapshot(warning)
    warning.kind, warning.title, warning.summary = data.kind, data.title, data.summary
    warning.body_md, warning.body_html, warning.district_id = data.body_md, html, district_id
    warning.updated_at = utcnow()
    session.add(warning)
    session.flush()
    record(session, actor, "warning.update", warning, before, _snapshot(warning))
    return warning


def publish(session: Session, actor, warning: Warning) -> Warning:
    """Show it on the public pages (again, if it was withdrawn); publishing twice changes nothing."""
    if status(warning) == "published":
        return warning
    before = _snapshot(warning)
    warning.published_at, warning.withdrawn_at = utcnow(), None
    session.add(warning)
    session.flush()
    record(session, actor, "warning.publish", warning, before, _snapshot(warning))
    return warning


def withdraw(session: Session, actor, warning: Warning) -> Warning:
    """Take a published warning off the public pages; a draft cannot be withdrawn."""
    if status(warning) == "withdrawn":
        return warning
    if status(warning) == "draft":
        raise FieldErrors({"status": _("Only a published warning can be withdrawn.")})
    before = _snapshot(warning)
    warning.withdrawn_at = utcnow()
    session.add(warning)
    session.flush()
    record(session, actor, "warning.withdraw", warning, before, _snapshot(warning))
    return warning


def _published_stmt(kind: str | None):
    stmt = select(Warning).where(Warning.published_at != None, Warning.withdrawn_at == None)  # noqa: E711
    return stmt.where(Warning.kind == kind) if kind in KINDS else stmt


def published(session: Session, kind: str | None = None, limit: int = 10, offset: int = 0) -> list[Warning]:
    """Published warnings and tips, newest first."""
    stmt = _published_stmt(kind).order_by(Warning.published_at.desc(), Warning.id.desc())
    return list(session.exec(stmt.limit(limit).offset(offset)))


def count_published(session: Session, kind: str | None = None) -> int:
    return session.exec(select(func.count()).select_from(_published_stmt(kind).subquery())).one()


def manageable(session: Session, user) -> list[Warning]:
    """The warnings this supervisor may edit: drafts first, then the rest, newest first."""
    stmt = select(Warning)
    if user.district_id is not None:
        stmt = stmt.where(Warning.district_id == user.district_id)
    rows = session.exec(stmt.order_by(Warning.created_at.desc(), Warning.id.desc())).all()
    order = {"draft": 0, "published": 1, "withdrawn": 2}
    return sorted(rows, key=lambda w: order[status(w)])
