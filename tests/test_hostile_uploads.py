"""Hostile uploads (tests/hostile_corpus.py) through the photo pipeline and every route that takes photos.

The whole corpus goes through the pure pipeline and through complaint filing (the public, unauthenticated
path); one file per family goes through adding information, inspections and outreach events. Whatever the
file: never a 500; a refused file gives a 4xx naming it and stores nothing at all; an accepted file is stored
only as re-encoded baseline JPEGs with no metadata, upright and within the size caps.
"""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from markupsafe import escape
from PIL import Image
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage

import hostile_corpus
from conftest import complaint_form, jpeg_bytes
from inspection_helpers import JSON, inspection_form, template
from webapp import create_app
from webapp.complaints.models import Complaint
from webapp.inspections.models import Inspection
from webapp.media.models import Photo
from webapp.media.photos import PhotoError, process_photo
from webapp.media.uploads import process_uploads
from webapp.outreach.models import OutreachEvent

MAX_PIXELS = 2_000_000  # the corpus sits its boundary cases on this limit; decoding 50 MP would be slow
MAX_BYTES = 15 * 2**20
DISPLAY_EDGE, THUMB_EDGE = 1600, 320
CORPUS = hostile_corpus.build(MAX_PIXELS)
SUBSET = hostile_corpus.representatives(CORPUS)

# Markers a clean baseline JPEG from Pillow may hold: SOI, APP0 (JFIF), DQT, SOF0, DHT, SOS, EOI.
ALLOWED_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC4, 0xDA, 0xD9}


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """Every marker of a JPEG with its segment body, walking the bytes themselves (not Pillow's view)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, i = [(0xD8, b"")], 2
    while i < len(data):
        assert data[i] == 0xFF, f"garbage at {i}"
        marker = data[i + 1]
        if marker == 0xD9:
            out.append((marker, b""))
            assert i + 2 == len(data), "bytes after EOI"
            return out
        length = int.from_bytes(data[i + 2:i + 4], "big")
        out.append((marker, data[i + 4:i + 2 + length]))
        i += 2 + length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not a stuffed 0 or a restart
            while not (data[i] == 0xFF and data[i + 1] not in (0x00, *range(0xD0, 0xD8))):
                i += 1
    raise AssertionError("no EOI")


def quadrant_ok(img: Image.Image) -> bool:
    w, h = img.size
    spots = ((w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4))
    return all(all(abs(a - b) <= 60 for a, b in zip(img.getpixel(xy), want))
               for xy, want in zip(spots, hostile_corpus.QUADRANTS))


def check_clean(h: hostile_corpus.Hostile, display: bytes, thumb: bytes) -> None:
    """The stored pair is a metadata-free baseline RGB JPEG, upright and within the caps."""
    for data, edge in ((display, DISPLAY_EDGE), (thumb, THUMB_EDGE)):
        markers = jpeg_markers(data)
        kinds = [m for m, _ in markers]
        assert set(kinds) <= ALLOWED_MARKERS, f"{h.name}: markers {[hex(k) for k in kinds]}"
        assert kinds.count(0xDA) == 1 and kinds.count(0xE0) == 1, h.name  # one scan: baseline, not progressive
        assert next(body for m, body in markers if m == 0xE0).startswith(b"JFIF\x00"), h.name
        for needle in h.absent:
            assert needle not in data, f"{h.name}: {needle!r} survived"
        img = Image.open(io.BytesIO(data))
        img.load()
        assert img.format == "JPEG" and img.mode == "RGB", h.name
        assert max(img.size) <= edge, h.name
        assert not set(img.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}, img.info
        assert len(img.getexif()) == 0, h.name
    shown = Image.open(io.BytesIO(display))
    if h.size:
        assert shown.size == h.size, f"{h.name}: {shown.size} != {h.size}"
    if h.upright:
        assert quadrant_ok(shown.convert("RGB")), f"{h.name} is not upright"


def outcome(h: hostile_corpus.Hostile):
    try:
        return "accept", process_photo(io.BytesIO(h.data), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    except PhotoError as exc:
        return exc.code, None


def upload(h: hostile_corpus.Hostile):
    # Werkzeug's test client writes filename="…" as given, and the server reads a quoted-string, where a
    # backslash escapes the next character: double them, as a browser's encoding keeps them.
    return (io.BytesIO(h.data), h.filename.replace("\\", "\\\\"), h.content_type)


def test_the_corpus_is_large_and_covers_every_family():
    families = {h.family for h in CORPUS}
    assert len(CORPUS) >= 100 and len({h.name for h in CORPUS}) == len(CORPUS)
    assert {"bomb", "truncated", "corrupt", "polyglot", "svg", "empty", "metadata", "orientation", "modes",
            "animated", "magic", "filename", "dimensions", "disguise"} <= families
    assert sum(h.refused_only for h in CORPUS) >= 40 and sum(h.expect == hostile_corpus.ACCEPT for h in CORPUS) >= 40


@pytest.mark.parametrize("h", CORPUS, ids=[h.name for h in CORPUS])
def test_pipeline(h):
    code, photo = outcome(h)
    assert code in h.expect, f"{h.name}: got {code}, expected one of {sorted(h.expect)}"
    if photo is not None:
        check_clean(h, photo.display, photo.thumb)


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """An app for the request-free helpers (no database is touched)."""
    tmp = tmp_path_factory.mktemp("hostile")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp / 'unused.db'}",
                      "UPLOAD_DIR": str(tmp / "uploads"), "PHOTO_MAX_PIXELS": MAX_PIXELS,
                      "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["db_engine"].dispose()


def test_process_uploads_names_each_refused_file(bare_app):
    with bare_app.test_request_context():
        for h in CORPUS:
            photos, message = process_uploads([FileStorage(io.BytesIO(h.data), h.filename, "photos",
                                                           h.content_type)])
            if message is None:
                assert "accept" in h.expect and len(photos) == 1, h.name
            else:
                assert h.expect != hostile_corpus.ACCEPT and photos == [], h.name
                assert f"({h.named})" in message, f"{h.name}: {message!r}"
                assert not any(c in message for c in "\x00\u202e\u200b\x1b"), h.name


def test_a_batch_with_one_bad_file_keeps_none(bare_app):
    good = next(h for h in CORPUS if h.name == "jpeg-exif-gps-makernote")
    bad = next(h for h in CORPUS if h.name == "svg-as-png")
    with bare_app.test_request_context():
        photos, message = process_uploads([FileStorage(io.BytesIO(h.data), h.filename, "photos")
                                           for h in (good, bad, good)])
    assert photos == [] and "(cat.png)" in message and "(photo.jpg)" not in message


# ---------------------------------------------------------------------------------------------- routes

@pytest.fixture
def app_config(app_config):
    app_config["PHOTO_MAX_PIXELS"] = MAX_PIXELS
    return app_config


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def stored_files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


class Ledger:
    """What is stored before a submission, to compare after it."""

    def __init__(self, app, session, models):
        self.app, self.session, self.models = app, session, models
        self.before = self.snapshot()

    def snapshot(self):
        return {m.__name__: count(self.session, m) for m in (*self.models, Photo)}, stored_files(self.app)

    def unchanged(self) -> bool:
        return self.snapshot() == self.before

    def new_photos(self) -> list[Photo]:
        self.session.expire_all()
        return list(self.session.exec(select(Photo).order_by(Photo.id.desc()))
                    .all()[: count(self.session, Photo) - self.before[0]["Photo"]])


def files_match_rows(app, session) -> bool:
    """Every file in UPLOAD_DIR is a display or thumbnail of a Photo row (no stray or temporary files)."""
    keys = set()
    for row in session.exec(select(Photo)):
        keys |= {row.display_key, row.thumb_key}
    return stored_files(app) == keys


def check_served(client, app, h, rows: list[Photo]) -> list[str]:
    problems = []
    for row in rows:
        for size in ("display", "thumb"):
            response = client.get(f"/photos/{row.id}/{size}")
            if response.status_code != 200 or response.mimetype != "image/jpeg" or \
                    response.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{h.name}: /photos/{row.id}/{size} {response.status_code} {response.mimetype}")
        root = Path(app.config["UPLOAD_DIR"])
        try:
            check_clean(h, (root / row.display_key).read_bytes(), (root / row.thumb_key).read_bytes())
        except AssertionError as exc:
            problems.append(str(exc))
    return problems


def judge(h, response, ledger, client, app, session, *, accepted_status, named_in) -> list[str]:
    """Problems with one submission of `h` (an empty list when it was handled as it must be)."""
    status = response.status_code
    if status >= 500:
        return [f"{h.name}: {status}"]
    if 400 <= status < 500:
        if not h.expect - hostile_corpus.ACCEPT:
            return [f"{h.name}: refused ({status}) but must be accepted"]
        problems = [] if ledger.unchanged() else [f"{h.name}: refused but something was stored"]
        text = named_in(response)
        if str(escape(h.named)) not in text and h.named not in text:
            problems.append(f"{h.name}: the refusal does not name {h.named!r}")
        if response.mimetype == "text/html" and "<img src=x" in response.get_data(as_text=True):
            problems.append(f"{h.name}: raw markup from the file name in the page")
        return problems
    if status not in accepted_status:
        return [f"{h.name}: unexpected {status}"]
    if "accept" not in h.expect:
        return [f"{h.name}: accepted but must be refused with {sorted(h.expect)}"]
    rows = ledger.new_photos()
    problems = [] if len(rows) == 1 else [f"{h.name}: {len(rows)} photo rows"]
    if not files_match_rows(app, session):
        problems.append(f"{h.name}: files in UPLOAD_DIR do not match the photo rows")
    return problems + check_served(client, app, h, rows)


def html_text(response) -> str:
    return response.get_data(as_text=True)


def json_errors(response) -> str:
    body = response.get_json(silent=True) or {}
    return " ".join(str(v) for v in (body.get("errors") or {}).values())


def test_whole_corpus_through_complaint_filing(client, session, base_data, app):
    """The public path takes every hostile file, one complaint per file."""
    problems = []
    for h in CORPUS:
        ledger = Ledger(app, session, (Complaint,))
        form = complaint_form(base_data, client_uuid=str(uuid.uuid4()), photos=[upload(h)])
        response = client.post("/complaints", data=form, content_type="multipart/form-data")
        problems += judge(h, response, ledger, client, app, session, accepted_status={302, 303},
                          named_in=html_text)
        if response.status_code in (302, 303) and count(session, Complaint) != ledger.before[0]["Complaint"] + 1:
            problems.append(f"{h.name}: no complaint saved")
    assert problems == []


def test_subset_through_adding_information(client, session, base_data, app, make_complaint):
    complaint = make_complaint()
    assert client.post("/track", data={"code": complaint.tracking_code, "phone_last4": "5678"}).status_code == 303
    problems = []
    for h in SUBSET:
        ledger = Ledger(app, session, ())
        response = client.post(f"/track/{complaint.tracking_code}/info",
                               data={"note": "补充照片", "photos": [upload(h)]}, content_type="multipart/form-data")
        problems += judge(h, response, ledger, client, app, session, accepted_status={302, 303},
                          named_in=html_text)
    assert problems == []


def test_subset_through_inspections(client, session, base_data, app, login_as):
    login_as("inspector")
    _t, items = template(session)
    problems = []
    for h in SUBSET:
        ledger = Ledger(app, session, (Inspection,))
        form = inspection_form(session, base_data)
        form[f"item-{items[3].id}-photos"] = [upload(h)]
        response = client.post("/inspections", data=form, headers=JSON, content_type="multipart/form-data")
        problems += judge(h, response, ledger, client, app, session, accepted_status={201}, named_in=json_errors)
    assert problems == []


def test_subset_through_outreach_events(client, session, base_data, app, login_as):
    from test_outreach_events import event_form
    login_as("volunteer")
    problems = []
    for h in SUBSET:
        ledger = Ledger(app, session, (OutreachEvent,))
        response = client.post("/events", data=event_form(photos=[upload(h)]), headers=JSON,
                               content_type="multipart/form-data")
        problems += judge(h, response, ledger, client, app, session, accepted_status={201}, named_in=json_errors)
    assert problems == []


def ten_photos():
    return [(io.BytesIO(jpeg_bytes(size=(20, 20))), f"p{n}.jpg", "image/jpeg") for n in range(10)]


def test_more_photos_than_allowed_is_refused_everywhere(client, session, base_data, app, login_as,
                                                        make_complaint):
    from test_outreach_events import event_form
    assert app.config["PHOTO_MAX_COUNT"] == 9
    ledger = Ledger(app, session, (Complaint, Inspection, OutreachEvent))
    filed = client.post("/complaints", data=complaint_form(base_data, photos=ten_photos()),
                        content_type="multipart/form-data")
    assert filed.status_code == 422 and ledger.unchanged()
    complaint = make_complaint()
    client.post("/track", data={"code": complaint.tracking_code, "phone_last4": "5678"})
    ledger = Ledger(app, session, (Complaint, Inspection, OutreachEvent))
    info = client.post(f"/track/{complaint.tracking_code}/info", data={"note": "x", "photos": ten_photos()},
                       content_type="multipart/form-data")
    assert info.status_code == 422 and ledger.unchanged()
    login_as("volunteer")
    event = client.post("/events", data=event_form(photos=ten_photos()), headers=JSON,
                        content_type="multipart/form-data")
    assert event.status_code == 422 and "photos" in event.get_json()["errors"] and ledger.unchanged()


@pytest.mark.parametrize("csrf", [False, True])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_request_over_the_size_limit_is_a_friendly_413(app_config, csrf, htmx):
    app_config.update(MAX_CONTENT_LENGTH=200_000, WTF_CSRF_ENABLED=csrf)
    app = create_app(app_config)
    try:
        headers = {"HX-Request": "true"} if htmx else {}
        response = app.test_client().post(
            "/complaints", headers=headers, content_type="multipart/form-data",
            data={"description": "x", "photos": [(io.BytesIO(os.urandom(300_000)), "big.jpg", "image/jpeg")]})
        assert response.status_code == 413 and response.mimetype == "text/html"
        assert "413" in response.get_data(as_text=True) or htmx
    finally:
        app.extensions["db_engine"].dispose()
