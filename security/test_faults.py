"""Faults against the production server (waitress in a child process): does what was acknowledged survive?

a. kill -9 in the middle of 50 complaint uploads (2–3 photos each, 10 threads); restart; no half-saved complaint,
   every acknowledged one present, `flask media cleanup` removes the orphaned files; the outbox's replays then
   complete every complaint exactly once.
b. 50 concurrent submitters on SQLite for ~10 s: no error, no "database is locked", count == acknowledged.
c. PostgreSQL stopped and started under load: the app recovers by itself, nothing acknowledged is lost.
d. Offline replays: the same inspection / outreach event / complaint sent 20 times at once, and again across a
   kill -9: exactly one record, every answer points at it.

Every test prints its figures. PostgreSQL runs when TEST_DATABASE_URL is set (`source tools/test-db.sh`): a scratch
database `<name>_faults` is made from it. The restart test (c) restarts the cluster named by FAULTS_PG_CLUSTER
("15/faults"; default: the cluster serving TEST_DATABASE_URL) and needs root and pg_ctlcluster. When set, every
PostgreSQL test here moves to that cluster (same role and password as TEST_DATABASE_URL), so other test runs on the
main cluster are not disturbed:
    pg_createcluster 15 faults --port 5499 && pg_ctlcluster 15 faults start
    su postgres -c "psql -p 5499 -c \"CREATE ROLE xiaobao_test LOGIN CREATEDB PASSWORD 'xiaobao_test'\""
    FAULTS_PG_CLUSTER=15/faults make security
"""
from __future__ import annotations

import concurrent.futures as cf
import http.client
import io
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, make_url, text

from security import server
from webapp.demo_data import DEMO_PASSWORD

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
RECEIPT_RE = re.compile(r"/complaints/([A-Z0-9]+)/receipt$")
KEY_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,8}")


# --- a phone: cookies, CSRF, multipart, no redirects followed -------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Phone:
    """One browser: a cookie jar over http.client, never following redirects (we want to see the 303)."""

    def __init__(self, base_url: str, timeout: float = 60):
        parts = urlsplit(base_url)
        self.base_url, self.host, self.port, self.timeout = base_url, parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            h = {"Accept": "text/html", "Connection": "close", **(headers or {})}
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            for raw in r.headers.get_all("Set-Cookie") or []:
                name, _, value = raw.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str, **headers) -> Answer:
        return self.request("GET", path, headers=headers)

    def fetch_token(self, path: str = "/complaints/new") -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        self.token = CSRF_RE.search(page.text).group(1)
        return self.token

    def post(self, path: str, fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]] = (),
             accept: str = "text/html") -> Answer:
        boundary = uuid.uuid4().hex
        out = io.BytesIO()
        for name, value in [("csrf_token", self.token), *fields]:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(str(value).encode() + b"\r\n")
        for name, filename, data in files:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: image/jpeg\r\n\r\n".encode())
            out.write(data + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, out.getvalue(), {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": accept, "Origin": self.base_url})

    def sign_in(self, username: str) -> None:
        self.fetch_token("/login")
        answer = self.post("/login", [("username", username), ("password", DEMO_PASSWORD)])
        assert answer.status in (302, 303), (username, answer.status)
        self.token = self.get("/sync/csrf").json()["token"]


def jpeg(seed: int, size=(640, 480)) -> bytes:
    """A real JPEG, different for every seed (so content-addressed files are not shared by accident)."""
    rnd = random.Random(seed)
    img = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.rectangle([x, y, x + rnd.randrange(20, 200), y + rnd.randrange(20, 200)],
                       fill=tuple(rnd.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


# --- databases: one demo city prepared per backend, copied for each test -------------------------------------------

@dataclass
class Site:
    """A database and photo store of one test, and the server's environment for them."""

    url: str
    uploads: Path
    log: Path
    env: dict = field(default_factory=dict)

    def engine(self):
        return create_engine(self.url)

    def scalar(self, sql: str, **params):
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str, **params) -> list:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params))
        finally:
            engine.dispose()


def _pg_clusters() -> list[tuple[str, str, int, str]]:
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    return [(v, n, int(p), s) for v, n, p, s, *_ in (line.split() for line in out.splitlines() if line.strip())]


def fault_pg_url() -> tuple[str, tuple[str, str] | None]:
    """TEST_DATABASE_URL, moved to the cluster named by FAULTS_PG_CLUSTER ("15/faults") when it is set."""
    url = make_url(PG_URL)
    wanted = os.environ.get("FAULTS_PG_CLUSTER", "")
    if shutil.which("pg_lsclusters") is None:
        return PG_URL, None
    for version, name, port, _status in _pg_clusters():
        if (wanted and wanted == f"{version}/{name}") or (not wanted and port == (url.port or 5432)):
            return url.set(port=port).render_as_string(hide_password=False), (version, name)
    return PG_URL, None


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """{backend: (database url or file, uploads dir)} of a migrated demo city, made once."""
    made, root = {}, tmp_path_factory.mktemp("faults-template")
    db = root / "demo.db"
    server.prepare(server.app_env(f"sqlite:///{db}", root / "uploads"))
    made["sqlite"] = (str(db), root / "uploads")
    name = None
    if PG_URL:
        base_url, _cluster = fault_pg_url()
        name = f"{make_url(base_url).database}_faults"
        url = server.create_database(base_url, name)
        server.prepare(server.app_env(url, root / "pg-uploads"))
        made["postgresql"] = (url, root / "pg-uploads")
    yield made
    if name:
        server.drop_database(base_url, name)


_made_pg: list[tuple[str, str]] = []


@pytest.fixture
def make_site(templates, tmp_path, request):
    """make_site(backend) -> a fresh copy of the demo city for this test."""
    made = []

    def _make(backend: str) -> Site:
        source, uploads = templates[backend]
        n = len(made)
        target_uploads = tmp_path / f"uploads-{n}"
        shutil.copytree(uploads, target_uploads)
        if backend == "sqlite":
            db = tmp_path / f"site-{n}.db"
            shutil.copy(source, db)
            url = f"sqlite:///{db}"
        else:
            template = make_url(source).database
            name = f"{template}_{os.getpid()}_{n}"
            url = server.create_database(source, name, template=template)
            made.append((source, name))
        site = Site(url, target_uploads, tmp_path / f"server-{n}.log")
        site.env = server.app_env(url, target_uploads, RATELIMIT_ENABLED="0", SECRET_KEY="faults-secret")
        return site

    yield _make
    for source, name in made:
        server.drop_database(source, name)


def reference(site: Site) -> dict:
    """Ids a complaint form needs, read from the demo city."""
    merchant = site.rows("SELECT id, name, address, district_id FROM merchant WHERE merged_into_id IS NULL "
                         "AND district_id IS NOT NULL ORDER BY id LIMIT 1")[0]
    category = site.scalar("SELECT id FROM category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1")
    return {"merchant": merchant, "category": category}


def complaint_fields(ref: dict, client_uuid: str, n: int) -> list[tuple[str, str]]:
    m = ref["merchant"]
    return [("client_uuid", client_uuid), ("merchant_id", str(m.id)), ("merchant_name", m.name),
            ("merchant_address", m.address or ""), ("district_id", str(m.district_id)),
            ("category_id", str(ref["category"])), ("problem_type", "quality"), ("purchase_date", "2026-11-01"),
            ("amount", "56.80"), ("description", f"故障测试第{n}号:买到的牛奶已经过期两天,要求退款。"),
            ("desired_outcome", "refund"), ("consumer_name", "测试用户"), ("consumer_phone", "13912345678"),
            ("consent_share", "on")]


def file_complaint(base_url: str, ref: dict, client_uuid: str, n: int, photos: list[bytes],
                   phone: Phone | None = None) -> tuple[str, str | None]:
    """('ack', code) when the server answered 303 to the receipt; ('http-<status>', None) or ('conn', None)."""
    try:
        phone = phone or Phone(base_url)
        if not phone.token:
            phone.fetch_token()
        answer = phone.post("/complaints", complaint_fields(ref, client_uuid, n),
                            [("photos", f"p{i}.jpg", data) for i, data in enumerate(photos)])
    except (OSError, http.client.HTTPException, AttributeError, AssertionError):
        return "conn", None
    match = RECEIPT_RE.search(answer.headers.get("location", ""))
    if answer.status in (302, 303) and match:
        return "ack", match.group(1)
    return f"http-{answer.status}", None


def stored_files(uploads: Path) -> set[str]:
    return {p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()}


def referenced(site: Site) -> set[str]:
    return {k for row in site.rows("SELECT display_key, thumb_key FROM photo") for k in row}


def assert_whole_complaints(site: Site, sent: dict[str, int]) -> int:
    """Every complaint row has all its photos (rows and readable JPEG files), its timeline and its audit row."""
    rows = site.rows("SELECT id, client_uuid, tracking_code FROM complaint WHERE client_uuid IN :uuids"
                     .replace(":uuids", "(" + ",".join(f"'{u}'" for u in sent) + ")"))
    for complaint_id, client_uuid, _code in rows:
        photos = site.rows("SELECT display_key, thumb_key FROM photo WHERE complaint_id = :c", c=complaint_id)
        assert len(photos) == sent[client_uuid], (client_uuid, len(photos), sent[client_uuid])
        for keys in photos:
            for key in keys:
                with Image.open(site.uploads / key) as img:
                    assert img.format == "JPEG"
                    img.load()
        assert site.scalar("SELECT count(*) FROM complaintevent WHERE complaint_id = :c AND kind = 'submitted'",
                           c=complaint_id) == 1
        assert site.scalar("SELECT count(*) FROM auditlog WHERE action = 'complaint.create' AND object_id = :c",
                           c=complaint_id) == 1
    return len(rows)


def cleanup_cli(site: Site) -> tuple[int, int, str]:
    """Run `flask media cleanup --grace-minutes 0 --delete`; return (orphans found, files removed, output)."""
    out = server.flask(site.env, "media", "cleanup", "--grace-minutes", "0", "--delete").stdout
    found = int(re.search(r"total to remove:\s+(\d+)", out).group(1))
    removed = int(re.search(r"removed (\d+) files", out).group(1))
    return found, removed, out


def server_log_errors(site: Site) -> list[str]:
    if not site.log.exists():
        return []
    log = site.log.read_text(errors="replace")
    return [line for line in log.splitlines() if "database is locked" in line or "Traceback" in line]


# --- a. kill -9 during uploads --------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_kill9_during_uploads_loses_nothing_acknowledged(make_site, backend):
    site = make_site(backend)
    ref = reference(site)
    total, kill_after = 50, 15
    plan = {str(uuid.uuid4()): (n, [jpeg(1000 * n + k) for k in range(2 + n % 2)]) for n in range(total)}
    sent = {u: len(p) for u, (_n, p) in plan.items()}
    acked: dict[str, str] = {}
    outcomes: dict[str, str] = {}
    proc, base_url = server.start(site.env, threads=8, log=site.log)
    killed = threading.Event()

    def killer():
        # After the first acknowledgements, strike when some upload has its files written and its row not yet
        # committed (files in the store no row points at): the moment a crash leaves orphans behind.
        deadline = time.monotonic() + 60
        while len(acked) < kill_after and time.monotonic() < deadline:
            time.sleep(0.01)
        engine = site.engine()
        try:
            window = time.monotonic() + 15
            while time.monotonic() < window and len(outcomes) < total:
                on_disk = stored_files(site.uploads)
                with engine.connect() as conn:
                    keys = {k for row in conn.execute(text("SELECT display_key, thumb_key FROM photo")) for k in row}
                if on_disk - keys:
                    break
        finally:
            server.kill9(proc)
            killed.set()
            engine.dispose()

    def one(client_uuid):
        n, photos = plan[client_uuid]
        outcome, code = file_complaint(base_url, ref, client_uuid, n, photos)
        outcomes[client_uuid] = outcome
        if code:
            acked[client_uuid] = code

    try:
        threading.Thread(target=killer, daemon=True).start()
        with cf.ThreadPoolExecutor(10) as pool:
            list(pool.map(one, plan))
        assert killed.wait(60)
    finally:
        server.stop(proc)

    # Restarted on the same database and store: what is there is whole, what was acknowledged is there.
    proc, base_url = server.start(site.env, threads=8, log=site.log)
    try:
        rows = assert_whole_complaints(site, sent)
        codes = dict(site.rows("SELECT client_uuid, tracking_code FROM complaint"))
        assert all(codes.get(u) == code for u, code in acked.items()), "an acknowledged complaint is missing"
        unreferenced_before = stored_files(site.uploads) - referenced(site)
        found, removed, out = cleanup_cli(site)
        assert found == removed == len(unreferenced_before), out
        assert stored_files(site.uploads) == referenced(site), "a file no row references is left in the store"
        # The phone's outbox sends again what was never acknowledged, with the same client_uuid and photos.
        retried = [u for u in plan if u not in acked]
        with cf.ThreadPoolExecutor(10) as pool:
            replays = dict(zip(retried, pool.map(
                lambda u: file_complaint(base_url, ref, u, plan[u][0], plan[u][1]), retried)))
        assert all(outcome == "ack" for outcome, _c in replays.values()), replays
        final = assert_whole_complaints(site, sent)
        assert final == total
        assert site.scalar("SELECT count(*) FROM complaint WHERE client_uuid IS NOT NULL "
                           "AND description LIKE '故障测试%'") == total
        codes = dict(site.rows("SELECT client_uuid, tracking_code FROM complaint"))
        assert all(codes[u] == code for u, code in acked.items())
        assert stored_files(site.uploads) == referenced(site)
    finally:
        server.stop(proc)
    print(f"\n[faults a/{backend}] kill -9: 1, restarts: 1; requests {total}, acknowledged before the kill "
          f"{len(acked)}, complaint rows after restart {rows} (saved but unacknowledged {rows - len(acked)}), "
          f"failed in flight {total - len(acked)}; orphaned files found {found}, removed {removed}; "
          f"replayed {len(retried)}, final rows {final}/{total}; data lost 0")


# --- b. 50 concurrent writers on SQLite -----------------------------------------------------------------------------

def test_fifty_concurrent_submitters_on_sqlite(make_site):
    site = make_site("sqlite")
    ref = reference(site)
    writers, seconds = 50, 10
    acked: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    proc, base_url = server.start(site.env, threads=12, log=site.log)
    try:
        stop_at = time.monotonic() + seconds

        def writer(w):
            phone = Phone(base_url, timeout=120)
            photo = jpeg(50_000 + w, size=(320, 240))
            n = 0
            while time.monotonic() < stop_at:
                outcome, code = file_complaint(base_url, ref, str(uuid.uuid4()), w * 1000 + n, [photo], phone)
                n += 1
                with lock:
                    (acked.append(code) if code else errors.append(outcome))

        with cf.ThreadPoolExecutor(writers) as pool:
            list(pool.map(writer, range(writers)))
    finally:
        server.stop(proc)
    rows = site.scalar("SELECT count(*) FROM complaint WHERE description LIKE '故障测试%'")
    found = {c for (c,) in site.rows("SELECT tracking_code FROM complaint")}
    log_errors = server_log_errors(site)
    print(f"\n[faults b/sqlite] {writers} writers x {seconds} s, waitress --threads 12: requests "
          f"{len(acked) + len(errors)}, acknowledged {len(acked)}, rows {rows}, errors {len(errors)}, "
          f"'database is locked'/tracebacks in the log {len(log_errors)}; data lost {len(set(acked) - found)}")
    assert errors == [] and log_errors == []
    assert acked and rows == len(acked) and set(acked) <= found


# --- c. PostgreSQL restarted under load -----------------------------------------------------------------------------

def _pg_restart_skip_reason() -> str | None:
    if not PG_URL:
        return "TEST_DATABASE_URL not set (source tools/test-db.sh)"
    if os.geteuid() != 0:
        return "restarting PostgreSQL needs root"
    if shutil.which("pg_ctlcluster") is None:
        return "pg_ctlcluster not installed"
    if fault_pg_url()[1] is None:
        return "no local cluster serves TEST_DATABASE_URL (set FAULTS_PG_CLUSTER=<version>/<name>)"
    return None


def _pg_ready(version: str, name: str, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], timeout=10).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"cluster {version}/{name} did not come back")


def _db_errors_registered() -> bool:
    from sqlalchemy.exc import OperationalError

    from webapp import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    return OperationalError in app.error_handler_spec.get(None, {}).get(None, {})


def test_database_outage_is_a_friendly_503(tmp_path):
    """webapp/db_errors.py: OperationalError -> 503 with Retry-After, JSON for the outbox, a page for a browser."""
    from sqlalchemy.exc import OperationalError

    from webapp import create_app, db_errors

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x", "TESTING": False,
                      "UPLOAD_DIR": str(tmp_path / "u"), "RATELIMIT_ENABLED": False})
    if not _db_errors_registered():
        db_errors.register(app)

    @app.get("/__outage")
    def outage():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    client = app.test_client()
    page = client.get("/__outage", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "<h1>" in page.text and "connection refused" not in page.text and "<script" not in page.text
    assert 'href="/"' in page.text
    outbox = client.get("/__outage", headers={"Accept": "application/json"})
    assert outbox.status_code == 503 and outbox.get_json()["ok"] is False
    app.extensions["db_engine"].dispose()


def test_postgresql_restart_under_load(make_site):
    reason = _pg_restart_skip_reason()
    if reason:
        pytest.skip(reason)
    _url, (version, name) = fault_pg_url()
    site = make_site("postgresql")
    port = make_url(site.url).port
    ref = reference(site)
    acked: list[str] = []
    results: list[tuple[float, float, str]] = []  # (started, ended, outcome)
    lock = threading.Lock()
    timeline = {}
    proc, base_url = server.start(site.env, threads=8, log=site.log)
    try:
        stop = threading.Event()

        def writer(w):
            photo = jpeg(70_000 + w, size=(320, 240))
            phone = Phone(base_url, timeout=30)
            n = 0
            give_up = time.monotonic() + 90
            while not stop.is_set() and time.monotonic() < give_up:
                started = time.monotonic()
                if not phone.token:
                    try:
                        phone.fetch_token()
                    except (OSError, http.client.HTTPException, AssertionError):
                        with lock:
                            results.append((started, time.monotonic(), "token"))
                        time.sleep(0.1)
                        continue
                outcome, code = file_complaint(base_url, ref, str(uuid.uuid4()), w * 1000 + n, [photo], phone)
                n += 1
                with lock:
                    results.append((started, time.monotonic(), outcome))
                    if code:
                        acked.append(code)
                if outcome != "ack":
                    time.sleep(0.1)

        with cf.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(writer, w) for w in range(8)]
            try:
                time.sleep(3)
                timeline["down"] = time.monotonic()
                subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True, timeout=60)
                time.sleep(3)
                subprocess.run(["pg_ctlcluster", version, name, "start"], check=True, timeout=60)
                _pg_ready(version, name, port)
                timeline["up"] = time.monotonic()
                time.sleep(6)
            finally:
                stop.set()  # the writers end even when the restart itself failed
            for f in futures:
                f.result()
        # The same server process, never restarted, answers normally now.
        after_check = file_complaint(base_url, ref, str(uuid.uuid4()), 999_999, [jpeg(79_999, (320, 240))])
    finally:
        stop.set()
        server.stop(proc)
    before = [o for _t, end, o in results if end < timeline["down"]]  # answered before the stop
    during = [o for t, end, o in results if end >= timeline["down"] and t < timeline["up"]]
    after = [o for t, _end, o in results if t >= timeline["up"]]  # sent once PostgreSQL accepts connections
    rows = site.scalar("SELECT count(*) FROM complaint WHERE description LIKE '故障测试%'")
    found = {c for (c,) in site.rows("SELECT tracking_code FROM complaint")}
    failed_during_list = [o for o in during if o != "ack"]
    friendly = _db_errors_registered()
    failed_during = set(failed_during_list)
    print(f"\n[faults c/postgresql {version}/{name}] stop -m fast, 3 s down, start: 1 restart; requests "
          f"{len(results)} (before {len(before)}, during {len(during)}, after {len(after)}); acknowledged "
          f"{len(acked)}; failed during the outage {sum(o != 'ack' for o in during)} {sorted(failed_during)}; "
          f"failed after {sum(o != 'ack' for o in after)}; rows {rows}; data lost {len(set(acked) - found)}; "
          f"503 handler installed: {friendly}")
    if friendly:  # webapp/db_errors.py is installed: an outage is a 503 page, never a raw 500
        assert "http-500" not in failed_during, failed_during
    assert after and all(o == "ack" for o in after), after
    assert all(o == "ack" for o in before), before
    assert after_check[0] == "ack"
    # A commit cut off by the stop may have been saved without its answer arriving: never fewer rows than answers.
    assert set(acked) <= found and len(acked) + 1 <= rows <= len(acked) + 1 + len(failed_during_list)


# --- d. offline replays ---------------------------------------------------------------------------------------------

def _inspection_fields(site: Site, client_uuid: str) -> tuple[list, list]:
    template = site.scalar("SELECT id FROM checklisttemplate WHERE code = 'food'")
    items = [i for (i,) in site.rows("SELECT id FROM checklistitem WHERE template_id = :t ORDER BY position",
                                     t=template)]
    merchant = site.rows("SELECT m.id, m.name FROM merchant m JOIN \"user\" u ON u.district_id = m.district_id "
                         "WHERE u.username = 'inspector' AND m.merged_into_id IS NULL ORDER BY m.id LIMIT 1")[0]
    fields = [("client_uuid", client_uuid), ("captured_at", datetime.now(timezone.utc).replace(microsecond=0)
                                             .isoformat()),
              ("merchant_id", str(merchant.id)), ("merchant_search", merchant.name), ("template_id", str(template)),
              ("note", "重放测试"), ("inspector_count", "2")]
    fields += [(f"item-{i}", "fail" if n == 1 else "pass") for n, i in enumerate(items)]
    return fields, [(f"item-{items[1]}-photos", "shelf.jpg", jpeg(int(uuid.UUID(client_uuid)) % 10**6))]


def _event_fields(client_uuid: str) -> tuple[list, list]:
    from webapp.complaints.schemas import today_shanghai

    fields = [("client_uuid", client_uuid), ("captured_at", datetime.now(timezone.utc).isoformat()),
              ("held_on", today_shanghai().isoformat()), ("start_time", "09:00"), ("end_time", "11:30"),
              ("venue_type", "village"), ("place", "石桥村文化广场"), ("formats", "desk"), ("formats", "leaflets"),
              ("audiences", "elderly"), ("topic", "重放测试"), ("participants", "180"), ("consultations", "42"),
              ("leaflets", "600"), ("banners", "2"), ("boards", "6"), ("volunteers", "4")]
    return fields, [("photos", "desk.jpg", jpeg(int(uuid.UUID(client_uuid)) % 10**6))]


KINDS = {
    # kind: (path, who signs in, table, photo column)
    "inspection": ("/inspections", "inspector", "inspection", "inspection_id"),
    "event": ("/events", "volunteer", "outreachevent", "outreach_event_id"),
    "complaint": ("/complaints", None, "complaint", "complaint_id"),
}


def _open_forms(base_url: str, times: int) -> list[Phone]:
    """Anonymous consumers' browsers, each with the complaint form open (its CSRF token)."""
    browsers = [Phone(base_url) for _ in range(times)]
    for b in browsers:
        b.fetch_token()
    return browsers


def _fire(base_url: str, kind: str, fields: list, files: list, phone: Phone | None,
          times: int, browsers: list[Phone] | None = None) -> list[tuple[int, str]]:
    """Send one record `times` at once (the outbox replaying it); [(status, what it points at)]."""
    path = KINDS[kind][0]

    if kind == "complaint" and browsers is None:  # each copy from a browser of its own, its form open
        browsers = _open_forms(base_url, times)

    def send(i):
        try:
            if kind == "complaint":
                answer = browsers[i].post(path, fields, files)
                return answer.status, answer.headers.get("location", "")
            answer = phone.post(path, fields, files, accept="application/json")
            return answer.status, (answer.json().get("url", "") if answer.body.startswith(b"{") else "")
        except (OSError, http.client.HTTPException, AttributeError, AssertionError):
            return 0, "conn"

    with cf.ThreadPoolExecutor(times) as pool:
        return list(pool.map(send, range(times)))


def _ok(status: int, kind: str) -> bool:
    return status in ((303,) if kind == "complaint" else (200, 201))


@pytest.mark.parametrize("backend", BACKENDS)
def test_offline_replays_make_exactly_one_record(make_site, backend):
    site = make_site(backend)
    figures = []
    proc, base_url = server.start(site.env, threads=8, log=site.log)
    try:
        phones = {}
        for kind, (_path, who, _t, _c) in KINDS.items():
            if who:
                phones[kind] = Phone(base_url)
                phones[kind].sign_in(who)
        ref = reference(site)

        def form(kind, client_uuid):
            if kind == "inspection":
                return _inspection_fields(site, client_uuid)
            if kind == "event":
                return _event_fields(client_uuid)
            return complaint_fields(ref, client_uuid, 0), [("photos", "p.jpg", jpeg(int(uuid.UUID(client_uuid))
                                                                                     % 10**6))]

        def check_one(kind, client_uuid, answers):
            _path, _who, table, column = KINDS[kind]
            ids = [i for (i,) in site.rows(f"SELECT id FROM {table} WHERE client_uuid = :u", u=client_uuid)]
            assert len(ids) == 1, (kind, ids)
            assert site.scalar(f"SELECT count(*) FROM photo WHERE {column} = :i", i=ids[0]) == 1
            targets = {where for status, where in answers if _ok(status, kind)}
            assert len(targets) == 1, (kind, targets)
            return ids[0]

        # 1. twenty copies at once, the server up all the time: every answer ok, all at one record.
        for kind in KINDS:
            u = str(uuid.uuid4())
            fields, files = form(kind, u)
            answers = _fire(base_url, kind, fields, files, phones.get(kind), 20)
            assert all(_ok(s, kind) for s, _w in answers), (kind, answers)
            check_one(kind, u, answers)
            figures.append(f"{kind}: 20 at once -> 1 row, 20 answers at it "
                           f"({sum(s == 201 for s, _ in answers)} x 201)")

        # 2. twenty copies of each kind, kill -9 in the middle, restart, twenty more.
        pending = {}
        for kind in KINDS:
            u = str(uuid.uuid4())
            pending[kind] = (u, *form(kind, u))
        with cf.ThreadPoolExecutor(len(KINDS)) as pool:
            browsers = _open_forms(base_url, 20)
            futures = {kind: pool.submit(_fire, base_url, kind, pending[kind][1], pending[kind][2],
                                         phones.get(kind), 20, browsers) for kind in KINDS}
            time.sleep(0.3)
            server.kill9(proc)
            first_round = {kind: f.result() for kind, f in futures.items()}
        server.stop(proc)
        proc, base_url = server.start(site.env, threads=8, log=site.log)
        for phone in phones.values():
            phone.base_url, phone.port = base_url, urlsplit(base_url).port
        for kind in KINDS:
            u, fields, files = pending[kind]
            answers = _fire(base_url, kind, fields, files, phones.get(kind), 20)
            assert all(_ok(s, kind) for s, _w in answers), (kind, answers)
            check_one(kind, u, answers + [a for a in first_round[kind] if _ok(a[0], kind)])
            lost = sum(s == 0 for s, _ in first_round[kind])
            figures.append(f"{kind}: 20 + kill -9 + 20 -> 1 row ({lost} cut off by the kill)")
        duplicates = sum(site.scalar(f"SELECT count(client_uuid) - count(DISTINCT client_uuid) FROM {t}")
                         for _p, _w, t, _c in KINDS.values())
        assert duplicates == 0
    finally:
        server.stop(proc)
    print(f"\n[faults d/{backend}] kill -9: 1, restarts: 1; requests {len(KINDS) * 60}; " + "; ".join(figures)
          + f"; duplicates {duplicates}")
