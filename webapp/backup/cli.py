"""flask backup …: online backups and restores of the database."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.backup import service

backup_cli = AppGroup("backup", help="Online backup and restore of the database.")


def _release_app_connections() -> None:
    # The command's own pooled connections must not hold locks a restore has to take.
    current_app.extensions["db_engine"].dispose()


@backup_cli.command("create")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the database backup's file (the photos go next to it as <stem>.photos.tar); "
                   "default instance/backups/xiaobao-<UTC time>.sqlite3 or .pgdump")
def create(target: Path | None) -> None:
    """Back up the database (online: the app may keep running) and the photo store."""
    url = current_app.config["DATABASE_URL"]
    target = target or service.default_path(current_app.instance_path, url)
    try:
        result = service.create_backup(url, current_app.config["UPLOAD_DIR"], target)
    except (service.BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database: {result.database} ({service.human(result.database_bytes)})")
    click.echo(f"photos:   {result.photos} ({result.photo_files} files, {service.human(result.photos_bytes)})")
    click.echo(f"backup done in {result.seconds:.2f} s")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace a database (and photo store) that already holds data")
def restore(source: Path, yes: bool) -> None:
    """Replace the database and the photo store with a backup made by `flask backup create`.

    Stop the server first: a restore replaces every table.
    """
    url = current_app.config["DATABASE_URL"]
    upload_dir = current_app.config["UPLOAD_DIR"]
    _release_app_connections()
    try:
        service.check_restorable(url, source)
        if not yes and service.has_data(url, upload_dir):
            raise click.ClickException("the database or the photo store already holds data: a restore replaces "
                                       "all of it. Run again with --yes to go ahead.")
        result = service.restore_backup(url, upload_dir, source)
    except (service.BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        _release_app_connections()
    click.echo(f"database: restored {result.database} from {source}")
    click.echo(f"photos:   {result.photo_files} files restored into {Path(upload_dir)}")
    click.echo(f"restore done in {result.seconds:.2f} s")
