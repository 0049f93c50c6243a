"""A supervisor writes a consumer warning on a phone and publishes it; an anonymous phone reads it.
A script typed into the Markdown is refused with a clear message, and one quoted as code is shown, never run."""
from __future__ import annotations

import uuid

from sqlmodel import select

from e2e.test_outbox import sign_in
from webapp.public.models import Warning

BAD_BODY = """## 小心“免费体检”

<script>window.__pwned = 1</script>
<img src="x" onerror="window.__pwned = 2">
"""
GOOD_BODY = """## 小心“免费体检”

- **不参加**来历不明的健康讲座；
- 保健食品不能代替药物。

骗子常在网页里藏 `<script>window.__pwned = 3</script>` 这样的代码。

详见 [国家市场监督管理总局](https://www.samr.gov.cn)。
"""


def test_a_warning_is_written_published_and_read_on_phones(new_context, db, screenshot_dir):
    title = f"老年人保健品消费警示 {uuid.uuid4().hex[:4]}"
    supervisor = new_context().new_page()
    sign_in(supervisor, "supervisor")
    supervisor.goto("/warnings/new")
    supervisor.fill("#title", title)
    supervisor.fill("#summary", "警惕健康讲座背后的高价推销。")
    supervisor.fill("#body_md", BAD_BODY)

    # The preview already says no, without saving anything.
    supervisor.click("#preview-button")
    supervisor.locator("#preview [role=alert]").wait_for()
    assert "Markdown" in supervisor.locator("#preview [role=alert]").inner_text()

    # Publishing it anyway: refused, the text kept for correcting, nothing saved.
    supervisor.click("#save-publish")
    supervisor.locator("#body_md-error").wait_for()
    assert "Markdown" in supervisor.locator("#body_md-error").inner_text()
    assert supervisor.locator("#body_md").input_value().startswith("## ")
    assert db.exec(select(Warning).where(Warning.title == title)).first() is None
    assert supervisor.evaluate("() => window.__pwned") is None
    supervisor.screenshot(path=str(screenshot_dir / "warning-refused-360.png"), full_page=True)

    supervisor.fill("#body_md", GOOD_BODY)
    supervisor.click("#preview-button")
    supervisor.locator("#preview .prose strong").wait_for()
    supervisor.click("#save-publish")
    supervisor.wait_for_url("**/warnings/manage")
    assert title in supervisor.locator("#managed-warnings").inner_text()
    supervisor.screenshot(path=str(screenshot_dir / "warning-manage-360.png"), full_page=True)
    db.expire_all()
    stored = db.exec(select(Warning).where(Warning.title == title)).one()
    assert stored.published_at is not None and "<script" not in stored.body_html

    # Someone with no account, on another phone.
    reader_context = new_context()
    reader = reader_context.new_page()
    dialogs = []
    reader.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    reader.goto("/warnings")
    reader.get_by_role("link", name=title).click()
    reader.wait_for_url(f"**/warnings/{stored.id}")
    assert reader.locator("h1").inner_text() == title
    prose = reader.locator(".prose")
    assert "不参加" in prose.locator("strong").inner_text()
    assert "<script>" in prose.locator("code").inner_text()          # shown as text …
    assert prose.locator("script, img, iframe").count() == 0          # … not as an element
    assert reader.evaluate("() => window.__pwned") is None and dialogs == []
    link = prose.get_by_role("link", name="国家市场监督管理总局")
    assert link.get_attribute("href") == "https://www.samr.gov.cn"
    assert "nofollow" in link.get_attribute("rel")
    assert reader.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert not reader_context.cookies() or all(c["name"] != "remember_token" for c in reader_context.cookies())
    reader.screenshot(path=str(screenshot_dir / "warning-public-360.png"), full_page=True)
