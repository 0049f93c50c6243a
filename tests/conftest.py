"""Fixtures: an app per test on SQLite and (with TEST_DATABASE_URL) PostgreSQL, migrated by Alembic."""
from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image
from sqlalchemy import create_engine, make_url, text
from sqlmodel import Session, select

from webapp import create_app
from webapp.all_models import metadata
from webapp.auth.models import User
from webapp.complaints import service as complaints
from webapp.complaints.schemas import ComplaintCreate
from webapp.demo import load_reference
from webapp.demo_data import DEMO_PASSWORD
from webapp.media.storage import LocalStorage
from webapp.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PO = Path(__file__).resolve().parents[1] / "webapp/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue():
    """A fresh clone has no .mo until `make` compiles it: compile it here when missing or stale."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source))
    return mo
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database of this test run's own, built by the migrations and dropped at the end."""
    base = make_url(PG_URL)
    name = f"{base.database}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_database(request, folder: Path) -> str:
    """The URL of a migrated, empty database of the backend in request.param: a copy of the SQLite template in
    `folder`, or this run's PostgreSQL database with every table emptied."""
    if request.param == "sqlite":
        path = folder / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, migrated, empty database of each backend."""
    return empty_database(request, tmp_path)


@pytest.fixture
def app_config(db_url, tmp_path):
    """The test configuration; tests may change it before asking for `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": db_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
        yield s


@pytest.fixture
def base_data(session):
    """Districts, one user per role, categories and merchants of the demo city."""
    districts, categories, merchants = load_reference(session)
    session.commit()
    users = {u.role: u for u in session.exec(select(User))}
    return SimpleNamespace(districts=districts, categories=categories, merchants=merchants, users=users)


@pytest.fixture
def login_as(client, base_data):
    """login_as('handler') signs the test client in as the demo user with that role."""
    def _login(role: str, password: str = DEMO_PASSWORD):
        user = base_data.users[role]
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code in (200, 303), response.status_code
        return user
    return _login


def jpeg_bytes(size=(800, 600), color=(200, 30, 30), exif=None) -> bytes:
    """A small real JPEG."""
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(buf, "JPEG", quality=85, **kwargs)
    return buf.getvalue()


def complaint_form(base_data, **overrides) -> dict:
    """A valid complaint form as a browser would post it."""
    merchant = base_data.merchants[0]
    form = {
        "merchant_id": str(merchant.id),
        "merchant_name": merchant.name,
        "merchant_address": merchant.address,
        "district_id": str(merchant.district_id),
        "category_id": str(base_data.categories["food"].id),
        "problem_type": "quality",
        "purchase_date": "2026-11-01",
        "amount": "56.80",
        "description": "买到的牛奶已经过期两天,要求退款。",
        "desired_outcome": "refund",
        "consumer_name": "测试用户",
        "consumer_phone": "13912345678",
        "consent_share": "on",
    }
    form.update(overrides)
    return form


@pytest.fixture
def make_complaint(session, base_data, app):
    """Factory: file a complaint through the service and commit it."""
    def _make(photos=(), actor=None, **overrides):
        data = ComplaintCreate.model_validate(complaint_form(base_data, **overrides))
        complaint, _ = complaints.create_complaint(session, actor, data, list(photos),
                                                   LocalStorage(app.config["UPLOAD_DIR"]))
        session.commit()
        return complaint
    return _make
