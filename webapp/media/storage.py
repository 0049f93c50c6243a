"""Content-addressed local disk storage for processed media (never under static/)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_SUFFIX_RE = re.compile(r"\.[a-z0-9]{1,8}")
# Keys are exactly "ab/cd/<sha256><suffix>"; anything else is refused before touching disk.
_KEY_RE = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.[a-z0-9]{1,8}")


def make_key(sha256: str, suffix: str = ".jpg") -> str:
    """Return the relative storage key for a SHA-256 hex digest and suffix."""
    if not _SHA256_RE.fullmatch(sha256):
        raise ValueError("sha256 must be 64 lowercase hex characters")
    if not _SUFFIX_RE.fullmatch(suffix):
        raise ValueError("suffix must look like '.jpg'")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def validate_key(key: str) -> str:
    """Return `key` if it is a well-formed storage key, else raise ValueError."""
    m = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
    # The fan-out directories must match the digest, so a key has exactly one spelling.
    if not m or m.group(1) != m.group(3)[:2] or m.group(2) != m.group(3)[2:4]:
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class LocalStorage:
    """Files stored as root/ab/cd/<sha256><suffix>, written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """Return the absolute path for a validated key."""
        p = self.root / validate_key(key)
        # Belt and braces: the regex already excludes '..' and absolute paths.
        if not p.resolve().is_relative_to(self.root):
            raise ValueError(f"invalid storage key: {key!r}")
        return p

    def save(self, data: bytes, sha256: str, suffix: str = ".jpg") -> str:
        """Store `data` under its digest (no-op if present) and return the key."""
        if hashlib.sha256(data).hexdigest() != sha256:
            # A mismatched digest would silently break content addressing.
            raise ValueError("sha256 does not match data")
        key = make_key(sha256, suffix)
        final = self.path(key)
        if final.exists():
            # Touch it: an old orphan taken over by this upload must look young to `flask media cleanup`
            # until the row that references it is committed.
            os.utime(final)
            return key
        final.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory so os.replace is an atomic rename;
        # readers never see a half-written file even if two uploads race.
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-", suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return key

    def open(self, key: str) -> bytes:
        """Return the stored bytes for `key` (FileNotFoundError if absent)."""
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        """Return whether `key` is stored; malformed keys raise ValueError."""
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove `key` if present; callers must ensure nothing else references it."""
        self.path(key).unlink(missing_ok=True)
