"""The volunteer's phone: the offline event form and its endpoint, my events, one event; staff's event list."""
from __future__ import annotations

from webapp import conditional
from datetime import date, timedelta

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from webapp.auth.models import District, User
from webapp.auth.routes import role_required
from webapp.campaigns.models import Campaign
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.forms import FieldErrors
from webapp.htmx import redirect, render
from webapp.i18n import current_lang
from webapp.media.uploads import process_uploads, storage
from webapp.outreach import onsite, policy, service, totals
from webapp.outreach.forms import reference_errors, summary, validate_event
from webapp.outreach.labels import LABELS
from webapp.outreach.models import OutreachEvent
from webapp.outreach.schemas import EventFields
from webapp.sync import answers
from webapp.sync.idempotency import digest, parse_uuid, result, same_origin

bp = Blueprint("outreach", __name__)


def _districts() -> list[tuple[int, str]]:
    return [(d.id, label(d)) for d in get_session().exec(select(District).order_by(District.code))]


def _form_context(values: dict, errors: dict, event: OutreachEvent | None = None) -> dict:
    session = get_session()
    district_id = event.district_id if event is not None else current_user.district_id
    roster = []
    if district_id is not None:
        roster = list(session.exec(select(User).where(User.id.in_(service.roster_ids(session, district_id)))
                                   .order_by(User.display_name, User.id)))
    return {"values": values, "errors": errors, "labels": LABELS, "today": today_shanghai(), "event": event,
            "campaigns": service.offered_campaigns(session, district_id, today_shanghai()),
            "districts": _districts() if current_user.district_id is None else [],
            "roster": [u for u in roster if u.id != current_user.id]}


def _form_page(values: dict, errors: dict, status: int = 200):
    return render("outreach/new.html", status=status, **_form_context(values, errors))


@bp.get("/events/new")
@role_required(*policy.RECORDER_ROLES)
def new():
    """The event form; it works offline after one visit and keeps records in the outbox."""
    values = {"client_uuid": conditional.fresh_uuid(), "held_on": today_shanghai().isoformat(), "volunteers": "1"}
    campaigns = service.offered_campaigns(get_session(), current_user.district_id, today_shanghai())
    running = [c for c in campaigns if c.starts_on <= today_shanghai() <= c.ends_on]
    if len(running) == 1:
        values["campaign_id"] = str(running[0].id)
    return _form_page(values, {})


def _saved(event, status: int):
    return answers.saved(event.id, url_for("outreach.detail", event_id=event.id), _("Event saved."), status)


def _replayed(existing: OutreachEvent, body: str):
    """The same record again gets the first answer; another record under its number is a conflict."""
    if existing.body_sha256 == body and existing.recorder_id == current_user.id:
        return _saved(existing, 200)
    return answers.refuse(409, _("This event record's number is already used by a different record. "
                          "Nothing was saved: open the form again and re-enter it."))


def _invalid(errors: dict[str, str]):
    if answers.outbox_asks():
        return result(422, error=summary(errors), errors=errors)
    values = request.form.to_dict()
    values.update({k: request.form.getlist(k) for k in ("formats", "audiences", "volunteer_ids")})
    return _form_page(values, errors, 422)


@bp.post("/events")
@login_required
def create():
    """Record an event sent by the form or replayed by the outbox; the client_uuid makes it idempotent."""
    if not same_origin():
        return answers.refuse(403, _("This record was not sent from this site."))
    if not policy.can_record(current_user):
        return answers.refuse(403, _("Your account may not record outreach events."))
    session = get_session()
    body = digest(request.form, request.files)
    existing = service.find_by_client_uuid(session, parse_uuid(request.form.get("client_uuid")))
    if existing is not None:
        return _replayed(existing, body)
    data, errors = validate_event(request.form)
    photos, problem = process_uploads(request.files.getlist("photos"))
    if problem:
        errors["photos"] = problem
    if errors:
        return _invalid(errors)
    try:
        event = service.create_event(session, current_user, data, photos, storage(), body)
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return _invalid(reference_errors(exc.errors))
    except IntegrityError:
        # The same record arrived twice at once: the first one won; answer as for a replay.
        session.rollback()
        existing = service.find_by_client_uuid(session, data.client_uuid)
        if existing is None:
            raise
        return _replayed(existing, body)
    return _saved(event, 201)


@bp.get("/events/mine")
@role_required(*policy.RECORDER_ROLES)
def mine():
    """The events I recorded or took part in, with my own totals."""
    session = get_session()
    mine_only = service.taken_part_in(current_user)
    t = totals.compute(session, mine_only)
    return render("outreach/mine.html", t=t, sentence=totals.sentence(t, current_lang()),
                  events=service.events(session, mine_only, limit=200), labels=LABELS)


def _period() -> tuple[date, date, dict]:
    """?from=&to= (default: this year so far); a bad date falls back to the default with a message."""
    today = today_shanghai()
    errors = {}
    bounds = []
    for key, default in (("from", date(today.year, 1, 1)), ("to", today)):
        raw = request.args.get(key, "")
        try:
            bounds.append(date.fromisoformat(raw) if raw else default)
        except ValueError:
            errors[key] = _("Please enter a valid date.")
            bounds.append(default)
    start, end = bounds
    if start > end:
        errors["to"] = _("The end of the period cannot be before its start.")
        start, end = end, start
    return start, end, errors


@bp.get("/events")
@role_required(*policy.STAFF_ROLES)
def index():
    """The district's events over a period (city-level staff: the whole city), totalled like a summary."""
    session = get_session()
    start, end, errors = _period()
    where = [OutreachEvent.held_on >= start, OutreachEvent.held_on <= end]
    if current_user.district_id is not None:
        where.append(OutreachEvent.district_id == current_user.district_id)
    t = totals.compute(session, *where)
    return render("outreach/index.html", status=422 if errors else 200, t=t, sentence=totals.sentence(t, current_lang()),
                  show_districts=current_user.district_id is None, events=service.events(session, *where, limit=200),
                  start=start, end=end, errors=errors, labels=LABELS)


@bp.get("/events/<int:event_id>")
@login_required
def detail(event_id: int):
    """One event: what was done, its counts and photos, its QR code and the complaints taken on site."""
    event = policy.get_event_or_404(event_id)
    session = get_session()
    people = session.exec(select(User).where(User.id.in_(service.volunteer_ids(session, event)))
                          .order_by(User.display_name)).all()
    corrector = session.get(User, event.updated_by_id) if event.updated_by_id else None
    return render("outreach/detail.html", event=event, labels=LABELS, people=people,
                  district=label(session.get(District, event.district_id)),
                  campaign=session.get(Campaign, event.campaign_id) if event.campaign_id else None,
                  recorder=session.get(User, event.recorder_id), corrector=corrector,
                  photos=service.photos_of(session, event),
                  can_edit=policy.can(current_user, "edit", event),
                  edit_until=event.received_at + timedelta(days=policy.EDIT_DAYS),
                  **onsite.detail_context(session, current_user, event, today_shanghai()))


def _edit_values(event: OutreachEvent) -> dict:
    session = get_session()
    values = {k: getattr(event, k) for k in service.EDITABLE}
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}
    values["start_time"] = event.start_time.strftime("%H:%M") if event.start_time else ""
    values["end_time"] = event.end_time.strftime("%H:%M") if event.end_time else ""
    values["volunteer_ids"] = [str(i) for i in service.volunteer_ids(session, event)]
    values["campaign_id"] = str(event.campaign_id or "")
    values["district_id"] = str(event.district_id)
    return {k: ("" if v is None else v) for k, v in values.items()}


def _edit_page(event: OutreachEvent, values: dict, errors: dict, status: int = 200):
    return render("outreach/edit.html", status=status, correcting=policy.is_correction(current_user, event),
                  **_form_context(values, errors, event))


@bp.get("/events/<int:event_id>/edit")
@login_required
def edit(event_id: int):
    """Change an event: its recorder for EDIT_DAYS days, the district's staff at any time (audited)."""
    event = policy.get_event_or_404(event_id, "edit")
    return _edit_page(event, _edit_values(event), {})


@bp.post("/events/<int:event_id>/edit")
@login_required
def update(event_id: int):
    """Save the changes; nothing is changed unless all of it is valid."""
    event = policy.get_event_or_404(event_id, "edit")
    data, errors = validate_event(request.form, EventFields)
    if not errors:
        session = get_session()
        try:
            service.update_event(session, current_user, event, data)
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = reference_errors(exc.errors)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("outreach.detail", event_id=event.id))
    values = request.form.to_dict()
    values.update({k: request.form.getlist(k) for k in ("formats", "audiences", "volunteer_ids")})
    return _edit_page(event, values, errors, 422)


@bp.errorhandler(403)
def _forbidden(_exc):
    # role_required aborts with 403: the outbox still gets its JSON answer.
    return answers.refuse(403, _("Your account may not do this."))


@bp.errorhandler(404)
def _not_found(_exc):
    return answers.refuse(404, _("This page does not exist, or you may not see it."))
