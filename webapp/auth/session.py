"""Flask-Login glue: load the signed-in user, and send strangers to the login page."""
from __future__ import annotations

from flask import make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask import flash

from webapp.auth.models import User
from webapp.db import get_session
from webapp.sync.idempotency import result, wants_json


def load_user(user_id: str) -> User | None:
    """The user behind the session cookie, if still active."""
    try:
        user = get_session().get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def unauthorized():
    """htmx requests get HX-Redirect (never a login page swapped into a row); the outbox and other JSON
    clients get 401 {"ok": false, "error": "login"}; others a redirect."""
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if getattr(request, "htmx", None):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    if wants_json() or request.path.endswith(".json"):
        return result(401, error="login")
    flash(_("Please sign in first."), "info")
    return redirect(target)
