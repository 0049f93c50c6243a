"""Settings from the environment: every knob an operator turns is an environment variable."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


def from_env() -> dict:
    """The app's configuration as read from the environment at start."""
    return {
        "SECRET_KEY": _secret_key(),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'xiaobao.db'}"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads")),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Photos: the phone downscales to ~2048 px before upload, so 15 MB per file is generous.
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", 15 * 1024 * 1024)),
        "PHOTO_MAX_PIXELS": int(os.environ.get("PHOTO_MAX_PIXELS", 50_000_000)),
        "PHOTO_MAX_COUNT": 9,
        # Whole request: nine photos at the per-file limit plus the text fields.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 140 * 1024 * 1024)),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Reverse proxies in front of the app (nginx: 1). Only then are X-Forwarded-For/-Proto believed, so rate
        # limits count each phone, not the proxy; with 0 a client cannot spoof its address through the header.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "FORCE_HTTPS": _bool("FORCE_HTTPS", False),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # A consumer may take a while to fill the form at the counter; tokens are still bound to the session.
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("WTF_CSRF_TIME_LIMIT", 24 * 3600)),
        "WTF_CSRF_SSL_STRICT": _bool("FORCE_HTTPS", False),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "webapp" / "translations"),
        # Every text response is compressed (pages, fragments, JSON); weak phones on weak networks. Brotli 5 where
        # the browser takes it (our pages come out ~12 % smaller than with gzip -6, for ~30 µs more), else gzip -6.
        # Static files are compressed once, at the best level, by webapp/assets.py.
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["gzip"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/javascript", "text/javascript",
                               "application/json", "application/manifest+json", "image/svg+xml"],
        # Notifications: e-mail through SMTP when SMTP_HOST is set; otherwise they are written to the log.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "SMTP_SENDER": os.environ.get("SMTP_SENDER", "noreply@xiaobao.local"),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"),
        "CITY_NAME": os.environ.get("CITY_NAME", "示范市"),
        # 群体投诉: this many complaints about one merchant and category within the window are flagged.
        "COLLECTIVE_THRESHOLD": int(os.environ.get("COLLECTIVE_THRESHOLD", 5)),
        "COLLECTIVE_WINDOW_DAYS": int(os.environ.get("COLLECTIVE_WINDOW_DAYS", 30)),
    }
