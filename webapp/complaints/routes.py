"""Consumer routes: file a complaint, see the receipt, track it, add information, withdraw."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from webapp import conditional, workdays
from webapp.auth.models import CONSUMER
from webapp.complaints import policy, service, states
from webapp.complaints.choices import ACTORS, CHANNELS, DESIRED_OUTCOMES, EVENT_KINDS, PROBLEM_TYPES, REJECT_REASONS
from webapp.complaints.forms import form_context, reference_errors
from webapp.complaints.models import Complaint
from webapp.complaints import notices
from webapp.complaints.deadlines import clock
from webapp.complaints.schemas import ComplaintCreate, Dispute, InfoAdd, Rating, TrackLookup, today_shanghai
from webapp.complaints.tracking import normalize
from webapp.db import get_session
from webapp.extensions import limiter
from webapp.forms import FieldErrors, clean_text, validate
from webapp.htmx import redirect, render
from webapp.media.uploads import process_uploads, storage
from webapp.outreach import onsite

bp = Blueprint("complaints", __name__)

LABELS = {"states": states.LABELS, "events": EVENT_KINDS, "actors": ACTORS, "problems": PROBLEM_TYPES,
          "outcomes": DESIRED_OUTCOMES, "channels": CHANNELS, "reject_reasons": REJECT_REASONS}


LINK_STATUS = {"unknown": 404, "closed": 410, "not_yet": 409}


def _new_form(values: dict, errors: dict, status: int = 200, link_event=None, link_problem: str | None = None):
    if "event_code" in errors:
        values.pop("event_code", None)  # sending again files an ordinary complaint
    elif values.get("event_code") and link_event is None:
        link_event, problem = onsite.event_for_link(get_session(), values["event_code"], today_shanghai())
        if problem:  # closed while the form was being corrected: say so now, not on the next send
            values.pop("event_code")
            errors["event_code"] = reference_errors({"event_code": f"event_{problem}"})["event_code"]
            link_event = None
    return render("complaints/new.html", "complaints/_form.html", status=status, link_event=link_event,
                  link_problem=link_problem, **form_context(get_session(), values, errors))


@bp.get("/complaints/new")
def new():
    """The complaint form, prefilled for a signed-in consumer; ?event=<code> links it to an outreach event."""
    values = {"client_uuid": conditional.fresh_uuid()}
    if current_user.is_authenticated and current_user.role == CONSUMER:
        values.update(consumer_name=current_user.display_name, consumer_phone=current_user.phone or "")
    if "event" not in request.args:
        return _new_form(values, {})
    event, problem = onsite.event_for_link(get_session(), request.args["event"], today_shanghai())
    if problem:
        # The consumer came to complain: the form stays usable, the link's problem is explained above it.
        return _new_form(values, {}, LINK_STATUS[problem], link_event=event, link_problem=problem)
    values.update(event_code=event.public_code, district_id=event.district_id)
    return _new_form(values, {}, link_event=event)


@bp.post("/complaints")
@limiter.limit("30 per hour", methods=["POST"])
def create():
    """File a complaint: validate everything, save all or nothing, then show the tracking code."""
    values = request.form.to_dict()
    data, errors = validate(ComplaintCreate, values)
    photos, photo_error = process_uploads(request.files.getlist("photos"))
    if photo_error:
        errors["photos"] = photo_error
    if errors:
        return _new_form(values, errors, 422)
    session = get_session()
    actor = current_user if current_user.is_authenticated else None
    try:
        complaint, _created = service.create_complaint(
            session, actor, data, photos, storage(),
            collective_threshold=current_app.config["COLLECTIVE_THRESHOLD"],
            collective_window_days=current_app.config["COLLECTIVE_WINDOW_DAYS"])
        session.commit()
    except FieldErrors as exc:
        session.rollback()
        return _new_form(values, reference_errors(exc.errors), 422)
    except service.ReplayMismatch:
        session.rollback()
        return _replay_mismatch(values)
    except IntegrityError:
        # Two submissions of the same form raced: the first one won, show it.
        session.rollback()
        complaint = service.find_by_client_uuid(session, data.client_uuid)
        if complaint is None:
            raise
        if not service.same_submission(complaint, data):
            return _replay_mismatch(values)
    policy.remember_tracked(complaint.id)
    return redirect(url_for("complaints.receipt", code=complaint.tracking_code))


def _replay_mismatch(values: dict):
    """409: this form's number belongs to another complaint; a fresh number lets the person send theirs."""
    values["client_uuid"] = conditional.fresh_uuid()
    response = _new_form(values, {"client_uuid": _("This form was already used for a different complaint. "
                                                   "Please check your complaint and send it again.")}, 409)
    # htmx sends 4xx other than 422 to the toast: this one is the form again, in place.
    response.headers["HX-Retarget"] = "#complaint-form"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.get("/complaints/<code>/receipt")
def receipt(code: str):
    """The tracking code, large, with the next statutory step and its date."""
    complaint = policy.get_complaint_or_404(code, "view")
    return render("complaints/receipt.html", complaint=complaint, steps=workdays.ACCEPT_DECISION_WORKDAYS)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def track():
    """Find a complaint by tracking code and the phone's last four digits."""
    values = request.form.to_dict() if request.method == "POST" else {"code": request.args.get("code", "")}
    if request.method == "GET":
        return render("complaints/track.html", "complaints/_track_form.html", values=values, errors={})
    data, errors = validate(TrackLookup, values)
    code = normalize(values.get("code", ""))
    if code is None:
        errors["code"] = _("This tracking code is not valid: please check each character.")
    complaint = None
    if not errors:
        complaint = service.lookup(get_session(), code, data.phone_last4)
        if complaint is None:
            errors["code"] = _("No complaint matches this code and these digits.")
    if errors:
        return render("complaints/track.html", "complaints/_track_form.html", status=422,
                      values=values, errors=errors)
    policy.remember_tracked(complaint.id)
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


def _detail(complaint: Complaint, errors: dict | None = None, values: dict | None = None, status=200,
            unread: int = 0, seen_before=...):
    session = get_session()
    return render("complaints/detail.html", "complaints/_detail.html", status=status,
                  complaint=complaint, events=service.timeline(session, complaint),
                  photos=service.photos_of(session, complaint), labels=LABELS,
                  is_open=complaint.state in states.OPEN_STATES, clock=clock(complaint, today_shanghai()),
                  can_dispute=service.dispute_open(complaint), unread=unread,
                  seen_before=complaint.consumer_seen_at if seen_before is ... else seen_before,
                  errors=errors or {}, values=values or {})


@bp.get("/track/<code>")
def detail(code: str):
    """The complaint's status and timeline; the consumer's visit marks staff updates as read."""
    complaint = policy.get_complaint_or_404(code, "view")
    seen_before = complaint.consumer_seen_at
    unread = 0
    if policy.is_complainant(current_user, complaint, policy.tracked_ids()):
        session = get_session()
        unread = service.mark_seen(session, complaint)
        session.commit()
    # The updates new since the previous visit are marked (the visit just recorded is not the previous one).
    return _detail(complaint, unread=unread, seen_before=seen_before)


@bp.post("/track/<code>/info")
def add_info(code: str):
    """Add a note and photos to an open complaint."""
    complaint = policy.get_complaint_or_404(code, "add_info")
    values = request.form.to_dict()
    data, errors = validate(InfoAdd, values)
    photos, photo_error = process_uploads(request.files.getlist("photos"))
    if photo_error:
        errors["photos"] = photo_error
    if not errors and not data.note and not photos:
        errors["note"] = _("Write something or attach a photo.")
    if errors:
        return _detail(complaint, errors, values, 422)
    session = get_session()
    actor = current_user if current_user.is_authenticated else None
    service.add_info(session, actor, complaint, data.note, photos, storage())
    session.commit()
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


@bp.post("/track/<code>/withdraw")
def withdraw(code: str):
    """Withdraw an open complaint (撤诉)."""
    complaint = policy.get_complaint_or_404(code, "withdraw")
    session = get_session()
    actor = current_user if current_user.is_authenticated else None
    # An optional remark; the field holds 500 characters, so only a hand-made request is cut.
    reason = clean_text(request.form.get("reason", "")).strip()[:500]
    service.withdraw(session, actor, complaint, reason)
    session.commit()
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


def _consumer_action(code: str, action: str, schema=None):
    """Shared shape of the consumer's one-click decisions: load, validate, act, commit, go back."""
    complaint = policy.get_complaint_or_404(code, action)
    values = request.form.to_dict()
    data, errors = validate(schema, values) if schema else (None, {})
    if errors:
        return complaint, None, values, errors
    return complaint, data, values, {}


@bp.post("/track/<code>/accept-outcome")
def accept_outcome(code: str):
    """The consumer accepts the mediated outcome (the case is closed)."""
    complaint, _data, _values, _errors = _consumer_action(code, "accept_outcome")
    session = get_session()
    service.accept_outcome(session, current_user if current_user.is_authenticated else None, complaint)
    session.commit()
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


@bp.post("/track/<code>/dispute")
def dispute(code: str):
    """The consumer disputes the outcome within 15 days: mediation reopens."""
    complaint, data, values, errors = _consumer_action(code, "dispute", Dispute)
    if not errors and not service.dispute_open(complaint):
        errors = {"reason": _("The 15 days for disputing the outcome have passed.")}
    if errors:
        return _detail(complaint, errors, values, 422)
    session = get_session()
    service.dispute(session, current_user if current_user.is_authenticated else None, complaint, data.reason)
    session.commit()
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


@bp.post("/track/<code>/rate")
def rate(code: str):
    """The consumer rates the handling 1–5 with a comment (回访)."""
    complaint, data, values, errors = _consumer_action(code, "rate", Rating)
    if not errors and complaint.satisfaction is not None:
        errors = {"satisfaction": _("This complaint has already been rated. Thank you.")}
    if errors:
        return _detail(complaint, errors, values, 422)
    session = get_session()
    service.rate(session, current_user if current_user.is_authenticated else None, complaint,
                 data.satisfaction, data.comment.strip())
    session.commit()
    return redirect(url_for("complaints.detail", code=complaint.tracking_code))


@bp.get("/my/complaints")
@login_required
def mine():
    """A signed-in consumer's complaints (我的投诉)."""
    if current_user.role != CONSUMER:
        abort(403)
    session = get_session()
    complaints = service.of_consumer(session, current_user)
    return render("complaints/mine.html", complaints=complaints, labels=LABELS,
                  unread=service.unread_counts(session, complaints))
