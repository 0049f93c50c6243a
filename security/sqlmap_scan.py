"""sqlmap against every form field, query parameter and path parameter of the app, as each role that reaches it.

    .venv/bin/python security/sqlmap_scan.py            # SQLite; then PostgreSQL when TEST_DATABASE_URL is set

The production server (waitress) is started on a fresh demo database with the rate limits OFF (sqlmap sends
thousands of requests from one address; the limits are tested in tests/test_rate_limits.py). Each role signs in;
the app is crawled as each role (every GET rule without arguments, then the links, htmx URLs and forms found), so
a new page, form or field is covered without editing this file. Every form (POST and GET), every query parameter
seen in a link, and every path argument of the URL map (marked with `*`) becomes a sqlmap target. Targets run two
at a time, each with a time limit; the table says what sqlmap actually tested. Exit status 1 when anything is
injectable, sqlmap failed, or a target's parameters were not all tested.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python security/sqlmap_scan.py`
    sys.path.insert(0, str(ROOT))

from werkzeug.exceptions import HTTPException  # noqa: E402
from werkzeug.routing import Map  # noqa: E402

DEMO_PASSWORD = "xiaobao-demo-2026"
# Who signs in to crawl and scan: None is the anonymous visitor (a consumer without an account).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "consumer": "13800000001",
    "volunteer": "volunteer",
    "inspector": "inspector",
    "handler": "handler",
    "supervisor": "supervisor",
    "admin": "admin",
}
# Never followed while crawling: they end the session.
NEVER_FOLLOW = {"auth.logout"}
SQLMAP = "/usr/bin/sqlmap"
LEVEL = 1  # --level 2 adds payloads (and doubles the time: about 10 min for SQLite alone on 2 cores)
APP_WIDE = 5  # a query parameter on links to this many endpoints is read app-wide (tested once)


# --- crawling ---------------------------------------------------------------------------------------------------

@dataclass
class Form:
    """A form (or a lone htmx input) as a role's browser would submit it."""

    role: str
    page: str                      # the URL of the page it was found on
    method: str                    # GET or POST
    action: str                    # path (+ query) it submits to
    fields: dict[str, str]         # name -> the value a user would send
    files: list[str] = field(default_factory=list)

    @property
    def testable(self) -> list[str]:
        """The fields to test: one of each family (item-3-result, item-4-result, … go through the same code)."""
        seen, names = set(), []
        for name in self.fields:
            if name != "csrf_token" and family(name) not in seen:
                seen.add(family(name))
                names.append(name)
        return names


def family(name: str) -> str:
    """A field name with its numbers taken out: the repeated rows of one form share it."""
    return re.sub(r"\d+", "#", name)


class _PageParser(HTMLParser):
    """Links (a, img, hx-get, form actions) and forms of one HTML page."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _url(self, value: str | None) -> None:
        if value:
            self.links.append(urllib.parse.urljoin(self.page, value))

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
            return
        for attr in ("href", "src", "hx-get", "data-src"):
            if attr in a and not (tag == "link" and attr == "href" and a.get("rel") not in ("manifest",)):
                self._url(a[attr])
        if tag == "form":
            method = (a.get("hx-post") and "POST") or (a.get("hx-get") and "GET") or a.get("method", "get").upper()
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.page
            self._form = {"method": method, "action": urllib.parse.urljoin(self.page, action), "fields": {},
                          "files": []}
            self._url(a.get("action") if method == "GET" else None)
            return
        name = a.get("name")
        if tag in ("input", "select", "textarea") and name and self._form is None and (a.get("hx-get") or
                                                                                       a.get("hx-post")):
            # An htmx control outside any form sends its own value to its URL.
            method = "POST" if a.get("hx-post") else "GET"
            self.forms.append({"method": method, "action": urllib.parse.urljoin(self.page, a.get("hx-get") or
                                                                                a.get("hx-post")),
                               "fields": {name: a.get("value", "")}, "files": []})
            return
        if self._form is None or not name:
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if name not in fields or "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind in ("submit", "button", "image", "reset"):
                fields.setdefault(name, a.get("value", ""))
            else:
                fields.setdefault(name, a.get("value", ""))
                fields.setdefault("__type__" + name, kind)
        elif tag == "button" and a.get("type", "submit") == "submit":
            fields.setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = name
            self._text = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].setdefault(self._textarea, "".join(self._text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, values, selected = self._select
            chosen = selected[0] if selected else next((v for v in values if v), values[0] if values else "")
            self._form["fields"].setdefault(name, chosen)
            self._select = None

def parse_page(url: str, html: str) -> tuple[list[str], list[dict]]:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.links, parser.forms


def plausible(name: str, kind: str, value: str) -> str:
    """A value a user could have typed into an empty field: sqlmap needs a working original request."""
    if value:
        return value
    lname = name.lower()
    if kind == "number" or lname.endswith("_id") or lname in ("amount", "days", "max_uses", "target", "year"):
        return "1" if kind == "number" or lname.endswith("_id") else "7"
    if kind == "date" or lname.endswith("date") or lname.endswith("_on"):
        return "2026-11-01"
    if "last4" in lname:
        return "5678"
    if "phone" in lname or kind == "tel":
        return "13912345678"
    if kind == "email" or "email" in lname:
        return "a@example.com"
    if "password" in lname:
        return "long-enough-1"
    if lname in ("lat", "latitude"):
        return "30.6598"
    if lname in ("lng", "lon", "longitude"):
        return "104.0633"
    return "test"


def _clean_fields(fields: dict[str, str]) -> dict[str, str]:
    kinds = {k[len("__type__"):]: v for k, v in fields.items() if k.startswith("__type__")}
    return {k: plausible(k, kinds.get(k, "text"), v) if k != "csrf_token" else v
            for k, v in fields.items() if not k.startswith("__type__")}


@dataclass
class Page:
    role: str
    url: str
    endpoint: str
    status: int
    content_type: str


@dataclass
class CrawlResult:
    """What each role reached: pages by endpoint, forms, and the query parameters links carry."""

    pages: list[Page] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    query_links: dict[str, dict[str, tuple[str, str]]] = field(default_factory=lambda: defaultdict(dict))

    def urls(self, endpoint: str, role: str | None = None) -> list[str]:
        return [p.url for p in self.pages if p.endpoint == endpoint and p.status == 200
                and (role is None or p.role == role)]


def matcher(url_map: Map):
    adapter = url_map.bind("localhost")

    def match(path: str, method: str = "GET") -> tuple[str, dict] | None:
        try:
            return adapter.match(path, method=method)
        except HTTPException:
            return None
        except Exception:  # noqa: BLE001 - RequestRedirect and friends: not a page of ours
            return None
    return match


def crawl(url_map: Map, fetchers: dict, per_endpoint: int = 2, limit: int = 400) -> CrawlResult:
    """Visit, as each role, every argument-less GET rule, then what its pages link to (≤ per_endpoint each).

    fetchers: role -> fetch(path) returning (status, content_type, text, final_path).
    """
    match = matcher(url_map)
    start = sorted(r.rule for r in url_map.iter_rules()
                   if "GET" in (r.methods or ()) and not r.arguments and r.endpoint != "static")
    result = CrawlResult()
    for role, fetch in fetchers.items():
        queue = deque(["/", *start])
        seen: set[str] = set()
        visits: dict[str, int] = defaultdict(int)
        while queue and len(seen) < limit:
            url = queue.popleft()
            parts = urllib.parse.urlsplit(url)
            if parts.netloc and parts.netloc not in ("localhost",) and not url.startswith("/"):
                if not parts.netloc.startswith("127.0.0.1") and parts.netloc != "localhost":
                    continue
            path = parts.path or "/"
            target = path + (f"?{parts.query}" if parts.query else "")
            if target in seen:
                continue
            matched = match(path)
            if matched is None or matched[0] == "static" or matched[0] in NEVER_FOLLOW:
                continue
            endpoint = matched[0]
            if parts.query:
                for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
                    result.query_links[endpoint].setdefault(name, (value, target))
            if visits[endpoint] >= per_endpoint:
                continue
            visits[endpoint] += 1
            seen.add(target)
            status, ctype, text, final = fetch(target)
            final_match = match(urllib.parse.urlsplit(final).path)
            if final_match is None or final_match[0] != endpoint:
                status = 302 if status == 200 else status  # sent elsewhere (e.g. to sign in): not this page
            result.pages.append(Page(role, target, endpoint, status, ctype))
            if status != 200 or not ctype.startswith("text/html"):
                continue
            links, forms = parse_page(target, text)
            for link in links:
                split = urllib.parse.urlsplit(link)
                queue.append(split.path + (f"?{split.query}" if split.query else ""))
            for raw in forms:
                action = urllib.parse.urlsplit(raw["action"])
                action_path = action.path + (f"?{action.query}" if action.query else "")
                result.forms.append(Form(role, target, raw["method"], action_path, _clean_fields(raw["fields"]),
                                         raw["files"]))
                if raw["method"] == "GET":
                    queue.append(action_path)
    return result


# --- HTTP as a role ---------------------------------------------------------------------------------------------

class Browser:
    """urllib with a cookie jar: one signed-in (or anonymous) visitor of the live server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def fetch(self, path: str, data: dict | None = None) -> tuple[int, str, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        try:
            with self.opener.open(request, timeout=60) as response:  # noqa: S310 - loopback server we started
                status, headers, raw, final = response.status, response.headers, response.read(), response.geturl()
        except urllib.error.HTTPError as exc:
            status, headers, raw, final = exc.code, exc.headers, exc.read(), exc.geturl()
        ctype = headers.get("Content-Type", "")
        text = raw.decode("utf-8", "replace") if ctype.startswith(("text/", "application/json")) else ""
        return status, ctype, text, final.replace(self.base_url, "", 1) or "/"

    def csrf_token(self, path: str = "/login") -> str:
        _status, _ctype, text, _final = self.fetch(path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', text)
        if not found:
            raise RuntimeError(f"no CSRF token on {path}")
        return found.group(1)

    def sign_in(self, username: str) -> None:
        status, _ctype, _text, final = self.fetch("/login", {"csrf_token": self.csrf_token(), "username": username,
                                                             "password": DEMO_PASSWORD})
        if status != 200 or final.startswith("/login"):
            raise RuntimeError(f"could not sign in as {username}: {status} {final}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# --- targets ----------------------------------------------------------------------------------------------------

@dataclass
class Target:
    role: str
    method: str
    url: str                     # path (+ query); `*` marks a path argument to test
    data: dict[str, str]         # POST body (GET: empty, the query is in url)
    params: list[str]            # what sqlmap should test (names, or "#1*" for the marked path segment)
    kind: str                    # form / query / path
    endpoint: str
    result: str = "not run"
    tested: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""


def _mark_path(rule, values: dict) -> list[tuple[str, str]]:
    """(argument, path with that argument replaced by `<value>*`) for each argument of the rule."""
    marked = []
    for name in sorted(rule.arguments):
        if type(rule._converters.get(name)).__name__ == "AnyConverter":
            continue  # any(a, b): the router takes only these words, nothing reaches the view
        sentinel = 987654321 if isinstance(values[name], int) else "zzmarkzz"
        path = rule.build({**values, name: sentinel}, append_unknown=False)[1]
        marked.append((name, path.replace(str(sentinel), f"{values[name]}*")))
    return marked


def build_targets(url_map: Map, result: CrawlResult, tokens: dict[str, str]) -> tuple[list[Target], list[str]]:
    """One sqlmap target per distinct form, per GET endpoint's query parameters, and per path argument.

    tokens: role -> a CSRF token of that role's session.
    """
    match = matcher(url_map)
    seen_args: dict[str, dict[str, object]] = defaultdict(dict)  # role -> path argument -> a value it saw
    seen_roles: dict[str, set[str]] = defaultdict(set)  # blueprint -> roles that reached a page of it
    for page in result.pages:
        if page.status == 200:
            seen_roles[page.endpoint.split(".")[0]].add(page.role)
            for name, value in match(urllib.parse.urlsplit(page.url).path)[1].items():
                seen_args[page.role].setdefault(name, value)

    def borrow(endpoint: str, rule) -> tuple[str, dict] | None:
        """Arguments for a rule no page reached: values of same-named arguments of pages the most trusted role
        that reached this blueprint saw (the route's own checks would stop a lesser one before any query)."""
        blueprint_roles = [r for r in reversed(role_order) if r in seen_roles[endpoint.split(".")[0]]]
        for role in blueprint_roles + [r for r in reversed(role_order) if r not in blueprint_roles]:
            if all(name in seen_args[role] for name in rule.arguments):
                return role, {name: seen_args[role][name] for name in rule.arguments}
        return None
    rules = {r.endpoint: r for r in url_map.iter_rules()}
    targets: list[Target] = []
    notes: list[str] = []
    seen_forms: set[tuple] = set()
    role_order = list(ROLES)
    forms = sorted(result.forms, key=lambda f: role_order.index(f.role))
    form_by_endpoint: dict[tuple[str, str], Form] = {}
    for form in forms:
        path = urllib.parse.urlsplit(form.action).path
        matched = match(path, form.method)
        if matched is None:
            notes.append(f"form on {form.page} posts to {form.action} which no rule takes ({form.method})")
            continue
        endpoint = matched[0]
        form_by_endpoint.setdefault((form.method, endpoint), form)
        key = (form.method, endpoint, tuple(sorted({family(f) for f in form.fields})))
        if key in seen_forms or not form.testable:
            continue
        seen_forms.add(key)
        if form.method == "POST":
            targets.append(Target(form.role, "POST", form.action, dict(form.fields), form.testable, "form", endpoint))
        else:
            query = urllib.parse.urlencode({k: v for k, v in form.fields.items()})
            targets.append(Target(form.role, "GET", f"{path}?{query}", {}, form.testable, "form", endpoint))
    # Query parameters links carry that no GET form of the endpoint already covers. A parameter that links to many
    # endpoints carry (the language switch) is read app-wide: it is tested once, on the first of them.
    covered = defaultdict(set)
    for t in targets:
        if t.method == "GET":
            covered[t.endpoint].update(t.params)
    spread = defaultdict(list)
    for endpoint in sorted(result.query_links):
        for name in result.query_links[endpoint]:
            spread[name].append(endpoint)
    app_wide = {name: endpoints[0] for name, endpoints in spread.items() if len(endpoints) >= APP_WIDE}
    for name, first in sorted(app_wide.items()):
        notes.append(f"query parameter {name!r} is on links to {len(spread[name])} endpoints: tested once, on {first}")
    for endpoint, params in sorted(result.query_links.items()):
        extra = {k: v for k, (v, _url) in params.items()
                 if k not in covered[endpoint] and app_wide.get(k, endpoint) == endpoint}
        if not extra:
            continue
        role = next((p.role for p in result.pages if p.endpoint == endpoint and p.status == 200), "anonymous")
        path = next(iter(params.values()))[1].split("?")[0]
        query = urllib.parse.urlencode({k: v or "1" for k, v in extra.items()})
        targets.append(Target(role, "GET", f"{path}?{query}", {}, list(extra), "query", endpoint))
    # Path arguments: GET rules from a page some role reached; POST-only rules from a form that posts to them.
    for endpoint, rule in sorted(rules.items()):
        if not rule.arguments or endpoint == "static":
            continue
        methods = rule.methods or set()
        if "GET" in methods:
            page = next((p for p in sorted(result.pages, key=lambda p: role_order.index(p.role))
                         if p.endpoint == endpoint and p.status == 200), None)
            if page is not None:
                role, values = page.role, match(urllib.parse.urlsplit(page.url).path)[1]
            elif borrowed := borrow(endpoint, rule):
                role, values = borrowed
                notes.append(f"{endpoint}: no page reached; path arguments scanned as {role} with {values}")
            else:
                notes.append(f"{endpoint}: no page reached and no page has its arguments: not scanned")
                continue
            for name, marked in _mark_path(rule, values):
                targets.append(Target(role, "GET", marked, {}, [f"<{name}>"], "path", endpoint))
        else:
            form = form_by_endpoint.get(("POST", endpoint))
            if form is not None:
                values = match(urllib.parse.urlsplit(form.action).path, "POST")[1]
                role, data = form.role, dict(form.fields)
            else:
                # No page showed a form for it (the demo has nothing in that state): borrow each argument's
                # value from a page whose rule has an argument of that name, and post just the CSRF token.
                borrowed = borrow(endpoint, rule)
                if borrowed is None:
                    notes.append(f"{endpoint}: no form posts to it and no page has its arguments: not scanned")
                    continue
                role, values = borrowed
                data = {"csrf_token": tokens[role]}
                notes.append(f"{endpoint}: no form posts to it; path arguments scanned as {role} with {values}")
            for name, marked in _mark_path(rule, values):
                targets.append(Target(role, "POST", marked, data, [f"<{name}>"], "path", endpoint))
    return targets, notes


# --- sqlmap -----------------------------------------------------------------------------------------------------

TESTED = re.compile(r"(?:GET|POST|URI|\(custom\) POST|\(custom\) GET) parameter '([^']+)' does not seem to be injectable")
STARTED = re.compile(r"testing (?:if )?(?:GET|POST|URI|\(custom\) POST|\(custom\) GET) parameter '([^']+)'")
VULNERABLE = re.compile(r"parameter '([^']+)' (?:is vulnerable|appears to be .* injectable)|"
                        r"sqlmap identified the following injection point")
CLEAN = "all tested parameters do not appear to be injectable"
RUNNING: set[subprocess.Popen] = set()  # sqlmap processes, killed if the scan is interrupted


def _kill_running() -> None:
    for proc in list(RUNNING):
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass


def sqlmap_command(target: Target, base_url: str, cookie: str, outdir: Path, dbms: str) -> list[str]:
    cmd = [SQLMAP, "-u", base_url + target.url, "--batch", f"--level={LEVEL}", "--risk=1", "--technique=BEUST",
           f"--dbms={dbms}", "--flush-session", f"--output-dir={outdir}", "--disable-coloring", "-v", "1",
           "--timeout=20", "--retries=1", "--time-sec=3", "--drop-set-cookie", "--skip=csrf_token",
           "--ignore-code=400,403,404,405,409,413,422,429"]
    if cookie:
        cmd.append(f"--cookie={cookie}")
    if target.method == "POST":
        cmd += ["--method=POST", "--data=" + urllib.parse.urlencode(target.data)]
    if target.kind != "path":
        cmd.append("-p" + ",".join(target.params))
    else:  # only the `*` in the path: not the form's fields, nor (at level 2) the session cookies
        cmd[cmd.index("--skip=csrf_token")] = "--skip=" + ",".join(
            ["csrf_token", "session", "remember_token", "field", "lang", "text", *target.data])
    return cmd


def run_target(target: Target, base_url: str, cookies: dict[str, str], workdir: Path, dbms: str,
               time_limit: float, deadline: float | None = None) -> Target:
    if deadline is not None:
        time_limit = min(time_limit, deadline - time.monotonic())
        if time_limit < 10:
            target.result = "skipped (time budget)"
            return target
    outdir = workdir / f"out-{id(target)}"
    cmd = sqlmap_command(target, base_url, cookies.get(target.role, ""), outdir, dbms)
    started = time.monotonic()
    timed_out = False
    env = {**os.environ, "HOME": str(workdir)}  # sqlmap's history and caches stay in the scratch directory
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)
    RUNNING.add(proc)
    try:
        out, _ = proc.communicate(timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
    finally:
        RUNNING.discard(proc)
    target.seconds = time.monotonic() - started
    target.log = out
    (workdir / "logs").mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "_", f"{target.method}_{target.url}")[:120]
    (workdir / "logs" / f"{name}.txt").write_text(" ".join(cmd) + "\n\n" + out)
    target.tested = sorted(set(TESTED.findall(out)))
    started_params = set(STARTED.findall(out))
    if VULNERABLE.search(out):
        target.result = "INJECTABLE"
    elif timed_out:
        target.result = f"timeout ({len(target.tested)}/{len(target.params)} tested)"
    elif CLEAN in out and target.tested:
        expected = len(target.params)
        target.result = "not injectable" if len(target.tested) >= expected else \
            f"partial ({len(target.tested)}/{expected})"
    elif not started_params:
        target.result = "FAILED: nothing tested"
    else:
        target.result = "FAILED: " + (re.findall(r"\[CRITICAL\] (.*)", out) or ["see log"])[-1][:60]
    return target


# --- the scan ---------------------------------------------------------------------------------------------------

def app_url_map(env: dict[str, str]) -> Map:
    """The URL map of the app as the server builds it."""
    from webapp import create_app

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "UPLOAD_DIR": env["UPLOAD_DIR"],
                      "SECRET_KEY": env["SECRET_KEY"]})
    app.extensions["db_engine"].dispose()
    return app.url_map


def sign_in_all(base_url: str) -> dict[str, Browser]:
    browsers = {}
    for role, username in ROLES.items():
        browser = Browser(base_url)
        if username:
            browser.sign_in(username)
        else:
            browser.csrf_token("/login")  # a session with a CSRF token, as a visitor who opened a form has
        browsers[role] = browser
    return browsers


def print_table(targets: list[Target]) -> None:
    if not targets:
        print("no targets (check --only)")
        return
    width = min(max(len(t.url) for t in targets), 70)
    print(f"{'#':>3}  {'role':<10} {'method':<6} {'target':<{width}}  {'parameters':<40} {'s':>5}  result")
    for i, t in enumerate(targets, 1):
        params = ",".join(t.params)
        print(f"{i:>3}  {t.role:<10} {t.method:<6} {t.url[:width]:<{width}}  {params[:40]:<40} {t.seconds:5.0f}  "
              f"{t.result}")


def scan(label: str, env: dict[str, str], dbms: str, workdir: Path, jobs: int, time_limit: float,
         only: str | None = None, list_only: bool = False, per_endpoint: int = 4,
         deadline: float | None = None) -> tuple[list[Target], bool]:
    """Crawl and scan one database. With a deadline (the PostgreSQL pass), targets that would start after it are
    reported as skipped, forms and query parameters first; without one every target must be fully tested."""
    from security import server

    t0 = time.monotonic()
    print(f"== {label}: migrating and loading the demo city …", flush=True)
    server.prepare(env)
    url_map = app_url_map(env)
    with server.running(env, threads=8, log=workdir / f"server-{dbms}.log") as (_proc, base_url):
        print(f"== {label}: waitress on {base_url}, RATELIMIT_ENABLED=0 (rate limits are OFF for the scan; "
              "tests/test_rate_limits.py checks them)", flush=True)
        browsers = sign_in_all(base_url)
        crawled = crawl(url_map, {role: b.fetch for role, b in browsers.items()}, per_endpoint=per_endpoint)
        # The crawl followed the language and text-size links: scan with the defaults (Chinese, normal text).
        for b in browsers.values():
            for cookie in [c for c in b.jar if c.name in ("lang", "text")]:
                b.jar.clear(cookie.domain, cookie.path, cookie.name)
        tokens = {role: b.csrf_token() for role, b in browsers.items()}
        targets, notes = build_targets(url_map, crawled, tokens)
        if only:
            targets = [t for t in targets if re.search(only, t.endpoint + " " + t.url)]
        reached = {p.endpoint for p in crawled.pages if p.status == 200}
        print(f"== {label}: crawled {len(crawled.pages)} pages as {len(browsers)} roles ({len(reached)} endpoints "
              f"answered 200), {len(crawled.forms)} forms seen → {len(targets)} targets, "
              f"{sum(len(t.params) for t in targets)} parameters", flush=True)
        for note in notes:
            print(f"   note: {note}")
        if list_only:
            print_table(targets)
            return targets, True
        cookies = {role: b.cookie_header() for role, b in browsers.items()}
        # Long forms first, so two of them do not end the run side by side; path arguments last.
        order = sorted(targets, key=lambda t: (t.kind == "path", -len(t.params)))
        done = 0
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = [pool.submit(run_target, t, base_url, cookies, workdir, dbms, time_limit, deadline)
                       for t in order]
            for future in futures:
                t = future.result()
                done += 1
                print(f"   [{done:>3}/{len(targets)}] {t.method:<4} {t.url[:60]:<60} {t.result} ({t.seconds:.0f} s)",
                      flush=True)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            _kill_running()
    elapsed = time.monotonic() - t0
    print()
    print_table(targets)
    injectable = [t for t in targets if t.result == "INJECTABLE"]
    failed = [t for t in targets if t.result.startswith("FAILED")]
    incomplete = [t for t in targets if t.result.startswith(("timeout", "partial"))]
    skipped = [t for t in targets if t.result.startswith("skipped")]
    tested = sum(len(t.tested) for t in targets)
    print(f"\n== {label}: targets {len(targets)}, parameters {sum(len(t.params) for t in targets)} "
          f"(sqlmap confirmed testing {tested}), injectable {len(injectable)}, failed {len(failed)}, "
          f"incomplete {len(incomplete)}, skipped for the time budget {len(skipped)}, {elapsed:.0f} s")
    for t in injectable + failed:
        print(f"\n--- {t.result}: {t.method} {t.url}\n{t.log[-3000:]}")
    if deadline is not None:  # the shorter pass: a target cut by the budget is not a failure, only a gap
        incomplete = [t for t in incomplete if not t.result.startswith("timeout")]
    # A scan that tested nothing proves nothing.
    return targets, bool(targets) and not injectable and not failed and not incomplete


def main(argv: list[str] | None = None) -> int:
    global LEVEL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="sqlmap processes at a time (2)")
    parser.add_argument("--time-limit", type=float, default=150, help="seconds per target (150)")
    parser.add_argument("--only", help="regex on endpoint/URL: scan only these targets")
    parser.add_argument("--level", type=int, default=LEVEL, choices=(1, 2), help=f"sqlmap --level ({LEVEL})")
    parser.add_argument("--list", action="store_true", help="crawl and list the targets, do not run sqlmap")
    parser.add_argument("--budget", type=float, default=12 * 60,
                        help="seconds for the whole run: the PostgreSQL pass stops starting targets then (720)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL pass")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs, sqlmap output)")
    args = parser.parse_args(argv)
    LEVEL = args.level
    if not os.access(SQLMAP, os.X_OK):
        print(f"{SQLMAP} is missing: `sudo apt-get install -y sqlmap`", file=sys.stderr)
        return 1
    from security import server

    workdir = Path(tempfile.mkdtemp(prefix="xiaobao-sqlmap-"))
    deadline = time.monotonic() + args.budget
    ok = True
    try:
        env = server.app_env(f"sqlite:///{workdir / 'scan.db'}", workdir / "uploads", RATELIMIT_ENABLED="0")
        _targets, passed = scan("SQLite", env, "SQLite", workdir, args.jobs, args.time_limit, args.only, args.list)
        ok = ok and passed
        pg = os.environ.get("TEST_DATABASE_URL", "")
        if pg and not args.no_postgres and not args.list:
            ok = scan_postgres(pg, workdir, args, deadline) and ok
    finally:
        if args.keep:
            print(f"scratch directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\nsqlmap scan:", "PASSED" if ok else "FAILED")
    return 0 if ok else 1


def scan_postgres(pg_url: str, workdir: Path, args, deadline: float) -> bool:
    """The second, shorter pass: the same kind of targets on PostgreSQL, until the run's time budget is spent."""
    from sqlalchemy import make_url

    from security import server

    name = f"{make_url(pg_url).database}_sqlmap"
    url = server.create_database(pg_url, name)
    try:
        env = server.app_env(url, workdir / "uploads-pg", RATELIMIT_ENABLED="0")
        _targets, passed = scan("PostgreSQL", env, "PostgreSQL", workdir, args.jobs, args.time_limit / 2,
                                args.only, per_endpoint=1, deadline=deadline)
        return passed
    finally:
        server.drop_database(pg_url, name)

if __name__ == "__main__":
    sys.exit(main())
