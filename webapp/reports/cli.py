"""flask reports …: generate data at volume, rebuild the day tables."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

reports_cli = AppGroup("reports", help="Reports: generate data at volume, rebuild the day tables.")


@reports_cli.command("generate")
@click.option("--complaints", default=10_000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--districts", default=12, show_default=True, type=click.IntRange(1, 13))
@click.option("--seed", default=2026, show_default=True, type=int)
def generate_command(complaints: int, years: int, districts: int, seed: int) -> None:
    """Add realistic complaints, inspections and events (run `flask demo` first for the reference data)."""
    from webapp.reports.generate import generate

    started = time.perf_counter()
    with Session(current_app.extensions["db_engine"]) as session:
        try:
            out = generate(session, complaints, years=years, districts=districts, seed=seed)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"{out} in {time.perf_counter() - started:.1f} s")


@reports_cli.command("rebuild")
def rebuild_command() -> None:
    """Fill in working days to conclusion where missing, then recompute every day table."""
    from webapp.complaints.models import Complaint
    from webapp.complaints.states import CONCLUSIONS
    from webapp.complaints.workflow import settle
    from webapp.reports import rollup

    with Session(current_app.extensions["db_engine"]) as session:
        missing = session.exec(select(Complaint).where(Complaint.result.in_(CONCLUSIONS),
                                                       Complaint.close_workdays.is_(None))).all()
        for complaint in missing:
            settle(complaint, complaint.result)
        session.flush()
        rollup.rebuild(session)
        session.commit()
    click.echo(f"day tables rebuilt ({len(missing)} conclusions completed)")
