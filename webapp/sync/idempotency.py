"""Idempotency for records a phone may send more than once.

The phone sends a record with its client_uuid. The first arrival is stored with a digest of what was sent;
a replay with the same digest gets the same answer (200, not a duplicate); the same uuid with a different
body is a 409, because two different records must never share a key.
"""
from __future__ import annotations

import hashlib
import json
import uuid

from flask import Response, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

IGNORED_FIELDS = {"csrf_token"}


def parse_uuid(raw: str | None) -> str | None:
    """The canonical form of a client_uuid, or None when it is not a UUID."""
    try:
        return str(uuid.UUID(str(raw)))
    except (TypeError, ValueError):
        return None


def require_uuid(value: str) -> str:
    """A schema validator: the record's client_uuid, canonical, or a message for the person."""
    canonical = parse_uuid(value)
    if canonical is None:
        raise ValueError(_("This record has no valid number; please open the form again."))
    return canonical


def digest(form: MultiDict, files: MultiDict) -> str:
    """SHA-256 over the text fields (sorted, csrf token left out) and the bytes of every file."""
    h = hashlib.sha256()
    fields = sorted((k, v) for k, values in form.lists() if k not in IGNORED_FIELDS for v in values)
    h.update(json.dumps(fields, ensure_ascii=False).encode())
    for name in sorted(files.keys()):
        for storage in files.getlist(name):
            h.update(name.encode() + b"\0" + _file_sha(storage).encode())
    return h.hexdigest()


def _file_sha(storage: FileStorage) -> str:
    stream = storage.stream
    start = stream.tell()
    sha = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        sha.update(chunk)
    stream.seek(start)
    return sha.hexdigest()


def wants_json() -> bool:
    """The outbox asks for JSON; a browser form submission gets HTML."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"


def result(status: int, **body) -> Response:
    """The outbox's answer: {"ok": …, …} with the status that decides what the phone does next.

    2xx: sent, remove it from the queue. 409/422/403/404: keep it with `error` for the person to fix.
    401: keep it and ask to sign in. Anything else (5xx, network): try again later with backoff.
    """
    response = jsonify(ok=200 <= status < 300, **body)
    response.status_code = status
    return response


def same_origin() -> bool:
    """A replay must come from our own pages: Origin (when sent) must be this site."""
    origin = request.headers.get("Origin")
    if not origin:
        return True  # same-origin GETs and some older browsers send none; CSRF still applies
    return origin.rstrip("/") == request.host_url.rstrip("/")
