"""Bytes on the wire of five pages in a real browser, first visit and repeat visit (service worker).

Debian's Chromium through Playwright (the phone of e2e/conftest.py: 360×780, touch, zh-CN, service workers
allowed) against the production server (waitress, security/server.py) on a demo SQLite database:

    complaint form   /complaints/new    guest
    tracking         /track/<code>      guest, after a lookup (the demo complaint with the longest timeline)
    inspector form   /inspections/new   inspector
    handler inbox    /handling/inbox    handler
    dashboard        /reports           supervisor

The browser talks to the server through a byte-counting TCP relay in this process: what it counts is what
crossed the wire (response status line, headers and compressed body; requests separately), whoever asked
for it — the page, the service worker (its install fetches and its network-first page fetches), or the
browser (the worker's update check). HTTP/1.1 without pipelining, so every byte a connection carries belongs
to the last request line sent on it. Chrome's own figure for the page (DevTools protocol on the page:
Network.loadingFinished encodedDataLength, headers included) is printed beside it as a cross-check; it cannot
see the worker's fetches.

  * first visit: a fresh context (empty cache, no service worker; staff sign in and the guest's lookup is done
    through the context's request API, so no page or asset is loaded before). Split in two: what the page
    itself loads (document, CSS, JS, images: the budget applies to this) and what the service worker's install
    then fetches in the background (its script, imports, precached assets and shell pages).
  * repeat visit: the same context once the worker controls the page; a new tab (empty memory cache, the
    HTTP cache and the worker's cache kept) opens the page again: everything that still came from the network.

Budgets (issue 9), complaint form only: first visit ≤ 40 KB, repeat ≤ 2 KB on the wire (KB = 1024 B,
response headers included). A miss is printed, never an error exit.

    python bench/page_weight.py [--json] [--pages form,tracking,inspector,inbox,dashboard]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, _compile_catalogues  # noqa: E402
from security import server  # noqa: E402
from webapp.demo_data import DEMO_PASSWORD  # noqa: E402

KB = 1024
BUDGET_FIRST = 40 * KB
BUDGET_REPEAT = 2 * KB
QUIET = 1.5      # seconds without a byte on the wire: the visit is over
TIMEOUT = 60.0   # at most this long for a visit to fall quiet

# name → (label, path or None for tracking, account or None for a guest)
PAGES = {
    "form": ("complaint form", "/complaints/new", None),
    "tracking": ("tracking", None, None),
    "inspector": ("inspector's form", "/inspections/new", "inspector"),
    "inbox": ("handler inbox", "/handling/inbox", "handler"),
    "dashboard": ("dashboard", "/reports", "supervisor"),
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# ---------------------------------------------------------------------------------------- the counting relay

class Exchange:
    """One request and its response on one connection, as bytes on the wire."""

    __slots__ = ("conn", "method", "target", "up", "down", "head", "status", "encoding", "_buf")

    def __init__(self, conn: int, first_line: str):
        parts = first_line.split(" ")
        self.conn = conn
        self.method = parts[0] if parts else "?"
        self.target = parts[1] if len(parts) > 1 else "?"
        self.up = self.down = 0
        self.head = None            # bytes of the response's status line + headers, once seen whole
        self.status = 0
        self.encoding = "identity"
        self._buf = b""

    def received(self, data: bytes) -> None:
        self.down += len(data)
        if self.head is not None:
            return
        self._buf += data
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            return
        self.head = end + 4
        lines = self._buf[:end].decode("latin-1").split("\r\n")
        try:
            self.status = int(lines[0].split(" ")[1])
        except (IndexError, ValueError):
            self.status = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-encoding":
                self.encoding = value.strip()
        self._buf = b""

    @property
    def path(self) -> str:
        return self.target.split("?")[0]

    @property
    def body(self) -> int:
        return self.down - (self.head if self.head is not None else self.down)

    def row(self) -> dict:
        return {"method": self.method, "url": self.target, "status": self.status, "encoding": self.encoding,
                "bytes": self.down, "body": self.body, "headers": self.down - self.body, "request": self.up}


class Relay:
    """A TCP relay on 127.0.0.1 that counts every byte, per request, in a thread of its own."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.exchanges: list[Exchange] = []
        self.last_byte = time.monotonic()
        self._lock = threading.Lock()
        self._conns = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="byte-relay", daemon=True)
        self.port = 0

    # -- lifecycle
    def __enter__(self) -> Relay:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        srv = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = srv.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    # -- what the harness asks
    def mark(self) -> int:
        with self._lock:
            return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges[mark:])

    def wait_quiet(self, quiet: float = QUIET, timeout: float = TIMEOUT, page=None) -> None:
        """Until no byte has crossed for `quiet` seconds. With a page, wait through Playwright: its sync API
        delivers the browser's events (the DevTools probe's too) only while Python is inside one of its calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - self.last_byte
            if idle >= quiet:
                break
            pause = min(0.1, quiet - idle + 0.01)
            page.wait_for_timeout(pause * 1000) if page is not None else time.sleep(pause)
        if page is not None:
            page.evaluate("0")  # one more round trip: every event sent before it has been dispatched

    # -- the relay itself
    async def _handle(self, c_reader, c_writer) -> None:
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            c_writer.close()
            return
        with self._lock:
            self._conns += 1
            conn = self._conns
        state = {"current": None, "answered": True}

        async def pump(reader, writer, upstream: bool) -> None:
            try:
                while data := await reader.read(65536):
                    with self._lock:
                        self.last_byte = time.monotonic()
                        if upstream:
                            # A request begins with the first byte the client sends after a response.
                            if state["current"] is None or state["answered"]:
                                first = data.split(b"\r\n", 1)[0].decode("latin-1", "replace")
                                state["current"] = Exchange(conn, first)
                                state["answered"] = False
                                self.exchanges.append(state["current"])
                            state["current"].up += len(data)
                        elif state["current"] is not None:
                            state["current"].received(data)
                            state["answered"] = True
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    writer.close()
                except (ConnectionError, OSError):
                    pass

        await asyncio.gather(pump(c_reader, s_writer, True), pump(s_reader, c_writer, False))


# ---------------------------------------------------------------------------------------- the browser side

class PageProbe:
    """Chrome's own accounting of one page's requests (DevTools protocol on the page target)."""

    def __init__(self, context, page):
        self.urls: dict[str, str] = {}
        self.network: dict[str, int] = {}   # requestId → encodedDataLength of responses that came from the network
        self.served: dict[str, str] = {}     # requestId → "service worker" / "cache"
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda e: self.served.__setitem__(e["requestId"], "cache"))
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _response(self, event) -> None:
        response = event["response"]
        if response.get("fromServiceWorker"):
            self.served[event["requestId"]] = "service worker"
        elif response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.served[event["requestId"]] = "cache"

    def _finished(self, event) -> None:
        rid = event["requestId"]
        if rid not in self.served and self.urls.get(rid, "").startswith("http"):
            self.network[rid] = int(event["encodedDataLength"])

    def total(self) -> int:
        return sum(self.network.values())

    def network_targets(self) -> list[str]:
        """Path+query of each request the page itself got from the network (one entry per request)."""
        out = []
        for rid in self.network:
            url = self.urls[rid]
            out.append("/" + url.split("/", 3)[3] if url.count("/") >= 3 else url)
        return out


def form_token(context, path: str) -> str:
    html = context.request.get(path).text()
    match = CSRF.search(html)
    if not match:
        raise RuntimeError(f"no csrf_token on {path}")
    return match.group(1)


def sign_in(context, username: str) -> None:
    token = form_token(context, "/login")
    response = context.request.post("/login", form={"csrf_token": token, "username": username,
                                                    "password": DEMO_PASSWORD})
    if "/login" in response.url:
        raise RuntimeError(f"could not sign in as {username}")


def look_up(context, code: str, phone: str) -> str:
    token = form_token(context, "/track")
    response = context.request.post("/track", form={"csrf_token": token, "code": code, "phone_last4": phone[-4:]})
    if f"/track/{code}" not in response.url:
        raise RuntimeError(f"the lookup of {code} did not lead to its page (got {response.url})")
    return f"/track/{code}"


def tracked_complaint(db_path: str) -> tuple[str, str]:
    """(tracking code, phone) of the demo complaint with the longest timeline (then the most photos)."""
    with sqlite3.connect(db_path) as db:
        row = db.execute(
            "SELECT c.tracking_code, c.consumer_phone FROM complaint c "
            "ORDER BY (SELECT count(*) FROM complaintevent e WHERE e.complaint_id = c.id) DESC, "
            "(SELECT count(*) FROM photo p WHERE p.complaint_id = c.id) DESC, c.id LIMIT 1").fetchone()
    return row[0], row[1]


def wait_until_controlled(page) -> bool:
    """As e2e/test_offline_shell.py: the worker ready, then reload until it controls the page."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    for _ in range(5):
        if page.evaluate("!!navigator.serviceWorker.controller"):
            return True
        page.reload()
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    return False


def split(exchanges: list[Exchange], page_targets: list[str]) -> tuple[list[Exchange], list[Exchange]]:
    """The relay's exchanges as (the page's own requests, the rest: worker, browser)."""
    wanted = list(page_targets)
    mine, rest = [], []
    for ex in exchanges:
        if ex.target in wanted:
            wanted.remove(ex.target)
            mine.append(ex)
        else:
            rest.append(ex)
    return mine, rest


def total(exchanges: list[Exchange]) -> tuple[int, int]:
    return sum(e.down for e in exchanges), sum(e.body for e in exchanges)


def measure(browser, relay: Relay, base_url: str, name: str, track: tuple[str, str]) -> dict:
    label, path, account = PAGES[name]
    context = browser.new_context(base_url=base_url, service_workers="allow", **PHONE)
    context.set_default_timeout(30_000)
    try:
        if account:
            sign_in(context, account)
        if path is None:
            path = look_up(context, *track)
        relay.wait_quiet(0.3)

        # First visit: nothing cached, no worker.
        page = context.new_page()
        probe = PageProbe(context, page)
        mark = relay.mark()
        response = page.goto(path, wait_until="load")
        if response is None or response.status != 200 or response.url.rstrip("/") != base_url + path:
            raise RuntimeError(f"{path}: got {response and response.status} at {response and response.url}")
        relay.wait_quiet(page=page)
        first = relay.since(mark)
        first_page, first_worker = split(first, probe.network_targets())
        cdp_first = probe.total()

        controlled = wait_until_controlled(page)
        relay.wait_quiet(page=page)
        page.close()

        # Repeat visit: a new tab in the same context, the worker in control.
        page = context.new_page()
        probe = PageProbe(context, page)
        mark = relay.mark()
        response = page.goto(path, wait_until="load")
        from_worker = bool(response and response.from_service_worker)
        relay.wait_quiet(page=page)
        repeat = relay.since(mark)
        cdp_repeat = probe.total()
        page.close()
    finally:
        context.close()

    fp, fpb = total(first_page)
    fw, fwb = total(first_worker)
    rp, rpb = total(repeat)
    return {
        "label": label, "path": path, "account": account or "guest",
        "first": {"bytes": fp, "body": fpb, "requests": len(first_page), "cdp_bytes": cdp_first,
                  "resources": [e.row() for e in first_page]},
        "worker_install": {"bytes": fw, "body": fwb, "requests": len(first_worker),
                           "resources": [e.row() for e in first_worker]},
        "repeat": {"bytes": rp, "body": rpb, "requests": len(repeat), "cdp_bytes": cdp_repeat,
                   "controlled": controlled, "document_from_service_worker": from_worker,
                   "resources": [e.row() for e in repeat]},
        "upload": {"first": sum(e.up for e in first), "repeat": sum(e.up for e in repeat)},
    }


# ---------------------------------------------------------------------------------------- report

def verdict(value: int, budget: int) -> str:
    return "meets" if value <= budget else "misses"


def print_resources(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    if not rows:
        print("  (nothing)")
    for r in rows:
        print(f"  {r['method']:4} {r['url'][:58]:58} {r['status']:>3} {r['encoding']:8} "
              f"{r['bytes']:>7,} B  (body {r['body']:>6,}, headers {r['headers']:>4,})")


def report(results: dict, load: str) -> dict:
    view = PHONE["viewport"]
    print(f"Bytes on the wire (responses: status line + headers + compressed body), Chromium, "
          f"{view['width']}×{view['height']} phone, waitress, demo SQLite. KB = 1024 B. Load: {load}")
    print(f"\n{'page':18} {'account':10} {'first visit':>12} {'(body)':>9} {'CDP':>8} {'+ SW install':>13} "
          f"{'repeat':>8} {'(body)':>8}")
    for name, r in results.items():
        f, w, rep = r["first"], r["worker_install"], r["repeat"]
        print(f"{r['label']:18} {r['account']:10} {f['bytes']:>10,} B {f['body']:>9,} {f['cdp_bytes']:>8,} "
              f"{w['bytes']:>11,} B {rep['bytes']:>6,} B {rep['body']:>8,}")
    print("first visit: the page's own requests (the budget counts these); CDP: Chrome's count of the same "
          "(cross-check);\n+ SW install: what the service worker then fetched in the background; repeat: all that "
          "came from the network on the repeat visit.")
    budgets = {}
    if "form" in results:
        form = results["form"]
        budgets = {
            "form_first_visit": {"bytes": form["first"]["bytes"], "budget": BUDGET_FIRST,
                                 "verdict": verdict(form["first"]["bytes"], BUDGET_FIRST)},
            "form_repeat_visit": {"bytes": form["repeat"]["bytes"], "budget": BUDGET_REPEAT,
                                  "verdict": verdict(form["repeat"]["bytes"], BUDGET_REPEAT)},
        }
        print("\nBudgets (complaint form):")
        for key, title in (("form_first_visit", "first visit"), ("form_repeat_visit", "repeat visit")):
            b = budgets[key]
            print(f"  {title:13} {b['bytes']:>7,} B ({b['bytes'] / KB:5.1f} KB)  budget ≤ {b['budget'] // KB} KB"
                  f"  {b['verdict']}")
        print_resources("complaint form, first visit, by resource (the page):", form["first"]["resources"])
        print_resources("complaint form, first visit, then the service worker's install (background):",
                        form["worker_install"]["resources"])
    for name, r in results.items():
        note = "" if r["repeat"]["controlled"] else "  [the worker never took control]"
        print_resources(f"{r['label']}, repeat visit, what still came from the network:{note}",
                        r["repeat"]["resources"])
    return budgets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ",".join(PAGES))
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    args = parser.parse_args()
    names = [n.strip() for n in args.pages.split(",") if n.strip()]
    unknown = [n for n in names if n not in PAGES]
    if unknown:
        parser.error(f"unknown page(s): {', '.join(unknown)}")
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: `make system-deps` installs it")
    _compile_catalogues()  # the Chinese UI, as users get it (.mo files are git-ignored)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        db_path = f"{tmp}/demo.db"
        env = server.app_env(f"sqlite:///{db_path}", f"{tmp}/uploads", RATELIMIT_ENABLED="0")
        server.prepare(env)
        track = tracked_complaint(db_path)
        started = time.monotonic()
        with server.running(env, threads=args.threads) as (_proc, upstream), \
                Relay(int(upstream.rsplit(":", 1)[1])) as relay, sync_playwright() as pw:
            base_url = f"http://127.0.0.1:{relay.port}"
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                results = {name: measure(browser, relay, base_url, name, track) for name in names}
            finally:
                browser.close()
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        budgets = report(results, f"{load} (1/5/15 min), {os.cpu_count()} CPUs")
        print(f"\n({time.monotonic() - started:.0f} s)")
    if args.json:
        summary = {name: {"label": r["label"], "account": r["account"], "path": r["path"],
                          "first_bytes": r["first"]["bytes"], "first_body": r["first"]["body"],
                          "first_cdp_bytes": r["first"]["cdp_bytes"],
                          "worker_install_bytes": r["worker_install"]["bytes"],
                          "repeat_bytes": r["repeat"]["bytes"], "repeat_body": r["repeat"]["body"],
                          "repeat_controlled": r["repeat"]["controlled"],
                          "repeat_document_from_service_worker": r["repeat"]["document_from_service_worker"],
                          "upload_first": r["upload"]["first"], "upload_repeat": r["upload"]["repeat"],
                          "first_resources": [f"{x['method']} {x['url']} {x['status']} {x['bytes']}"
                                              for x in r["first"]["resources"]],
                          "worker_install_resources": [f"{x['method']} {x['url']} {x['status']} {x['bytes']}"
                                                       for x in r["worker_install"]["resources"]],
                          "repeat_resources": [f"{x['method']} {x['url']} {x['status']} {x['bytes']}"
                                               for x in r["repeat"]["resources"]]}
                   for name, r in results.items()}
        print(json.dumps({"bench": "page_weight", "unit": "bytes", "pages": summary, "budgets": budgets,
                          "load": os.getloadavg(), "cpus": os.cpu_count()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
