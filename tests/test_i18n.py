"""The Chinese catalogue: complete, in sync with the source, placeholders intact, and really rendered."""
from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "webapp" / "translations"
PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _read_po(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _msgid(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture(scope="module")
def catalog():
    return _read_po(PO)


def extract_msgids(tmp_path: Path) -> set[str]:
    """The msgids the source holds now, extracted exactly as tools/i18n.sh does."""
    pot = tmp_path / "messages.pot"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        CommandLineInterface().run([
            "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
            "--no-location", "-o", str(pot), str(ROOT),
        ])
    return {_msgid(m) for m in _read_po(pot) if m.id}


def test_catalogue_is_chinese_with_one_plural_form(catalog):
    assert str(catalog.locale) == "zh_Hans_CN"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    untranslated = [_msgid(m) for m in catalog if m.id and not all(s.strip() for s in _strings(m.string))]
    fuzzy = [_msgid(m) for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated msgids in {PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy msgids in {PO.name}: {fuzzy}"


def test_catalogue_covers_every_string_in_the_source(catalog, tmp_path):
    in_po = {_msgid(m) for m in catalog if m.id}
    missing = sorted(extract_msgids(tmp_path) - in_po)
    assert not missing, f"run tools/i18n.sh and translate these new msgids: {missing}"


def test_placeholders_survive_translation(catalog):
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in _strings(m.id)))
        for s in _strings(m.string):
            if set(PLACEHOLDER.findall(s)) != wanted:
                wrong.append((_msgid(m), s))
    assert not wrong, wrong


def test_home_is_chinese_by_default_and_english_on_request(client, base_data):
    zh = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in zh
    assert "我要投诉" in zh and "查询投诉进度" in zh
    assert "File a complaint" not in zh

    response = client.get("/?lang=en")
    en = response.get_data(as_text=True)
    assert '<html lang="en"' in en
    assert "File a complaint" in en and "我要投诉" not in en
    assert "lang=en" in response.headers.get("Set-Cookie", "")

    remembered = client.get("/").get_data(as_text=True)
    assert "File a complaint" in remembered and "我要投诉" not in remembered

    back = client.get("/?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in back and "我要投诉" in back
    assert "我要投诉" in client.get("/").get_data(as_text=True)


def test_complaint_form_labels_are_translated(client, base_data):
    zh = client.get("/complaints/new").get_data(as_text=True)
    assert "质量问题" in zh and "Quality problem" not in zh  # problem type, a lazy string
    assert "退货退款" in zh  # desired outcome
    assert "食品" in zh  # category, stored in both languages
    assert "投诉哪家商家\uff1f" in zh

    en = client.get("/complaints/new?lang=en").get_data(as_text=True)
    assert "Quality problem" in en and "Return and refund" in en and "Food" in en
    assert "质量问题" not in en


def test_error_page_in_both_languages(client, base_data):
    zh = client.get("/no-such-page")
    assert zh.status_code == 404
    body = zh.get_data(as_text=True)
    assert "未找到" in body and "此页面不存在" in body and "返回首页" in body

    en = client.get("/no-such-page?lang=en")
    assert en.status_code == 404
    body = en.get_data(as_text=True)
    assert "Not found" in body and "Back to the home page" in body and "返回首页" not in body


def test_manifest_is_valid_json_in_chinese(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["short_name"] == "消保通"
    assert manifest["lang"] == "zh-Hans"
