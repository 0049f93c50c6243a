"""Complaint tracking codes (投诉单号): short, phone-friendly, with a mod-31 check character."""

from __future__ import annotations

import secrets
import unicodedata

# No 0/O, 1/I/L: these are confused when read aloud or copied by elderly consumers.
# 31 symbols is prime, so a weighted mod-31 check catches every single substitution and
# every adjacent transposition (see check_character).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)
BODY_LENGTH = 9
CODE_LENGTH = BODY_LENGTH + 1
GROUP = 5

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}

# Separators people type or paste: ASCII/Unicode hyphens and dashes (NFKC leaves most of
# these alone) plus any whitespace, incl. the ideographic space from Chinese IMEs.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63")

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "check_character",
    "display",
    "is_valid",
    "new_tracking_code",
    "normalize",
]

assert BASE == 31 and CODE_LENGTH < BASE  # weights 1..CODE_LENGTH must stay distinct and nonzero mod 31


def _weighted_sum(chars: str) -> int:
    # Position i (1-based) has weight i. For a prime modulus p and distinct nonzero weights:
    #  - substitution a→b at i changes the sum by i·(b−a) ≢ 0 (i, b−a both nonzero mod p);
    #  - swapping a,b at i,i+1 changes it by (i−(i+1))·(b−a) = a−b ≢ 0 when a ≠ b.
    return sum(i * _VALUE[ch] for i, ch in enumerate(chars, start=1))


def check_character(body: str) -> str:
    """Return the check character making the weighted sum of body+check ≡ 0 (mod 31)."""
    # Weights must stay below 31 to remain distinct and nonzero, so the body is at most 29 long.
    if not body or len(body) + 1 >= BASE or any(ch not in _VALUE for ch in body):
        raise ValueError(f"invalid tracking-code body: {body!r}")
    weight = len(body) + 1
    # Solve weight·c ≡ −sum (mod 31); pow(weight, -1, 31) exists because 31 is prime.
    c = (-_weighted_sum(body) * pow(weight, -1, BASE)) % BASE
    return ALPHABET[c]


def new_tracking_code() -> str:
    """Return a fresh canonical code: 9 random symbols + 1 check character, no hyphen."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def is_valid(code: str) -> bool:
    """True if `code` is in canonical form (10 uppercase symbols) with a correct check."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return False
    if any(ch not in _VALUE for ch in code):
        return False
    return _weighted_sum(code) % BASE == 0


def normalize(raw: str) -> str | None:
    """Return the canonical code for user input (any case, spaces, hyphens, full-width), else None."""
    if not isinstance(raw, str):
        return None
    # NFKC folds full-width letters/digits ("ＡＢ３") and the ideographic space to ASCII.
    text = unicodedata.normalize("NFKC", raw).upper()
    code = "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES)
    return code if is_valid(code) else None


def display(code: str) -> str:
    """Return the code grouped for reading aloud, e.g. "ABCDE-FGHJK"; ValueError if invalid."""
    canonical = normalize(code)
    if canonical is None:
        raise ValueError(f"invalid tracking code: {code!r}")
    return f"{canonical[:GROUP]}-{canonical[GROUP:]}"
