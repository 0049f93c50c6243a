"""Tests for the photo pipeline and content-addressed storage (fixtures built in code)."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import warnings
import zlib

import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageCms, ImageFile

from webapp.media import photos
from webapp.media.photos import PhotoError, ProcessedPhoto, process_photo
from webapp.media.storage import LocalStorage, make_key, validate_key

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def run(data: bytes, **kw) -> ProcessedPhoto:
    kw = {"max_bytes": 20 * 2**20, "max_pixels": 40_000_000, **kw}
    return process_photo(io.BytesIO(data), **kw)


def encode(img: Image.Image, fmt: str = "JPEG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def halves(size=(200, 100)) -> Image.Image:
    """Left half red, right half blue: shows where a rotation moved things."""
    img = Image.new("RGB", size, BLUE)
    img.paste(RED, (0, 0, size[0] // 2, size[1]))
    return img


def noisy(size) -> Image.Image:
    return Image.merge("RGB", [Image.effect_noise(size, 40).convert("L") for _ in range(3)])


def exif_with(tags: dict) -> Image.Exif:
    exif = Image.Exif()
    exif.update(tags)
    return exif


def close(px, want, tol=40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(px, want))


def max_diff(a: Image.Image, b: Image.Image) -> int:
    return max(hi for _, hi in ImageChops.difference(a, b).getextrema())


def clean_jpeg(b: bytes) -> Image.Image:
    """Decode output and assert it is an RGB JPEG carrying no metadata at all."""
    img = Image.open(io.BytesIO(b))
    img.load()
    assert img.format == "JPEG" and img.mode == "RGB"
    assert len(img.getexif()) == 0
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"):
        assert key not in img.info, key
    for marker in (b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap/"):
        assert marker not in b
    assert b"\xff\xfe" not in b[: b.find(b"\xff\xda")]  # no COM segment before the scan
    return img


def heic(img: Image.Image, **kw) -> bytes:
    if not pillow_heif.libheif_info().get("HEIF"):
        pytest.skip("this libheif has no HEVC encoder, so no HEIC fixture can be built")
    buf = io.BytesIO()
    try:
        pillow_heif.from_pillow(img).save(buf, format="HEIF", quality=90, **kw)
    except Exception as exc:  # encoder listed but unusable in this build
        pytest.skip(f"pillow_heif could not encode HEIC here: {exc}")
    return buf.getvalue()


def png_bomb(w: int, h: int) -> bytes:
    """A sub-kilobyte PNG whose header declares w×h one-bit pixels."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(10_000))) + chunk(b"IEND", b"")


def code_of(data: bytes, **kw) -> str:
    with pytest.raises(PhotoError) as info:
        run(data, **kw)
    assert str(info.value)  # a human message as well as the code
    return info.value.code


# --- orientation and metadata ---------------------------------------------------------


@pytest.mark.parametrize("size", [(200, 100), (4000, 3000)])  # small, and large via draft mode
def test_exif_orientation_is_applied(size):
    out = run(encode(halves(size), exif=exif_with({0x0112: 6}), quality=95))
    w, h = (size[1], size[0]) if max(size) <= 1600 else (1200, 1600)
    assert (out.width, out.height) == (w, h)
    img = clean_jpeg(out.display)
    # Rotating 90° clockwise moves the left (red) half to the top.
    assert close(img.getpixel((w // 2, h // 5)), RED)
    assert close(img.getpixel((w // 2, h * 4 // 5)), BLUE)
    assert clean_jpeg(out.thumb).size == ((w, h) if h <= 320 else (240, 320))


def test_gps_and_all_metadata_removed():
    gps = {1: "N", 2: (22.0, 32.0, 10.5), 3: "E", 4: (114.0, 10.0, 5.0)}
    exif = exif_with({0x010F: "PhoneMaker", 0x0132: "2024:05:01 10:00:00", 0x8825: gps})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/xap/1.0/"/></x:xmpmeta>'
    src = encode(noisy((300, 200)), exif=exif, icc_profile=icc, xmp=xmp, comment=b"secret")
    probe = Image.open(io.BytesIO(src))  # the fixture really carries what we strip
    assert probe.getexif().get_ifd(0x8825)[1] == "N" and {"icc_profile", "comment"} <= probe.info.keys()
    out = run(src)
    clean_jpeg(out.display)
    clean_jpeg(out.thumb)
    assert b"secret" not in out.display and b"PhoneMaker" not in out.display


# --- formats ----------------------------------------------------------------------------


def test_heic_is_read_and_its_orientation_applied_once():
    out = run(heic(halves((640, 480))))
    assert out.source_format == "HEIF"
    assert close(clean_jpeg(out.display).getpixel((100, 240)), RED)
    # pillow_heif applies the rotation itself and resets EXIF to 1: no double rotation.
    out = run(heic(halves(), exif=exif_with({0x0112: 6}).tobytes()))
    img = clean_jpeg(out.display)
    assert img.size == (100, 200) and close(img.getpixel((50, 40)), RED)


def alpha_png() -> bytes:
    img = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 60, 80))
    return encode(img, "PNG")


def palette_png() -> bytes:
    img = Image.new("P", (120, 80), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 60, 80))
    return encode(img, "PNG", transparency=0)


@pytest.mark.parametrize(
    "fmt, build, right",
    [
        ("PNG", alpha_png, WHITE),  # transparency flattened onto white
        ("PNG", palette_png, WHITE),
        ("WEBP", lambda: encode(halves((120, 80)), "WEBP", quality=90), BLUE),
        ("JPEG", lambda: encode(halves((120, 80)).convert("CMYK")), BLUE),
        ("JPEG", lambda: encode(Image.new("L", (120, 80), 0)), None),  # greyscale
        ("MPO", lambda: encode(halves((120, 80)), "MPO", save_all=True, append_images=[halves()]), BLUE),
    ],
)
def test_formats_become_rgb_jpeg(fmt, build, right):
    src = build()
    assert Image.open(io.BytesIO(src)).format == fmt
    out = run(src)
    assert out.source_format == ("JPEG" if fmt == "MPO" else fmt)  # MPO is a phone JPEG
    img = clean_jpeg(out.display)
    if right:
        assert close(img.getpixel((20, 40)), RED, tol=60) and close(img.getpixel((100, 40)), right, tol=60)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "I;16"])
def test_png_modes(mode):
    src = encode(Image.new(mode, (50, 40), 32768 if mode == "I;16" else 0), "PNG")
    img = clean_jpeg(run(src).display)
    if mode == "I;16":  # 16-bit is scaled to 8, not clipped to white
        assert close(img.getpixel((25, 20)), (128, 128, 128), tol=3)


# --- sizes ------------------------------------------------------------------------------


def test_large_jpeg_downscaled_and_hashed():
    out = run(encode(noisy((4000, 3000)), quality=90))
    assert (out.width, out.height) == (1600, 1200) == clean_jpeg(out.display).size
    assert clean_jpeg(out.thumb).size == (320, 240)
    assert out.display_sha256 == hashlib.sha256(out.display).hexdigest()
    assert out.thumb_sha256 == hashlib.sha256(out.thumb).hexdigest()


def test_small_image_not_upscaled_and_custom_edges():
    src = encode(halves(), "PNG")
    out = run(src)
    assert (out.width, out.height) == (200, 100) and out.source_bytes == len(src)
    assert out.thumb == out.display  # nothing to shrink: one encode
    out = run(encode(noisy((1000, 500))), display_edge=500, thumb_edge=50)
    assert (out.width, out.height) == (500, 250) and clean_jpeg(out.thumb).size == (50, 25)


def test_threads_do_not_change_the_result(monkeypatch):
    src = noisy((2000, 1500))
    for size in [(1600, 1200), (1599, 1199), (1200, 900)]:  # column strips join seamlessly
        assert max_diff(photos._resize(src, size), src.resize(size, Image.Resampling.LANCZOS)) <= 1
    jpeg = encode(noisy((3000, 2000)), quality=90)
    threaded = run(jpeg)
    monkeypatch.setattr(photos, "_THREADS", 1)
    assert max_diff(clean_jpeg(run(jpeg).display), clean_jpeg(threaded.display)) <= 2


def test_worker_thread_errors_reach_the_caller():
    def boom():
        raise OSError("broken")

    with pytest.raises(OSError):
        photos._both(lambda: 1, boom)


# --- rejections -------------------------------------------------------------------------


def test_bombs_rejected(monkeypatch):
    assert len(png_bomb(20_000, 20_000)) < 1000
    assert code_of(png_bomb(20_000, 20_000)) == "too_many_pixels"  # Pillow's own hard limit
    before = list(warnings.filters)
    # 100 MP sits between Pillow's warning and error limits; our cap is out of the way.
    assert code_of(png_bomb(10_000, 10_000), max_pixels=10**9) == "too_many_pixels"
    assert warnings.filters == before  # the escalation to an error stayed local
    # 48 MP passes Pillow but not our cap, and is refused before any decoding.
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    assert code_of(png_bomb(8000, 6000)) == "too_many_pixels"


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    "data, code",
    [(encode(halves(), fmt), "unsupported_format") for fmt in ("GIF", "BMP", "TIFF")]
    + [(b"", "not_image"), (b"a receipt, in words", "not_image"), (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not_image")],
)
def test_other_files_rejected(data, code):
    assert code_of(data) == code


def test_pdf_named_jpg_rejected():
    stream = io.BytesIO(PDF)
    stream.name, stream.content_type = "receipt.jpg", "image/jpeg"  # neither may matter
    with pytest.raises(PhotoError) as info:
        process_photo(stream, max_bytes=2**20, max_pixels=10**7)
    assert info.value.code in ("not_image", "unsupported_format")


@pytest.mark.parametrize("fmt, size", [("JPEG", (800, 600)), ("JPEG", (3200, 2400)), ("PNG", (300, 200))])
def test_truncated_files_are_corrupt(fmt, size):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    src = encode(noisy(size), fmt)
    assert code_of(src[: len(src) // 2]) == "corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_too_large_rejected_without_decoding(monkeypatch):
    src = encode(noisy((200, 200)))
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("opened"))
    assert code_of(src, max_bytes=1000) == "too_large"


class ReadOnly:
    """A stream with no seek/tell, like one read straight off a socket."""

    def __init__(self, data: bytes):
        self.read = io.BytesIO(data).read


def test_unseekable_stream_is_still_bounded():
    src = encode(noisy((200, 200)))
    with pytest.raises(PhotoError) as info:
        process_photo(ReadOnly(src), max_bytes=1000, max_pixels=10**7)
    assert info.value.code == "too_large"
    assert process_photo(ReadOnly(src), max_bytes=2**20, max_pixels=10**7).source_bytes == len(src)


def test_damaged_files_only_raise_photo_error():
    rng = random.Random(1234)
    seeds = [encode(noisy((64, 48)), fmt) for fmt in ("JPEG", "PNG", "WEBP")]
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            run(bytes(data[: rng.randrange(1, len(data) + 1)]))
        except PhotoError:
            pass


# --- storage ----------------------------------------------------------------------------


def test_storage_round_trip_and_idempotent_save(tmp_path):
    store = LocalStorage(tmp_path)
    data = b"jpeg bytes"
    sha = hashlib.sha256(data).hexdigest()
    key = store.save(data, sha)
    assert key == f"{sha[:2]}/{sha[2:4]}/{sha}.jpg" == make_key(sha) == validate_key(key)
    assert store.exists(key) and store.open(key) == data
    assert store.path(key) == tmp_path.resolve() / key
    assert [p.name for p in store.path(key).parent.iterdir()] == [f"{sha}.jpg"]  # no temp file left
    inode = store.path(key).stat().st_ino
    # Saving again writes nothing (the same file, not a new one renamed over it); it only touches its time,
    # so `flask media cleanup` sees a file an upload has just taken over as young.
    assert store.save(data, sha) == key and store.path(key).stat().st_ino == inode
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # deleting twice is fine
    with pytest.raises(ValueError):
        store.save(b"other", sha)  # digest must match the content
    with pytest.raises(ValueError):
        make_key(sha, "/../x")


H = "a" * 64
BAD_KEYS = ["", "../etc/passwd", "/etc/passwd", "ab/cd/../../../etc/passwd", f"aa\\aa\\{H}.jpg",
            f"ab/cd/{H}.jpg",  # fan-out directories do not match the digest
            f"aa/aa/{H[1:]}.jpg", f"aa/aa/{H.upper()}.jpg", f"aa/aa/{H}", f"aa/aa/{H}.jpg/.."]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_storage_rejects_bad_keys(tmp_path, key):
    store = LocalStorage(tmp_path)
    for op in (store.path, store.open, store.exists, store.delete):
        with pytest.raises(ValueError):
            op(key)
