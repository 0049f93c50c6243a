"""Load: N concurrent consumers file and track complaints against the production server for S seconds.

Run by `make security` after `source tools/test-db.sh` (TEST_DATABASE_URL points at PostgreSQL): a scratch database
<name>_load is created from it, migrated, given the demo city, served by waitress and dropped at the end. Without
TEST_DATABASE_URL the run falls back to a SQLite file, and says so.

Each consumer loops, like a phone at the counter: GET the complaint form, POST a complaint (valid fields; a small
JPEG on one in four; the CSRF token from the form and the session cookie), follow to the receipt, GET and POST
/track with the code and the phone's last four digits, GET the tracking page. At the end every acknowledged
complaint (a 303 to a receipt with a tracking code) must be in the database, and nothing else the run filed may be.

Exit status 1 on any error (a status other than the expected one, an exception, a timeout) or any mismatch.

    .venv/bin/python security/load.py [--users 100] [--seconds 60] [--threads 16] [--connection-limit 500]
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import io
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from security import server  # noqa: E402

STEPS = ("form", "submit", "receipt", "trackform", "track", "detail")
TIMEOUT = 30  # seconds: a consumer on a phone would have given up long before
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
UUID_RE = re.compile(r'name="client_uuid" value="([^"]*)"')
RECEIPT_RE = re.compile(r"^/complaints/([0-9A-Z]+)/receipt$")
DETAIL_RE = re.compile(r"^/track/([0-9A-Z]+)$")


def jpeg(seed: int) -> bytes:
    """A small real JPEG (a phone has already downscaled the photo before upload)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (seed * 37 % 256, seed * 91 % 256, 120)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/jpeg\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Stats:
    """Requests, errors and latencies per step, and the acknowledged tracking codes (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[str, int] = defaultdict(int)
        self.errors: dict[str, int] = defaultdict(int)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.samples: dict[str, list[str]] = defaultdict(list)
        self.acknowledged: list[str] = []

    def record(self, step: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.requests[step] += 1
            self.latency[step].append(seconds)
            if error:
                self.errors[step] += 1
                if len(self.samples[step]) < 3:
                    self.samples[step].append(error)


class Consumer:
    """One phone: its own keep-alive connection and session cookie."""

    def __init__(self, host: str, port: int, number: int, marker: str, choices: dict, stats: Stats) -> None:
        self.host, self.port, self.number = host, port, number
        self.marker, self.choices, self.stats = marker, choices, stats
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.rng = random.Random(number)
        self.phone = f"139{number:04d}{self.rng.randrange(10000):04d}"

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        headers = {"Accept-Encoding": "gzip", "User-Agent": "xiaobao-load/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.conn.close()
            self.conn = None
            raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response.getheader("Location", ""), data

    def step(self, name: str, method: str, path: str, expect: int, check=None, **kwargs):
        """One timed request; returns (location, body) or None after recording an error."""
        started = time.perf_counter()
        try:
            status, location, data = self.request(method, path, **kwargs)
        except Exception as exc:  # timeouts, resets: every one is an error of this step
            self.stats.record(name, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        location = urlsplit(location).path if location else ""
        error = None
        if status != expect:
            error = f"HTTP {status} (expected {expect}) {location} {data[:200]!r}"
        elif check is not None:
            error = check(location, data)
        self.stats.record(name, elapsed, error)
        return None if error else (location, data)

    def iteration(self, i: int) -> None:
        got = self.step("form", "GET", "/complaints/new", 200,
                        check=lambda _l, d: None if CSRF_RE.search(d.decode()) else "no CSRF token in the form")
        if got is None:
            return
        page = got[1].decode()
        merchant_id, district_id = self.rng.choice(self.choices["merchants"])
        fields = {
            "csrf_token": CSRF_RE.search(page).group(1),
            "client_uuid": (UUID_RE.search(page) or [None, str(uuid.uuid4())])[1],
            "merchant_id": str(merchant_id), "merchant_name": "", "merchant_address": "",
            "district_id": str(district_id), "category_id": str(self.rng.choice(self.choices["categories"])),
            "problem_type": "quality", "purchase_date": "2026-01-15", "amount": f"{self.rng.randrange(1, 2000)}.50",
            "description": f"压测投诉 {self.marker} 用户{self.number} 第{i}次:买到的商品有质量问题,要求退款。",
            "desired_outcome": "refund", "consumer_name": f"压测用户{self.number}", "consumer_phone": self.phone,
            "consent_share": "on",
        }
        files = [("photos", "receipt.jpg", self.choices["jpeg"])] if i % 4 == self.number % 4 else []
        body, content_type = multipart(fields, files)

        def receipt_link(location: str, _data: bytes):
            return None if RECEIPT_RE.match(location) else f"303 to {location!r}, not to a receipt"

        got = self.step("submit", "POST", "/complaints", 303, check=receipt_link, body=body,
                        content_type=content_type)
        if got is None:
            return
        location = got[0]
        code = RECEIPT_RE.match(location).group(1)
        with self.stats.lock:
            self.stats.acknowledged.append(code)
        got = self.step("receipt", "GET", location, 200,
                        check=lambda _l, d: None if code[:5].encode() in d else "the receipt does not show the code")
        if got is None:
            return
        got = self.step("trackform", "GET", f"/track?code={code}", 200,
                        check=lambda _l, d: None if CSRF_RE.search(d.decode()) else "no CSRF token in the form")
        if got is None:
            return
        csrf = CSRF_RE.search(got[1].decode())
        track = urlencode({"csrf_token": csrf.group(1), "code": code, "phone_last4": self.phone[-4:]}).encode()
        got = self.step("track", "POST", "/track", 303, body=track,
                        content_type="application/x-www-form-urlencoded",
                        check=lambda l, _d: None if l == f"/track/{code}" else f"303 to {l!r}")
        if got is None:
            return
        self.step("detail", "GET", got[0], 200,
                  check=lambda _l, d: None if code[:5].encode() in d else "the tracking page does not show the code")

    def run(self, deadline: float) -> None:
        i = 0
        # A small stagger so 100 phones do not all knock in the same millisecond.
        time.sleep(self.rng.random() * 0.5)
        while time.monotonic() < deadline:
            self.iteration(i)
            i += 1
        if self.conn is not None:
            self.conn.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def scratch_database() -> tuple[str, callable, str]:
    """(url, drop, note): <TEST_DATABASE_URL's name>_load on PostgreSQL, else a temporary SQLite file."""
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if not pg:
        folder = tempfile.mkdtemp(prefix="xiaobao-load-")
        path = Path(folder) / "load.db"
        return (f"sqlite:///{path}", lambda: shutil.rmtree(folder, ignore_errors=True),
                "NOTE: TEST_DATABASE_URL is not set: this run is on SQLite, not on PostgreSQL "
                "(source tools/test-db.sh first)")
    name = f"{make_url(pg).database}_load"
    url = server.create_database(pg, name)
    return url, lambda: server.drop_database(pg, name), f"PostgreSQL database {name}"


def reference_choices(url: str) -> dict:
    """Live demo merchants (with their district) and leaf categories a consumer can choose."""
    engine = create_engine(url)
    with engine.connect() as conn:
        merchants = [tuple(r) for r in conn.execute(text(
            "SELECT id, district_id FROM merchant WHERE merged_into_id IS NULL AND district_id IS NOT NULL "
            "ORDER BY id"))]
        categories = [r[0] for r in conn.execute(text(
            "SELECT id FROM category WHERE parent_id IS NOT NULL ORDER BY id"))]
    engine.dispose()
    return {"merchants": merchants, "categories": categories, "jpeg": jpeg(7)}


def filed_codes(url: str, marker: str) -> list[str]:
    """Tracking codes of the complaints this run filed (their description carries the run's marker)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        codes = [r[0] for r in conn.execute(
            text("SELECT tracking_code FROM complaint WHERE description LIKE :m"), {"m": f"%{marker}%"})]
    engine.dispose()
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent consumers (default 100)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they keep filing (default 60)")
    parser.add_argument("--threads", type=int, default=16, help="waitress worker threads (default 16, for 2 cores)")
    parser.add_argument("--connection-limit", type=int, default=500,
                        help="waitress --connection-limit (default 500; waitress' own default of 100 counts its "
                             "listening socket, so 100 phones on keep-alive connections do not all get in)")
    args = parser.parse_args(argv)

    started_all = time.monotonic()
    url, drop, where = scratch_database()
    workdir = Path(tempfile.mkdtemp(prefix="xiaobao-load-files-"))
    log = workdir / "server.log"
    marker = f"LOAD-{uuid.uuid4().hex[:12]}"
    print(f"load: {args.users} consumers for {args.seconds:.0f} s on {where}")
    print("load: rate limits are OFF for this run (RATELIMIT_ENABLED=0): the limiter counts per IP address and "
          "every consumer here is 127.0.0.1")
    try:
        env = server.app_env(url, workdir / "uploads", RATELIMIT_ENABLED="0")
        server.prepare(env)
        choices = reference_choices(url)
        stats = Stats()
        with server.running(env, threads=args.threads, connection_limit=args.connection_limit,
                            log=log) as (_proc, base_url):
            print(f"load: waitress --threads {args.threads} --connection-limit {args.connection_limit} on {base_url}; "
                  f"server log {log}")
            parts = urlsplit(base_url)
            deadline = time.monotonic() + args.seconds
            consumers = [Consumer(parts.hostname, parts.port, n, marker, choices, stats) for n in range(args.users)]
            threads = [threading.Thread(target=c.run, args=(deadline,), daemon=True) for c in consumers]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=args.seconds + 4 * TIMEOUT)
            elapsed = time.monotonic() - t0
            stuck = sum(t.is_alive() for t in threads)
        codes = filed_codes(url, marker)
    finally:
        drop()
        shutil.rmtree(workdir / "uploads", ignore_errors=True)
    status = report(stats, codes, elapsed, stuck, log, args, time.monotonic() - started_all)
    if status == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"load: the server's log is kept at {log}")
    return status


def report(stats: Stats, codes: list[str], elapsed: float, stuck: int, log: Path, args, total: float) -> int:
    print()
    print(f"{'step':<8} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for step in STEPS:
        lat = stats.latency[step]
        print(f"{step:<8} {stats.requests[step]:>9} {stats.errors[step]:>7} {percentile(lat, .5) * 1000:>8.0f} "
              f"{percentile(lat, .95) * 1000:>8.0f} {percentile(lat, .99) * 1000:>8.0f} "
              f"{max(lat, default=0) * 1000:>8.0f}")
    total_requests = sum(stats.requests.values())
    total_errors = sum(stats.errors.values())
    print(f"{'all':<8} {total_requests:>9} {total_errors:>7}   ({total_requests / elapsed:.0f} requests/s over "
          f"{elapsed:.0f} s)")
    acknowledged = set(stats.acknowledged)
    in_db = set(codes)
    missing = acknowledged - in_db
    unacknowledged = in_db - acknowledged
    print(f"\nacknowledged complaints: {len(stats.acknowledged)} ({len(acknowledged)} distinct codes); "
          f"in the database: {len(codes)}; acknowledged but missing: {len(missing)}; "
          f"in the database but never acknowledged: {len(unacknowledged)}")
    server_log = log.read_text(errors="replace") if log.exists() else ""
    server_errors = server_log.count("Traceback")
    # A phone refused at the door waits silently in the listen backlog: no error, just a page that never comes.
    refused = server_log.count("reached the connection limit")
    depth = max((int(d) for d in re.findall(r"Task queue depth is (\d+)", server_log)), default=0)
    print(f"server tracebacks in the log: {server_errors}; connection limit reached: {refused} times; "
          f"deepest request queue: {depth}; consumers still running at the end: {stuck}")
    print(f"whole run: {total:.0f} s")
    for step in STEPS:
        for sample in stats.samples[step]:
            print(f"  {step} error: {sample}")
    for code in sorted(missing)[:5]:
        print(f"  acknowledged but not in the database: {code}")
    failed = (total_errors or missing or unacknowledged or len(stats.acknowledged) != len(codes)
              or len(acknowledged) != len(stats.acknowledged) or server_errors or refused or stuck or not codes)
    if server_errors:
        print(server_log[-3000:])
    print("\nload: FAILED" if failed else "\nload: OK — every acknowledged complaint is in the database, no errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
