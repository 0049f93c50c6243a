"""A handler accepts, mediates and resolves with money recovered on a phone; the consumer sees the timeline,
accepts the outcome and rates it; a second handler working from a stale page hits the conflict."""
from __future__ import annotations

import pytest
from sqlmodel import select

from webapp.complaints import service
from webapp.complaints.models import Complaint
from webapp.complaints.schemas import ComplaintCreate
from webapp.demo_data import DEMO_PASSWORD
from webapp.media.storage import LocalStorage
from webapp.merchants.models import Merchant

PHONE = "13955556666"


@pytest.fixture
def complaint_code(db, live_app):
    """A fresh guest complaint against a merchant of the demo handler's district (城东区)."""
    def _file(description: str) -> str:
        merchant = db.exec(select(Merchant).where(Merchant.name == "惠民生鲜超市")).one()
        from webapp.complaints.models import Category
        category = db.exec(select(Category).where(Category.code == "food")).one()
        data = ComplaintCreate.model_validate({
            "merchant_id": str(merchant.id), "district_id": str(merchant.district_id),
            "category_id": str(category.id), "problem_type": "quality", "amount": "299",
            "description": description, "desired_outcome": "refund", "consumer_name": "赵女士",
            "consumer_phone": PHONE, "consent_share": "on"})
        complaint, _ = service.create_complaint(db, None, data, [], LocalStorage(live_app.config["UPLOAD_DIR"]))
        db.commit()
        return complaint.tracking_code
    return _file


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def act(page, slug: str, fields: dict[str, str] | None = None) -> None:
    """Open an action on the staff page, fill it, submit, and wait for the page to come back."""
    box = page.locator(f"#action-{slug}")
    if box.evaluate("el => el.tagName") == "DETAILS":
        box.locator("summary").click()
    for selector, value in (fields or {}).items():
        target = page.locator(selector)
        if target.evaluate("el => el.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()


def test_handler_resolves_and_consumer_accepts_and_rates(new_context, complaint_code, db, screenshot_dir):
    code = complaint_code("买到的食用油已过期,要求退款。商家不肯退。")
    handler = new_context().new_page()
    sign_in(handler, "handler")
    handler.goto(f"/handling/complaints/{code}")
    act(handler, "accept")
    assert "已受理" in handler.locator(".state").first.inner_text()
    me = handler.locator("#assign-assignee option", has_text="陈受理").get_attribute("value")
    act(handler, "assign", {"#assign-assignee": me})
    act(handler, "log-step", {"#step-kind": "call", "#step-note": "已电话联系商家,商家同意退款。"})
    act(handler, "resolve", {"#resolve-outcome": "商家退款 299 元并道歉。", "#resolve-recovered": "299"})
    assert "调解成功" in handler.locator(".state").first.inner_text()
    handler.screenshot(path=str(screenshot_dir / "handling-resolved-360.png"), full_page=True)

    stored = db.exec(select(Complaint).where(Complaint.tracking_code == code)).one()
    db.refresh(stored)
    assert stored.state == "resolved" and stored.recovered_fen == 29900

    consumer = new_context().new_page()
    consumer.goto("/track")
    consumer.fill("#code", code)
    consumer.fill("#phone_last4", PHONE[-4:])
    with consumer.expect_navigation():
        consumer.click("#track-form button[type=submit]")
    timeline = consumer.locator("ol.timeline").inner_text()
    for step in ("已受理", "商家同意退款", "调解成功"):
        assert step in timeline
    assert consumer.locator("#unread-notice").is_visible()
    assert "¥299.00" in consumer.locator(".outcome").inner_text()
    with consumer.expect_navigation():
        consumer.click("#decide-outcome button[type=submit]")
    assert "办结" in consumer.locator(".state").first.inner_text()
    consumer.locator("#rating input[name=satisfaction][value='5']").check()
    consumer.fill("#rating-comment", "处理很快,谢谢!")
    with consumer.expect_navigation():
        consumer.click("#rating button[type=submit]")
    assert consumer.locator("#rating .stars").inner_text() == "★★★★★"
    consumer.screenshot(path=str(screenshot_dir / "consumer-rated-360.png"), full_page=True)
    db.refresh(stored)
    assert stored.state == "closed" and stored.satisfaction == 5


def test_second_handler_gets_a_conflict_not_an_overwrite(new_context, complaint_code, db, screenshot_dir):
    code = complaint_code("预付卡门店关门,余额无法退还,要求退款。")
    first, second = new_context().new_page(), new_context().new_page()
    for page in (first, second):
        sign_in(page, "handler")
        page.goto(f"/handling/complaints/{code}")
    act(first, "accept")  # the second page still shows the complaint as submitted
    second.locator("#action-reject summary").click()
    second.locator("#reject-reason").select_option("duplicate")
    second.fill("#reject-note", "重复投诉")
    second.locator("#action-reject button[type=submit]").click()
    notice = second.locator("#conflict-notice")
    notice.wait_for()
    assert "已受理" in second.locator(".state").first.inner_text()  # the current state is shown
    second.screenshot(path=str(screenshot_dir / "handling-conflict-360.png"), full_page=True)
    stored = db.exec(select(Complaint).where(Complaint.tracking_code == code)).one()
    db.refresh(stored)
    assert stored.state == "accepted" and stored.reject_reason is None
