"""The supervisor's dashboard and work summary at scale: a year of the whole city over 1,000,000 complaints, on
SQLite and PostgreSQL. Target: under 300 ms (issues 7 and 9).

Builds (once, then reuses) a database per engine with the demo reference data plus `flask reports generate`
data: N complaints over five years in 12 districts, inspections (N/6) and outreach events (N/100) in
proportion. Then times, each as the median of several runs after a warm-up:
  * figures.build — every figure of the dashboard, from the day tables and the covering index;
  * GET /reports — the whole page as a supervisor gets it (figures, SVG charts, template);
  * GET /reports/summary and /reports/summary.docx — the year's work summary, as a page and as a Word file;
  * the same after 500 complaints changed, so the read also recomputes their days and months (the refresh
    cost): a day of handling (complaints received in the last 60 days) and, as the worst case, changes
    spread over the whole year.

    python bench/dashboard.py [--complaints 1000000] [--engines sqlite,postgresql] [--runs 7]

PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL's server (as `make test` sets it up), database
xiaobao_bench_<N>. Data is kept in bench/.data (SQLite) and in that database between runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.auth.models import District  # noqa: E402
from webapp.complaints.models import Complaint  # noqa: E402
from webapp.complaints.schemas import SHANGHAI  # noqa: E402
from webapp.demo import load_reference  # noqa: E402
from webapp.demo_data import DEMO_PASSWORD  # noqa: E402
from webapp.migrate import upgrade  # noqa: E402
from webapp.reports import figures  # noqa: E402
from webapp.reports.generate import GENERATED, generate  # noqa: E402
from webapp.reports.models import ComplaintDayCategory, ComplaintDayStat  # noqa: E402
from webapp.reports.period import Period  # noqa: E402

DATA = Path(__file__).resolve().parent / ".data"
TODAY = datetime.now(SHANGHAI).date()


def sqlite_url(n: int) -> str:
    DATA.mkdir(exist_ok=True)
    return f"sqlite:///{DATA / f'dashboard-{n}.sqlite'}"


def postgres_url(n: int) -> str | None:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    url = make_url(base)
    name = f"xiaobao_bench_{n}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def ensure_data(url: str, n: int) -> str:
    """Migrate and fill the database unless it already holds the N generated complaints."""
    upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        have = session.exec(select(func.count(Complaint.id)).where(Complaint.description == GENERATED)).one()[0]
        if have >= n:
            engine.dispose()
            return f"reused {have:,} generated complaints"
        started = time.perf_counter()
        load_reference(session)
        out = generate(session, n - have, years=5, districts=12, seed=7 + have, today=TODAY)
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return f"{out} in {time.perf_counter() - started:.0f} s"


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def bench_engine(name: str, url: str, n: int, runs: int) -> list[tuple]:
    print(f"[{name}] {ensure_data(url, n)}", flush=True)
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    engine = app.extensions["db_engine"]
    year = TODAY.year - 1
    with Session(engine) as session:
        total = session.exec(select(func.count(Complaint.id))).one()[0]
        in_year = session.exec(select(func.count(Complaint.id)).where(
            Complaint.received_on >= date(year, 1, 1), Complaint.received_on <= date(year, 12, 31))).one()[0]
        stat_rows = session.exec(select(func.count()).select_from(ComplaintDayStat)).one()[0]
        cat_rows = session.exec(select(func.count()).select_from(ComplaintDayCategory)).one()[0]
        district = session.exec(text("SELECT id FROM district ORDER BY id LIMIT 1")).first()[0]
    print(f"[{name}] {total:,} complaints, {in_year:,} received in {year}; day tables: {stat_rows:,} "
          f"(day, district) rows, {cat_rows:,} (day, district, category) rows", flush=True)

    def build(period: Period, district_id=None):
        def run():
            with Session(engine) as session:
                d = session.get(District, district_id) if district_id else None
                figures.build(session, period, d)
                session.commit()
        return run

    client = app.test_client()
    client.post("/login", data={"username": "supervisor", "password": DEMO_PASSWORD})

    def page(query: str, path: str = "/reports"):
        def run():
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200, response.status_code
            response.get_data()
        return run

    rows = []
    cases = [(f"figures, city, year {year}", build(Period.year(year))),
             (f"figures, one district, year {year}", build(Period.year(year), district)),
             (f"figures, city, Q1 {year}", build(Period.quarter(year, 1))),
             (f"figures, city, {TODAY.year} so far", build(Period("custom", date(TODAY.year, 1, 1), TODAY))),
             (f"GET /reports, city, year {year}", page(f"period=year&year={year}")),
             (f"GET /reports/summary, city, year {year}", page(f"period=year&year={year}", "/reports/summary")),
             (f"GET /reports/summary.docx, city, year {year}",
              page(f"period=year&year={year}", "/reports/summary.docx"))]
    for label, fn in cases:
        median, worst = timed(fn, runs)
        rows.append((name, label, median, worst))
        print(f"[{name}] {label}: median {median:.0f} ms, max {worst:.0f} ms", flush=True)

    def touched_then_page(since: date, until: date, how_many: int):
        """Change complaints received from `since` to `until` (a rating each), then time the page."""
        with Session(engine) as session:
            ids = [i[0] for i in session.exec(select(Complaint.id).where(
                Complaint.received_on >= since, Complaint.received_on <= until)
                .order_by(Complaint.id).limit(how_many)).all()]
            for complaint in session.exec(select(Complaint).where(Complaint.id.in_(ids))).scalars():
                complaint.satisfaction = 5 if complaint.satisfaction != 5 else 4
            session.commit()
        started = time.perf_counter()
        page(f"period=year&year={year}")()
        return (time.perf_counter() - started) * 1000

    for label, since, until in (
            ("GET /reports after 500 changes (last 60 days)", TODAY - timedelta(days=60), TODAY),
            (f"GET /reports after 500 changes (all of {year})", date(year, 1, 1), date(year, 12, 31))):
        times = [touched_then_page(since, until, 500) for _ in range(3)]
        rows.append((name, label, statistics.median(times), max(times)))
        print(f"[{name}] {label}: median {statistics.median(times):.0f} ms", flush=True)
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line at the end")
    args = parser.parse_args()
    results = []
    for name in args.engines.split(","):
        url = sqlite_url(args.complaints) if name == "sqlite" else postgres_url(args.complaints)
        if url is None:
            print(f"[{name}] skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL", flush=True)
            continue
        results += bench_engine(name, url, args.complaints, args.runs)
    print(f"\nDashboard at {args.complaints:,} complaints (target: under 300 ms)")
    print(f"{'engine':<11} {'case':<46} {'median':>8} {'max':>8}")
    for name, label, median, worst in results:
        print(f"{name:<11} {label:<46} {median:>6.0f}ms {worst:>6.0f}ms")
    if args.json:
        import json

        print(json.dumps({"bench": "dashboard", "complaints": args.complaints,
                          "rows": [{"engine": e, "case": c, "median_ms": round(m, 1), "max_ms": round(w, 1)}
                                   for e, c, m, w in results]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
