"""A volunteer at a village market day logs an outreach event with no signal; it arrives once later.
A consumer scans the event's QR code, files a complaint, and the event counts it as taken on site."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlmodel import select

from e2e.test_complaint_flow import fill_complaint
from e2e.test_offline_shell import wait_until_controlled
from e2e.test_outbox import RECORDS_JS, sign_in, wait_badge
from webapp.complaints.models import Complaint
from webapp.media.models import Photo
from webapp.outreach.models import EventVolunteer, OutreachEvent

PLACE = "石桥村赶集日宣传点"


@pytest.fixture(scope="module")
def desk_photo(tmp_path_factory) -> Path:
    """A 4000×3000 photo of the consultation desk."""
    path = tmp_path_factory.mktemp("outreach") / "IMG_desk.jpg"
    w, h = 4000, 3000
    img = Image.blend(Image.linear_gradient("L").resize((w, h)).convert("RGB"),
                      Image.effect_noise((w, h), 40).convert("RGB"), 0.35)
    ImageDraw.Draw(img).rectangle((300, 300, 2000, 1200), fill=(200, 30, 30))
    img.save(path, "JPEG", quality=92)
    return path


def fill_event(page, photo: Path) -> None:
    """What a volunteer fills in at the desk: where, what was done, for whom, the counts, a photo."""
    page.locator("input[name=venue_type][value=village]").check()
    page.fill("#place", PLACE)
    for fmt in ("desk", "leaflets"):
        page.locator(f"input[name=formats][value={fmt}]").check()
    page.locator("input[name=audiences][value=elderly]").check()
    page.fill("#topic", "防范农资假货和保健品骗局")
    for field, value in {"participants": "260", "consultations": "48", "leaflets": "1200",
                         "banners": "2", "boards": "6", "volunteers": "5"}.items():
        page.fill(f"#{field}", value)
    page.locator("#photos").set_input_files(str(photo))
    page.wait_for_function("""() => { const i = document.querySelector('#photos');
        return i.files.length === 1 && i.files[0].type === 'image/jpeg'
          && !document.querySelector('#event-form button[type=submit]').disabled; }""")


def events_with(db, uuid: str) -> list[OutreachEvent]:
    db.expire_all()
    return db.exec(select(OutreachEvent).where(OutreachEvent.client_uuid == uuid)).all()


def test_an_event_logged_offline_in_a_village_syncs_exactly_once(new_context, db, desk_photo, screenshot_dir):
    context = new_context()
    page = context.new_page()
    sign_in(page, "volunteer")
    page.goto("/")
    wait_until_controlled(page)
    page.goto("/events/new")
    page.locator("form#event-form[data-outbox]").wait_for()

    context.set_offline(True)
    try:
        page.goto("/events/new")  # from the worker's cache: no signal in the village
        assert page.evaluate("navigator.onLine") is False
        fill_event(page, desk_photo)
        page.screenshot(path=str(screenshot_dir / "event-offline-360.png"), full_page=True)
        page.locator("#event-form button[type=submit]").click()
        page.locator("#toast .outbox-notice.notice-success").wait_for()
        wait_badge(page, 1)
        records = page.evaluate(RECORDS_JS)
        assert [r["label"] for r in records] == [PLACE]
        uuid = records[0]["client_uuid"]
        assert records[0]["url"] == "/events" and records[0]["files"][0]["size"] < desk_photo.stat().st_size / 2
        page.reload()  # nothing is lost on a reload
        wait_badge(page, 1)
        assert not events_with(db, uuid)
        page.evaluate("async () => { window.copies = await XiaobaoOutbox.list(); }")
    finally:
        context.set_offline(False)

    wait_badge(page, 0)
    [event] = events_with(db, uuid)
    assert (event.venue_type, event.place, event.participants, event.leaflets) == ("village", PLACE, 260, 1200)
    assert event.formats == ["desk", "leaflets"] and event.audiences == ["elderly"]
    assert len(db.exec(select(Photo).where(Photo.outreach_event_id == event.id)).all()) == 1
    assert len(db.exec(select(EventVolunteer).where(EventVolunteer.event_id == event.id)).all()) == 1

    # Sent a second time (a lost answer, a second tab): answered 200 and dropped, never a duplicate.
    summary = page.evaluate("""async () => {
        for (const r of window.copies) { await XiaobaoOutbox.put(r); }
        const s = await XiaobaoOutboxPage.requestReplay({force: true});
        return {sent: s.sent, statuses: s.results.map((r) => r.status)}; }""")
    assert summary == {"sent": 1, "statuses": [200]}
    assert len(events_with(db, uuid)) == 1

    page.goto(f"/events/{event.id}")
    assert page.locator("#event-participants").inner_text() == "260"
    page.screenshot(path=str(screenshot_dir / "event-detail-360.png"), full_page=True)


def test_a_complaint_filed_through_the_events_qr_link_is_counted_by_the_event(new_context, db, screenshot_dir):
    volunteer = new_context()
    page = volunteer.new_page()
    sign_in(page, "volunteer")
    page.goto("/events/new")
    page.locator("input[name=venue_type][value=market]").check()
    page.fill("#place", "万达广场 3·15 咨询台")
    page.locator("input[name=formats][value=desk]").check()
    page.fill("#participants", "400")
    page.locator("#event-form button[type=submit]").click()
    page.locator("#toast .outbox-notice.notice-success").wait_for()
    # Online: kept on the phone for a moment, then sent at once.
    event_id = None
    for _ in range(60):
        db.expire_all()
        event_id = db.exec(select(OutreachEvent.id).where(OutreachEvent.place == "万达广场 3·15 咨询台")).first()
        if event_id:
            break
        page.wait_for_timeout(250)
    assert event_id, "the event never reached the server"
    wait_badge(page, 0)
    page.goto(f"/events/{event_id}")
    assert page.locator("#event-onsite").inner_text() == "0"
    link = page.locator("#event-qr .event-link a").inner_text()
    assert "/complaints/new?event=" in link
    page.goto(f"/events/{event_id}/poster")
    assert page.locator("img.poster-qr, .poster img").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "event-poster-360.png"), full_page=True)

    # A consumer scans the code at the desk: the complaint form says where it is being filed.
    consumer = new_context().new_page()
    consumer.goto(link)
    notice = consumer.locator(".onsite-notice")
    assert "万达广场" in notice.inner_text()
    fill_complaint(consumer, "13700001111")
    consumer.screenshot(path=str(screenshot_dir / "complaint-onsite-360.png"), full_page=False)
    consumer.locator("#complaint-form button[type=submit]").click()
    consumer.wait_for_url(re.compile(r"/complaints/[0-9A-Z]{10}/receipt$"))
    code = consumer.locator("#tracking-code").get_attribute("data-code")
    db.expire_all()
    complaint = db.exec(select(Complaint).where(Complaint.tracking_code == code)).one()
    assert (complaint.event_id, complaint.channel) == (event_id, "event")

    # The event now counts it, and its volunteer sees no personal data.
    page.goto(f"/events/{event_id}")
    assert page.locator("#event-onsite").inner_text() == "1"
    onsite = page.locator("#event-onsite-complaints").inner_text()
    assert "13700001111" not in onsite and "王阿姨" not in onsite and code not in onsite
    page.screenshot(path=str(screenshot_dir / "event-onsite-360.png"), full_page=True)
