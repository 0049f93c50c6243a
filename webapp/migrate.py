"""Run Alembic from Python: the app never calls create_all, Alembic owns the schema."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from webapp.config import ROOT


def alembic_config(database_url: str) -> Config:
    """Alembic's config pointed at `database_url`."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`, creating the SQLite folder if needed."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)
