"""Sign in, sign out, register as a consumer, and the admin's staff page."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlmodel import select

from webapp.auth import service
from webapp.auth.models import ADMIN, ROLE_LABELS, ROLES, District, User
from webapp.auth.schemas import Login, Register, StaffCreate
from webapp.complaints.forms import label
from webapp.db import get_session
from webapp.extensions import limiter
from webapp.forms import FieldErrors, clean_text, validate
from webapp.htmx import redirect, render

bp = Blueprint("auth", __name__)



def _safe_next(target: str | None) -> str:
    # Only same-site paths: never an open redirect to another host.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("shell.home")


def role_required(*roles: str):
    """Allow only signed-in users with one of `roles` (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _attempted_account() -> str:
    """The account a sign-in names, spelt as authenticate() matches it (the limiter's key)."""
    return "login-account:" + clean_text(request.form.get("username", "")).strip().lower()[:80]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
# Guesses at one account from many addresses add up; only failed attempts count, so its owner still gets in
# unless someone is guessing (then an hour's wait, which beats a guessed password).
@limiter.limit("20 per hour", methods=["POST"], key_func=_attempted_account,
               deduct_when=lambda response: response.status_code == 422)
def login():
    """Sign in with username or mobile number."""
    values = request.form.to_dict() if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = validate(Login, values)
        if not errors:
            user = service.authenticate(get_session(), data.username, data.password)
            if user is None:
                errors["password"] = _("Wrong username/mobile number or password.")
            else:
                login_user(user, remember=True)
                response = redirect(_safe_next(request.args.get("next")))
                if user.role != "consumer":
                    # This phone is used in the field: keep the offline outbox on its pages even signed out.
                    response.set_cookie("field", "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
                return response
    return render("auth/login.html", "auth/_login_form.html", status=422 if errors else 200,
                  values={k: v for k, v in values.items() if k != "password"}, errors=errors)


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    return redirect(url_for("shell.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """A consumer creates an account to keep their complaints in one place."""
    values = request.form.to_dict() if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = validate(Register, values)
        if not errors:
            session = get_session()
            try:
                user = service.register_consumer(session, data.phone, data.display_name, data.password)
                session.commit()
            except FieldErrors:
                session.rollback()
                errors["phone"] = _("This mobile number is already registered; please sign in.")
            else:
                login_user(user, remember=True)
                return redirect(url_for("complaints.mine"))
    return render("auth/register.html", "auth/_register_form.html", status=422 if errors else 200,
                  values={k: v for k, v in values.items() if k != "password"}, errors=errors)


def _users_page(values: dict, errors: dict, status: int = 200):
    session = get_session()
    districts = list(session.exec(select(District).order_by(District.code)))
    users = list(session.exec(select(User).where(User.role != "consumer").order_by(User.role, User.username)))
    return render("auth/users.html", "auth/_user_form.html", status=status, users=users,
                  districts=[(d.id, label(d)) for d in districts],
                  district_names={d.id: label(d) for d in districts},
                  roles=ROLES, role_labels=ROLE_LABELS, values=values, errors=errors)


@bp.get("/admin/users")
@role_required(ADMIN)
def users():
    """Staff accounts, and a form to add one."""
    return _users_page({}, {})


@bp.post("/admin/users")
@role_required(ADMIN)
def create_user():
    """Create a staff account."""
    values = request.form.to_dict()
    data, errors = validate(StaffCreate, values)
    if not errors:
        session = get_session()
        try:
            service.create_user(session, current_user, **data.model_dump())
            session.commit()
        except FieldErrors as exc:
            session.rollback()
            errors = {k: (_("This username is taken.") if v == "taken" else
                          _("Please choose the district from the list.")) for k, v in exc.errors.items()}
        else:
            flash(_("Account %(u)s created.", u=data.username), "success")
            return redirect(url_for("auth.users"))
    values.pop("password", None)
    return _users_page(values, errors, 422)
