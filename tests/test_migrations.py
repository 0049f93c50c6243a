"""Alembic owns the schema: `upgrade head` must produce exactly what the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from webapp.all_models import metadata


def test_upgrade_head_matches_models(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run alembic revision --autogenerate: {diff}"
