"""flask backup create / restore: what comes back is identical to what was backed up, rows and photo bytes."""
from __future__ import annotations

import io
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from conftest import complaint_form, jpeg_bytes
from webapp.backup import service
from webapp.complaints.models import Complaint
from webapp.demo import load_demo
from webapp.media.photos import process_photo


def _photo(color=(10, 120, 200)):
    return process_photo(io.BytesIO(jpeg_bytes(color=color)), max_bytes=10 * 2**20, max_pixels=50_000_000)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, ordered by primary key (alembic_version included)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            quote = engine.dialect.identifier_preparer.quote
            tables = {}
            for table in sorted(insp.get_table_names()):
                columns = [c["name"] for c in insp.get_columns(table)]
                order = insp.get_pk_constraint(table)["constrained_columns"] or columns
                sql = (f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
                       f"ORDER BY {', '.join(quote(c) for c in order)}")
                tables[table] = [tuple(row) for row in conn.execute(text(sql))]
            return tables
    finally:
        engine.dispose()


def files(folder: str | Path) -> dict[str, bytes]:
    root = Path(folder)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _backup_name(db_url: str, tmp_path: Path) -> Path:
    return tmp_path / "backups" / ("b.sqlite3" if db_url.startswith("sqlite") else "b.pgdump")


def _release(app, session) -> None:
    # The test's own session must not hold locks the restore (DROP TABLE on PostgreSQL) has to take.
    session.close()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def demo_city(app, session, db_url):
    """The demo city: complaints with photos, inspections, outreach events, generated history."""
    load_demo(session, app.config["UPLOAD_DIR"])
    session.commit()
    return db_url


def test_round_trip_restores_every_row_and_photo_byte(app, session, demo_city, make_complaint, tmp_path):
    db_url, uploads = demo_city, app.config["UPLOAD_DIR"]
    before, photos_before = snapshot(db_url), files(uploads)
    assert sum(map(len, before.values())) > 1000 and len(photos_before) > 5  # the demo really is there
    assert before["alembic_version"]
    runner = app.test_cli_runner()
    target = _backup_name(db_url, tmp_path)

    made = runner.invoke(args=["backup", "create", "--to", str(target)])
    assert made.exit_code == 0, made.output
    assert f"database: {target}" in made.output and f"{len(photos_before)} files" in made.output
    assert service.photos_path(target).is_file()
    # Personal data: only the operator may read a backup.
    assert not (target.stat().st_mode | service.photos_path(target).stat().st_mode) & 0o077

    # Change, add and delete things: rows, a photo file, a stray file.
    complaint = session.get(Complaint, before["complaint"][0][0])
    complaint.description = "changed after the backup"
    session.add(complaint)
    session.execute(text("DELETE FROM auditlog"))
    session.commit()
    make_complaint(photos=[_photo((250, 250, 0))])
    gone = sorted(photos_before)[0]
    (Path(uploads) / gone).unlink()
    (Path(uploads) / "stray.txt").write_text("not in the backup")
    changed = snapshot(db_url)
    assert changed != before
    _release(app, session)

    refused = runner.invoke(args=["backup", "restore", str(target)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert snapshot(db_url) == changed  # nothing touched

    restored = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = snapshot(db_url)
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    assert files(uploads) == photos_before

    # The restored database takes new complaints (sequences restored on PostgreSQL).
    with Session(app.extensions["db_engine"]) as fresh:
        assert fresh.get(Complaint, complaint.id).description != "changed after the backup"
    assert make_complaint().id > max(row[0] for row in before["complaint"])


def test_refuses_a_file_of_the_wrong_kind(app, db_url, tmp_path):
    runner = app.test_cli_runner()
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("hello")
    result = runner.invoke(args=["backup", "restore", str(text_file), "--yes"])
    assert result.exit_code == 1 and "is not a backup made by" in result.output

    other = tmp_path / "other.bak"
    if db_url.startswith("sqlite"):
        other.write_bytes(service.PGDUMP_MAGIC + b"\x01\x0e\x00" * 10)
        expected = "is a PostgreSQL backup and DATABASE_URL is a SQLite database"
    else:
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
        expected = "is a SQLite backup and DATABASE_URL is a PostgreSQL database"
    result = runner.invoke(args=["backup", "restore", str(other), "--yes"])
    assert result.exit_code == 1 and expected in result.output


def _evil_tar(path: Path, kind: str) -> None:
    with tarfile.open(path, "w") as tar:
        member = tarfile.TarInfo({"dotdot": "../evil.txt", "absolute": "/tmp/evil.txt", "link": "ab/link"}[kind])
        if kind == "link":
            member.type, member.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(member)
        else:
            member.size = 4
            tar.addfile(member, io.BytesIO(b"evil"))


def test_refuses_a_photo_archive_with_unsafe_members(app, session, base_data, make_complaint, db_url, tmp_path):
    make_complaint(photos=[_photo()])
    runner = app.test_cli_runner()
    target = _backup_name(db_url, tmp_path)
    assert runner.invoke(args=["backup", "create", "--to", str(target)]).exit_code == 0
    make_complaint()
    _release(app, session)
    before, photos_before = snapshot(db_url), files(app.config["UPLOAD_DIR"])
    for kind in ("dotdot", "absolute", "link"):
        _evil_tar(service.photos_path(target), kind)
        result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
        assert result.exit_code == 1 and "not restored" in result.output, kind
        assert snapshot(db_url) == before and files(app.config["UPLOAD_DIR"]) == photos_before, kind
        assert not (Path(app.config["UPLOAD_DIR"]).parent / "evil.txt").exists(), kind


def test_refuses_without_the_photo_archive(app, session, base_data, db_url, tmp_path):
    runner = app.test_cli_runner()
    target = _backup_name(db_url, tmp_path)
    assert runner.invoke(args=["backup", "create", "--to", str(target)]).exit_code == 0
    service.photos_path(target).unlink()
    _release(app, session)
    result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 1 and "photo archive" in result.output and "is missing" in result.output


def test_default_name_is_a_utc_timestamp_under_instance_backups(app, db_url):
    path = service.default_path(app.instance_path, db_url)
    assert path.parent == Path(app.instance_path) / "backups"
    assert path.name.startswith("xiaobao-") and path.stem.endswith("Z")
    assert path.suffix == (".sqlite3" if db_url.startswith("sqlite") else ".pgdump")


def test_pg_password_never_on_the_command_line(monkeypatch, tmp_path):
    seen = {}

    def fake_run(argv, env, **_kwargs):
        seen.update(argv=argv, env=env)
        Path(next(a for a in argv if a.startswith("--file=")).removeprefix("--file=")).write_bytes(b"PGDMP")
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    monkeypatch.setattr(service.subprocess, "run", fake_run)
    monkeypatch.setattr(service, "server_major", lambda _url: 15)
    url = "postgresql+psycopg://someone:s3cret-pw@db.example:6543/xiaobao"
    service.create_backup(url, tmp_path / "uploads", tmp_path / "b.pgdump")
    assert not any("s3cret-pw" in arg for arg in seen["argv"])
    assert seen["env"]["PGPASSWORD"] == "s3cret-pw"
    assert (seen["env"]["PGHOST"], seen["env"]["PGPORT"], seen["env"]["PGUSER"]) == ("db.example", "6543", "someone")
    assert seen["env"]["PGDATABASE"] == "xiaobao"


@pytest.fixture
def sqlite_only(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the online backup API is SQLite's; pg_dump takes a snapshot by itself")


def test_sqlite_backup_while_another_thread_writes_is_consistent(sqlite_only, app, base_data, db_url, tmp_path):
    from webapp.complaints import service as complaints
    from webapp.complaints.schemas import ComplaintCreate
    from webapp.media.storage import LocalStorage

    stop, written, failures = threading.Event(), [], []
    photo = _photo()

    def writer():
        try:
            with Session(app.extensions["db_engine"], expire_on_commit=False) as s:
                while not stop.is_set():
                    data = ComplaintCreate.model_validate(complaint_form(base_data))
                    complaints.create_complaint(s, None, data, [photo], LocalStorage(app.config["UPLOAD_DIR"]))
                    s.commit()
                    written.append(1)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3 and thread.is_alive():
            threading.Event().wait(0.02)
        backups = [service.create_backup(db_url, app.config["UPLOAD_DIR"], tmp_path / f"b{i}.sqlite3")
                   for i in range(3)]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failures, failures  # the writer was never blocked out ("database is locked")
    for result in backups:
        conn = sqlite3.connect(result.database)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        complaints_n = conn.execute("SELECT count(*) FROM complaint").fetchone()[0]
        # Each filing is one transaction: its complaint, its 'submitted' event, its audit row and its photo row.
        assert complaints_n >= 3
        assert conn.execute("SELECT count(DISTINCT complaint_id) FROM complaintevent "
                            "WHERE kind = 'submitted'").fetchone()[0] == complaints_n
        assert conn.execute("SELECT count(*) FROM auditlog WHERE action = 'complaint.create'").fetchone()[0] \
            == complaints_n
        keys = {k for row in conn.execute("SELECT display_key, thumb_key FROM photo") for k in row}
        assert conn.execute("SELECT count(*) FROM photo").fetchone()[0] == complaints_n
        conn.close()
        with tarfile.open(result.photos) as tar:
            assert keys <= set(tar.getnames())  # every photo the copied rows name is in the archive
