"""flask commands: migrate, demo data, create-user."""
from __future__ import annotations

import click
from flask import Flask, current_app
from sqlmodel import Session

from webapp.auth import service as auth_service
from webapp.auth.models import ROLES
from webapp.forms import FieldErrors


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    from webapp.backup.cli import backup_cli
    from webapp.media.cli import media_cli
    from webapp.reports.cli import reports_cli

    app.cli.add_command(reports_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(backup_cli)

    @app.cli.command("migrate")
    def migrate() -> None:
        """Apply the Alembic migrations (alembic upgrade head)."""
        from webapp.migrate import upgrade

        upgrade(current_app.config["DATABASE_URL"])
        click.echo("database is at the latest schema")

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo city (safe to run again: nothing is duplicated)."""
        from webapp.demo import load_demo

        with Session(current_app.extensions["db_engine"]) as session:
            summary = load_demo(session, current_app.config["UPLOAD_DIR"])
            session.commit()
        click.echo(summary)
        from webapp.demo_data import DEMO_PASSWORD, USERS

        click.echo(f"demo accounts (password for all: {DEMO_PASSWORD}):")
        from webapp.outreach.demo import VOLUNTEERS

        for username, name, role, district, _phone in USERS:
            where = district or ("" if role == "consumer" else "city level")
            click.echo(f"  {role:<11} {username:<12} {name}  {where}")
        for username, name, district in VOLUNTEERS:
            click.echo(f"  {'volunteer':<11} {username:<12} {name}  {district}")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--district", "district_id", type=int, default=None, help="district id; omit for city level")
    @click.password_option()
    def create_user(username, display_name, role, district_id, password) -> None:
        """Create an account (staff are never self-registered)."""
        with Session(current_app.extensions["db_engine"]) as session:
            try:
                user = auth_service.create_user(session, None, username=username.lower(),
                                                display_name=display_name, role=role,
                                                password=password, district_id=district_id)
            except FieldErrors as exc:
                raise click.ClickException(f"not created: {exc.errors}") from None
            session.commit()
            click.echo(f"created {user.username} ({user.role})")
