"""The production server (waitress) in a child process, on a database of its own, for the attack and fault tools.

Used by the pytest files in security/ and by the scripts there (sqlmap_scan.py, load.py). The server is started the
way `make run` starts it (`waitress-serve --call webapp:create_app`), configured through the environment only.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, upload_dir: str | Path, **extra: str) -> dict[str, str]:
    """The environment of a server (or a `flask` command) on this database and photo store."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(upload_dir),
        "SECRET_KEY": env.get("SECRET_KEY", "security-tests-secret"),
        "FLASK_APP": "webapp",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `flask --app webapp <args>` with this environment; raise with its output when it fails."""
    result = subprocess.run([str(VENV_BIN / "flask"), "--app", "webapp", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def prepare(env: dict[str, str], demo: bool = True) -> None:
    """Migrate the database and (by default) load the demo city into it."""
    flask(env, "migrate")
    if demo:
        flask(env, "demo")


def create_database(base_url: str, name: str, template: str | None = None) -> str:
    """(Re)create the PostgreSQL database `name` on base_url's server, empty or a copy of `template`; its URL.

    The role of TEST_DATABASE_URL has CREATEDB (tools/test-db.sh). A fresh connection each time: a fault test may
    just have restarted the server."""
    from sqlalchemy import make_url, text

    admin = _maintenance_engine(base_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    finally:
        admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str, attempts: int = 15) -> None:
    """Drop the PostgreSQL database `name` on base_url's server, closing whatever still uses it.

    After a restart an autovacuum worker may be analysing the database: it belongs to no role of ours, so
    PostgreSQL refuses to terminate it (InsufficientPrivilege, 42501) until it is done, a moment later."""
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    admin = _maintenance_engine(base_url)
    try:
        for attempt in range(attempts):
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except ProgrammingError as exc:
                if getattr(exc.orig, "sqlstate", None) != "42501" or attempt == attempts - 1:
                    raise
                time.sleep(1)
    finally:
        admin.dispose()


def _maintenance_engine(base_url: str):
    # Connected to "postgres", not to base_url's database: that one may be the template being copied.
    from sqlalchemy import create_engine, make_url

    return create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def wait_until_up(base_url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Poll the home page until the server answers (or fail with what it printed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base_url + "/offline", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {base_url} did not answer within {timeout:.0f} s")


def start(env: dict[str, str], port: int | None = None, threads: int = 8, log: Path | None = None,
          connection_limit: int = 500) -> tuple[subprocess.Popen, str]:
    """Start waitress on 127.0.0.1:<port> in a new process group; return (process, base_url) once it answers.

    The connection limit is the one `make run` uses: waitress's default of 100 (its listening socket included)
    leaves the 100th phone on a keep-alive connection waiting in the backlog."""
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [str(VENV_BIN / "waitress-serve"), "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
         "--connection-limit", str(connection_limit), "--call", "webapp:create_app"],
        env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, proc)
    except BaseException:
        stop(proc)
        raise
    return proc, base_url


def kill9(proc: subprocess.Popen) -> None:
    """SIGKILL the server and everything in its process group: no cleanup, no flush, like a power cut."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def stop(proc: subprocess.Popen) -> None:
    """Stop the server politely (SIGTERM), then firmly."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        kill9(proc)


@contextmanager
def running(env: dict[str, str], **kwargs):
    """`with running(env) as (proc, base_url): …` — the server is stopped on the way out."""
    proc, base_url = start(env, **kwargs)
    try:
        yield proc, base_url
    finally:
        stop(proc)
