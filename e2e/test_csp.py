"""The strict CSP holds on every page: Chromium visits every GET page of the URL map, as the anonymous visitor and
as each role that may see it, records every `securitypolicyviolation` and every console error, and interacts a
little where scripts run (an htmx filter, the photo picker, the outbox, the service worker).

The page list is derived from the live app: each role's pages are crawled (security/crawl.py, the crawler sqlmap also uses, on
the Flask test client), so concrete ids come from the demo database; a GET rule the test neither visits nor
deliberately skips fails the test.
"""
from __future__ import annotations

import io
import re
import urllib.parse
from collections import defaultdict

import pytest
from PIL import Image
from sqlmodel import select

from e2e.test_offline_shell import wait_until_controlled
from e2e.test_outbox import sign_in
from security.crawl import ROLES, crawl
from webapp.auth.models import User
from webapp.demo_data import DEMO_PASSWORD
from webapp.outreach import roster

# GET rules not opened as pages, with the reason; each is fetched and must carry the CSP header.
SKIPPED = {
    "static": "files under /static: a file's headers, no CSP but nosniff (tests/test_static_assets.py)",
    "shell.service_worker": "sw.js: the worker script, registered (and so run) on every page",
    "shell.manifest": "the web app manifest (JSON)",
    "outreach_qr.qr_svg": "an SVG image, shown inside the poster page",
    "media.photo": "a JPEG, shown inside the complaint and inspection pages",
    "reports_export.export": "a .xlsx/.csv download",
    "reports_summary.docx": "a .docx download",
    "inspections.merchants_json": "JSON for the inspection form's merchant picker",
    "sync.csrf_token": "JSON: the outbox's fresh CSRF token",
    "shell.text_size": "sets the text-size cookie and redirects back to the page it came from",
}

# For skipped rules no crawled page links to (the crawl follows a, img, form and hx-get URLs only).
FALLBACK = {
    "static": "/static/js/app.js",
    "shell.service_worker": "/sw.js",
    "shell.manifest": "/manifest.webmanifest",
    "sync.csrf_token": "/sync/csrf",
    "inspections.merchants_json": "/inspections/merchants.json",
    "shell.text_size": "/prefs/text?size=large&next=/",
}

RECORDER = """
(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolation({directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
                           line: e.lineNumber, sample: e.sample, page: location.pathname + location.search});
  });
})();
"""


def _client_fetch(client):
    def fetch(path: str):
        response = client.get(path, follow_redirects=True)
        return (response.status_code, response.headers.get("Content-Type", ""),
                response.get_data(as_text=True) if response.mimetype.startswith("text/") else "",
                response.request.path + (f"?{response.request.query_string.decode()}"
                                         if response.request.query_string else ""))
    return fetch


def _signed_in_client(app, username: str | None):
    client = app.test_client()
    if username:
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post("/login", data={"csrf_token": token, "username": username,
                                               "password": DEMO_PASSWORD})
        assert response.status_code == 303, f"cannot sign in as {username}"
    return client


@pytest.fixture(scope="module")
def pages_to_visit(live_app):
    """{role: {endpoint: url}}: one concrete URL of every GET endpoint each role can open, and the skipped ones."""
    from sqlmodel import Session

    # An open invitation, so that the join page has a code to open.
    with Session(live_app.extensions["db_engine"]) as session:
        supervisor = session.exec(select(User).where(User.username == "supervisor")).one()
        district_id = session.exec(select(User).where(User.username == "volunteer")).one().district_id
        invite = roster.create_invite(session, supervisor, district_id, 7, 5)
        session.commit()
        invite_url = f"/join/{invite.code}"
    clients = {role: _signed_in_client(live_app, username) for role, username in ROLES.items()}
    crawled = crawl(live_app.url_map, {role: _client_fetch(c) for role, c in clients.items()}, per_endpoint=1)
    # Every URL any role reached, tried as every role: a role sees a page when it answers 200 at that endpoint.
    candidates: dict[str, list[str]] = defaultdict(list)
    for page in crawled.pages:
        if page.status == 200 and page.url not in candidates[page.endpoint]:
            candidates[page.endpoint].append(page.url)
    candidates["roster.join"].append(invite_url)
    # The receipt is shown right after filing (a redirect, never a link): open it for complaints the roles saw.
    candidates["complaints.receipt"] += [url.split("?")[0] + "/receipt"
                                         for url in candidates["complaints.detail"]]
    candidates["complaints.receipt"] = [u.replace("/track/", "/complaints/") for u in candidates["complaints.receipt"]]
    adapter = live_app.url_map.bind("localhost")
    visits: dict[str, dict[str, str]] = {role: {} for role in ROLES}
    for role, client in clients.items():
        fetch = _client_fetch(client)
        for endpoint, urls in sorted(candidates.items()):
            for url in urls[:3]:
                status, ctype, _text, final = fetch(url)
                try:
                    final_endpoint = adapter.match(urllib.parse.urlsplit(final).path, method="GET")[0]
                except Exception:  # noqa: BLE001 - redirected to something that is not a page
                    final_endpoint = None
                if status == 200 and final_endpoint == endpoint:
                    visits[role][endpoint] = url
                    break
    return visits, clients


def test_every_get_rule_is_visited_or_deliberately_skipped(live_app, pages_to_visit):
    visits, _clients = pages_to_visit
    reached = {endpoint for per_role in visits.values() for endpoint in per_role}
    get_rules = {r.endpoint for r in live_app.url_map.iter_rules() if "GET" in (r.methods or ())}
    missing = sorted(get_rules - reached - set(SKIPPED))
    assert not missing, f"GET rules no role could open (visit them, or skip them with a reason): {missing}"
    stale = sorted(set(SKIPPED) - get_rules)
    assert not stale, f"skipped rules that no longer exist: {stale}"


def test_skipped_responses_carry_the_csp_header(live_app, pages_to_visit):
    visits, clients = pages_to_visit
    checked = {}
    for endpoint in SKIPPED:
        urls = [(role, visits[role][endpoint]) for role in ROLES if endpoint in visits[role]]
        if not urls and endpoint in FALLBACK:
            urls = [(role, FALLBACK[endpoint]) for role in ROLES]
        for role, url in urls:
            response = clients[role].get(url)
            if response.status_code >= 400:
                continue
            if endpoint == "static":
                # A script, style sheet or image is never a document: it carries no CSP, and nosniff keeps it
                # the type it says (webapp/assets.py PAGE_ONLY_HEADERS).
                assert "Content-Security-Policy" not in response.headers, (endpoint, url)
                assert response.headers.get("X-Content-Type-Options") == "nosniff", (endpoint, url)
                checked[endpoint] = url
                break
            csp = response.headers.get("Content-Security-Policy", "")
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp, (endpoint, url, csp)
            checked[endpoint] = url
            break
    print(f"\nCSP header checked on {len(checked)} non-page responses: {checked}")
    assert sorted(checked) == sorted(SKIPPED), f"not fetched: {sorted(set(SKIPPED) - set(checked))}"


def _jpeg(tmp_path) -> str:
    path = tmp_path / "shelf.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return str(path)


def _interact(page, role: str, endpoint: str, tmp_path) -> None:
    """A little of what a user does where scripts run."""
    if endpoint == "handling.inbox":
        page.locator("details.filter-panel summary").first.click()
        with page.expect_response(lambda r: "/handling/inbox" in r.url and r.request.headers.get("hx-request")):
            page.select_option("#f-state", "open")
        page.wait_for_load_state("networkidle")
    elif endpoint == "complaints.new":
        page.set_input_files("#photos", _jpeg(tmp_path))
        page.locator("#photo-previews img").first.wait_for()
    elif endpoint == "public.merchant_search":
        page.locator("input[name=q]").first.fill("超市")
        page.wait_for_load_state("networkidle")
    elif endpoint == "shell.outbox":
        page.wait_for_load_state("networkidle")


def test_no_csp_violation_on_any_page(browser, base_url, pages_to_visit, tmp_path):
    visits, _clients = pages_to_visit
    violations: list[dict] = []
    console: list[str] = []
    failed: list[str] = []
    visited = 0
    proven = False
    for role, username in ROLES.items():
        pages = {e: u for e, u in visits[role].items() if e not in SKIPPED}
        if not pages:
            continue
        context = browser.new_context(base_url=base_url, service_workers="allow", locale="zh-CN",
                                      viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
        context.set_default_timeout(15_000)
        current = {"url": ""}
        context.expose_function("__cspViolation", lambda v, role=role: violations.append({"role": role, **v}))
        context.add_init_script(RECORDER)
        page = context.new_page()
        page.on("console", lambda msg, role=role: console.append(f"{role} {current['url']}: {msg.text}")
                if msg.type == "error" else None)
        page.on("response", lambda r, role=role: failed.append(f"{role} {current['url']}: {r.status} {r.url}")
                if r.status >= 400 else None)
        try:
            if username:
                sign_in(page, username)
            page.goto("/")
            wait_until_controlled(page)  # the service worker registers and takes over under the CSP
            if not proven:
                # The recorder works: an inline script, which the CSP forbids, is reported.
                page.evaluate("() => { const s = document.createElement('script'); s.textContent = '1';"
                              " document.body.appendChild(s); }")
                page.wait_for_function("() => true")
                page.wait_for_timeout(100)
                assert [v["directive"] for v in violations][:1] in (["script-src-elem"], ["script-src"]), violations
                violations.clear()
                console.clear()
                proven = True
            for endpoint, url in sorted(pages.items()):
                current["url"] = url
                response = page.goto(url, wait_until="load")
                assert response is not None and response.status == 200, (role, url)
                _interact(page, role, endpoint, tmp_path)
                visited += 1
            page.wait_for_timeout(200)  # late events (htmx swaps, images) reach the recorder
        finally:
            context.close()
    csp_console = [line for line in console if "Content Security Policy" in line or "Refused to" in line]
    print(f"\nCSP: {visited} pages visited in Chromium "
          f"({', '.join(f'{r} {len([e for e in visits[r] if e not in SKIPPED])}' for r in ROLES)}); "
          f"{len(violations)} violations, {len(console)} console errors")
    for line in console + failed:
        print("   ", line[:300])
    assert not violations, violations
    assert not csp_console, csp_console
    assert visited >= len({e for per_role in visits.values() for e in per_role} - set(SKIPPED))
