"""Static asset URLs carrying a content hash, so browsers and the service worker cache them safely."""
from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import brotli
import zopfli.gzip
from flask import Flask, Response, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

# The app shell: what the service worker precaches so the home page and the form open offline.
SHELL_ASSETS = (
    "vendor/pico-2.1.1.red.slim.min.css",
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/photos.js",
    "vendor/idb-8.0.4.umd.js",
    "js/outbox-core.js",
    "js/outbox.js",
    # The pages' brand image and favicon; the manifest's large icons are fetched by the browser itself.
    "icons/icon-56.png",
)

# What the service worker imports to replay the outbox (in this order: idb first).
OUTBOX_SCRIPTS = ("vendor/idb-8.0.4.umd.js", "js/outbox-core.js")


@lru_cache(maxsize=256)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """URL of a static file with ?v=<hash of its content>."""
    path = Path(current_app.static_folder) / filename
    return url_for("static", filename=filename, v=_digest(str(path)))


def shell_version() -> str:
    """One hash over every shell asset: a new value installs a new service worker."""
    joined = "".join(_digest(str(Path(current_app.static_folder) / f)) for f in SHELL_ASSETS)
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------------- static responses
#
# A file under /static/ is the same for everyone, and the phone keeps it for a year (its URL carries ?v=).
# Its answer is therefore lean: the session is never opened (no cookie read or set, no `Vary: Cookie`), the
# headers only a document needs are left out, and text goes out compressed once per content at the best
# level (brotli 11, or zopfli's gzip) instead of at a fast level on every request.

# Headers that only matter on a document (a page, the service worker): a style sheet, a script or an image
# is never framed, never the page that asks for a feature or sends a referrer, never saved as a download;
# ETag alone validates it. X-Content-Type-Options: nosniff stays: it is what keeps a file what its type says.
PAGE_ONLY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Referrer-Policy",
                     "Content-Disposition", "Last-Modified", "Accept-Ranges")

# Best first: brotli is about 10 % smaller than zopfli's gzip, which is about 5 % smaller than gzip -6.
ENCODINGS = ("br", "gzip")


# What send_file answers for a file (the whole file, a range of it, or "you have it"); anything else from the
# static endpoint (a 404 page …) is a page, with a page's headers and session.
FILE_STATUSES = (200, 206, 304)


def _is_file_answer(response: Response) -> bool:
    return request.endpoint == "static" and response.status_code in FILE_STATUSES


class StaticSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left out of a static file's answer: a file is the same for everyone, so
    it neither refreshes the cookie nor varies with it (Flask-Login peeks at the session after every
    request, for its remember cookie, and a peek alone makes Flask add `Vary: Cookie`)."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if _is_file_answer(response) and not session.modified:
            return
        super().save_session(app, session, response)


class _StaticFile:
    """One version of a static file: its content hash and its encodings, each made once, when first asked."""

    __slots__ = ("stamp", "raw", "digest", "encoded")

    def __init__(self, stamp: tuple[int, int], raw: bytes):
        self.stamp = stamp
        self.raw = raw
        self.digest = hashlib.sha256(raw).hexdigest()[:10]
        self.encoded: dict[str, bytes | None] = {}

    def encoding(self, name: str) -> bytes | None:
        """The content in this encoding, or None when that is not smaller than the file itself."""
        if name not in self.encoded:
            with _encode_lock:
                if name not in self.encoded:
                    data = _encode(self.raw, name)
                    self.encoded[name] = data if len(data) < len(self.raw) else None
        return self.encoded[name]


def _encode(raw: bytes, name: str) -> bytes:
    if name == "br":
        return brotli.compress(raw, quality=11)
    return zopfli.gzip.compress(raw)


_static_files: dict[str, _StaticFile] = {}
_encode_lock = threading.Lock()


def _static_file(path: str) -> _StaticFile:
    """The file as it is on disk now (a changed file is read and encoded again)."""
    stat = os.stat(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    entry = _static_files.get(path)
    if entry is None or entry.stamp != stamp:
        entry = _static_files[path] = _StaticFile(stamp, Path(path).read_bytes())
    return entry


def _best_encoding(entry: _StaticFile) -> tuple[str | None, bytes | None]:
    accepted = request.accept_encodings
    for name in ENCODINGS:
        if accepted[name] > 0:
            data = entry.encoding(name)
            if data is not None:
                return name, data
    return None, None


def static_response(response: Response) -> Response:
    """after_request for /static/ files, between Talisman (whose page headers it drops) and Flask-Compress
    (which leaves an encoded answer alone): a content-hash ETag, the precompressed text, lean headers."""
    if not _is_file_answer(response):
        return response
    for header in PAGE_ONLY_HEADERS:
        response.headers.pop(header, None)
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    path = safe_join(current_app.static_folder, request.view_args["filename"])
    if path is None or not os.path.isfile(path):
        return response
    entry = _static_file(path)
    name, data = None, None
    if response.mimetype in current_app.config["COMPRESS_MIMETYPES"]:
        name, data = _best_encoding(entry)
        response.vary.add("Accept-Encoding")
    if data is not None:
        # The file's own stream (send_file's) is replaced by the encoded bytes: close it now.
        stream, response.response = response.response, []
        if hasattr(stream, "close"):
            stream.close()
        response.direct_passthrough = False
        response.set_data(data)
        response.headers["Content-Encoding"] = name
        response.set_etag(f"{entry.digest}-{name}")
    else:
        response.set_etag(entry.digest)
    # send_file compared the request's validators with its own ETag: compare them with this one.
    return response.make_conditional(request)
