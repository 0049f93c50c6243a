"""Handlers' and supervisors' screens: inbox, the staff complaint page and its actions, 督办, referrals, audit."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, request, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user
from sqlmodel import select

from webapp.audit import AuditLog
from webapp.auth.models import HANDLER, SUPERVISOR, District
from webapp.auth.routes import role_required
from webapp.complaints import deadlines, handling, inbox, notices, policy, service, states
from webapp.complaints.choices import (ACTORS, CHANNELS, DESIRED_OUTCOMES, EVENT_KINDS, FAIL_ADVICE, PROBLEM_TYPES,
                                       REJECT_REASONS, STEP_KINDS)
from webapp.complaints.forms import category_groups, label
from webapp.complaints.handling_forms import ACTIONS, REASSIGN_TITLE, parse, service_errors
from webapp.complaints.models import Category, Complaint
from webapp.complaints.schemas import today_shanghai
from webapp.complaints.workflow import Conflict
from webapp.db import get_session
from webapp.forms import FieldErrors
from webapp.htmx import redirect, render
from webapp.merchants.models import Merchant

bp = Blueprint("handling", __name__, url_prefix="/handling")

STAFF = (HANDLER, SUPERVISOR)
# Audit actions of the consumer's side, named by the timeline entry they write.
AUDIT_EVENTS = {"create": "submitted", "add_info": "info_added", "withdraw": "withdrawn",
                "accept_outcome": "outcome_accepted", "dispute": "disputed", "rate": "rated"}
LABELS = {"states": states.LABELS, "events": EVENT_KINDS, "actors": ACTORS, "problems": PROBLEM_TYPES,
          "outcomes": DESIRED_OUTCOMES, "channels": CHANNELS, "reject_reasons": REJECT_REASONS,
          "step_kinds": STEP_KINDS, "fail_advice": FAIL_ADVICE}


def _common() -> dict:
    # City-level staff see every district, so their rows say which one.
    districts = (get_session().exec(select(District)).all()
                 if current_user.is_authenticated and current_user.district_id is None else [])
    return {"labels": LABELS, "name_of": label, "district_names": {d.id: label(d) for d in districts}}


def _due_filters() -> dict:
    return {"overdue": _("Overdue"), "due_soon": _("Due within %(n)s working days", n=deadlines.DUE_SOON_WORKDAYS),
            "paused": _("Clock paused")}


@bp.get("/inbox", endpoint="inbox")
@role_required(*STAFF)
def inbox_page():
    """The district's complaints, most urgent first, filtered and paged in place."""
    session = get_session()
    filters = inbox.Filters.from_args(request.args)
    result = inbox.inbox(session, current_user, filters, today_shanghai())
    common = _common()
    return render("handling/inbox.html", "handling/_inbox_results.html", result=result, filters=result.filters,
                  category_groups=category_groups(session), districts=sorted(common["district_names"].items()),
                  people=inbox.assignable(session, current_user), due_filters=_due_filters(), **common)


def available_actions(user, complaint: Complaint) -> list[str]:
    """The slugs of the actions this user may take on the complaint now, in page order."""
    slugs = []
    for slug, (action, _title) in ACTIONS.items():
        if action == "assign" and complaint.assignee_id is not None:
            ok = policy.can(user, "reassign", complaint)
        elif action == "request_info":
            ok = policy.can(user, action, complaint) and complaint.paused_since is None
        elif action == "follow_up":
            ok = policy.can(user, action, complaint) and complaint.satisfaction is None
        else:
            ok = policy.can(user, action, complaint)
        if ok:
            slugs.append(slug)
    return slugs


def _page(complaint: Complaint, status: int = 200, partial: str = "handling/_complaint.html", *,
          slug: str | None = None, form_errors: dict | None = None, form_values: dict | None = None,
          conflict: bool = False):
    session = get_session()
    events = service.timeline(session, complaint, public_only=False)
    people = inbox.users_by_id(session, [e.actor_id for e in events] + [complaint.owner_id, complaint.assignee_id])
    actions = available_actions(current_user, complaint)
    return render(
        "handling/complaint.html", partial, status=status, complaint=complaint, slug=slug,
        merchant=session.get(Merchant, complaint.merchant_id), category=session.get(Category, complaint.category_id),
        district=session.get(District, complaint.district_id), events=events, people=people,
        owner=people.get(complaint.owner_id), assignee=people.get(complaint.assignee_id),
        photos=service.photos_of(session, complaint), clock=deadlines.clock(complaint, today_shanghai()),
        actions=actions, handlers=handling.handlers_for(session, complaint) if "assign" in actions else [],
        titles={s: t for s, (_a, t) in ACTIONS.items()}, reassign_title=REASSIGN_TITLE,
        can_audit=policy.can(current_user, "audit", complaint), conflict=conflict,
        form_errors=form_errors or {}, form_values=form_values or {}, **_common())


@bp.get("/complaints/<code>")
@role_required(*STAFF)
def complaint(code: str):
    """Everything a handler needs on one complaint, with the actions allowed now."""
    return _page(policy.get_complaint_or_404(code, "view"))


def _conflict(complaint: Complaint):
    """409 showing the complaint as it is now, swapped over the whole page part of an htmx request."""
    response = _page(complaint, 409, conflict=True)
    response.headers["HX-Retarget"] = f"#complaint-{complaint.id}"
    response.headers["HX-Reswap"] = "outerHTML show:#conflict-notice:top"
    return response


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


@bp.post("/complaints/<code>/<slug>")
@role_required(*STAFF)
def act(code: str, slug: str):
    """Take one handling action; 422 re-renders its form, a stale form gets 409 with the current state."""
    if slug not in ACTIONS:
        abort(404)
    action = ACTIONS[slug][0]
    version = _version()
    if action != "remind":
        if version is None:
            abort(400)
        seen = policy.get_complaint_or_404(code, "view")
        if seen.version != version:
            return _conflict(seen)
    complaint = policy.get_complaint_or_404(code, action)
    session = get_session()
    kwargs, errors = parse(session, action, request.form)
    event = None
    if not errors:
        try:
            if action == "remind":
                event = handling.remind(session, current_user, complaint, **kwargs)
            else:
                event = getattr(handling, action)(session, current_user, complaint, version, **kwargs)
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = service_errors(exc.errors)
        except Conflict:
            session.rollback()
            return _conflict(complaint)
        except handling.NotPermitted:
            session.rollback()
            abort(403)
    if errors:
        return _page(complaint, 422, "handling/_action.html", slug=slug, form_errors={slug: errors},
                     form_values={slug: request.form.to_dict()})
    if action == "remind":
        notices.staff_reminder(complaint, event)
        if request.form.get("back") == "overdue":
            return _overdue(reminded=complaint)
    else:
        notices.consumer_update(complaint, event)
    return redirect(url_for("handling.complaint", code=complaint.tracking_code))


def _overdue(reminded: Complaint | None = None):
    rows = inbox.overdue(get_session(), current_user, today_shanghai())
    row = next((r for r in rows if reminded is not None and r.complaint.id == reminded.id), None)
    if reminded is not None and row is None:  # no longer due soon: the list no longer shows it
        return redirect(url_for("handling.overdue"))
    return render("handling/overdue.html", "handling/_overdue_row.html", rows=rows, row=row,
                  reminded_id=getattr(reminded, "id", None), due_soon_days=deadlines.DUE_SOON_WORKDAYS,
                  **_common())


@bp.get("/overdue")
@role_required(SUPERVISOR)
def overdue():
    """督办: overdue and due-soon open complaints of the supervisor's districts, with a reminder button."""
    return _overdue()


@bp.get("/referrals")
@role_required(*STAFF)
def referrals():
    """诉转案: complaints referred to enforcement, with the reason and date."""
    page = inbox.Filters.from_args(request.args).page
    result = inbox.referrals(get_session(), current_user, page, today_shanghai())
    return render("handling/referrals.html", result=result, **_common())


def _field_labels() -> dict:
    return {"state": _("State"), "tracking_code": _("Tracking code"), "photos": _("Photos"), "note": _("Note"),
            "owner_id": _("Owner"), "assignee_id": _("Mediator"), "reject_reason": _("Reason for not accepting"),
            "outcome": _("Outcome"), "recovered_fen": _("Money recovered"), "satisfaction": _("Satisfaction"),
            "satisfaction_comment": _("What the consumer said"), "accepted_at": _("Accepted at"),
            "concluded_at": _("Concluded at"), "closed_at": _("Closed at"), "followed_up_at": _("Followed up at")}


def _shown(name: str, value, people: dict) -> str:
    if value is None or value == "":
        return "—"
    if name.endswith("_at") and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc), "yyyy-MM-dd HH:mm")
    if name == "state":
        return str(states.LABELS.get(value, value))
    if name in ("owner_id", "assignee_id"):
        user = people.get(value)
        return (user.display_name or user.username) if user else str(value)
    if name == "reject_reason":
        return str(REJECT_REASONS.get(value, value))
    if name.endswith("_fen") and isinstance(value, int):
        return f"¥{value / 100:.2f}"
    return str(value)


@bp.get("/complaints/<code>/audit")
@role_required(*STAFF)
def audit(code: str):
    """The complaint's audit log, for supervisors: who changed what, when, before → after."""
    complaint = policy.get_complaint_or_404(code, "audit")
    session = get_session()
    rows = list(session.exec(select(AuditLog).where(AuditLog.object_type == "Complaint",
                                                   AuditLog.object_id == complaint.id)
                             .order_by(AuditLog.created_at, AuditLog.id)))
    ids = {r.actor_id for r in rows}
    for r in rows:
        for values in (r.before or {}, r.after or {}):
            ids.update(v for k, v in values.items() if k in ("owner_id", "assignee_id"))
    people = inbox.users_by_id(session, ids)
    titles = {a: t for _s, (a, t) in ACTIONS.items()}
    fields = _field_labels()
    entries = []
    for r in rows:
        before, after = r.before or {}, r.after or {}
        names = list(dict.fromkeys([*before, *after]))
        verb = r.action.removeprefix("complaint.")
        entries.append({
            "row": r, "actor": people.get(r.actor_id),
            "action": titles.get(verb) or EVENT_KINDS.get(AUDIT_EVENTS.get(verb, verb), verb),
            "changes": [(fields.get(n, n), _shown(n, before.get(n), people), _shown(n, after.get(n), people))
                        for n in names],
        })
    return render("handling/audit.html", complaint=complaint, entries=entries, **_common())
