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
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python security/sqlmap_scan.py`
    sys.path.insert(0, str(ROOT))

from werkzeug.routing import Map  # noqa: E402

from security.crawl import ROLES, Browser, CrawlResult, Form, crawl, family, matcher  # noqa: E402

SQLMAP = "/usr/bin/sqlmap"
LEVEL = 1  # --level 2 adds payloads (and doubles the time: about 10 min for SQLite alone on 2 cores)
APP_WIDE = 5  # a query parameter on links to this many endpoints is read app-wide (tested once)


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
