"""Static asset URLs carrying a content hash, so browsers and the service worker cache them safely."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for

# The app shell: what the service worker precaches so the home page and the form open offline.
SHELL_ASSETS = (
    "vendor/pico-2.1.1.red.min.css",
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
