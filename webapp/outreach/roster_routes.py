"""The volunteer roster for district staff (who took part, invitations) and the join page volunteers open."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from webapp.auth.models import District, User
from webapp.auth.routes import role_required
from webapp.complaints.forms import label
from webapp.complaints.schemas import today_shanghai
from webapp.db import get_session
from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.forms import FieldErrors, validate
from webapp.htmx import redirect, render, wants_partial
from webapp.outreach import codes, roster
from webapp.outreach.models import VolunteerInvite
from webapp.outreach.policy import ROSTER_ROLES, in_scope
from webapp.outreach.roster_schemas import InviteCreate, Join

bp = Blueprint("roster", __name__)

FIELD_COOKIE_AGE = 365 * 24 * 3600


# --- staff: the roster page ------------------------------------------------------------------------------

def _districts() -> dict[int, str]:
    return {d.id: label(d) for d in get_session().exec(select(District).order_by(District.code))}


def _scope() -> int | None:
    """The district shown: staff their own; city-level staff all, or the one they picked."""
    if current_user.district_id is not None:
        return current_user.district_id
    return request.values.get("district", type=int)


def _since() -> date | None:
    return date(today_shanghai().year, 1, 1) if request.args.get("period") == "year" else None


def _page(partial: str | None = None, status: int = 200, values: dict | None = None,
          errors: dict | None = None, notice: tuple[str, str] | None = None, new_id: int | None = None):
    session = get_session()
    scope = _scope()
    return render("outreach/roster.html", partial, status=status,
                  rows=roster.participation(session, scope, _since()), invites=roster.open_invites(session, scope),
                  districts=_districts(), scope=scope, period=request.args.get("period", ""),
                  city_level=current_user.district_id is None, grouped=roster.grouped,
                  values=values or {}, errors=errors or {}, notice=notice, new_id=new_id,
                  days=roster.DAYS, max_uses=roster.MAX_USES)


def _done(partial: str, message: str, **ctx):
    """After a change: htmx gets the section again (with the message in it), a plain form goes back to the page."""
    if wants_partial():
        return _page(partial, notice=(partial, message), **ctx)
    flash(message, "success")
    return redirect(url_for("roster.index"))


def _invite_or_404(invite_id: int) -> VolunteerInvite:
    invite = get_session().get(VolunteerInvite, invite_id)
    if invite is None or not in_scope(current_user, invite.district_id):
        abort(404)
    return invite


def _volunteer_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None or user.role != "volunteer" or not in_scope(current_user, user.district_id):
        abort(404)
    return user


@bp.get("/volunteers")
@role_required(*ROSTER_ROLES)
def index():
    """The district's volunteers with the events they took part in, and the open invitations."""
    return _page()


@bp.post("/volunteers/invites")
@role_required(*ROSTER_ROLES)
def create_invite():
    """Open an invitation (link and code) to the roster of the staff member's district."""
    values = request.form.to_dict()
    data, errors = validate(InviteCreate, values)
    if not errors:
        district_id = data.district_id or current_user.district_id
        if district_id is not None and not in_scope(current_user, district_id):
            abort(403)
        session = get_session()
        try:
            invite = roster.create_invite(session, current_user, district_id, data.days, data.max_uses)
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = {k: (_("Please choose the district from the list.") if k == "district_id"
                          else _("This value is not valid.")) for k in exc.errors}
        else:
            return _done("outreach/_invites.html",
                         _("Invitation %(code)s created: share the link or the code.", code=roster.grouped(invite.code)),
                         new_id=invite.id)
    return _page("outreach/_invites.html", 422, values, errors)


@bp.post("/volunteers/invites/<int:invite_id>/revoke")
@role_required(*ROSTER_ROLES)
def revoke_invite(invite_id: int):
    """Close an invitation: its link and code stop working at once."""
    invite = _invite_or_404(invite_id)
    session = get_session()
    roster.revoke(session, current_user, invite)
    session.commit()
    return _done("outreach/_invites.html", _("Invitation %(code)s closed.", code=roster.grouped(invite.code)))


@bp.post("/volunteers/<int:user_id>/active")
@role_required(*ROSTER_ROLES)
def set_active(user_id: int):
    """Take a volunteer who left off the roster (they can no longer sign in), or back on."""
    user = _volunteer_or_404(user_id)
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    session = get_session()
    roster.set_active(session, current_user, user, active == "1")
    session.commit()
    name = user.display_name or user.username
    message = (_("%(name)s is on the roster again.", name=name) if user.active
               else _("%(name)s is off the roster and can no longer sign in.", name=name))
    return _done("outreach/_roster.html", message)


# --- volunteers: joining through an invitation ------------------------------------------------------------

def _problem_page(problem: str):
    texts = {
        "unknown": (_("Invitation not found"),
                    _("There is no invitation with this code. Please check it, or ask the staff who invited you.")),
        "expired": (_("Invitation expired"),
                    _("This invitation has expired. Please ask the staff who invited you for a new one.")),
        "used_up": (_("Invitation full"),
                    _("Everyone this invitation was meant for has already joined. "
                      "Please ask the staff who invited you for a new one.")),
        "revoked": (_("Invitation closed"),
                    _("The staff have closed this invitation. Please ask them for a new one.")),
    }
    code = 404 if problem == "unknown" else 410
    title, message = texts[problem]
    return render("outreach/join.html", "errors/_error.html", status=code, code=code, title=title,
                  message=message, problem=problem, invite=None, values={}, errors={})


def _signed_in_page():
    if request.method == "POST":
        return error_response(409, _("You are signed in. Please sign out first, then open the invitation again."))
    return render("outreach/join.html", signed_in=True, invite=None, values={}, errors={})


@bp.get("/join")
def join_start():
    """Where a volunteer types the code they were given; ?code= goes on to its page."""
    if current_user.is_authenticated:
        return _signed_in_page()
    raw = request.args.get("code")
    if raw is None:
        return render("outreach/join.html", invite=None, values={}, errors={})
    code = codes.normalize(raw)
    if not code:
        return render("outreach/join.html", status=422, invite=None, values={"code": raw},
                      errors={"code": _("An invitation code has 8 letters and digits, e.g. ABCD-EFGH.")})
    return redirect(url_for("roster.join", code=code))


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join(code: str):
    """Join the district's volunteer roster through an invitation: name, mobile number, password."""
    if current_user.is_authenticated:
        return _signed_in_page()
    session = get_session()
    invite, problem = roster.find_usable(session, code)
    if problem:
        return _problem_page(problem)
    values = request.form.to_dict() if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = validate(Join, values)
        if not errors:
            try:
                user = roster.join(session, invite, data)
                session.commit()
            except roster.InviteProblem as exc:
                session.rollback()
                return _problem_page(exc.problem)
            except (FieldErrors, IntegrityError):
                session.rollback()
                errors = {"phone": _("This mobile number already has an account. Sign in with it, and ask "
                                     "the district staff to make it a volunteer account.")}
            else:
                login_user(user, remember=True)
                flash(_("Welcome, %(name)s: you are on the volunteer roster of %(district)s.",
                        name=user.display_name, district=label(session.get(District, user.district_id))),
                      "success")
                response = redirect(url_for("shell.home"))
                # This phone is used in the field: keep the offline outbox on its pages even signed out.
                response.set_cookie("field", "1", max_age=FIELD_COOKIE_AGE, samesite="Lax", httponly=True)
                return response
    return render("outreach/join.html", "outreach/_invite_join.html", status=422 if errors else 200,
                  invite=invite, district=label(session.get(District, invite.district_id)),
                  grouped=roster.grouped, values={k: v for k, v in values.items() if k != "password"},
                  errors=errors)
