"""Online backups of the database and the photo store, and their restore.

A backup is two files side by side: the database (SQLite: a page-for-page copy made with sqlite3's online backup
API, consistent while the app keeps writing; PostgreSQL: `pg_dump -Fc`) and `<stem>.photos.tar`, the photo store
(UPLOAD_DIR). The database is copied first: photos are written before the row that names them is committed and are
never changed afterwards, so every photo the copied database refers to is already on disk when the tar is made.

The PostgreSQL password never appears on a command line: the child gets it in PGPASSWORD.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PHOTOS_SUFFIX = ".photos.tar"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class BackupResult:
    database: Path
    database_bytes: int
    photos: Path
    photos_bytes: int
    photo_files: int
    seconds: float


@dataclass
class RestoreResult:
    database: str
    photo_files: int
    seconds: float


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path:
    """The file of a sqlite:/// URL (in-memory databases cannot be backed up)."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing on disk to back up or restore")
    return Path(database)


def photos_path(database_backup: Path) -> Path:
    """Where the photo store's tar of a database backup lives: next to it, <stem>.photos.tar."""
    return database_backup.with_name(database_backup.stem + PHOTOS_SUFFIX)


def default_path(instance_dir: str | Path, database_url: str, now: datetime | None = None) -> Path:
    """instance/backups/xiaobao-<UTC timestamp>.sqlite3 (or .pgdump)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if is_sqlite(database_url) else ".pgdump"
    return Path(instance_dir) / "backups" / f"xiaobao-{stamp}{suffix}"


def kind_of(path: Path) -> str:
    """'sqlite', 'pgdump' or 'unknown', from the file's first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    return "unknown"


# --- PostgreSQL tools -------------------------------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    """The child's environment: connection settings (and the password) in PG* variables, never in argv."""
    env = dict(os.environ)
    for key in ("PGPASSWORD", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGOPTIONS"):
        env.pop(key, None)
    env.update({"PGHOST": url.host or "localhost", "PGPORT": str(url.port or 5432), "PGDATABASE": url.database or ""})
    if url.username:
        env["PGUSER"] = url.username
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode if isinstance(sslmode, str) else sslmode[0]
    return env


def server_major(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000
    finally:
        engine.dispose()


def pg_tool(name: str, major: int | None) -> str:
    """pg_dump / pg_restore: the server's own version's when installed, else the one on PATH."""
    if major is not None:
        candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)  # noqa: S603 - fixed argv, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed (exit {result.returncode}):\n{result.stderr.strip()}")


# --- the photo store --------------------------------------------------------------------------------------------


def _tar_photos(upload_dir: Path, target: Path) -> int:
    """Tar the photo store's files (relative names; temp files of uploads in flight and links left out)."""
    count = 0
    with tarfile.open(target, "w") as tar:
        if upload_dir.is_dir():
            for root, dirs, files in os.walk(upload_dir):
                dirs.sort()
                for name in sorted(files):
                    path = Path(root) / name
                    if name.startswith(".tmp-") or path.is_symlink() or not path.is_file():
                        continue
                    try:
                        tar.add(path, arcname=path.relative_to(upload_dir).as_posix(), recursive=False)
                    except FileNotFoundError:  # removed while we walked: it was not in use
                        continue
                    count += 1
    return count


def _check_members(tar: tarfile.TarFile) -> int:
    """Refuse an archive with anything but plain relative files and folders; return the number of files."""
    files = 0
    for member in tar.getmembers():
        name = member.name
        parts = Path(name).parts
        if name.startswith(("/", "\\")) or os.path.isabs(name) or ".." in parts:
            raise BackupError(f"the photo archive has an unsafe path {name!r}: not restored")
        if member.issym() or member.islnk():
            raise BackupError(f"the photo archive has a link {name!r}: not restored")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"the photo archive has a special file {name!r}: not restored")
        files += member.isfile()
    return files


def _extract_photos(archive: Path, target: Path) -> int:
    try:
        with tarfile.open(archive, "r:") as tar:
            files = _check_members(tar)
            tar.extractall(target, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a photo archive made by `flask backup create`: {exc}") from None
    return files


def _swap_in(new: Path, upload_dir: Path) -> None:
    """Put the extracted store in place of the current one (renames on one file system)."""
    old = None
    if upload_dir.exists():
        new.chmod(stat.S_IMODE(upload_dir.stat().st_mode))  # mkdtemp made it private
        old = upload_dir.with_name(f"{upload_dir.name}.before-restore-{os.getpid()}")
        os.replace(upload_dir, old)
    os.replace(new, upload_dir)
    if old is not None:
        shutil.rmtree(old)


# --- backup -----------------------------------------------------------------------------------------------------


def create_backup(database_url: str, upload_dir: str | Path, target: Path) -> BackupResult:
    """Back up the database to `target` and the photo store to photos_path(target)."""
    started = time.monotonic()
    target = Path(target)
    # Backups hold every consumer's name and phone number: readable by the operator only.
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # private before anything is in it
    try:
        if is_sqlite(database_url):
            _sqlite_backup(sqlite_path(database_url), tmp)
        else:
            url = make_url(database_url)
            argv = [pg_tool("pg_dump", server_major(database_url)), "--format=custom", "--no-password",
                    f"--file={tmp}"]
            _run(argv, _pg_env(url))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    photos = photos_path(target)
    tmp_tar = photos.with_name(f".{photos.name}.partial")
    tmp_tar.unlink(missing_ok=True)
    os.close(os.open(tmp_tar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        count = _tar_photos(Path(upload_dir), tmp_tar)
        os.replace(tmp_tar, photos)
    finally:
        tmp_tar.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, photos, photos.stat().st_size, count,
                        time.monotonic() - started)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"the database {source} does not exist")
    # The whole copy in one step runs inside one read transaction: a consistent snapshot, while writers go on (WAL).
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # The copy is a standalone file: no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} failed its integrity check")
    finally:
        dst.close()
        src.close()


# --- restore ----------------------------------------------------------------------------------------------------


def has_data(database_url: str, upload_dir: str | Path) -> bool:
    """Whether the target holds anything a restore would overwrite: a row in any table but alembic_version, or
    a photo."""
    if Path(upload_dir).is_dir() and any(p.is_file() for p in Path(upload_dir).rglob("*")):
        return True
    if is_sqlite(database_url) and not sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            preparer = engine.dialect.identifier_preparer
            # Table names come from the database's own catalogue, quoted.
            return any(conn.execute(text(f"SELECT 1 FROM {preparer.quote(t)} LIMIT 1")).first()  # nosec B608
                       for t in tables)
    finally:
        engine.dispose()


def check_restorable(database_url: str, source: Path) -> Path:
    """The backup's photo archive, after checking the backup matches the target's kind; BackupError otherwise."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    kind = kind_of(source)
    want = "sqlite" if is_sqlite(database_url) else "pgdump"
    if kind == "unknown":
        raise BackupError(f"{source} is not a backup made by `flask backup create` "
                          "(neither a SQLite database nor a pg_dump custom-format archive)")
    if kind != want:
        made = "SQLite" if kind == "sqlite" else "PostgreSQL"
        target = "SQLite" if want == "sqlite" else "PostgreSQL"
        raise BackupError(f"{source} is a {made} backup and DATABASE_URL is a {target} database: "
                          "restore it into a database of the same kind")
    photos = photos_path(source)
    if not photos.is_file():
        raise BackupError(f"the photo archive {photos} is missing: a complaint without its photos is not restored")
    return photos


def restore_backup(database_url: str, upload_dir: str | Path, source: Path) -> RestoreResult:
    """Replace the database and the photo store with the backup's. The photos are unpacked (and checked) first,
    then the database is restored (PostgreSQL: in one transaction), then the new photo store is put in place."""
    started = time.monotonic()
    source = Path(source)
    photos = check_restorable(database_url, source)
    upload_dir = Path(upload_dir).resolve()
    upload_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{upload_dir.name}.restore-", dir=upload_dir.parent))
    try:
        count = _extract_photos(photos, staging)
        if is_sqlite(database_url):
            _sqlite_restore(source, sqlite_path(database_url))
            where = str(sqlite_path(database_url))
        else:
            url = make_url(database_url)
            argv = [pg_tool("pg_restore", server_major(database_url)), "--clean", "--if-exists", "--no-owner",
                    "--single-transaction", "--exit-on-error", "--no-password", f"--dbname={url.database}",
                    str(source)]
            _run(argv, _pg_env(url))
            where = f"{url.database} on {url.host or 'localhost'}"
        _swap_in(staging, upload_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(where, count, time.monotonic() - started)


def _sqlite_restore(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{source} is damaged (integrity check failed): not restored")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            # Page for page into the live file, under its write lock: readers see the old or the new database.
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} could not be restored: {exc}") from None
    finally:
        src.close()


def human(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"

