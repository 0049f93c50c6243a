"""The ONE place that decides between an htmx fragment and a full page."""
from __future__ import annotations

from flask import Response, make_response, redirect as flask_redirect, render_template, request


def wants_partial() -> bool:
    """A real htmx request that is neither boosted nor a history restore gets a fragment."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page: str, partial: str | None = None, status: int = 200, **ctx) -> Response:
    """Render the partial for htmx requests, else the full page; always Vary on HX-Request."""
    template = partial if partial and wants_partial() else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.add("HX-Request")
    return response


def redirect(url: str) -> Response:
    """Navigate the whole page: HX-Redirect for htmx, 303 See Other for plain forms."""
    if getattr(request, "htmx", None):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
    else:
        response = flask_redirect(url, code=303)
    response.vary.add("HX-Request")
    return response
