"""统一社会信用代码 (unified social credit code, GB 32100-2015): normalising and checking.

18 characters from a 31-character alphabet (no I, O, Z, S, V):

    1     registration department (9 = market regulation, 5 = civil affairs, 1 = government ...)
    2     organisation type under that department
    3–8   administrative division (GB/T 2260, six digits)
    9–17  the organisation code (GB 11714): eight characters and its own check character
    18    the check character over positions 1–17

Both check characters are enforced. Real codes checked while writing this (the GB 32100 example
91350100M000100Y43, codes of large companies, a 个体工商户 code 92141127MA0KD1Y64A, a 事业单位 code
12440600MB2C07549J) satisfy both. The one known exception: some codes issued in Xiamen before the
standard was final (e.g. 91350203M0001QKT19, hutool issue #4119) fail the final check; they are refused
like any mistyped code, and staff can leave the field empty for such a merchant.
"""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)   # 3^i mod 31
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

# GB/T 2260 provinces, plus 10 (national authorities, 100000) and 99 (990000, seen in the wild).
PROVINCES = frozenset(
    "10 99 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split())

# Spaces and dashes people type or copy from a licence ("9135 0100 M000 100Y 43", "91350100-M000100Y4-3").
_DROP = dict.fromkeys(map(ord, " \t\r\n-_\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2212\uff0d"))


def normalize(raw: str | None) -> str:
    """Upper-case, full-width to half-width (NFKC), without spaces and dashes; '' for None."""
    if not raw:
        return ""
    return unicodedata.normalize("NFKC", raw).translate(_DROP).upper()


def check_character(first17: str) -> str:
    """The 18th character for these 17 (already normalised, all in the alphabet)."""
    if len(first17) != LENGTH - 1 or any(c not in VALUES for c in first17):
        raise ValueError("check_character needs 17 characters of the code alphabet")
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_character(first8: str) -> str:
    """GB 11714's check character for an organisation code's first eight characters (A = 10 ... Z = 35)."""
    if len(first8) != 8 or not all(c.isdigit() or "A" <= c <= "Z" for c in first8):
        raise ValueError("org_check_character needs 8 digits or capital letters")
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def problem(raw: str | None) -> str | None:
    """What is wrong with the code, or None: "length", "characters", "division", "check" or "org_check".

    The first failing check in that order is reported; a typing mistake anywhere in the first 17 characters
    always shows as "check", so "org_check" only means a code whose position 17 was made up.
    """
    code = normalize(raw)
    if len(code) != LENGTH:
        return "length"
    if any(c not in VALUES for c in code):
        return "characters"
    division = code[2:8]
    if not division.isdigit() or division[:2] not in PROVINCES:
        return "division"
    if check_character(code[:17]) != code[17]:
        return "check"
    if org_check_character(code[8:16]) != code[16]:
        return "org_check"
    return None


def is_valid(raw: str | None) -> bool:
    """True for a well-formed code whose check characters both match."""
    return problem(raw) is None


def messages() -> dict[str, str]:
    """The message shown beside the field for each problem code, in the current language."""
    return {
        "length": _("A unified social credit code has 18 characters."),
        "characters": _("The code uses only digits and capital letters other than I, O, Z, S and V."),
        "division": _("Characters 3 to 8 must be the six-digit administrative division code."),
        "org_check": _("Character 17 does not match the organisation code: please check the code on "
                       "the business licence."),
        "check": _("The last character does not match: please check the code on the business licence."),
    }
