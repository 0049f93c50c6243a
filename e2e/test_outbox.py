"""The offline outbox on an inspector's phone: inspections saved with no network wait on the phone,
survive a reload, and arrive exactly once when the network is back; one the server refuses stays with its reason."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from e2e.test_offline_shell import wait_until_controlled
from webapp.auth.models import District
from webapp.demo_data import DEMO_PASSWORD
from webapp.inspections.models import Inspection, InspectionFinding, RectificationOrder
from webapp.media.models import Photo
from webapp.merchants.models import Merchant

SHOP_A = "老张食品店"
SHOP_B = "惠民生鲜超市"
HERE = {"latitude": 30.6598, "longitude": 104.0633, "accuracy": 12}

# Records as the page and the worker see them (ArrayBuffers do not cross into Python: only their sizes).
RECORDS_JS = """async () => (await XiaobaoOutbox.list()).map((r) => ({
    client_uuid: r.client_uuid, url: r.url, form_page: r.form_page, label: r.label, kind: r.kind,
    status: r.status, attempts: r.attempts, last_error: r.last_error, last_errors: r.last_errors,
    created_at: r.created_at, next_try_at: r.next_try_at,
    fields: r.fields, files: r.files.map((f) => ({field: f.field, name: f.name, type: f.type,
                                                  size: f.data.byteLength}))}))"""


@pytest.fixture(scope="module")
def shop_photo(tmp_path_factory) -> Path:
    """A 4000×3000 phone photo of a shop shelf (heavy with noise, as real ones are)."""
    path = tmp_path_factory.mktemp("outbox") / "IMG_shelf.jpg"
    w, h = 4000, 3000
    img = Image.blend(Image.linear_gradient("L").resize((w, h)).convert("RGB"),
                      Image.effect_noise((w, h), 40).convert("RGB"), 0.35)
    ImageDraw.Draw(img).rectangle((200, 200, 1400, 900), fill=(30, 120, 200))
    img.save(path, "JPEG", quality=92)
    return path


@pytest.fixture
def inspector_context(new_context, base_url):
    """The inspector's phone, with a GPS fix the page may read."""
    context = new_context()
    context.grant_permissions(["geolocation"], origin=base_url)
    context.set_geolocation(HERE)
    return context


def sign_in(page, username: str = "inspector") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_form_once_online(page) -> None:
    """The first visit installs the worker; the form is then opened once so it is on the phone."""
    page.goto("/")
    wait_until_controlled(page)
    page.goto("/inspections/new")
    page.locator("form#inspection-form[data-outbox]").wait_for()


def badge_count(page) -> int:
    badge = page.locator("[data-outbox-badge]")
    if badge.is_hidden():
        return 0
    return int(badge.locator("[data-outbox-count]").inner_text())


def wait_badge(page, n: int) -> None:
    page.wait_for_function("""(n) => { const b = document.querySelector('[data-outbox-badge]');
        return n === 0 ? b.hidden : !b.hidden && b.querySelector('[data-outbox-count]').textContent === String(n); }""",
                           arg=n, timeout=30_000)


def fill_inspection(page, shop: str, photo: Path, fail_first: bool = False, due_on: str | None = None) -> None:
    """Choose the merchant and the first checklist, answer every item, attach a photo to the first one."""
    page.fill("#merchant_search", shop)
    template_id = page.locator("#template_id option:not([value=''])").first.get_attribute("value")
    page.select_option("#template_id", template_id)
    checklist = page.locator(f"fieldset.checklist[data-template='{template_id}']")
    items = checklist.locator(".check-item")
    assert items.count() >= 2
    for i in range(items.count()):
        answer = "fail" if fail_first and i == 0 else "pass"
        items.nth(i).locator(f"input[type=radio][value={answer}]").check(force=True)
    first = items.nth(0)
    first.locator("details.item-extra summary").click()
    first.locator("textarea").fill("货架上有过期酸奶两盒" if fail_first else "冷柜温度正常")
    first.locator("input[type=file]").set_input_files(str(photo))
    # photos.js makes the photo smaller first, and re-enables the button when done.
    page.wait_for_function("""() => { const i = document.querySelector('.check-item input[type=file]');
        return i.files.length === 1 && i.files[0].type === 'image/jpeg' && i.files[0].name.endsWith('.jpg')
          && !document.querySelector('#inspection-form button[type=submit]').disabled; }""")
    if due_on:
        page.fill("#order_due_on", due_on)
    page.fill("#note", f"{shop} 现场检查")


def save(page) -> None:
    page.locator("#inspection-form button[type=submit]").click()
    page.locator("#toast .outbox-notice.notice-success").wait_for()


def inspections_with(db, uuids) -> list[Inspection]:
    db.expire_all()
    return db.exec(select(Inspection).where(Inspection.client_uuid.in_(list(uuids)))).all()


def test_two_inspections_saved_offline_arrive_once_when_online(inspector_context, db, shop_photo, screenshot_dir):
    context = inspector_context
    page = context.new_page()
    sign_in(page)
    open_form_once_online(page)

    context.set_offline(True)
    try:
        page.goto("/inspections/new")  # from the worker's cache
        assert page.evaluate("navigator.onLine") is False
        first_uuid = page.locator("input[name=client_uuid]").input_value()

        due = (date.today() + timedelta(days=10)).isoformat()
        fill_inspection(page, SHOP_A, shop_photo, fail_first=True, due_on=due)
        page.locator(".check-item").first.locator("input[name=order_item]").check()
        save(page)
        wait_badge(page, 1)
        # The form is ready for the next record, with a new number.
        assert page.locator("#merchant_search").input_value() == ""
        second_uuid = page.locator("input[name=client_uuid]").input_value()
        assert second_uuid and second_uuid != first_uuid

        fill_inspection(page, SHOP_B, shop_photo)
        page.screenshot(path=str(screenshot_dir / "inspection-offline-360.png"), full_page=False)
        save(page)
        wait_badge(page, 2)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot_dir / "inspection-saved-badge-360.png"), full_page=False)

        records = page.evaluate(RECORDS_JS)
        assert [r["label"] for r in records] == [SHOP_A, SHOP_B]
        uuids = [r["client_uuid"] for r in records]
        assert len(set(uuids)) == 2 and first_uuid not in uuids  # each record got its own fresh number
        for record in records:
            fields = dict(record["fields"])
            assert record["status"] == "pending" and record["url"] == "/inspections"
            assert record["form_page"] == "/inspections/new"
            assert fields["client_uuid"] == record["client_uuid"]
            assert "csrf_token" not in fields
            assert fields["captured_at"][-6] in "+-" and fields["captured_at"].endswith("+08:00")
            assert abs(float(fields["latitude"]) - HERE["latitude"]) < 1e-4
            assert [f["type"] for f in record["files"]] == ["image/jpeg"]
            assert record["files"][0]["size"] < shop_photo.stat().st_size / 2

        # Nothing is lost on a reload; the list shows both.
        page.reload()
        wait_badge(page, 2)
        page.goto("/outbox")
        items = page.locator("#outbox-list .outbox-item")
        items.first.wait_for()
        assert items.count() == 2
        assert items.nth(0).locator("[data-slot=label]").inner_text() == SHOP_A
        assert items.nth(1).locator("[data-slot=label]").inner_text() == SHOP_B
        assert all(items.nth(i).get_attribute("data-status") == "pending" for i in range(2))
        page.screenshot(path=str(screenshot_dir / "outbox-pending-360.png"), full_page=True)
        assert not inspections_with(db, uuids)
        # Keep copies, to send them a second time below as a phone might (a lost answer, two tabs).
        page.evaluate("async () => { window.copies = await XiaobaoOutbox.list(); }")
    finally:
        context.set_offline(False)

    # Online again: both are sent, once, and the badge clears.
    wait_badge(page, 0)
    page.locator("#outbox-empty").wait_for()
    rows = inspections_with(db, uuids)
    assert sorted(r.client_uuid for r in rows) == sorted(uuids)
    by_uuid = {r.client_uuid: r for r in rows}
    failed, passed = by_uuid[uuids[0]], by_uuid[uuids[1]]
    assert failed.result == "fail" and passed.result == "pass"
    assert abs(failed.latitude - HERE["latitude"]) < 1e-4 and abs(failed.longitude - HERE["longitude"]) < 1e-4
    for row in rows:
        photos = db.exec(select(Photo).where(Photo.inspection_id == row.id)).all()
        assert len(photos) == 1 and photos[0].finding_id is not None
        assert db.exec(select(InspectionFinding).where(InspectionFinding.inspection_id == row.id)).all()
    orders = db.exec(select(RectificationOrder).where(RectificationOrder.inspection_id == failed.id)).all()
    assert len(orders) == 1 and orders[0].due_on.isoformat() == due

    # The same records sent again are answered 200 and dropped: never a duplicate (client_uuid is the key).
    summary = page.evaluate("""async () => {
        for (const r of window.copies) { await XiaobaoOutbox.put(r); }
        const s = await XiaobaoOutboxPage.requestReplay({force: true});
        return {sent: s.sent, statuses: s.results.map((r) => r.status)}; }""")
    assert summary == {"sent": 2, "statuses": [200, 200]}
    assert len(inspections_with(db, uuids)) == 2
    wait_badge(page, 0)


def test_refused_record_stays_with_its_reason_then_is_corrected(inspector_context, db, shop_photo, screenshot_dir):
    # A merchant that exists while the inspector is out, and is removed (merged away) before the phone is back.
    district = db.exec(select(District).where(District.code == "CD")).one()
    doomed = Merchant(name="城东临时摊位99号", address="城东区东关农贸市场临时区", district_id=district.id)
    db.add(doomed)
    db.commit()

    context = inspector_context
    page = context.new_page()
    sign_in(page)
    open_form_once_online(page)
    context.set_offline(True)
    try:
        page.goto("/inspections/new")
        fill_inspection(page, doomed.name, shop_photo)
        save(page)
        wait_badge(page, 1)
        uuid = page.evaluate(RECORDS_JS)[0]["client_uuid"]
        db.delete(db.get(Merchant, doomed.id))
        db.commit()
    finally:
        context.set_offline(False)

    # The server refuses it: the record stays, marked, with the server's reason; nothing was stored.
    page.goto("/outbox")
    item = page.locator(f"#outbox-{uuid}")
    page.wait_for_function("""(id) => { const li = document.getElementById('outbox-' + id);
        return li && li.dataset.status === 'failed'; }""", arg=uuid, timeout=30_000)
    record = page.evaluate(RECORDS_JS)[0]
    assert record["status"] == "failed" and record["attempts"] == 0
    # The server's own words about the field it refused, shown as they came.
    why = record["last_errors"]["merchant_id"]
    assert why and why in record["last_error"]
    assert item.locator("[data-slot=reason]").inner_text() == why
    assert badge_count(page) == 1
    assert page.locator("[data-outbox-badge]").evaluate("b => b.classList.contains('outbox-badge-alert')")
    assert not inspections_with(db, [uuid])
    page.screenshot(path=str(screenshot_dir / "outbox-failed-360.png"), full_page=True)

    # Automatic replays leave a refused record alone (no blind retries).
    page.evaluate("XiaobaoOutboxPage.requestReplay({force: true})")
    assert page.evaluate(RECORDS_JS)[0]["status"] == "failed"

    # Edit and resend: the form opens filled, with the reason and the photo that will be kept.
    item.locator("[data-action=edit]").click()
    page.wait_for_url(f"**/inspections/new?outbox={uuid}")
    page.locator(".outbox-editing").wait_for()
    assert page.locator("#merchant_search").input_value() == doomed.name
    assert page.locator("input[name=client_uuid]").input_value() == uuid
    assert page.locator(".outbox-kept").count() == 1 and "IMG_shelf.jpg" in page.locator(".outbox-kept").inner_text()
    assert page.locator("#merchant_search[aria-invalid=true]").count() == 1
    page.screenshot(path=str(screenshot_dir / "outbox-edit-360.png"), full_page=False)
    page.fill("#merchant_search", SHOP_A)
    page.locator("#inspection-form button[type=submit]").click()
    page.locator("#toast .outbox-notice").wait_for()
    wait_badge(page, 0)
    rows = inspections_with(db, [uuid])
    assert len(rows) == 1
    assert db.get(Merchant, rows[0].merchant_id).name == SHOP_A
    assert len(db.exec(select(Photo).where(Photo.inspection_id == rows[0].id)).all()) == 1


def test_form_kept_after_sign_in_without_opening_it_and_delete_from_the_list(inspector_context, shop_photo):
    page = inspector_context.new_page()
    sign_in(page)
    page.goto("/")
    wait_until_controlled(page)
    # Signed-in staff: the worker fetches the offline forms by itself ("warm"), so the form opens offline
    # even though this phone never showed it.
    page.wait_for_function("async () => !!(await caches.match('/inspections/new'))")
    inspector_context.set_offline(True)
    try:
        page.goto("/inspections/new")
        fill_inspection(page, SHOP_B, shop_photo)
        save(page)
        page.goto("/outbox")
        page.locator("#outbox-list .outbox-item").first.wait_for()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#outbox-list [data-action=delete]").first.click()
        page.locator("#outbox-empty").wait_for()
        wait_badge(page, 0)
        assert page.evaluate(RECORDS_JS) == []
    finally:
        inspector_context.set_offline(False)


def test_signed_out_phone_keeps_records_until_sign_in(inspector_context, db, shop_photo):
    context = inspector_context
    page = context.new_page()
    sign_in(page)
    open_form_once_online(page)
    context.set_offline(True)
    try:
        page.goto("/inspections/new")
        fill_inspection(page, SHOP_A, shop_photo)
        save(page)
        uuid = page.evaluate(RECORDS_JS)[0]["client_uuid"]
        # The session ran out while the inspector was in the market (the phone's other cookies stay).
        context.clear_cookies(name="session")
        context.clear_cookies(name="remember_token")
    finally:
        context.set_offline(False)

    # The server answers 401: the record waits for a sign-in, and says so.
    page.goto("/outbox")
    page.wait_for_function("""(id) => { const li = document.getElementById('outbox-' + id);
        return li && li.dataset.status === 'login'; }""", arg=uuid, timeout=30_000)
    item = page.locator(f"#outbox-{uuid}")
    assert item.locator("[data-action=login]").is_visible()
    assert not inspections_with(db, [uuid])

    # Signing in sends it, with no further tap.
    item.locator("[data-action=login]").click()
    page.wait_for_url("**/login**")
    page.fill("#username", "inspector")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/outbox")
    wait_badge(page, 0)
    assert len(inspections_with(db, [uuid])) == 1


def test_without_a_service_worker_the_page_sends_by_itself(browser, base_url, db, shop_photo):
    from e2e.conftest import PHONE

    context = browser.new_context(base_url=base_url, service_workers="block", **PHONE)
    try:
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page)
        page.goto("/inspections/new")
        assert page.evaluate("!navigator.serviceWorker || !navigator.serviceWorker.controller")
        fill_inspection(page, SHOP_B, shop_photo)
        save(page)
        wait_badge(page, 0)
        page.locator("#toast .notice-success", has_text=re.compile(r"1")).wait_for()
        posts = [f for f in page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
                 if f.endswith("/inspections")]
        assert len(posts) == 1  # one POST, from the page
    finally:
        context.close()


def test_answers_decide_what_happens_to_a_record(page):
    """The replay rules: sent, wait for a sign-in, refused (kept for the person), or tried again later."""
    page.goto("/offline")
    table = page.evaluate("""() => {
        const c = XiaobaoOutbox.classify;
        return {
          created: c(201, {ok: true, id: 1}), replayed: c(200, {ok: true, id: 1}),
          html_ok: c(200, null), login: c(401, {ok: false, error: 'login'}), redirect_to_login: c(0, null),
          csrf_html: c(400, null), csrf_json: c(400, {ok: false, error: 'CSRF token missing'}),
          bad_request: c(400, {ok: false, error: 'bad uuid'}),
          timeout: c(408, null), busy: c(429, null), server: c(500, null), gateway: c(502, null),
          forbidden: c(403, {ok: false, error: 'x'}), missing: c(404, null), conflict: c(409, {ok: false}),
          invalid: c(422, {ok: false, errors: {a: 'b'}}), too_large: c(413, null),
          backoff: [1, 2, 3, 8, 30].map(XiaobaoOutbox.backoff),
          reason: XiaobaoOutbox.reason({error: '请修改标红的 1 项。', errors: {merchant_id: '该商户已不在名录中', x: ['a', 'b']}}),
        }; }""")
    assert table.pop("backoff") == [5000, 10000, 20000, 600000, 600000]
    assert table.pop("reason") == "请修改标红的 1 项。 · 该商户已不在名录中 · a · b"
    assert {k for k, v in table.items() if v == "sent"} == {"created", "replayed"}
    assert {k for k, v in table.items() if v == "login"} == {"login", "redirect_to_login"}
    assert {k for k, v in table.items() if v == "retry"} == {
        "html_ok", "csrf_html", "csrf_json", "timeout", "busy", "server", "gateway"}
    assert {k for k, v in table.items() if v == "failed"} == {
        "bad_request", "forbidden", "missing", "conflict", "invalid", "too_large"}
