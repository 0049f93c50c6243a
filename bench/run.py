"""`make bench`: run every benchmark of bench/ and print one table of figures against the budgets (issue 9).

    .venv/bin/python bench/run.py [--only photo,weight,lighthouse,sync,throughput,dashboard] [--write BENCHMARKS.md]

Each benchmark runs as its own process with --json and prints its own detailed tables (kept in bench/.data/logs/);
its last line is a JSON object, from which this table is made. A benchmark never fails on a figure: a budget
missed says "misses". With --write, the table and the machine it ran on replace the part of BENCHMARKS.md
between the "bench:begin" and "bench:end" markers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DATA = BENCH / ".data"
PY = sys.executable
KB = 1024

# name: (script, arguments)
BENCHES = {
    "photo": ("photo_pipeline.py", []),
    "weight": ("page_weight.py", []),
    "lighthouse": ("lighthouse.py", []),
    "sync": ("sync_inspections.py", []),
    "throughput": ("throughput.py", ["--engines", "sqlite,postgresql"]),
    "dashboard": ("dashboard.py", []),
}


def run(name: str) -> dict | None:
    """Run one benchmark; its JSON figures, or None (with its log's tail printed) when it failed."""
    script, extra = BENCHES[name]
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    started = time.monotonic()
    print(f"== {name}: bench/{script} {' '.join(extra)} …", flush=True)
    with log.open("w") as out:
        result = subprocess.run([PY, str(BENCH / script), *extra, "--json"], stdout=subprocess.PIPE,
                                stderr=out, text=True, cwd=BENCH.parent)
        out.write(result.stdout)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    print(f"   {time.monotonic() - started:.0f} s, log in {log.relative_to(BENCH.parent)}", flush=True)
    if result.returncode != 0 or not lines or not lines[-1].startswith("{"):
        print(f"   FAILED ({result.returncode}):\n" + "\n".join(log.read_text().splitlines()[-20:]), flush=True)
        return None
    return json.loads(lines[-1])


def verdict(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def rows_for(name: str, data: dict) -> list[tuple[str, str, str, str]]:
    """(measure, figure, budget, verdict) rows of one benchmark's JSON."""
    rows = []
    if name == "photo":
        rows.append((f"photo pipeline, {data['megapixels']:.0f} MP JPEG ({data['file_mb']:.1f} MB)",
                     f"{data['ours_ms']:.0f} ms (naive {data['naive_ms']:.0f} ms, {data['ratio']:.1f}× faster; "
                     f"one thread {data['one_thread_ms']:.0f} ms)", "≤ 100 ms and ≥ 3×",
                     verdict(data["ours_ms"] <= 100 and data["ratio"] >= 3)))
    elif name == "weight":
        for key, page in data["pages"].items():
            budget = key == "form"
            rows.append((f"page weight, {page['label']}, first visit", f"{page['first_bytes'] / KB:.1f} KB",
                         "≤ 40 KB" if budget else "", verdict(page["first_bytes"] <= 40 * KB) if budget else ""))
            rows.append((f"page weight, {page['label']}, repeat visit", f"{page['repeat_bytes'] / KB:.1f} KB",
                         "≤ 2 KB" if budget else "", verdict(page["repeat_bytes"] <= 2 * KB) if budget else ""))
    elif name == "lighthouse":
        for key, page in data["pages"].items():
            scores = page["scores"]
            ok = (scores["performance"] >= 95 and scores["accessibility"] == 100
                  and scores["best-practices"] == 100)
            rows.append((f"Lighthouse mobile, {key} ({page['path'].split('?')[0]})",
                         f"performance {scores['performance']}, accessibility {scores['accessibility']}, "
                         f"best practices {scores['best-practices']}", "≥ 95 / 100 / 100", verdict(ok)))
    elif name == "sync":
        rows.append((f"sync {data['records']} queued inspections × {data['photos_each']} photos "
                     f"({data['upload_mb']} MB)",
                     f"{data['first_s']:.1f} s ({data['ms_per_record']} ms a record); replay {data['replay_s']:.1f} s; "
                     f"duplicates {data['duplicates']}", "0 duplicates", verdict(data["duplicates"] == 0)))
    elif name == "throughput":
        budgets = data["budgets"]
        for engine, result in data["engines"].items():
            if "rows" not in result:
                rows.append((f"throughput on {engine}", result.get("skipped", "not run"), "", ""))
                continue
            for row in result["rows"]:
                app, floor = row["app"], row["floor"]
                rows.append((f"{row['label']}, {engine}, {data['config']['connections']} clients",
                             f"{app['rps']:.0f} req/s, p50 {app['p50_ms']:.0f} ms, p99 {app['p99_ms']:.0f} ms, "
                             f"errors {app['errors']}; floor {floor['rps']:.0f} req/s → {row['ratio']:.1%}",
                             f"≥ {budgets['ratio']:.0%} of floor, p99 ≤ {budgets['p99_ms']:.0f} ms",
                             verdict(row["ratio_meets"] and row["p99_meets"] and app["errors"] == 0)))
    elif name == "dashboard":
        for row in data["rows"]:
            budget = row["case"].startswith(("GET /reports,", "GET /reports/summary,"))
            rows.append((f"{row['case']}, {row['engine']}, {data['complaints']:,} complaints",
                         f"{row['median_ms']:.0f} ms (max {row['max_ms']:.0f})", "≤ 300 ms" if budget else "",
                         verdict(row["median_ms"] <= 300) if budget else ""))
    return rows


def machine() -> str:
    """One line about the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20
    except (OSError, AttributeError):
        mem = 0
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip() or "no psql"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {pg}; load average at the end {load}")


def table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| measure | figure | budget | |", "|---|---|---|---|"]
    lines += [f"| {m} | {f} | {b} | {v} |" for m, f, b, v in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated: " + ",".join(BENCHES))
    parser.add_argument("--write", metavar="FILE", help="replace the figures between the markers in FILE")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    started = datetime.now(timezone.utc)
    rows, failed = [], []
    for name in names:
        data = run(name)
        if data is None:
            failed.append(name)
            rows.append((f"bench/{BENCHES[name][0]}", "FAILED (see its log)", "", ""))
            continue
        rows.extend(rows_for(name, data))
    text = (f"Measured {started:%Y-%m-%d %H:%M} UTC on {machine()}.\n\n{table(rows)}\n")
    print("\n" + text)
    if args.write:
        path = Path(args.write)
        doc = path.read_text()
        begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
        if begin not in doc or end not in doc:
            print(f"{path}: no {begin} … {end} markers; not written", file=sys.stderr)
            return 1
        head, rest = doc.split(begin, 1)
        path.write_text(f"{head}{begin}\n{text}{end}{rest.split(end, 1)[1]}")
        print(f"figures written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
