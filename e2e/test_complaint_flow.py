"""A guest on a phone files a complaint with two photos, then tracks it from another browser."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from sqlmodel import func, select

from webapp.complaints import tracking
from webapp.complaints.models import Complaint
from webapp.media.models import Photo
from webapp.media.storage import LocalStorage

MERCHANT = "华联超市\uff08东关店\uff09"
PHONE = "13912345678"
DESCRIPTION = "在东关店买的纯牛奶已过保质期两天,店员拒绝退款。要求退款并赔偿。"
CODE_RE = re.compile(rf"^[{tracking.ALPHABET}]{{10}}$")


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory) -> dict[str, Path]:
    """A 12-megapixel phone photo lying on its side (EXIF orientation 6) and a small receipt photo."""
    root = tmp_path_factory.mktemp("photos")
    # Stored 4000×3000, shown 3000×4000: the browser must apply the rotation before downscaling.
    # Noise keeps the file realistically heavy (~5 MB) so downscaling visibly pays off.
    w, h = 4000, 3000
    big = Image.blend(Image.linear_gradient("L").resize((w, h)).convert("RGB"),
                      Image.effect_noise((w, h), 40).convert("RGB"), 0.35)
    ImageDraw.Draw(big).rectangle((0, 0, 800, 400), fill=(200, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "E2E Phone Maker"
    big_path = root / "IMG_20261101_goods.jpg"
    big.save(big_path, "JPEG", quality=92, exif=exif.tobytes())

    small = Image.new("RGB", (900, 1200), (250, 248, 240))
    draw = ImageDraw.Draw(small)
    for y in range(100, 1100, 80):
        draw.rectangle((80, y, 820, y + 30), fill=(60, 60, 60))
    small_path = root / "receipt.jpg"
    small.save(small_path, "JPEG", quality=85)
    return {"big": big_path, "small": small_path}


def _shanghai_days_ago(days: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=days)).isoformat()


def choose_merchant(page) -> None:
    """Type part of the name, wait for the search-as-you-type list, tap the shop."""
    name = page.locator("#merchant_name")
    # Two searches: the second one must still land in the list (the first must not replace it).
    for char in "华联":
        with page.expect_response(lambda r: "/merchants/search" in r.url and r.ok):
            name.press_sequentially(char)
        page.locator("#merchant-results").wait_for(state="attached")
    choice = page.locator("#merchant-results button[data-merchant-id]", has_text=MERCHANT)
    choice.first.click()
    expect_filled = {"#merchant_id": r"^\d+$", "#district_id": r"^\d+$", "#merchant_address": r"\S"}
    for selector, pattern in expect_filled.items():
        assert re.search(pattern, page.locator(selector).input_value()), selector
    assert page.locator("#merchant_name").input_value() == MERCHANT
    assert page.locator("#merchant-results button").count() == 0  # the list closes after the choice


def fill_complaint(page, phone: str) -> None:
    """Fill every field a consumer fills, except the photos."""
    choose_merchant(page)
    page.select_option("#category_id", index=1)  # index 0 is "Choose…"; the rest sit in optgroups
    page.select_option("#problem_type", value="quality")
    page.fill("#purchase_date", _shanghai_days_ago(3))
    page.fill("#amount", "56.80")
    page.fill("#description", DESCRIPTION)
    page.check("input[name=desired_outcome][value=refund]")
    page.fill("#consumer_name", "王阿姨")
    page.fill("#consumer_phone", phone)
    page.check("input[name=consent_share]")


def wait_for_photos(page, n: int) -> None:
    """photos.js has replaced the chosen files with downscaled JPEGs and re-enabled the submit button."""
    page.wait_for_function("""(n) => document.querySelectorAll('#photo-previews img').length === n
        && !document.querySelector('#complaint-form button[type=submit]').disabled""", arg=n)


def complaint_count(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(Complaint)).one()


def test_guest_files_complaint_with_two_photos_and_tracks_it(
        page, new_context, base_url, db, live_app, photo_files, screenshot_dir):
    before = complaint_count(db)
    page.goto("/")
    page.locator("a[href='/complaints/new']").first.click()
    page.wait_for_url("**/complaints/new")
    fill_complaint(page, PHONE)

    page.set_input_files("#photos", [str(photo_files["big"]), str(photo_files["small"])])
    wait_for_photos(page, 2)
    shrunk = page.evaluate("""async () => Promise.all(Array.from(document.querySelector('#photos').files)
        .map(async (f) => { const b = await createImageBitmap(f, {imageOrientation: 'none'});
                            const r = {name: f.name, size: f.size, type: f.type, w: b.width, h: b.height};
                            b.close(); return r; }))""")
    big_original = photo_files["big"].stat().st_size
    assert len(shrunk) == 2
    assert shrunk[0]["type"] == "image/jpeg"
    # Upright (rotation applied from EXIF) and long edge 2048: the pixels, not a flag, are turned.
    assert (shrunk[0]["w"], shrunk[0]["h"]) == (1536, 2048), shrunk[0]
    assert shrunk[0]["size"] < big_original / 2, (shrunk[0]["size"], big_original)
    page.screenshot(path=str(screenshot_dir / "complaint-form-360.png"), full_page=True)

    page.locator("#complaint-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/complaints/[0-9A-Z]{10}/receipt$"))

    code_el = page.locator("#tracking-code")
    code = code_el.get_attribute("data-code")
    assert CODE_RE.match(code) and tracking.is_valid(code), code
    assert page.url.endswith(f"/complaints/{code}/receipt")
    shown = code_el.inner_text().strip()  # "ABCDE-FGHJK", as the consumer copies it
    assert shown.replace("-", "") == code
    assert PHONE[-4:] in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "receipt-360.png"), full_page=True)

    # --- What was stored.
    assert complaint_count(db) == before + 1
    rows = db.exec(select(Complaint).where(Complaint.tracking_code == code)).all()
    assert len(rows) == 1
    complaint = rows[0]
    assert complaint.consumer_phone == PHONE and complaint.amount_fen == 5680
    photos = db.exec(select(Photo).where(Photo.complaint_id == complaint.id).order_by(Photo.id)).all()
    assert len(photos) == 2
    store = LocalStorage(live_app.config["UPLOAD_DIR"])
    for photo in photos:
        with Image.open(store.path(photo.display_key)) as img:
            assert max(img.size) <= 1600, img.size
            assert img.size == (photo.width, photo.height)
            assert not img.getexif(), "metadata must be stripped"
        with Image.open(store.path(photo.thumb_key)) as thumb:
            assert max(thumb.size) <= 320
    assert (photos[0].width, photos[0].height) == (1200, 1600)  # portrait, long edge 1600
    # The server received exactly the files the phone made smaller (Playwright cannot show multipart bodies).
    assert [p.source_bytes for p in photos] == [f["size"] for f in shrunk]

    # --- Someone else's phone: track with the code and the last four digits.
    tracker = new_context().new_page()
    tracker.goto("/track")
    tracker.fill("#code", shown)
    tracker.fill("#phone_last4", PHONE[-4:])
    tracker.locator("#track-form button[type=submit]").click()
    tracker.wait_for_url(f"**/track/{code}")
    tracker.locator(".state").wait_for()
    assert tracker.locator("ol.timeline li").count() >= 1
    thumbs = tracker.locator(".thumbs img")
    assert thumbs.count() == 2
    for i in range(2):
        thumbs.nth(i).scroll_into_view_if_needed()  # they are loading="lazy"
    tracker.wait_for_function("""() => Array.from(document.querySelectorAll('.thumbs img'))
        .every((img) => img.complete && img.naturalWidth > 0)""")
    srcs = [thumbs.nth(i).get_attribute("src") for i in range(2)]
    assert all(re.fullmatch(r"/photos/\d+/thumb", s) for s in srcs), srcs
    tracker.evaluate("window.scrollTo(0, 0)")
    tracker.screenshot(path=str(screenshot_dir / "tracking-360.png"), full_page=True)

    # A browser that never tracked the complaint cannot fetch its photos.
    stranger = new_context()
    for src in srcs:
        assert stranger.request.get(base_url + src).status == 404


def test_bad_phone_keeps_everything_typed_and_files_nothing(page, db, photo_files, screenshot_dir):
    before = complaint_count(db)
    page.goto("/complaints/new")
    fill_complaint(page, "1391234")
    page.set_input_files("#photos", str(photo_files["small"]))
    wait_for_photos(page, 1)
    merchant_id = page.locator("#merchant_id").input_value()

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/complaints")) as resp:
        page.locator("#complaint-form button[type=submit]").click()
    assert resp.value.status == 422
    error = page.locator("#consumer_phone-error")
    error.wait_for()
    assert error.evaluate("e => e.matches('small.field-error')")
    assert error.inner_text().strip()
    phone = page.locator("#consumer_phone")
    assert phone.get_attribute("aria-invalid") == "true"
    assert phone.get_attribute("aria-describedby") == "consumer_phone-error"
    # The message sits right under the field it is about.
    assert phone.evaluate("e => e.nextElementSibling && e.nextElementSibling.id") == "consumer_phone-error"
    assert page.locator("small.field-error").count() == 1
    assert page.locator("[aria-invalid=true]").count() == 1
    assert page.evaluate("document.activeElement && document.activeElement.id") == "consumer_phone"

    # Nothing typed is lost.
    assert phone.input_value() == "1391234"
    assert page.locator("#description").input_value() == DESCRIPTION
    assert page.locator("#merchant_name").input_value() == MERCHANT
    assert page.locator("#merchant_id").input_value() == merchant_id
    assert page.locator("#problem_type").input_value() == "quality"
    assert page.locator("#category_id").input_value() != ""
    assert page.locator("#amount").input_value() == "56.80"
    assert page.locator("#consumer_name").input_value() == "王阿姨"
    assert page.locator("input[name=desired_outcome][value=refund]").is_checked()
    assert page.locator("input[name=consent_share]").is_checked()
    # The chosen photo survives the re-rendered form (hx-preserve), preview included.
    assert page.evaluate("document.querySelector('#photos').files.length") == 1
    assert page.locator("#photo-previews img").count() == 1
    page.screenshot(path=str(screenshot_dir / "complaint-form-error-360.png"), full_page=True)

    assert complaint_count(db) == before
    assert page.url.endswith("/complaints/new")

    # Correcting the number is all it takes.
    phone.fill(PHONE)
    page.locator("#complaint-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/complaints/[0-9A-Z]{10}/receipt$"))
    code = page.locator("#tracking-code").get_attribute("data-code")
    assert complaint_count(db) == before + 1
    complaint = db.exec(select(Complaint).where(Complaint.tracking_code == code)).one()
    assert complaint.description == DESCRIPTION and complaint.consumer_phone == PHONE
    assert len(db.exec(select(Photo).where(Photo.complaint_id == complaint.id)).all()) == 1
