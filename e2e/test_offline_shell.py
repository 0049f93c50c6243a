"""The app shell opens with no network once visited, and the Chinese UI renders real glyphs."""
from __future__ import annotations

import re

import pytest

from e2e.conftest import TRANSLATIONS

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def wait_until_controlled(page) -> None:
    """Wait for the service worker to be active, then reload until it controls this page."""
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    for _ in range(5):
        if page.evaluate("!!navigator.serviceWorker.controller"):
            return
        page.reload()
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    pytest.fail("the service worker never took control of the page")


def test_shell_pages_open_offline_and_others_show_the_offline_page(context, page):
    page.goto("/")
    wait_until_controlled(page)
    page.goto("/complaints/new")
    page.locator("form#complaint-form").wait_for()
    page.goto("/offline")
    offline_heading = page.locator("main h1").inner_text()

    context.set_offline(True)
    try:
        assert page.evaluate("navigator.onLine") is False

        response = page.goto("/")
        assert response is not None and response.from_service_worker
        assert page.locator("a[href='/complaints/new']").count() >= 1
        assert page.locator("a[href='/track']").count() >= 1

        page.goto("/complaints/new")
        form = page.locator("form#complaint-form")
        form.wait_for()
        for field in ("#merchant_name", "#description", "#photos", "#consumer_phone"):
            assert page.locator(field).count() == 1, field
        # The cached styles and scripts came along: the steps are boxed and htmx is loaded.
        assert page.locator("fieldset.step").first.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
        page.wait_for_function("() => typeof window.htmx === 'object'")

        # A page never visited (and not precached) gets the offline page, not the browser's error.
        # This is also the proof that the service worker's own fetches are offline here.
        page.goto("/login")
        assert page.locator("main h1").inner_text() == offline_heading
        assert page.locator("main a[href='/complaints/new']").count() == 1
        assert page.locator("input[name=password]").count() == 0
    finally:
        context.set_offline(False)


def _msgstr(msgid: str) -> str:
    from babel.messages.pofile import read_po

    with ZH_PO.open("rb") as fh:
        message = read_po(fh).get(msgid)
    assert message is not None and message.string, f"{msgid!r} is not translated in {ZH_PO}"
    return message.string


# Why not document.fonts.check('16px "Noto Sans CJK SC"', '中文')? It only looks at @font-face
# fonts; for a locally installed (or missing!) family it returns true, so it proves nothing.
#
# Two independent checks instead, each of which fails when fonts-noto-cjk is not installed:
# 1. Chromium's DevTools reports which platform fonts it really used for the heading's text
#    (CSS.getPlatformFontsForNode). Without Noto CJK the glyphs would come from another font
#    (the first of the stack draws its .notdef box), so no "Noto Sans/Serif CJK" family appears.
# 2. A canvas draws two different ideographs in the heading's computed font. With no font that
#    has them, both become the same .notdef box (or nothing), so their pixels are identical or
#    blank; with real glyphs they are both inked and differ from each other and from the box
#    drawn for an unassigned code point.
GLYPHS_JS = """(font) => {
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = font.replace(/^(.*?)(\\d+(\\.\\d+)?px)/, '$1 40px');
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(text, 8, 8);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let inked = 0; const alpha = [];
    for (let i = 3; i < data.length; i += 4) { alpha.push(data[i]); if (data[i] > 0) inked++; }
    return {inked, sig: alpha.join(',')};
  };
  const a = draw('中'), b = draw('国'), missing = draw('\\u0378');
  return {inkedA: a.inked, inkedB: b.inked, differ: a.sig !== b.sig,
          differFromMissing: a.sig !== missing.sig && b.sig !== missing.sig};
}"""


def test_chinese_home_renders_real_glyphs(context, page, screenshot_dir):
    if not ZH_PO.exists():
        pytest.fail(f"{ZH_PO} is missing: the Chinese catalogue is the default UI language")
    page.goto("/?lang=zh")
    page.evaluate("async () => { await document.fonts.ready; }")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    heading = page.locator("main h1")
    assert heading.inner_text().strip() == _msgstr("Had a bad purchase?")
    assert page.locator("a[href='/complaints/new']").first.inner_text().strip() == _msgstr("File a complaint")
    assert page.locator("a[href='/track']").first.inner_text().strip() == _msgstr("Track my complaint")
    text = page.locator("body").inner_text()
    assert len(CJK.findall(text)) > 50, "the home page should be in Chinese"

    # 1. The platform fonts Chromium actually used for the heading.
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "main h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cjk_glyphs = sum(f["glyphCount"] for f in fonts if re.search(r"Noto (Sans|Serif) CJK", f["familyName"]))
    assert cjk_glyphs >= len(CJK.findall(heading.inner_text())), fonts

    # 2. The ideographs are drawn as distinct, inked shapes, not identical boxes.
    glyphs = page.evaluate(GLYPHS_JS, heading.evaluate("e => getComputedStyle(e).font"))
    assert glyphs["inkedA"] > 20 and glyphs["inkedB"] > 20, glyphs
    assert glyphs["differ"] and glyphs["differFromMissing"], glyphs

    page.screenshot(path=str(screenshot_dir / "home-zh-360.png"), full_page=True)
