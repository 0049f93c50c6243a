"""Conditional GET for pages: a validator over what the page shows, so an unchanged page costs a 304.

A phone that opens the same page again (the service worker fetches pages network-first, through the
browser's HTTP cache) sends If-None-Match; when the page it holds still shows the same thing, the answer is a
304 of a few hundred bytes instead of the page.

Every page carries a CSRF token that Flask-WTF signs with the time, so it differs on every render though
the page is the same. The validator therefore leaves the token out and covers what makes a held token
still good instead: the session's CSRF secret (a new session or a sign-out changes it) and the half of
WTF_CSRF_TIME_LIMIT the page was rendered in (so a held page's token is never older than half the limit).
The validator is weak: the page is equivalent, not byte-identical.
"""
from __future__ import annotations

import hashlib
import time
import uuid

from flask import Flask, Response, current_app, g, request, session


def fresh_uuid() -> str:
    """A new form number (client_uuid) for a rendered form. Like the token it is left out of the page's
    validator: a phone that shows its kept copy gives the form a number of its own (static/js/app.js)."""
    value = str(uuid.uuid4())
    g.setdefault("page_nonces", []).append(value)
    return value


def page_etag(body: bytes) -> str:
    """The validator of a rendered page for this request: its bytes without the CSRF token and the form
    numbers, the session's CSRF secret and the token's time window."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    digest = hashlib.sha256()
    token = g.get(field)
    for nonce in [token, *g.get("page_nonces", [])]:
        if nonce:
            body = body.replace(nonce.encode(), b"")
    digest.update(body)
    secret = session.get(field)
    if secret:
        digest.update(b"\0secret:" + str(secret).encode())
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    if token and limit:
        digest.update(b"\0window:%d" % int(time.time() // max(1, int(limit) // 2)))
    return digest.hexdigest()[:32]


def conditional_page(response: Response) -> Response:
    """Give a full-page or fragment GET answer an ETag and turn it into a 304 when the phone holds it."""
    if (request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html"
            or response.direct_passthrough or response.is_streamed or "ETag" in response.headers):
        return response
    response.set_etag(page_etag(response.get_data()), weak=True)
    if "Cache-Control" not in response.headers:
        # Kept by the phone only, and always asked again: the 304 is the saving, never a stale page.
        response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Register after Flask-Compress, so this runs first and sees the page uncompressed."""
    app.after_request(conditional_page)
