"""Lighthouse mobile scores of the complaint form and the tracking page, against Debian's Chromium.

Lighthouse 12 (npm, pinned in bench/package.json; installed into bench/node_modules with `npm ci` when missing)
with its default mobile settings — form factor mobile, simulated throttling (slow 4G, 4× CPU) — and the
categories performance, accessibility and best practices, against the production server (waitress,
security/server.py) on a demo SQLite database.

  * complaint form  /complaints/new, as a guest;
  * tracking        /track/<code> of the demo complaint with the longest timeline. The page shows a complaint
                    only to whoever looked it up (the session remembers it) and Lighthouse cannot fill a form,
                    so the lookup is done here and its session cookie handed over with --extra-headers
                    (/track?code=… would only show the lookup form, prefilled).

Both with Accept-Language zh-CN, as the city's phones ask. Budgets (issue 9): performance ≥ 95, accessibility
100, best practices 100: printed as meets/misses, never an error exit. Reports: bench/.data/lighthouse/.

    python bench/lighthouse.py [--json] [--runs 1] [--pages form,tracking]

With --runs N each page is audited N times and the run with the median performance score is kept.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from e2e.conftest import CHROMIUM, _compile_catalogues  # noqa: E402
from security import server  # noqa: E402
from page_weight import tracked_complaint  # noqa: E402 - the same complaint both benchmarks look up

LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
REPORTS = BENCH / ".data" / "lighthouse"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
CATEGORIES = ("performance", "accessibility", "best-practices")
BUDGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")
PAGES = {"form": "complaint form", "tracking": "tracking"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def ensure_lighthouse() -> str:
    """bench/node_modules/.bin/lighthouse, installed from the lock file when missing or not the pinned version;
    its version."""
    pinned = json.loads((BENCH / "package.json").read_text())["dependencies"]["lighthouse"]
    installed = BENCH / "node_modules" / "lighthouse" / "package.json"
    if not LIGHTHOUSE.exists() or not installed.exists() or json.loads(installed.read_text())["version"] != pinned:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is missing: install Node.js (node ≥ 18.20 and npm) to run Lighthouse")
        print("installing lighthouse into bench/node_modules (npm ci) …", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BENCH, check=True)
    return subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def lookup_cookie(base_url: str, code: str, phone: str) -> str:
    """Look the complaint up as a guest would; the Cookie header that then shows its page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/track") as response:  # noqa: S310 - loopback
        token = CSRF.search(response.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "code": code, "phone_last4": phone[-4:]}).encode()
    with opener.open(base_url + "/track", data=form) as response:  # noqa: S310 - loopback
        if f"/track/{code}" not in response.url:
            raise RuntimeError(f"the lookup of {code} did not lead to its page (got {response.url})")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    # Check that the cookie alone shows the page (what Lighthouse will get).
    request = urllib.request.Request(f"{base_url}/track/{code}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        if response.status != 200 or response.url != f"{base_url}/track/{code}":
            raise RuntimeError(f"/track/{code} with the lookup's cookie: {response.status} at {response.url}")
    return cookie


def run_lighthouse(url: str, headers: dict[str, str], out: Path) -> dict:
    """One Lighthouse run; the parsed report (also kept at `out`)."""
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    cmd = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
           f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
           f"--chrome-flags={CHROME_FLAGS}", f"--extra-headers={json.dumps(headers)}"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return json.loads(out.read_text())


def summarize(lhr: dict) -> dict:
    """Scores ×100, key metrics, and the audits each category does not pass."""
    if lhr.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {lhr['runtimeError']}")
    audits = lhr["audits"]
    scores, failing = {}, {}
    for key in CATEGORIES:
        category = lhr["categories"][key]
        scores[key] = None if category["score"] is None else round(category["score"] * 100)
        failing[key] = []
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            if audit.get("scoreDisplayMode") in ("notApplicable", "informative", "manual", "error"):
                continue
            if audit.get("score") is not None and audit["score"] < 1:
                failing[key].append({"id": ref["id"], "title": audit["title"], "score": audit["score"],
                                     "weight": ref.get("weight", 0), "value": audit.get("displayValue", "")})
    metrics = {m: {"value": audits[m].get("numericValue"), "display": audits[m].get("displayValue", ""),
                   "score": audits[m].get("score")} for m in METRICS if m in audits}
    weight = audits.get("total-byte-weight", {}).get("numericValue")
    return {"scores": scores, "failing": failing, "metrics": metrics, "total_byte_weight": weight,
            "final_url": lhr.get("finalDisplayedUrl") or lhr.get("finalUrl"),
            "lighthouse": lhr.get("lighthouseVersion"), "warnings": lhr.get("runWarnings", [])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median performance is kept")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ",".join(PAGES))
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    args = parser.parse_args()
    names = [n.strip() for n in args.pages.split(",") if n.strip()]
    if any(n not in PAGES for n in names):
        parser.error(f"pages are among: {', '.join(PAGES)}")
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: `make system-deps` installs it")
    version = ensure_lighthouse()
    _compile_catalogues()  # the Chinese UI, as users get it (.mo files are git-ignored)
    REPORTS.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        db_path = f"{tmp}/demo.db"
        env = server.app_env(f"sqlite:///{db_path}", f"{tmp}/uploads", RATELIMIT_ENABLED="0")
        server.prepare(env)
        code, phone = tracked_complaint(db_path)
        with server.running(env, threads=args.threads) as (_proc, base_url):
            for name in names:
                headers = {"Accept-Language": "zh-CN"}
                if name == "form":
                    url = base_url + "/complaints/new"
                else:
                    url = f"{base_url}/track/{code}"
                    headers["Cookie"] = lookup_cookie(base_url, code, phone)
                runs = []
                for i in range(args.runs):
                    out = REPORTS / (f"{name}.report.json" if args.runs == 1 else f"{name}.run{i + 1}.report.json")
                    runs.append((summarize(run_lighthouse(url, headers, out)), out))
                runs.sort(key=lambda r: r[0]["scores"]["performance"] or 0)
                summary, out = runs[len(runs) // 2]
                if args.runs > 1:
                    shutil.copyfile(out, REPORTS / f"{name}.report.json")
                summary["path"] = url[len(base_url):]
                summary["performance_runs"] = [r[0]["scores"]["performance"] for r in runs]
                if summary["final_url"] and not summary["final_url"].startswith(url):
                    summary["warnings"].append(f"ended at {summary['final_url']}, not {url}")
                results[name] = summary
    elapsed = time.monotonic() - started
    load = os.getloadavg()

    verdicts = {}
    print(f"Lighthouse {version}, mobile (simulated slow 4G, 4× CPU), {CHROMIUM}; load {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} (1/5/15 min), {os.cpu_count()} CPUs; runs per page: {args.runs}")
    print(f"\n{'page':16} {'performance':>12} {'accessibility':>14} {'best practices':>15}   budgets ≥95 / 100 / 100")
    for name, r in results.items():
        s = r["scores"]
        verdicts[name] = {k: ("meets" if s[k] is not None and s[k] >= BUDGETS[k] else "misses") for k in CATEGORIES}
        cells = [f"{s[k]} {verdicts[name][k]}" for k in CATEGORIES]
        print(f"{PAGES[name]:16} {cells[0]:>12} {cells[1]:>14} {cells[2]:>15}")
    for name, r in results.items():
        m = r["metrics"]
        print(f"\n{PAGES[name]} ({r['path'].split('/track/')[0] or r['path']}): "
              + ", ".join(f"{k.replace('-', ' ')} {v['display']}" for k, v in m.items())
              + (f", total byte weight {r['total_byte_weight'] / 1024:.1f} KiB" if r["total_byte_weight"] else ""))
        if args.runs > 1:
            print(f"  performance over {args.runs} runs: {r['performance_runs']}")
        for key in CATEGORIES:
            for audit in r["failing"][key]:
                if audit["weight"]:
                    print(f"  {key}: {audit['title']} (score {audit['score']:.2f}"
                          + (f", {audit['value']}" if audit["value"] else "") + ")")
        flagged = [f"{a['title']}" + (f" ({a['value']})" if a["value"] else "")
                   for key in CATEGORIES for a in r["failing"][key] if not a["weight"]]
        if flagged:
            print(f"  flagged, not in the scores (weight 0): {'; '.join(flagged)}")
        for warning in r["warnings"]:
            print(f"  warning: {warning}")
    print(f"\nreports in {REPORTS.relative_to(BENCH.parent)}/  ({elapsed:.0f} s)")
    if args.json:
        print(json.dumps({"bench": "lighthouse", "lighthouse": version, "runs": args.runs,
                          "budgets": BUDGETS, "verdicts": verdicts,
                          "pages": {name: {"path": r["path"], "scores": r["scores"],
                                           "performance_runs": r["performance_runs"],
                                           "metrics": {k: v["value"] for k, v in r["metrics"].items()},
                                           "total_byte_weight": r["total_byte_weight"],
                                           "failing": {k: [a["title"] for a in v if a["weight"]]
                                                       for k, v in r["failing"].items()},
                                           "flagged": [a["title"] for v in r["failing"].values() for a in v
                                                       if not a["weight"]]}
                                    for name, r in results.items()},
                          "load": load, "cpus": os.cpu_count()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
