"""Orphaned photo files: written to the store before the request's transaction committed, never referenced.

A photo's files are saved (content-addressed) before the row that points at them is committed, so a crash, a
kill -9 or a failed commit in between leaves files that no Photo row references, and an interrupted write leaves a
`.tmp-*` file. This module finds both, older than a grace period so that an upload still in flight is never
touched, and removes them only when asked. It never follows a symlink, never leaves the store, never touches a
file whose name is not a storage key (those are reported), and re-checks the references just before deleting.
"""
from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import union
from sqlmodel import Session, select

from webapp.media.models import Photo
from webapp.media.storage import validate_key

DEFAULT_GRACE_SECONDS = 3600
_FANOUT_RE = re.compile(r"[0-9a-f]{2}")
# LocalStorage.save writes through tempfile.mkstemp(dir=<fan-out dir>, prefix=".tmp-", suffix=".jpg").
_TMP_RE = re.compile(r"\.tmp-[A-Za-z0-9_]+\.[a-z0-9]{1,8}")


@dataclass
class Candidate:
    """A file that may be removed: its key (or path relative to the store), kind and size."""

    name: str
    kind: str  # "orphan" (a storage key no row references) or "tmp" (an interrupted write)
    size: int


@dataclass
class CleanupReport:
    """What a scan of the store found (and, after `delete`, what was removed)."""

    referenced: int = 0           # files some Photo row points at (kept)
    young: int = 0                # unreferenced or tmp files younger than the grace period (kept)
    candidates: list[Candidate] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)   # not storage keys, symlinks, …: reported, never touched
    deleted: list[Candidate] = field(default_factory=list)
    kept_on_recheck: int = 0      # referenced or refreshed between the scan and the deletion

    @property
    def orphans(self) -> list[Candidate]:
        return [c for c in self.candidates if c.kind == "orphan"]

    @property
    def leftovers(self) -> list[Candidate]:
        return [c for c in self.candidates if c.kind == "tmp"]

    @property
    def candidate_bytes(self) -> int:
        return sum(c.size for c in self.candidates)

    @property
    def deleted_bytes(self) -> int:
        return sum(c.size for c in self.deleted)


def referenced_keys(session: Session) -> set[str]:
    """Every storage key some Photo row points at (display or thumbnail)."""
    query = union(select(Photo.display_key), select(Photo.thumb_key))
    return {row[0] for row in session.execute(query)}


def _walk(root: Path):
    """Yield (relative name, lstat) for every entry below root, without following symlinks."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            path = here / name
            if path.is_symlink():  # os.walk lists a symlink to a directory as a directory
                dirnames.remove(name)
                filenames.append(name)
        for name in filenames:
            path = here / name
            try:
                st = path.lstat()
            except FileNotFoundError:  # removed while we walked
                continue
            yield path.relative_to(root).as_posix(), st


def _classify(name: str, st: os.stat_result) -> str:
    """'key', 'tmp' or 'foreign' for an entry of the store."""
    if not stat.S_ISREG(st.st_mode):
        return "foreign"  # symlinks, sockets, …: never ours, never followed
    parts = name.split("/")
    if len(parts) == 3 and all(_FANOUT_RE.fullmatch(p) for p in parts[:2]) and _TMP_RE.fullmatch(parts[2]):
        return "tmp"
    try:
        validate_key(name)
    except ValueError:
        return "foreign"
    return "key"


def scan(session: Session, upload_dir: str | Path, grace_seconds: float = DEFAULT_GRACE_SECONDS,
         now: float | None = None) -> CleanupReport:
    """Find unreferenced storage keys and `.tmp-*` leftovers older than the grace period; change nothing."""
    root = Path(upload_dir)
    report = CleanupReport()
    if not root.is_dir():
        return report
    root = root.resolve()
    now = time.time() if now is None else now
    keys = referenced_keys(session)
    for name, st in _walk(root):
        kind = _classify(name, st)
        if kind == "foreign":
            report.foreign.append(name)
        elif kind == "key" and name in keys:
            report.referenced += 1
        elif now - st.st_mtime < grace_seconds:
            report.young += 1
        else:
            report.candidates.append(Candidate(name, "orphan" if kind == "key" else "tmp", st.st_size))
    report.foreign.sort()
    report.candidates.sort(key=lambda c: c.name)
    return report


def delete(session: Session, upload_dir: str | Path, report: CleanupReport,
           grace_seconds: float = DEFAULT_GRACE_SECONDS, now: float | None = None) -> CleanupReport:
    """Remove the report's candidates that are still unreferenced, still old and still plain files."""
    root = Path(upload_dir).resolve()
    now = time.time() if now is None else now
    session.rollback()  # a fresh snapshot: rows committed since the scan count as references
    keys = referenced_keys(session)
    for candidate in report.candidates:
        path = root / candidate.name
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if (candidate.name in keys or not stat.S_ISREG(st.st_mode) or now - st.st_mtime < grace_seconds
                or not path.parent.resolve().is_relative_to(root)):
            report.kept_on_recheck += 1
            continue
        path.unlink(missing_ok=True)
        report.deleted.append(candidate)
    return report


def cleanup(session: Session, upload_dir: str | Path, *, grace_seconds: float = DEFAULT_GRACE_SECONDS,
            remove: bool = False, now: float | None = None) -> CleanupReport:
    """Scan the store; with remove=True also delete what was found. Dry run by default."""
    report = scan(session, upload_dir, grace_seconds, now)
    if remove and report.candidates:
        delete(session, upload_dir, report, grace_seconds, now)
    return report
