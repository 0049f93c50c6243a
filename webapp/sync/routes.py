"""Endpoints the outbox needs besides the record endpoints themselves."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

bp = Blueprint("sync", __name__)


@bp.get("/sync/csrf")
def csrf_token():
    """A fresh CSRF token for replays (the page that queued the record may be days old)."""
    response = jsonify(token=generate_csrf(), signed_in=current_user.is_authenticated)
    response.headers["Cache-Control"] = "no-store"
    return response
