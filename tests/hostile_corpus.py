"""A corpus of hostile uploads, built in memory at test time (no binaries are committed).

Each `Hostile` has the name and Content-Type a client would send, the bytes, and what must happen:
  ACCEPT           — stored as a clean re-encoded JPEG (optionally with the upright quadrant layout checked);
  refuse(*codes)   — refused with one of these PhotoError codes;
  either(*codes)   — damaged data where decoding may or may not succeed: either stored cleanly or refused
                     with one of these codes (flipped bytes in entropy-coded data are often still decodable).
`build(max_pixels)` builds the corpus around a pixel limit so that the boundary cases sit on it exactly.
"""
from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass, field

import pillow_heif
from PIL import Image, ImageCms

ACCEPT = frozenset({"accept"})
BOMB = "too_many_pixels"
CORRUPT = "corrupt"
NOT_IMAGE = "not_image"
UNSUPPORTED = "unsupported_format"

# Quadrant colours of the reference picture: top-left, top-right, bottom-left, bottom-right.
QUADRANTS = ((255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255))


def refuse(*codes: str) -> frozenset:
    return frozenset(codes)


def either(*codes: str) -> frozenset:
    return frozenset({"accept", *codes})


@dataclass(frozen=True)
class Hostile:
    name: str                # a short id for reports
    family: str              # one of FAMILIES: the routes other than the full one take one file per family
    data: bytes
    expect: frozenset        # "accept" and/or PhotoError codes
    filename: str = "photo.jpg"
    content_type: str = "image/jpeg"
    upright: bool = False    # output must show QUADRANTS in place (the orientation cases)
    size: tuple[int, int] | None = None  # expected display size, when known
    absent: tuple[bytes, ...] = field(default=())  # byte strings that must not survive into the output
    shown: str | None = None  # how a refusal message names the file, when not simply `filename`

    @property
    def named(self) -> str:
        return self.filename if self.shown is None else self.shown

    @property
    def accepted(self) -> bool:
        return "accept" in self.expect

    @property
    def refused_only(self) -> bool:
        return "accept" not in self.expect


# ---------------------------------------------------------------------------------------------- builders

def save(img: Image.Image, fmt: str = "JPEG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def quadrants(size=(200, 120)) -> Image.Image:
    """Four coloured quadrants: any rotation or flip moves a colour to another corner."""
    w, h = size
    img = Image.new("RGB", size)
    for (x, y), colour in zip(((0, 0), (1, 0), (0, 1), (1, 1)), QUADRANTS):
        img.paste(colour, (x * w // 2, y * h // 2, (x + 1) * w // 2, (y + 1) * h // 2))
    return img


def noisy(size=(160, 120), seed=1) -> Image.Image:
    rnd = random.Random(seed)
    return Image.frombytes("RGB", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * 3)))


def chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc & 0xFFFFFFFF)


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def raw_png(width: int, height: int, depth: int, colour: int, rows: bytes | None = None,
            extra: tuple[bytes, ...] = (), idat: bytes | None = None) -> bytes:
    """A PNG written by hand (for what Pillow will not write: 16-bit RGB, huge headers, bombs)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    if idat is None:
        idat = zlib.compress(rows if rows is not None else b"", 9)
    return PNG_SIG + chunk(b"IHDR", ihdr) + b"".join(extra) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png16(width: int, height: int, colour: int) -> bytes:
    """A 16-bit-per-channel gradient PNG of colour type 0 (grey), 2 (RGB), 4 (grey+alpha) or 6 (RGBA)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            for c in range(channels):
                value = (x * 65535 // max(1, width - 1)) if c != channels - 1 or colour in (0, 2) else 40000
                rows += struct.pack(">H", (value + y * 97 * c) & 0xFFFF)
    return raw_png(width, height, 16, colour, bytes(rows))


def jpeg_with_segment(jpeg: bytes, marker: int, body: bytes) -> bytes:
    """Insert one APPn/COM segment right after SOI."""
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def jpeg_header_only(width: int, height: int) -> bytes:
    """SOI, one quantisation table, a baseline SOF declaring width×height, and nothing to decode."""
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + dqt + sof + b"\xff\xd9"


def exif_bytes(tags: dict, gps: dict | None = None) -> bytes:
    exif = Image.Exif()
    exif.update(tags)
    if gps:
        exif[0x8825] = gps
    return exif.tobytes()


def heic(img: Image.Image, **kw) -> bytes | None:
    """HEIC through pillow-heif, or None when this libheif has no encoder."""
    if not pillow_heif.libheif_info().get("HEIF"):
        return None
    buf = io.BytesIO()
    try:
        pillow_heif.from_pillow(img).save(buf, format="HEIF", quality=80, **kw)
    except Exception:
        return None
    return buf.getvalue()


def webp_vp8x(width: int, height: int) -> bytes:
    """A WebP container whose VP8X header declares a huge canvas, followed by a tiny real bitstream."""
    small = save(Image.new("RGB", (8, 8), (9, 9, 9)), "WEBP", lossless=True)
    vp8l = small[12:]  # the VP8L chunk of the small image
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + \
        (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


def vp8l_header(width: int, height: int) -> bytes:
    """A lossless WebP whose own bitstream header declares width×height (max 16384 each)."""
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 16
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def flip(data: bytes, seed: int, count: int, start: int) -> bytes:
    rnd = random.Random(seed)
    out = bytearray(data)
    for _ in range(count):
        i = rnd.randrange(start, len(out))
        out[i] ^= 1 << rnd.randrange(8)
    return bytes(out)


def sos_offset(jpeg: bytes) -> int:
    return jpeg.index(b"\xff\xda")


# Inverse of the transpose that each EXIF orientation asks for: stored = INVERSE[o](upright).
INVERSE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


# ---------------------------------------------------------------------------------------------- the corpus

def build(max_pixels: int) -> list[Hostile]:
    """Every hostile file, around the pixel limit `max_pixels` (use a small one in tests: decoding is slow).

    At least 2 MP, so that the large orientation case (1800×1100) fits under it.
    """
    assert max_pixels >= 1800 * 1100, "the corpus needs a pixel limit of at least 1800x1100"
    out: list[Hostile] = []
    add = out.append
    base = save(noisy(), "JPEG", quality=85)
    base_png = save(noisy(), "PNG")
    base_webp = save(noisy(), "WEBP", quality=80)
    rgb = noisy()

    # --- bombs and dimensions
    add(Hostile("png-100000x100000", "bomb", raw_png(100_000, 100_000, 8, 2, idat=zlib.compress(b"\0" * 1000)),
                refuse(BOMB), "bomb.png", "image/png"))
    add(Hostile("png-1x4000000000", "bomb", raw_png(1, 4_000_000_000, 8, 0, idat=zlib.compress(b"\0" * 100)),
                refuse(BOMB, CORRUPT), "tall.png", "image/png"))
    side = int(max_pixels ** 0.5) + 1
    add(Hostile("png-header-over-limit", "bomb", raw_png(side, side, 8, 2, idat=zlib.compress(b"\0" * 100)),
                refuse(BOMB), "big.png", "image/png"))
    add(Hostile("jpeg-65500x65500", "bomb", jpeg_header_only(65500, 65500), refuse(BOMB)))
    add(Hostile("jpeg-header-over-limit", "bomb", jpeg_header_only(side, side), refuse(BOMB)))
    add(Hostile("webp-vp8x-16384x16384", "bomb", webp_vp8x(16384, 16384), refuse(BOMB, CORRUPT), "b.webp",
                "image/webp"))
    add(Hostile("webp-vp8l-16384x16384", "bomb", vp8l_header(16384, 16384), refuse(BOMB, CORRUPT), "c.webp",
                "image/webp"))
    # 1000x1000 grey, but the IDAT inflates to 64 MB: the decoder must stop at the image's own size.
    bomb_idat = zlib.compress(b"\0" * (64 * 2**20), 9)
    add(Hostile("png-zlib-bomb-idat", "bomb", raw_png(1000, 1000, 8, 0, idat=bomb_idat), either(CORRUPT),
                "zbomb.png", "image/png"))
    ztxt = chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (32 * 2**20), 9))
    add(Hostile("png-ztxt-bomb", "bomb", raw_png(4, 4, 8, 0, b"\0\0\0\0\0" * 4, extra=(ztxt,)),
                either(CORRUPT), "ztxt.png", "image/png", absent=(b"AAAAAAAA",)))
    iccp = chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(b"\0" * (32 * 2**20), 9))
    add(Hostile("png-iccp-bomb", "bomb", raw_png(4, 4, 8, 0, b"\0\0\0\0\0" * 4, extra=(iccp,)),
                either(CORRUPT), "iccp.png", "image/png"))
    # On the limit exactly (accepted) and one row over (refused), with real pixels.
    w = 2000 if max_pixels >= 2000 else max_pixels
    h = max_pixels // w
    add(Hostile("jpeg-at-pixel-limit", "dimensions", save(Image.new("RGB", (w, h), (10, 120, 200)), quality=60),
                ACCEPT, "limit.jpg"))
    add(Hostile("jpeg-one-row-over-limit", "dimensions",
                save(Image.new("RGB", (w, h + 1), (10, 120, 200)), quality=60), refuse(BOMB), "over.jpg"))
    add(Hostile("png-1x1", "dimensions", save(Image.new("RGB", (1, 1), (1, 2, 3)), "PNG"), ACCEPT, "dot.png",
                "image/png", size=(1, 1)))
    add(Hostile("jpeg-1x1200-strip", "dimensions", save(Image.new("RGB", (1, 1200), (0, 0, 0))), ACCEPT,
                size=(1, 1200)))
    add(Hostile("jpeg-3000x2-panorama", "dimensions", save(Image.new("RGB", (3000, 2), (0, 0, 0))), ACCEPT,
                size=(1600, 1)))
    add(Hostile("png-width-0", "dimensions", raw_png(0, 10, 8, 0, b""), refuse(CORRUPT, NOT_IMAGE), "zero.png",
                "image/png"))
    add(Hostile("jpeg-sof-width-0", "dimensions", jpeg_header_only(0, 100), refuse(CORRUPT, NOT_IMAGE)))

    # --- truncated and corrupt
    for cut in (1, 2, 3, 4, 11, 20, 100, 200):
        add(Hostile(f"jpeg-cut-at-{cut}", "truncated", base[:cut], refuse(NOT_IMAGE, CORRUPT)))
    scan = sos_offset(base)
    for frac in (0.5, 0.75, 0.95):
        cut = scan + int((len(base) - scan) * frac)
        add(Hostile(f"jpeg-cut-in-scan-{int(frac * 100)}", "truncated", base[:cut], refuse(CORRUPT)))
    add(Hostile("jpeg-no-eoi", "truncated", base[:-2], either(CORRUPT)))
    for cut in (4, 8, 16, 29, 33, 60):
        add(Hostile(f"png-cut-at-{cut}", "truncated", base_png[:cut], refuse(NOT_IMAGE, CORRUPT), "t.png",
                    "image/png"))
    add(Hostile("png-cut-in-idat", "truncated", base_png[: len(base_png) // 2], refuse(CORRUPT), "t.png",
                "image/png"))
    add(Hostile("png-no-iend", "truncated", base_png[:-12], either(CORRUPT), "t.png", "image/png"))
    for cut in (12, 30, len(base_webp) // 2):
        add(Hostile(f"webp-cut-at-{cut}", "truncated", base_webp[:cut], refuse(NOT_IMAGE, CORRUPT), "t.webp",
                    "image/webp"))
    for seed in range(8):
        add(Hostile(f"jpeg-flipped-scan-{seed}", "corrupt", flip(base, seed, 6, scan + 20), either(CORRUPT)))
    for seed in range(4):
        add(Hostile(f"jpeg-flipped-header-{seed}", "corrupt", flip(base, 100 + seed, 3, 2)[:scan] + base[scan:],
                    either(CORRUPT, NOT_IMAGE, BOMB)))
    for seed in range(4):
        add(Hostile(f"png-flipped-{seed}", "corrupt", flip(base_png, 200 + seed, 4, 33), either(CORRUPT),
                    "f.png", "image/png"))
    add(Hostile("webp-flipped", "corrupt", flip(base_webp, 300, 6, 30), either(CORRUPT, NOT_IMAGE), "f.webp",
                "image/webp"))
    ihdr_bad_crc = PNG_SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0), crc=0x12345678) + \
        base_png[33:]
    add(Hostile("png-bad-ihdr-crc", "corrupt", ihdr_bad_crc, refuse(CORRUPT, NOT_IMAGE), "crc.png", "image/png"))
    idat_at = base_png.index(b"IDAT") - 4
    idat_len = struct.unpack(">I", base_png[idat_at:idat_at + 4])[0]
    crc_at = idat_at + 8 + idat_len
    bad_idat_crc = base_png[:crc_at] + b"\0\0\0\0" + base_png[crc_at + 4:]
    add(Hostile("png-bad-idat-crc", "corrupt", bad_idat_crc, either(CORRUPT), "crc.png", "image/png"))
    dht = base.index(b"\xff\xc4")
    bogus = bytearray(base)
    bogus[dht + 5: dht + 21] = b"\xff" * 16  # code counts sum far past 256: a bogus Huffman table
    add(Hostile("jpeg-bogus-huffman", "corrupt", bytes(bogus), refuse(CORRUPT)))
    no_dht = bytearray(base)
    no_dht[dht + 1] = 0xEE  # the table becomes an unknown APP14 segment: the scan has no Huffman table
    add(Hostile("jpeg-missing-huffman", "corrupt", bytes(no_dht), either(CORRUPT)))
    add(Hostile("jpeg-soi-only", "corrupt", b"\xff\xd8\xff\xd9", refuse(CORRUPT, NOT_IMAGE)))
    add(Hostile("png-signature-only", "corrupt", PNG_SIG, refuse(CORRUPT, NOT_IMAGE), "s.png", "image/png"))
    add(Hostile("riff-webp-empty", "corrupt", b"RIFF\x04\x00\x00\x00WEBP", refuse(CORRUPT, NOT_IMAGE), "e.webp",
                "image/webp"))
    add(Hostile("heic-ftyp-only", "corrupt", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
                refuse(CORRUPT, NOT_IMAGE), "e.heic", "image/heic"))

    # --- polyglots and disguises
    zip_blob = b"PK\x03\x04" + b"\x14\x00" * 10 + b"evil.jsp" + b"<% Runtime.getRuntime().exec(cmd) %>" + \
        b"PK\x05\x06" + b"\0" * 18
    add(Hostile("jpeg+zip", "polyglot", base + zip_blob, ACCEPT, absent=(b"PK\x03\x04", b"Runtime")))
    script = b"<script>alert(document.cookie)</script>"
    add(Hostile("jpeg+html", "polyglot", base + b"<html><body>" + script + b"</body></html>", ACCEPT,
                absent=(b"<script",)))
    add(Hostile("jpeg-comment-html", "polyglot", save(rgb, comment=script), ACCEPT, absent=(b"<script",)))
    add(Hostile("jpeg-app-php", "polyglot", jpeg_with_segment(base, 0xEB, b"<?php system($_GET['c']); ?>"),
                ACCEPT, absent=(b"<?php",)))
    gif = save(Image.new("P", (4, 4)), "GIF")
    add(Hostile("gifar", "polyglot", gif + zip_blob, refuse(UNSUPPORTED), "gifar.gif", "image/gif"))
    text = chunk(b"tEXt", b"Comment\x00" + script)
    add(Hostile("png-text-script", "polyglot", base_png[:33] + text + base_png[33:], ACCEPT, "t.png", "image/png",
                absent=(b"<script",)))
    add(Hostile("png+zip", "polyglot", base_png + zip_blob, ACCEPT, "z.png", "image/png", absent=(b"PK\x03\x04",)))
    html = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)>" + script + b"</body></html>"
    add(Hostile("html-as-jpg", "polyglot", html, refuse(NOT_IMAGE), "cat.jpg", "image/jpeg"))
    add(Hostile("html-as-png", "polyglot", html, refuse(NOT_IMAGE), "cat.png", "image/png"))
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
           b'onload="alert(1)"><script>alert(2)</script><rect width="100" height="100"/></svg>')
    add(Hostile("svg-as-jpg", "svg", svg, refuse(NOT_IMAGE), "cat.jpg", "image/jpeg"))
    add(Hostile("svg-as-png", "svg", svg, refuse(NOT_IMAGE), "cat.png", "image/png"))
    add(Hostile("svg-as-svg", "svg", svg, refuse(NOT_IMAGE), "cat.svg", "image/svg+xml"))
    add(Hostile("svg-bom-as-webp", "svg", b"\xef\xbb\xbf" + svg, refuse(NOT_IMAGE), "cat.webp", "image/webp"))
    add(Hostile("svgz-as-jpg", "svg", zlib.compress(svg), refuse(NOT_IMAGE), "cat.jpg", "image/jpeg"))
    add(Hostile("jpeg-magic-then-html", "polyglot", b"\xff\xd8\xff\xe0" + html, refuse(CORRUPT, NOT_IMAGE)))
    add(Hostile("png-magic-then-html", "polyglot", PNG_SIG + html, refuse(CORRUPT, NOT_IMAGE), "x.png",
                "image/png"))
    add(Hostile("elf-as-jpg", "polyglot", b"\x7fELF\x02\x01\x01" + b"\0" * 200, refuse(NOT_IMAGE)))
    add(Hostile("zip-as-jpg", "polyglot", zip_blob, refuse(NOT_IMAGE)))
    add(Hostile("text-as-jpg", "polyglot", "发票照片".encode() * 50, refuse(NOT_IMAGE), "发票.jpg"))

    # --- empty and tiny
    add(Hostile("zero-bytes", "empty", b"", refuse(NOT_IMAGE)))
    add(Hostile("one-byte", "empty", b"\xff", refuse(NOT_IMAGE)))
    add(Hostile("two-bytes-soi", "empty", b"\xff\xd8", refuse(NOT_IMAGE, CORRUPT)))
    add(Hostile("nul-kilobyte", "empty", b"\0" * 1024, refuse(NOT_IMAGE)))

    # --- wrong names and types: the content decides
    add(Hostile("jpeg-named-png", "disguise", base, ACCEPT, "x.png", "image/png"))
    add(Hostile("png-named-exe", "disguise", base_png, ACCEPT, "setup.exe", "application/octet-stream"))
    add(Hostile("webp-no-extension", "disguise", base_webp, ACCEPT, "photo", "application/octet-stream"))
    add(Hostile("jpeg-as-text-html", "disguise", base, ACCEPT, "index.html", "text/html"))
    add(Hostile("jpeg-as-svg-type", "disguise", base, ACCEPT, "x.svg", "image/svg+xml"))

    # --- modes and encodings
    cmyk = save(rgb.convert("CMYK"), quality=90)
    add(Hostile("jpeg-cmyk", "modes", cmyk, ACCEPT, size=rgb.size))
    adobe = cmyk.index(b"Adobe")
    ycck = bytearray(cmyk)
    ycck[adobe + 11] = 2  # Adobe transform flag: YCCK
    add(Hostile("jpeg-ycck-flag", "modes", bytes(ycck), ACCEPT, size=rgb.size))
    add(Hostile("jpeg-grey", "modes", save(rgb.convert("L")), ACCEPT, size=rgb.size))
    add(Hostile("jpeg-progressive", "modes", save(rgb, progressive=True, optimize=True), ACCEPT, size=rgb.size))
    add(Hostile("jpeg-444", "modes", save(rgb, subsampling=0), ACCEPT, size=rgb.size))
    add(Hostile("jpeg-restart-markers", "modes", save(rgb, restart_marker_blocks=1), ACCEPT, size=rgb.size))
    add(Hostile("png-16bit-rgb", "modes", png16(40, 30, 2), ACCEPT, "p.png", "image/png", size=(40, 30)))
    add(Hostile("png-16bit-grey", "modes", png16(40, 30, 0), ACCEPT, "p.png", "image/png", size=(40, 30)))
    add(Hostile("png-16bit-grey-alpha", "modes", png16(40, 30, 4), ACCEPT, "p.png", "image/png", size=(40, 30)))
    add(Hostile("png-16bit-rgba", "modes", png16(40, 30, 6), ACCEPT, "p.png", "image/png", size=(40, 30)))
    add(Hostile("png-i16-pillow", "modes", save(Image.new("I;16", (30, 20), 50000), "PNG"), ACCEPT, "p.png",
                "image/png", size=(30, 20)))
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    add(Hostile("png-palette-trns", "modes", save(pal, "PNG", transparency=0), ACCEPT, "p.png", "image/png"))
    add(Hostile("png-palette-1bit", "modes", save(rgb.convert("1"), "PNG"), ACCEPT, "p.png", "image/png"))
    add(Hostile("png-la", "modes", save(rgb.convert("LA"), "PNG"), ACCEPT, "p.png", "image/png"))
    add(Hostile("png-rgba", "modes", save(rgb.convert("RGBA"), "PNG"), ACCEPT, "p.png", "image/png"))
    add(Hostile("png-rgb-trns", "modes", save(rgb, "PNG", transparency=(0, 0, 0)), ACCEPT, "p.png", "image/png"))
    add(Hostile("webp-lossless-alpha", "modes", save(rgb.convert("RGBA"), "WEBP", lossless=True), ACCEPT,
                "p.webp", "image/webp"))
    frames = [Image.new("RGB", (60, 40), c) for c in QUADRANTS]
    add(Hostile("apng-animated", "animated", save(frames[0], "PNG", save_all=True, append_images=frames[1:]),
                ACCEPT, "a.png", "image/png", size=(60, 40)))
    add(Hostile("webp-animated", "animated", save(frames[0], "WEBP", save_all=True, append_images=frames[1:]),
                ACCEPT, "a.webp", "image/webp", size=(60, 40)))
    add(Hostile("gif-animated", "animated", save(frames[0], "GIF", save_all=True, append_images=frames[1:]),
                refuse(UNSUPPORTED), "a.gif", "image/gif"))
    add(Hostile("mpo-two-frames", "animated", save(frames[0], "MPO", save_all=True, append_images=frames[1:2]),
                ACCEPT, size=(60, 40)))
    heics = [("heic-plain", rgb, {}), ("heic-alpha", rgb.convert("RGBA"), {}),
             ("heic-exif-orientation-6", quadrants().transpose(INVERSE[6]),
              {"exif": exif_bytes({0x0112: 6})})]
    for name, img, kw in heics:
        data = heic(img, **kw)
        if data is not None:
            add(Hostile(name, "heic", data, ACCEPT, "IMG_0001.HEIC", "image/heic",
                        upright=name.endswith("-6")))

    # --- metadata that must not survive
    gps = {1: "N", 2: (31.0, 13.0, 49.44), 3: "E", 4: (121.0, 28.0, 25.32), 6: 12.0}
    maker = b"Apple iOS\x00" + b"\x01" * 64 + b"SECRETSERIAL0123"
    add(Hostile("jpeg-exif-gps-makernote", "metadata",
                save(rgb, exif=exif_bytes({0x010F: "Apple", 0x0110: "iPhone 15", 0x927C: maker,
                                           0x9003: "2026:11:01 10:00:00"}, gps)),
                ACCEPT, absent=(b"Exif\x00\x00", b"iPhone", b"SECRETSERIAL")))
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description exif:GPSLatitude="31,13.8N" xmlns:exif="http://ns.adobe.com/exif/1.0/"/>'
           b'</rdf:RDF></x:xmpmeta>')
    add(Hostile("jpeg-xmp", "metadata", jpeg_with_segment(base, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp),
                ACCEPT, absent=(b"xmpmeta", b"GPSLatitude")))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    add(Hostile("jpeg-icc", "metadata", save(rgb, icc_profile=icc), ACCEPT, absent=(b"ICC_PROFILE",)))
    add(Hostile("png-icc", "metadata", save(rgb, "PNG", icc_profile=icc), ACCEPT, "i.png", "image/png"))
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x12\x1c\x02\x78\x00\x0cSECRET-IPTC!"
    add(Hostile("jpeg-iptc", "metadata", jpeg_with_segment(base, 0xED, iptc), ACCEPT,
                absent=(b"Photoshop", b"SECRET-IPTC")))
    add(Hostile("jpeg-comment", "metadata", save(rgb, comment=b"taken at 12 Home St, flat 3"), ACCEPT,
                absent=(b"Home St",)))
    add(Hostile("jpeg-garbage-exif", "metadata", jpeg_with_segment(base, 0xE1, b"Exif\x00\x00II*\x00" +
                                                                   b"\xff" * 40), ACCEPT, absent=(b"Exif",)))
    add(Hostile("jpeg-exif-loop", "metadata",
                jpeg_with_segment(base, 0xE1, b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x69\x87\x04\x00"
                                  b"\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00"), ACCEPT, absent=(b"Exif",)))
    add(Hostile("png-exif-chunk", "metadata",
                base_png[:33] + chunk(b"eXIf", exif_bytes({0x010F: "LeakyCam"}, gps)) + base_png[33:], ACCEPT,
                "e.png", "image/png", absent=(b"LeakyCam",)))
    add(Hostile("webp-exif-xmp-icc", "metadata",
                save(rgb, "WEBP", exif=exif_bytes({0x010F: "LeakyCam"}, gps), xmp=xmp, icc_profile=icc), ACCEPT,
                "m.webp", "image/webp", absent=(b"LeakyCam", b"xmpmeta")))
    for o in range(1, 9):
        stored = quadrants() if INVERSE[o] is None else quadrants().transpose(INVERSE[o])
        add(Hostile(f"jpeg-orientation-{o}", "orientation", save(stored, quality=95, exif=exif_bytes({0x0112: o})),
                    ACCEPT, upright=True, size=(200, 120)))
    png_o6 = save(quadrants().transpose(INVERSE[6]), "PNG", exif=exif_bytes({0x0112: 6}))
    add(Hostile("png-orientation-6", "orientation", png_o6, ACCEPT, "o.png", "image/png", upright=True,
                size=(200, 120)))
    webp_o8 = save(quadrants().transpose(INVERSE[8]), "WEBP", lossless=True, exif=exif_bytes({0x0112: 8}))
    add(Hostile("webp-orientation-8", "orientation", webp_o8, ACCEPT, "o.webp", "image/webp", upright=True,
                size=(200, 120)))
    for o in (0, 9, 65535):
        add(Hostile(f"jpeg-orientation-invalid-{o}", "orientation",
                    save(quadrants(), quality=95, exif=exif_bytes({0x0112: o})), ACCEPT, upright=True,
                    size=(200, 120)))
    # Larger than the display edge (so JPEG draft decoding and the resize run), within a 2 MP limit.
    big_o6 = save(quadrants((1800, 1100)).transpose(INVERSE[6]), quality=80, exif=exif_bytes({0x0112: 6}))
    add(Hostile("jpeg-large-orientation-6", "orientation", big_o6, ACCEPT, upright=True, size=(1600, 978)))

    # --- other formats by magic
    small = Image.new("RGB", (16, 16), (50, 60, 70))
    add(Hostile("pdf", "magic", b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF",
                refuse(UNSUPPORTED), "scan.jpg", "image/jpeg"))
    add(Hostile("tiff-le", "magic", save(small, "TIFF"), refuse(UNSUPPORTED), "t.jpg"))
    add(Hostile("tiff-be", "magic", b"MM\x00*" + b"\0" * 60, refuse(UNSUPPORTED), "t.tif", "image/tiff"))
    add(Hostile("bmp", "magic", save(small, "BMP"), refuse(UNSUPPORTED), "b.bmp", "image/bmp"))
    add(Hostile("ico", "magic", save(small, "ICO"), refuse(UNSUPPORTED), "favicon.ico", "image/x-icon"))
    add(Hostile("psd-magic", "magic", b"8BPS\x00\x01" + b"\0" * 60, refuse(UNSUPPORTED), "p.psd",
                "image/vnd.adobe.photoshop"))
    add(Hostile("gif87a", "magic", b"GIF87a" + save(Image.new("P", (2, 2)), "GIF")[6:], refuse(UNSUPPORTED),
                "g.jpg"))
    add(Hostile("ppm", "magic", save(small, "PPM"), refuse(NOT_IMAGE), "p.jpg"))
    add(Hostile("jpeg2000", "magic", save(small, "JPEG2000") if _has_jpeg2000() else b"\0\0\0\x0cjP  \r\n\x87\n",
                refuse(NOT_IMAGE), "j.jp2", "image/jp2"))

    # --- filenames: a good file under each stored regardless; a bad one is named (escaped) in the message
    # name sent -> the name the refusal message must show (last path part, no control or format characters).
    names = {
        "traversal": ("../../../../etc/passwd.jpg", "passwd.jpg"),
        "windows-traversal": ("..\\..\\windows\\system32\\x.jpg", "x.jpg"),
        "absolute": ("/var/lib/xiaobao/uploads/aa/bb/x.jpg", "x.jpg"),
        "nul": ("a\x00.php.jpg", "a.php.jpg"),
        "rtl-override": ("invoice\u202egpj.exe", "invoicegpj.exe"),
        "300-chars": ("长" * 150 + "x" * 146 + ".jpg", "长" * 60),
        "html": ("<img src=x onerror=alert(1)>.jpg", "<img src=x onerror=alert(1)>.jpg"),
        "terminal-escape": ("a\tb\x1b[31m.jpg", "ab[31m.jpg"),
        "zero-width": ("pho\u200bto\u2060.jpg", "photo.jpg"),
        "emoji": ("📷🍜.jpg", "📷🍜.jpg"),
        "dots": ("....", "...."),
        "uyghur": ("سۈرەت.jpg", "سۈرەت.jpg"),
        "only-format-chars": ("\u202e\u200b", "?"),
    }
    for label, (name, shown) in names.items():
        add(Hostile(f"name-{label}-good", "filename", base, ACCEPT, name))
        add(Hostile(f"name-{label}-bad", "filename", html, refuse(NOT_IMAGE), name, shown=shown))
    return out


def _has_jpeg2000() -> bool:
    from PIL import features
    return bool(features.check("jpg_2000"))


# One file per family for the routes that take a representative subset.
def representatives(corpus: list[Hostile]) -> list[Hostile]:
    seen: dict[str, Hostile] = {}
    preferred = {"bomb": "jpeg-65500x65500", "truncated": "jpeg-cut-in-scan-50", "corrupt": "jpeg-bogus-huffman",
                 "polyglot": "jpeg+html", "svg": "svg-as-jpg", "filename": "name-html-bad",
                 "metadata": "jpeg-exif-gps-makernote", "orientation": "jpeg-orientation-6",
                 "modes": "jpeg-cmyk", "magic": "pdf", "heic": "heic-exif-orientation-6",
                 "animated": "apng-animated", "empty": "zero-bytes", "disguise": "jpeg-named-png",
                 "dimensions": "jpeg-one-row-over-limit"}
    by_name = {h.name: h for h in corpus}
    for family, name in preferred.items():
        if name in by_name:
            seen[family] = by_name[name]
    for h in corpus:
        seen.setdefault(h.family, h)
    return list(seen.values())
