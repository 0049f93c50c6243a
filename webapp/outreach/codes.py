"""Short random codes for QR links and invitations, from the tracking codes' look-alike-free alphabet."""
from __future__ import annotations

import secrets

from sqlmodel import Session, select

from webapp.complaints.tracking import ALPHABET

CODE_LENGTH = 8  # 31^8 ≈ 8.5e11: not guessable by walking through them


def new_code(session: Session, column, length: int = CODE_LENGTH) -> str:
    """A random code not yet used in `column` (e.g. OutreachEvent.public_code)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if session.exec(select(column).where(column == code)).first() is None:
            return code


def normalize(raw: str | None) -> str:
    """What a person typed or a link carried, upper-cased, spaces and dashes dropped; "" if not a code."""
    code = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return code if 4 <= len(code) <= 10 and all(ch in ALPHABET for ch in code) else ""
