"""The app shell: home page, preferences, offline page, manifest and service worker."""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from webapp import i18n, workdays
from webapp.inspections import policy as inspection_policy
from webapp.outreach import policy as outreach_policy
from webapp.assets import OUTBOX_SCRIPTS, SHELL_ASSETS, asset_url, shell_version
from webapp.auth.routes import _safe_next
from webapp.htmx import redirect, render

bp = Blueprint("shell", __name__)

# Pages the service worker keeps so they open with no network after the first visit.
SHELL_PAGES = ("/", "/complaints/new", "/track", "/offline", "/outbox", "/inspections/new", "/events/new")
# Data the offline forms read (network first, the last copy when offline).
SHELL_DATA = ("/inspections/merchants.json",)
# The shell pages and data only some accounts may open, with the same test as their views (tests/test_shell_warm.py
# holds them to the views' answers). The worker fetches them only for a page that says its account may open them
# (data-warm-paths), and on an update those an older copy of the shell kept: never a 401 or 403 to fetch again.
RESTRICTED = {
    "/inspections/new": inspection_policy.can_create,
    "/inspections/merchants.json": inspection_policy.can_create,
    "/events/new": outreach_policy.can_record,
}


@bp.app_template_global()
def warm_paths(user) -> list[str]:
    """The restricted shell pages and data this account may open, for its worker to keep."""
    return [path for path, may_open in RESTRICTED.items() if may_open(user)]


@bp.get("/")
def home():
    """Start page: file a complaint, track one, or go to one's work."""
    return render("home.html", accept_workdays=workdays.ACCEPT_DECISION_WORKDAYS)


@bp.get("/offline")
def offline():
    """Shown by the service worker when a page is not cached and there is no network."""
    return render("offline.html")


@bp.get("/outbox")
def outbox():
    """Records saved on this phone and not sent yet; the list is read from the phone, so it opens offline."""
    return render("outbox.html")


@bp.get("/prefs/text")
def text_size():
    """Switch large text (适老化) on or off, then go back."""
    size = "large" if request.args.get("size") == "large" else "normal"
    response = redirect(_safe_next(request.args.get("next")))
    return i18n.set_text_size(response, size)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the UI language."""
    response = make_response(render_template("manifest.webmanifest", icon=asset_url))
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so it controls every page; never cached by HTTP."""
    body = render_template("sw.js", version=shell_version(), pages=SHELL_PAGES, data=SHELL_DATA,
                           restricted=list(RESTRICTED),
                           assets=[asset_url(a) for a in SHELL_ASSETS],
                           scripts=[asset_url(a) for a in OUTBOX_SCRIPTS])
    response = make_response(body)
    response.mimetype = "application/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
