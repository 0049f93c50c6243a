"""E2E fixtures: the app with the demo city on a live server, and Debian's Chromium emulating a phone."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from sqlmodel import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from webapp import create_app
from webapp.config import ROOT
from webapp.demo import load_demo
from webapp.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    "user_agent": ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"),
}
TRANSLATIONS = ROOT / "webapp" / "translations"
SCREENSHOTS = ROOT / "screenshots"


def _compile_catalogues() -> None:
    """Compile every .po that has no .mo (or an older one): a fresh clone has none, they are git-ignored."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a migrated SQLite file with the demo city loaded."""
    _compile_catalogues()
    root = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{root / 'e2e.db'}"
    upload_dir = str(root / "uploads")
    upgrade(db_url)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "e2e-secret",
        "DATABASE_URL": db_url,
        "UPLOAD_DIR": upload_dir,
        "RATELIMIT_ENABLED": False,  # every test files and tracks complaints from 127.0.0.1
    })
    with Session(app.extensions["db_engine"]) as session:
        load_demo(session, upload_dir)
        session.commit()
    yield app
    app.extensions["db_engine"].dispose()


class _QuietHandler(WSGIRequestHandler):
    def log(self, type, message, *args):  # noqa: A002 - werkzeug's signature
        pass  # one line per asset drowns the test output; failures show the browser's side


@pytest.fixture(scope="session")
def base_url(live_app):
    """http://127.0.0.1:<free port>, served by werkzeug in a background thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, live_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def db(live_app):
    """A database session on the live server's database, for checking what a flow stored."""
    with Session(live_app.extensions["db_engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (Playwright cannot download its own browsers here)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install it with "
                    "`sudo apt-get install -y chromium fonts-noto-cjk` (or `make system-deps`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, base_url):
    """Factory of fresh phone contexts (no shared cookies or service worker); all closed after the test."""
    contexts = []

    def _new():
        context = browser.new_context(base_url=base_url, service_workers="allow", **PHONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    """A phone: 360×780 CSS px at 2×, touch, Chinese locale, service workers allowed."""
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
