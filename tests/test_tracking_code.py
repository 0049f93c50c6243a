"""Tests for webapp.complaints.tracking: alphabet, check character, normalisation, display."""

import random

import pytest

from webapp.complaints.tracking import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    display,
    is_valid,
    new_tracking_code,
    normalize,
)

RNG = random.Random(31)


def _random_codes(count):
    for _ in range(count):
        body = "".join(RNG.choice(ALPHABET) for _ in range(CODE_LENGTH - 1))
        yield body + check_character(body)


def test_alphabet_has_no_lookalikes_and_prime_size():
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    for ch in "01OIL":
        assert ch not in ALPHABET


def test_generated_codes_valid_and_canonical():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000  # 31**9 space: a collision here would mean broken randomness
    for code in codes:
        assert len(code) == 10 and code == code.upper() and "-" not in code
        assert set(code) <= set(ALPHABET)
        assert is_valid(code)
        assert normalize(code) == code


def test_check_character_known_value():
    # Weighted sum with weights 1..10 must be 0 mod 31.
    body = "23456789A"
    code = body + check_character(body)
    assert sum(i * ALPHABET.index(c) for i, c in enumerate(code, 1)) % 31 == 0
    assert is_valid(code)


def test_every_single_substitution_detected():
    for code in _random_codes(300):
        for pos in range(CODE_LENGTH):  # includes the check character itself
            for ch in ALPHABET:
                if ch != code[pos]:
                    assert not is_valid(code[:pos] + ch + code[pos + 1:]), (code, pos, ch)


def test_every_adjacent_transposition_detected():
    for code in _random_codes(2000):
        for pos in range(CODE_LENGTH - 1):  # includes swapping last body char with check char
            a, b = code[pos], code[pos + 1]
            if a != b:
                swapped = code[:pos] + b + a + code[pos + 2:]
                assert not is_valid(swapped), (code, pos)


def _valid_code_with(pos, a, b):
    """A valid code having a, b at pos, pos+1 (found by trying every symbol at a free position)."""
    chars = list(next(_random_codes(1)))
    chars[pos], chars[pos + 1] = a, b
    free = 0 if pos > 0 else CODE_LENGTH - 1
    candidates = []
    for ch in ALPHABET:
        chars[free] = ch
        if is_valid("".join(chars)):
            candidates.append("".join(chars))
    assert len(candidates) == 1  # the check pins down exactly one symbol at any single position
    return candidates[0]


def test_adjacent_transposition_all_symbol_pairs():
    # The check is linear, so a swap's effect depends only on the position and the two symbols:
    # every position × every ordered pair of distinct symbols is an exhaustive proof.
    for pos in range(CODE_LENGTH - 1):
        for a in ALPHABET:
            for b in ALPHABET:
                if a != b:
                    code = _valid_code_with(pos, a, b)
                    swapped = code[:pos] + b + a + code[pos + 2:]
                    assert not is_valid(swapped), (code, pos)


def test_check_character_rejects_bad_body():
    for bad in ["", "0ABC", "abc", "A" * 30]:
        with pytest.raises(ValueError):
            check_character(bad)


def test_normalize_lenient_input():
    code = new_tracking_code()
    grouped = f"{code[:5]}-{code[5:]}"
    assert normalize(code.lower()) == code
    assert normalize(grouped) == code
    assert normalize(f"  {code[:3]} {code[3:7]}  {code[7:]} ") == code
    assert normalize(grouped.lower().replace("-", " - ")) == code
    # Full-width letters/digits, full-width hyphen and ideographic space from Chinese IMEs.
    full = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert normalize(full) == code
    assert normalize(full[:5] + "－" + full[5:]) == code
    assert normalize(full[:5] + "\u3000" + full[5:]) == code
    assert normalize(code[:5] + "—" + code[5:]) == code


def test_normalize_fullwidth_ab_prefix():
    body = "AB2345CDE"
    code = body + check_character(body)
    assert normalize("ＡＢ" + code[2:]) == code
    assert normalize("ａｂ" + code[2:].lower()) == code


def test_normalize_rejects():
    code = new_tracking_code()
    assert normalize(code[:-1]) is None  # too short
    assert normalize(code + "2") is None  # too long
    assert normalize("") is None
    assert normalize("   -  ") is None
    assert normalize(None) is None
    # Wrong check character.
    wrong = code[:-1] + next(c for c in ALPHABET if c != code[-1])
    assert normalize(wrong) is None
    # Look-alike characters are not silently mapped: they are rejected.
    for ch in "0O1IL":
        for pos in (0, 4, 9):
            assert normalize(code[:pos] + ch + code[pos + 1:]) is None
    # Non-ASCII junk.
    for junk in ["投诉", "é", "ß", "\u200b", "Ⅻ", "№"]:
        assert normalize(code[:5] + junk + code[5:]) is None
        assert normalize(junk + code[1:]) is None


def test_is_valid_is_strict():
    code = new_tracking_code()
    assert is_valid(code)
    assert not is_valid(code.lower()) or code.lower() == code  # digits-only codes are unaffected
    assert not is_valid(f"{code[:5]}-{code[5:]}")
    assert not is_valid(None)


def test_display():
    code = new_tracking_code()
    assert display(code) == f"{code[:5]}-{code[5:]}"
    assert display(display(code).lower()) == display(code)
    with pytest.raises(ValueError):
        display("ABCDE-FGHJ")
