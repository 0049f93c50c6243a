"""The outbox's server side of the shell: the /outbox page, the worker's lists and scripts, strict CSP."""
import json
import re
from pathlib import Path

from webapp.assets import OUTBOX_SCRIPTS, SHELL_ASSETS
from webapp.shell import SHELL_PAGES

STATIC = Path(__file__).resolve().parents[1] / "static"
OUTBOX_JS = ("js/outbox-core.js", "js/outbox.js")


def _strict(response) -> str:
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    html = response.get_data(as_text=True)
    assert html.count("<script") == html.count("<script src="), "no inline script"
    assert " style=" not in html
    return html


def test_outbox_page_opens_for_anyone_and_is_built_on_the_phone(client, base_data):
    response = client.get("/outbox?lang=en")
    assert response.status_code == 200
    html = _strict(response)
    assert 'id="outbox-list"' in html and '<template id="outbox-item">' in html
    for action in ("send", "delete", "edit", "login"):
        assert f'data-action="{action}"' in html
    # Words the script needs come from the server, in the page's language.
    assert 'data-confirm-delete="Delete this record from the phone?' in html
    assert 'data-status-failed="Needs correcting"' in html


def test_consumer_pages_stay_light(client, base_data):
    html = _strict(client.get("/complaints/new"))
    assert "data-outbox-badge" not in html and "outbox-core.js" not in html and "idb-8" not in html


def test_staff_pages_have_the_badge_and_the_outbox_scripts(client, base_data, login_as):
    login_as("inspector")
    client.post("/logout")  # the field phone keeps its outbox after signing out
    html = _strict(client.get("/"))
    badge = re.search(r"<a [^>]*data-outbox-badge[^>]*>", html).group(0)
    assert "hidden" in badge and 'href="/outbox"' in badge
    for name in ("vendor/idb-8.0.4.umd.js", *OUTBOX_JS):
        assert re.search(rf'<script src="/static/{re.escape(name)}\?v=[0-9a-f]+" defer></script>', html), name
    # idb before the core, the core before the page script.
    order = [html.index(f"/static/{n}?v=") for n in ("vendor/idb-8.0.4.umd.js", *OUTBOX_JS)]
    assert order == sorted(order)
    i18n = re.search(r'<div id="outbox-i18n" hidden[^>]*>', html, re.S).group(0)
    assert "data-saved=" in i18n and "data-sent=" in i18n and "{n}" in i18n


def test_inspection_form_page_keeps_the_strict_policy(client, login_as):
    login_as("inspector")
    response = client.get("/inspections/new")
    assert response.status_code == 200
    html = _strict(response)
    assert "data-outbox" in html and "data-outbox-badge" in html


def test_service_worker_precaches_the_outbox_pages_and_imports_the_outbox(client, base_data):
    body = client.get("/sw.js").get_data(as_text=True)
    pages = json.loads(re.search(r"const PAGES = (\[.*?\]);", body).group(1))
    assert "/outbox" in pages and "/inspections/new" in pages and list(SHELL_PAGES) == pages
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", body).group(1))
    for name in ("vendor/idb-8.0.4.umd.js", *OUTBOX_JS):
        assert name in SHELL_ASSETS
        assert any(a.startswith(f"/static/{name}?v=") for a in assets), name
    imported = json.loads(re.search(r"importScripts\(\.\.\.(\[.*?\])\);", body).group(1))
    assert [i.split("?v=")[0] for i in imported] == [f"/static/{n}" for n in OUTBOX_SCRIPTS]
    for url in imported:  # the hashed URLs really serve the scripts
        assert client.get(url).status_code == 200
    # Pages are cached one by one and may fail (a page may need a sign-in); assets must all be there.
    assert "cache.addAll(ASSETS)" in body and "cache.addAll(ASSETS.concat(PAGES))" not in body
    assert 'addEventListener("sync"' in body and 'event.tag !== "outbox"' in body


def test_csrf_endpoint_for_replays(client, login_as):
    anonymous = client.get("/sync/csrf").get_json()
    assert anonymous["token"] and anonymous["signed_in"] is False
    login_as("inspector")
    response = client.get("/sync/csrf")
    assert response.get_json()["signed_in"] is True
    assert response.headers["Cache-Control"] == "no-store"


def test_outbox_scripts_never_write_html_or_evaluate_strings():
    # Labels and server messages are untrusted text: the outbox builds its DOM with textContent only.
    for name in OUTBOX_JS:
        source = (STATIC / name).read_text()
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert bad not in source, (name, bad)
    idb = (STATIC / "vendor/idb-8.0.4.umd.js").read_text()
    assert "eval(" not in idb and (STATIC / "vendor/idb.LICENSE").read_text().startswith("ISC License")
