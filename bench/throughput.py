"""Server throughput and latency of five key pages at 32 clients, against the framework's floor.

The production server (waitress, `--threads 4` as `make run`) is started on a fresh demo database; each page is
loaded by wrk as the person who uses it, with their session cookie and `Accept-Encoding: gzip` like a phone:

    complaint form      GET /complaints/new    a guest
    tracking            GET /track/<code>      a guest who looked the complaint up with code + last four digits
    inspector's form    GET /inspections/new   the inspector
    handler inbox       GET /handling/inbox    the handler
    dashboard           GET /reports           the supervisor

The floor (bench/floor_app.py) is a minimal Flask app returning, for each URL, exactly the bytes and headers the real
app returned (captured first through the real server with the same cookie), in the same waitress with the same
threads. Both servers run side by side and each page is loaded on the app then on the floor, back to back, so a
change in the machine's background load hits both. Ratio = app req/s / floor req/s.

Budgets (issue 9): ratio >= 50 % and p99 <= 100 ms at 32 clients; a miss is printed, never an exit status.

Then, for telling template / database / framework apart, each page is requested in-process with the Flask test
client (no server running): SQL statements per request and the median of 20 of the server-side time, the time in SQL,
in Jinja rendering, and a gzip estimate.

    python bench/throughput.py [--seconds 10] [--connections 32] [--threads 4] [--engines sqlite,postgresql] [--json]

PostgreSQL: a scratch database <name>_throughput_<pid> on TEST_DATABASE_URL's server (`source tools/test-db.sh`).
"""
from __future__ import annotations

import argparse
import base64
import gzip
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from security import server  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
PASSWORD = "xiaobao-demo-2026"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KEPT_HEADERS = ("Content-Type", "Content-Encoding", "Vary", "Cache-Control")
BUDGET_RATIO = 0.50
BUDGET_P99_MS = 100.0
IN_PROCESS_RUNS = 20

# (key, label, path or None for the tracking page, who)
PAGES = (
    ("form", "complaint form", "/complaints/new", "guest"),
    ("tracking", "tracking", None, "tracker"),
    ("inspection", "inspector's form", "/inspections/new", "inspector"),
    ("inbox", "handler inbox", "/handling/inbox", "handler"),
    ("dashboard", "dashboard", "/reports", "supervisor"),
)

# In-process only: the app's cheapest page, for what every request pays (session, login, Babel, Talisman, CSRF,
# compression) before any page's own work.
MINIMUM = ("minimum", "/offline (minimum)", "/offline", "guest")

# wrk script: count every response that is not a 200 (wrk itself only counts non-2xx/3xx, so a redirect to the
# login page would pass unseen) and print the summary with exact percentiles as one JSON line.
WRK_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not200 = 0 end
function response(status, headers, body) if status ~= 200 then not200 = not200 + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not200") end
  local e = summary.errors
  io.write(string.format('XIAOBAO_WRK {"requests": %d, "duration_us": %d, "bytes": %d, "not200": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "mean_us": %.1f, "max_us": %d, ' ..
    '"p50_us": %d, "p75_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""


# --- a phone's HTTP client: one keep-alive connection and a cookie jar ---------------------------------------------

class Phone:
    """Requests as a browser sends them: its cookies, gzip accepted; redirects are not followed."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers as a list of pairs, raw body bytes)."""
        headers = {"Accept-Encoding": "gzip", "User-Agent": "xiaobao-bench/1"}
        body = None
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheaders(), data


def text_of(headers, data: bytes) -> str:
    encoding = dict((k.lower(), v) for k, v in headers).get("content-encoding")
    return (gzip.decompress(data) if encoding == "gzip" else data).decode("utf-8", "replace")


def csrf_of(page: str, where: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise RuntimeError(f"no csrf_token in {where}")
    return match.group(1)


def sign_in(phone: Phone, who: str, tracked: tuple[str, str]) -> None:
    """Give this phone the session of `who`: a guest, a guest who tracked a complaint, or a staff account."""
    if who == "guest":
        status, headers, data = phone.request("GET", "/complaints/new")
        if status != 200:
            raise RuntimeError(f"GET /complaints/new as a guest: HTTP {status}")
        return
    if who == "tracker":
        code, last4 = tracked
        status, headers, data = phone.request("GET", "/track")
        token = csrf_of(text_of(headers, data), "/track")
        status, headers, _ = phone.request("POST", "/track",
                                           {"csrf_token": token, "code": code, "phone_last4": last4})
        location = urlsplit(dict(headers).get("Location", "")).path
        if status not in (302, 303) or location != f"/track/{code}":
            raise RuntimeError(f"tracking {code}: HTTP {status} to {location!r}")
        return
    status, headers, data = phone.request("GET", "/login")
    token = csrf_of(text_of(headers, data), "/login")
    status, headers, _ = phone.request("POST", "/login",
                                       {"csrf_token": token, "username": who, "password": PASSWORD})
    if status not in (302, 303):
        raise RuntimeError(f"sign-in as {who}: HTTP {status}")


def pick_tracked(url: str) -> tuple[str, str]:
    """(tracking code, last four digits) of the open demo complaint with the longest timeline."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT c.tracking_code, c.consumer_phone FROM complaint c "
                "WHERE c.state IN ('submitted', 'accepted', 'mediating') "
                "ORDER BY (SELECT count(*) FROM complaintevent e WHERE e.complaint_id = c.id) DESC, c.id "
                "LIMIT 1")).one()
    finally:
        engine.dispose()
    return row[0], row[1][-4:]


def page_path(path: str | None, tracked: tuple[str, str]) -> str:
    return path if path is not None else f"/track/{tracked[0]}"


# --- servers --------------------------------------------------------------------------------------------------------

@contextmanager
def floor_server(pages_file: Path, threads: int, connection_limit: int = 500, log: Path | None = None):
    """bench/floor_app.py in the same waitress, with the same threads and connection limit as the real server."""
    port = server.free_port()
    env = dict(os.environ, XIAOBAO_FLOOR_PAGES=str(pages_file), PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [str(server.VENV_BIN / "waitress-serve"), "--host", "127.0.0.1", "--port", str(port), "--threads",
         str(threads), "--connection-limit", str(connection_limit), "--call", "bench.floor_app:create_app"],
        env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        server.wait_until_up(base_url, proc)
        yield proc, base_url
    finally:
        server.stop(proc)


# --- wrk ------------------------------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, cookie: str, seconds: float, connections: int, script: Path, pid: int | None = None) -> dict:
    """One wrk run; its figures (req/s, latency percentiles in ms, errors, and the server's CPU time when its pid
    is given: one busy core is 100 %, which is as far as one CPython process gets under the GIL)."""
    cmd = [WRK, "-c", str(connections), "-t", str(min(2, connections)), "-d", f"{max(1, round(seconds))}s",
           "--latency", "--timeout", "10s", "-s", str(script), "-H", "Accept-Encoding: gzip"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cpu0, wall0 = (cpu_seconds(pid) if pid else 0.0), time.perf_counter()
    result = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 120)
    cpu, wall = (cpu_seconds(pid) - cpu0 if pid else 0.0), time.perf_counter() - wall0
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("XIAOBAO_WRK ")), None)
    if line is None:
        raise RuntimeError(f"no summary from wrk:\n{result.stdout}\n{result.stderr}")
    s = json.loads(line.split(" ", 1)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", result.stdout)
    errors = s["not200"] + s["connect"] + s["read"] + s["write"] + s["timeout"]
    return {
        "requests": s["requests"],
        "rps": s["requests"] / (s["duration_us"] / 1e6) if s["duration_us"] else 0.0,
        "p50_ms": s["p50_us"] / 1000, "p75_ms": s["p75_us"] / 1000, "p90_ms": s["p90_us"] / 1000,
        "p99_ms": s["p99_us"] / 1000, "p999_ms": s["p999_us"] / 1000, "mean_ms": s["mean_us"] / 1000,
        "max_ms": s["max_us"] / 1000, "bytes_per_response": s["bytes"] / s["requests"] if s["requests"] else 0,
        "errors": errors, "not200": s["not200"], "non2xx3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": {k: s[k] for k in ("connect", "read", "write", "timeout")},
        "server_cpu_ms_per_request": cpu * 1000 / s["requests"] if pid and s["requests"] else None,
        "server_cpu_percent": cpu * 100 / wall if pid else None,
    }


# --- in-process: statements and server-side time ---------------------------------------------------------------------

def package_of(filename: str, function: str) -> str:
    """Which package a profiled function belongs to: webapp, a site-packages distribution, the stdlib, or C."""
    if filename == "~":  # a built-in: name its module when cProfile says it ("<method 'execute' of 'sqlite3.Cursor'>")
        match = re.search(r"of '([A-Za-z_0-9]+)\.", function)
        return f"C: {match.group(1)}" if match else "C: builtins"
    path = filename.replace(os.sep, "/")
    if path.startswith("<"):  # generated code: "<sqlalchemy generated …>", "<werkzeug routing>", "<frozen abc>"
        word = path[1:].split()[0].rstrip(">")
        return "stdlib" if word == "frozen" else "generated code" if word == "string" else word
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith(str(ROOT).replace(os.sep, "/") + "/"):
        return path[len(str(ROOT)) + 1:].split("/", 1)[0]
    match = re.search(r"/lib/python3\.\d+/([^/]+)", path)
    return "stdlib: " + (match.group(1).removesuffix(".py") if match else Path(path).stem)


def cprofile(client, target: str, runs: int, top: int = 12) -> dict:
    """cProfile `runs` requests of one page in-process: self time per package and the costliest webapp functions."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(target, headers={"Accept-Encoding": "gzip"})
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    by_package: dict[str, float] = {}
    functions = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.items():
        package = package_of(filename, function)
        by_package[package] = by_package.get(package, 0.0) + tottime
        if package == "webapp":
            where = f"{filename[len(str(ROOT)) + 1:]}:{line} {function}"
            functions.append((cumtime, tottime, calls, where))
    functions.sort(reverse=True)
    total = sum(by_package.values())
    return {
        "requests": runs, "profiled_ms_per_request": total / runs * 1000,
        "self_ms_by_package": {k: v / runs * 1000
                               for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:top + 3]},
        "webapp_functions": [{"where": w, "cum_ms": c / runs * 1000, "self_ms": t / runs * 1000,
                              "calls": n / runs} for c, t, n, w in functions[:top]],
    }


def in_process(url: str, upload_dir: str, tracked: tuple[str, str], runs: int = IN_PROCESS_RUNS,
               profile_pages: frozenset[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """Each page through the Flask test client: SQL statements per request, and medians of total, SQL, Jinja, gzip;
    and a cProfile of each page in `profile_pages`."""
    from flask import before_render_template, template_rendered
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "UPLOAD_DIR": upload_dir, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "bench-throughput"})
    engine = app.extensions["db_engine"]
    state = {"statements": 0, "compiled": 0, "sql": 0.0, "sql_in_render": 0.0, "render": 0.0, "depth": 0,
             "t_render": 0.0}

    def before_exec(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_t", []).append(time.perf_counter())

    def after_exec(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info["bench_t"].pop()
        state["statements"] += 1
        state["sql"] += elapsed
        if getattr(context, "compiled", None) is not None and context.cache_hit is not CacheStats.CACHE_HIT:
            state["compiled"] += 1  # a statement SQLAlchemy compiled anew: not in its cache, or not cacheable
        if state["depth"]:
            state["sql_in_render"] += elapsed

    def render_started(sender, template, context, **extra):
        if state["depth"] == 0:
            state["t_render"] = time.perf_counter()
        state["depth"] += 1

    def render_done(sender, template, context, **extra):
        state["depth"] -= 1
        if state["depth"] == 0:
            state["render"] += time.perf_counter() - state["t_render"]

    event.listen(engine, "before_cursor_execute", before_exec)
    event.listen(engine, "after_cursor_execute", after_exec)
    before_render_template.connect(render_started, app)
    template_rendered.connect(render_done, app)
    rows, profiles = [], []
    try:
        for key, label, path, who in PAGES + (MINIMUM,):
            client = app.test_client()
            _sign_in_test_client(client, who, tracked)
            target = page_path(path, tracked)
            samples = []
            for i in range(runs + 2):  # two warm-ups: the first request compiles templates and SQL
                state.update(statements=0, compiled=0, sql=0.0, sql_in_render=0.0, render=0.0, depth=0)
                t0 = time.perf_counter()
                response = client.get(target, headers={"Accept-Encoding": "gzip"})
                total = time.perf_counter() - t0
                if response.status_code != 200:
                    raise RuntimeError(f"in-process GET {target} as {who}: HTTP {response.status_code}")
                if i >= 2:
                    samples.append((total, state["statements"], state["sql"], state["sql_in_render"],
                                    state["render"], state["compiled"]))
            raw = response.get_data()
            html = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
            gz = []
            for _ in range(runs):
                t0 = time.perf_counter()
                gzip.compress(html, compresslevel=6)
                gz.append(time.perf_counter() - t0)
            med = [statistics.median(column) for column in zip(*samples)]
            total_ms, sql_ms, sql_in_render_ms, render_ms = (med[0] * 1000, med[2] * 1000, med[3] * 1000,
                                                             med[4] * 1000)
            gzip_ms = statistics.median(gz) * 1000
            rows.append({
                "page": key, "label": label, "path": target, "statements": int(statistics.median(
                    s[1] for s in samples)), "compiled": int(statistics.median(s[5] for s in samples)),
                "total_ms": total_ms, "sql_ms": sql_ms,
                "sql_in_render_ms": sql_in_render_ms, "render_ms": render_ms, "gzip_ms": gzip_ms,
                "rest_ms": max(0.0, total_ms - (sql_ms - sql_in_render_ms) - render_ms - gzip_ms),
                "html_bytes": len(html), "wire_bytes": len(raw),
            })
            if key in profile_pages:
                profiles.append({"page": key, "label": label, "path": target, **cprofile(client, target, runs)})
    finally:
        before_render_template.disconnect(render_started, app)
        template_rendered.disconnect(render_done, app)
        engine.dispose()
    return rows, profiles


def _sign_in_test_client(client, who: str, tracked: tuple[str, str]) -> None:
    if who == "guest":
        client.get("/complaints/new")
        return
    if who == "tracker":
        page = client.get("/track").get_data(as_text=True)
        response = client.post("/track", data={"csrf_token": csrf_of(page, "/track"), "code": tracked[0],
                                               "phone_last4": tracked[1]})
        if response.status_code not in (302, 303):
            raise RuntimeError(f"in-process tracking: HTTP {response.status_code}")
        return
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_of(page, "/login"), "username": who,
                                           "password": PASSWORD})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"in-process sign-in as {who}: HTTP {response.status_code}")


# --- one engine -----------------------------------------------------------------------------------------------------

@contextmanager
def demo_database(engine_name: str, tmp: Path):
    """A fresh demo database (migrated, demo city loaded): its URL."""
    uploads = tmp / "uploads"
    if engine_name == "sqlite":
        url = f"sqlite:///{tmp}/throughput.db"
        server.prepare(server.app_env(url, uploads))
        yield url, uploads
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    from sqlalchemy import make_url

    name = f"{make_url(base).database}_throughput_{os.getpid()}"
    url = server.create_database(base, name)
    try:
        server.prepare(server.app_env(url, uploads))
        yield url, uploads
    finally:
        server.drop_database(base, name)


def bench_engine(engine_name: str, args, tmp: Path) -> dict:
    script = tmp / "count.lua"
    script.write_text(WRK_LUA)
    with demo_database(engine_name, tmp) as (url, uploads):
        tracked = pick_tracked(url)
        env = server.app_env(url, uploads, RATELIMIT_ENABLED="0", SECRET_KEY="bench-throughput")
        rows = []
        with ExitStack() as stack:
            app_proc, app_url = stack.enter_context(server.running(env, threads=args.threads,
                                                                   log=tmp / "app.log"))
            # Sign each person in and capture what the real app sends them.
            captured, cookies = [], {}
            for key, label, path, who in PAGES:
                phone = Phone(app_url)
                sign_in(phone, who, tracked)
                target = page_path(path, tracked)
                phone.request("GET", target)  # the first visit may still add to the session
                status, headers, body = phone.request("GET", target)
                if status != 200:
                    raise RuntimeError(f"GET {target} as {who}: HTTP {status}")
                hdrs = {}
                for name, value in headers:
                    for kept in KEPT_HEADERS:
                        if name.lower() == kept.lower():
                            hdrs[kept] = value
                captured.append({"path": target, "status": status, "headers": hdrs,
                                 "body_b64": base64.b64encode(body).decode(),
                                 # a Set-Cookie on a repeat visit would be re-signed on every request
                                 "set_cookie": any(n.lower() == "set-cookie" for n, _ in headers),
                                 "all_header_bytes": sum(len(n) + len(v) + 4 for n, v in headers)})
                cookies[key] = phone.cookie_header()
            pages_file = tmp / "floor-pages.json"
            pages_file.write_text(json.dumps({"pages": captured}))
            floor_proc, floor_url = stack.enter_context(floor_server(pages_file, args.threads,
                                                                     log=tmp / "floor.log"))
            # The floor must send the same bytes.
            for page in captured:
                status, _, body = Phone(floor_url).request("GET", page["path"])
                if status != 200 or body != base64.b64decode(page["body_b64"]):
                    raise RuntimeError(f"the floor does not return the captured bytes of {page['path']}")
            for (key, label, path, who), page in zip(PAGES, captured):
                print(f"[{engine_name}] {label}: {page['path']} …", file=sys.stderr, flush=True)
                results = {}
                for side, base, pid in (("app", app_url, app_proc.pid), ("floor", floor_url, floor_proc.pid)):
                    cookie = cookies[key]  # the floor gets the same request bytes, and ignores them
                    if args.warmup:
                        run_wrk(base + page["path"], cookie, args.warmup, args.connections, script)
                    results[side] = run_wrk(base + page["path"], cookie, args.seconds, args.connections, script,
                                            pid)
                app_r, floor_r = results["app"], results["floor"]
                ratio = app_r["rps"] / floor_r["rps"] if floor_r["rps"] else 0.0
                rows.append({
                    "page": key, "label": label, "path": page["path"], "who": who,
                    "wire_bytes": len(base64.b64decode(page["body_b64"])),
                    "content_encoding": page["headers"].get("Content-Encoding", "identity"),
                    "set_cookie_on_repeat_visit": page["set_cookie"], "app_header_bytes": page["all_header_bytes"],
                    "app": app_r, "floor": floor_r, "ratio": ratio,
                    "ratio_meets": ratio >= BUDGET_RATIO, "p99_meets": app_r["p99_ms"] <= BUDGET_P99_MS,
                })
            # A last check that every session still gets its page (not a redirect to the login page).
            for (key, label, path, who), page in zip(PAGES, captured):
                phone = Phone(app_url)
                phone.cookies = dict(c.split("=", 1) for c in cookies[key].split("; ") if c)
                status, _, _ = phone.request("GET", page["path"])
                if status != 200:
                    raise RuntimeError(f"after the run, GET {page['path']} as {who}: HTTP {status}")
        print(f"[{engine_name}] in-process profile (median of {IN_PROCESS_RUNS}) …", file=sys.stderr, flush=True)
        wanted = {p.strip() for p in args.profile.split(",") if p.strip()} - {"none"}
        if "all" in wanted:
            wanted = {key for key, *_ in PAGES}
        if "slowest" in wanted:
            wanted.add(min(rows, key=lambda r: r["app"]["rps"])["page"])
        profile, cprof = in_process(url, str(uploads), tracked, profile_pages=frozenset(wanted))
    return {"tracked": tracked[0], "rows": rows, "in_process": profile, "cprofile": cprof}


# --- output ---------------------------------------------------------------------------------------------------------

def print_tables(engine_name: str, result: dict, args) -> None:
    print(f"\n== {engine_name}: waitress --threads {args.threads}, wrk -c {args.connections} -t "
          f"{min(2, args.connections)} -d {args.seconds:g}s, Accept-Encoding: gzip, session cookie ==")
    head = (f"{'page':17} {'bytes':>6} {'app req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
            f"{'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6}  {'ratio≥50%':9} {'p99≤100ms':9} "
            f"{'CPU ms/req':>10} {'CPU %':>6} {'floor CPU ms/req':>16}")
    print(head)
    for r in result["rows"]:
        a, f = r["app"], r["floor"]
        print(f"{r['label']:17} {r['wire_bytes']:>6} {a['rps']:>9.1f} {a['p50_ms']:>7.1f} {a['p99_ms']:>7.1f} "
              f"{a['errors']:>6} {f['rps']:>11.1f} {f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} "
              f"{r['ratio'] * 100:>5.1f}%  {'meets' if r['ratio_meets'] else 'misses':9} "
              f"{'meets' if r['p99_meets'] else 'misses':9} {a['server_cpu_ms_per_request']:>10.2f} "
              f"{a['server_cpu_percent']:>6.0f} {f['server_cpu_ms_per_request']:>16.2f}")
    for r in result["rows"]:
        if r["floor"]["errors"]:
            print(f"  warning: the floor had {r['floor']['errors']} errors on {r['path']} ({r['floor']})")
    print("  errors: app responses other than 200, and socket errors/timeouts (10 s); latency is wrk's, at the "
          "client\n  CPU ms/req, CPU %: the app server process's CPU time per request and its share of one core "
          "during the run (wrk shares the machine)")
    print(f"\n{engine_name}: one request in-process (Flask test client, no server running; median of "
          f"{IN_PROCESS_RUNS})\n"
          "  SQL stmts: statements per request; compiled: of which SQLAlchemy compiled anew (cache miss, uncacheable)\n"
          "  SQL ms: time in the driver's execute; Jinja ms: rendering, incl. any SQL run from templates (in Jinja)\n"
          "  gzip ms: gzip level 6 of the HTML; rest: routing, session, login, CSRF, Talisman, building statements,\n"
          "  ORM row handling, services and the Python around them")
    print(f"{'page':17} {'SQL stmts':>9} {'compiled':>8} {'total ms':>9} {'SQL ms':>7} {'(in Jinja)':>10} "
          f"{'Jinja ms':>9} {'gzip ms':>8} {'rest ms':>8} {'HTML bytes':>10}")
    for p in result["in_process"]:
        print(f"{p['label']:17} {p['statements']:>9} {p['compiled']:>8} {p['total_ms']:>9.1f} {p['sql_ms']:>7.1f} "
              f"{p['sql_in_render_ms']:>10.1f} {p['render_ms']:>9.1f} {p['gzip_ms']:>8.1f} {p['rest_ms']:>8.1f} "
              f"{p['html_bytes']:>10}")
    slowest = min(result["rows"], key=lambda r: r["app"]["rps"])
    prof = next(p for p in result["in_process"] if p["page"] == slowest["page"])
    print(f"\nslowest page under load: {slowest['label']} ({slowest['app']['rps']:.1f} req/s, "
          f"p99 {slowest['app']['p99_ms']:.1f} ms); one request in-process: {prof['total_ms']:.1f} ms = "
          f"SQL {prof['sql_ms'] - prof['sql_in_render_ms']:.1f} outside Jinja + Jinja {prof['render_ms']:.1f} "
          f"(of which SQL {prof['sql_in_render_ms']:.1f}, {prof['statements']} statements in all) + gzip "
          f"{prof['gzip_ms']:.1f} + rest {prof['rest_ms']:.1f}")
    for cp in result.get("cprofile") or []:
        print(f"\ncProfile of {cp['requests']} in-process requests of {cp['path']} "
              f"({cp['profiled_ms_per_request']:.1f} ms per request under the profiler, which inflates "
              "Python-heavy code); self time per request by package:")
        shown = list(cp["self_ms_by_package"].items())[:12]
        print("  " + ", ".join(f"{k} {v:.1f}" for k, v in shown) + " ms")
        print("  costliest webapp functions (cumulative ms per request, self ms, calls per request):")
        for f in cp["webapp_functions"]:
            print(f"    {f['cum_ms']:7.2f} {f['self_ms']:6.2f} {f['calls']:6.0f}  {f['where']}")


def machine() -> dict:
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_before": [round(x, 2) for x in load],
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="wrk duration per page per server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (make run: 4)")
    parser.add_argument("--warmup", type=float, default=2, help="unrecorded wrk seconds before each run (0: none)")
    parser.add_argument("--engines", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--profile", default="slowest",
                        help="pages to cProfile in-process: slowest (under load), all, none, or keys "
                             f"({', '.join(key for key, *_ in PAGES)})")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line of stdout")
    args = parser.parse_args()
    unknown = {p.strip() for p in args.profile.split(",")} - {"slowest", "all", "none", ""} - {k for k, *_ in PAGES}
    if unknown:
        parser.error(f"--profile: unknown page(s) {', '.join(sorted(unknown))}")
    if not Path(WRK).exists():
        sys.exit("wrk not found: `make system-deps` installs it (Debian package wrk)")

    info = machine()
    print(f"machine: {info['cpus']} CPUs, load average {' '.join(map(str, info['load_before']))} at "
          f"{info['utc']}")
    results = {}
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if engine_name not in ("sqlite", "postgresql"):
            sys.exit(f"unknown engine {engine_name!r}")
        if engine_name == "postgresql" and not (os.environ.get("BENCH_DATABASE_URL")
                                                or os.environ.get("TEST_DATABASE_URL")):
            print("[postgresql] skipped: set TEST_DATABASE_URL (`source tools/test-db.sh`)", flush=True)
            results[engine_name] = {"skipped": "no TEST_DATABASE_URL"}
            continue
        with tempfile.TemporaryDirectory(prefix="xiaobao-throughput-") as tmp:
            results[engine_name] = bench_engine(engine_name, args, Path(tmp))
        print_tables(engine_name, results[engine_name], args)
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nload average after: {' '.join(map(str, info['load_after']))}; budgets: ratio ≥ "
          f"{BUDGET_RATIO:.0%} of the floor, p99 ≤ {BUDGET_P99_MS:.0f} ms at {args.connections} clients")
    if args.json:
        print(json.dumps({"bench": "throughput", "machine": info,
                          "config": {"seconds": args.seconds, "connections": args.connections,
                                     "threads": args.threads, "warmup": args.warmup},
                          "budgets": {"ratio": BUDGET_RATIO, "p99_ms": BUDGET_P99_MS},
                          "engines": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
