"""flask media …: housekeeping of the photo store."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session

media_cli = AppGroup("media", help="Housekeeping of the photo store.")


def _size(n: int) -> str:
    return f"{n} bytes ({n / 2**20:.1f} MB)"


@media_cli.command("cleanup")
@click.option("--delete", "remove", is_flag=True, help="Remove what is found (without it: only list it).")
@click.option("--grace-minutes", type=click.IntRange(min=0), default=60, show_default=True,
              help="Leave files younger than this alone (uploads still in flight).")
@click.option("--verbose", "-v", is_flag=True, help="List every file found.")
def cleanup_command(remove: bool, grace_minutes: int, verbose: bool) -> None:
    """Find photo files no record points at (left by a crash during an upload) and, with --delete, remove them."""
    from webapp.media.cleanup import cleanup

    upload_dir = current_app.config["UPLOAD_DIR"]
    with Session(current_app.extensions["db_engine"]) as session:
        report = cleanup(session, upload_dir, grace_seconds=grace_minutes * 60, remove=remove)
    click.echo(f"photo store {upload_dir}")
    click.echo(f"  referenced files:        {report.referenced}")
    click.echo(f"  orphaned files:          {len(report.orphans)}")
    click.echo(f"  interrupted writes:      {len(report.leftovers)}")
    click.echo(f"  total to remove:         {len(report.candidates)}, {_size(report.candidate_bytes)}")
    click.echo(f"  younger than {grace_minutes} min (kept): {report.young}")
    if verbose:
        for candidate in report.candidates:
            click.echo(f"    {candidate.kind:<6} {candidate.size:>10}  {candidate.name}")
    if report.foreign:
        click.echo(f"  not storage keys (left alone, please check): {len(report.foreign)}")
        for name in report.foreign[:50]:
            click.echo(f"    {name}")
        if len(report.foreign) > 50:
            click.echo(f"    … and {len(report.foreign) - 50} more")
    if remove:
        click.echo(f"removed {len(report.deleted)} files, {_size(report.deleted_bytes)}"
                   + (f"; kept {report.kept_on_recheck} referenced or refreshed since the scan"
                      if report.kept_on_recheck else ""))
    elif report.candidates:
        click.echo("dry run: nothing removed (add --delete to remove them)")
