"""Untrusted photo upload pipeline: validate, normalise, strip metadata, resize to JPEG."""

from __future__ import annotations

import hashlib
import io
import math
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, TypeVar

import pillow_heif
from PIL import Image, UnidentifiedImageError

# Registering is idempotent, but doing it once at import keeps the hot path clean.
pillow_heif.register_heif_opener()

# Pillow's format names we accept. MPO is how Pillow labels phone JPEGs that embed
# extra frames (depth maps, previews); it is still a JPEG and supports draft mode.
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF")
_OPEN_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]  # MPO comes out of the JPEG opener

JPEG_QUALITY = 82

# Magic numbers of common non-accepted files, so that we can say "unsupported"
# instead of "not an image" without handing the bytes to every Pillow plugin.
_OTHER_IMAGE_MAGIC = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "PSD"),
    (b"%PDF", "PDF"),
)

# EXIF orientation -> the transpose that displays the image upright (same table as
# ImageOps.exif_transpose). We apply it after downscaling, where it is ~3x cheaper.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS = (Image.Transpose.TRANSPOSE, Image.Transpose.ROTATE_270, Image.Transpose.TRANSVERSE, Image.Transpose.ROTATE_90)

# Pillow releases the GIL while resizing and encoding, so a second thread nearly halves
# the dominant cost. Capped at 2 so one upload cannot monopolise a busy server.
_THREADS = min(2, os.cpu_count() or 1)
_PARALLEL_MIN_PIXELS = 400_000

A = TypeVar("A")
B = TypeVar("B")


class PhotoError(ValueError):
    """A rejected upload; `.code` is a stable machine key, the message is English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    """Display and thumbnail JPEGs derived from one upload, metadata-free."""

    display: bytes
    thumb: bytes
    display_sha256: str
    thumb_sha256: str
    width: int
    height: int
    source_format: str
    source_bytes: int


def _read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Return the stream's remaining bytes, refusing more than max_bytes."""
    try:
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
        # Refuse oversized uploads before reading them into memory at all.
        if end - start > max_bytes:
            raise PhotoError("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    except (AttributeError, OSError, ValueError):
        pass  # not seekable: the bounded read below still enforces the limit
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError("too_large", f"The file is larger than the limit of {max_bytes} bytes.")
    if not data:
        raise PhotoError("not_image", "The file is empty.")
    return data


def _open(data: bytes) -> Image.Image:
    """Identify the format from content and open lazily (header only)."""
    try:
        img = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError("too_many_pixels", "The image has too many pixels.") from exc
    except UnidentifiedImageError as exc:
        for magic, name in _OTHER_IMAGE_MAGIC:
            if data.startswith(magic):
                raise PhotoError(
                    "unsupported_format",
                    f"{name} files are not accepted; please upload a JPEG, PNG, WebP or HEIC photo.",
                ) from exc
        raise PhotoError("not_image", "The file is not a recognised image.") from exc
    except Exception as exc:  # malformed headers can raise nearly anything
        raise PhotoError("corrupt", "The image file is damaged and cannot be read.") from exc
    if img.format not in ACCEPTED_FORMATS:
        img.close()
        raise PhotoError(
            "unsupported_format",
            "This image format is not accepted; please upload a JPEG, PNG, WebP or HEIC photo.",
        )
    return img


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """Scale (w, h) so the long edge is at most `edge`, never upscaling."""
    w, h = size
    long_edge = max(w, h)
    if long_edge <= edge:
        return w, h
    return max(1, round(w * edge / long_edge)), max(1, round(h * edge / long_edge))


def _to_rgb(img: Image.Image) -> Image.Image:
    """Return an RGB image; transparency is flattened onto white."""
    if img.mode == "RGB":
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode.startswith("I;16") or img.mode == "I":
        # 16-bit greyscale: convert() would clip at 255, so scale down to 8 bits.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "PA":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _encode(img: Image.Image) -> bytes:
    """Encode as baseline JPEG with no metadata of any kind."""
    buf = io.BytesIO()
    # Explicit empties: JPEG save would otherwise copy a comment from img.info.
    img.save(buf, format="JPEG", quality=JPEG_QUALITY, exif=b"", comment=b"")
    return buf.getvalue()


def _both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Run two callables concurrently (the second on a helper thread); return both results."""
    if _THREADS < 2:
        return first(), second()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = second()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    helper = threading.Thread(target=run, name="photo-worker", daemon=True)
    helper.start()
    try:
        a = first()
    finally:
        helper.join()
    if "error" in box:
        raise box["error"]
    return a, box["value"]


def _decode(img: Image.Image, max_pixels: int, display_edge: int) -> Image.Transpose | None:
    """Check dimensions, decode (JPEG: at reduced scale, YCbCr when it is so coded); return the pending transpose."""
    w, h = img.size
    if w <= 0 or h <= 0:
        raise PhotoError("corrupt", "The image has no pixels.")
    if w * h > max_pixels:
        raise PhotoError("too_many_pixels", f"The image is {w}x{h} pixels, which is more than allowed.")
    if img.format in ("JPEG", "MPO"):
        target = None
        if max(w, h) > display_edge:
            long_edge = max(w, h)
            # draft() picks its scale from min(w//rw, h//rh): ask for the aspect-preserving
            # target so libjpeg decodes at 1/2, 1/4 or 1/8 but never below display size.
            target = (math.ceil(w * display_edge / long_edge), math.ceil(h * display_edge / long_edge))
        # YCbCr straight out of libjpeg: no colour conversion on the way in or out, and the
        # resize can work on the planes separately (see _display_ycbcr).
        img.draft("YCbCr" if _ycbcr_coded(img) else "RGB", target)
    img.load()
    try:
        # getexif() also picks up an XMP tiff:Orientation when EXIF has none.
        orientation = img.getexif().get(0x0112, 1)
    except Exception:
        orientation = 1  # unreadable EXIF: keep the pixels, lose only the rotation hint
    return _ORIENTATION.get(orientation)


def _strips(
    img: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]
) -> tuple[Callable[[], Image.Image], Callable[[], Image.Image], int]:
    """The left and right column-strip LANCZOS resizes of `box` to `size`, and where they join.

    Column strips sharing one coordinate system are bit-identical to a single resize
    (row strips are not, in Pillow 13), and resize releases the GIL.
    """
    lanczos = Image.Resampling.LANCZOS
    split = size[0] // 2
    x_split = box[0] + split * (box[2] - box[0]) / size[0]
    return (
        lambda: img.resize((split, size[1]), lanczos, box=(box[0], box[1], x_split, box[3])),
        lambda: img.resize((size[0] - split, size[1]), lanczos, box=(x_split, box[1], box[2], box[3])),
        split,
    )


def _join(mode: str, size: tuple[int, int], left: Image.Image, right: Image.Image, split: int) -> Image.Image:
    """Paste the two strips from _strips side by side."""
    out = Image.new(mode, size)
    out.paste(left, (0, 0))
    out.paste(right, (split, 0))
    return out


def _resize(img: Image.Image, size: tuple[int, int], reducing_gap: float | None = None) -> Image.Image:
    """LANCZOS resize, split into column strips across threads when the output is large."""
    if size == img.size:
        return img
    box = (0.0, 0.0, float(img.width), float(img.height))
    if reducing_gap:
        # Cheap integer box reduction first (what Pillow's reducing_gap does), done once
        # for the whole image so that strips share the same pixel grid.
        factor = (int(img.width / size[0] / reducing_gap) or 1, int(img.height / size[1] / reducing_gap) or 1)
        if factor != (1, 1):
            box = (0.0, 0.0, img.width / factor[0], img.height / factor[1])
            img = img.reduce(factor)
    if _THREADS < 2 or size[0] * size[1] < _PARALLEL_MIN_PIXELS:
        return img.resize(size, Image.Resampling.LANCZOS, box=box)
    left, right, split = _strips(img, size, box)
    return _join(img.mode, size, *_both(left, right), split)


def _ycbcr_coded(img: Image.Image) -> bool:
    """Whether libjpeg will take this JPEG's three components as YCbCr (jdapimin.c's rules).

    Only then can it hand out YCbCr: an RGB-coded JPEG (Adobe transform 0, or component
    ids R, G, B and no JFIF marker) must be decoded to RGB or libjpeg refuses.
    """
    layer = getattr(img, "layer", ())
    if img.mode != "RGB" or len(layer) != 3:
        return False
    jfif, transform = False, None
    for app, body in getattr(img, "applist", ()):
        if app == "APP0" and len(body) >= 14 and body.startswith(b"JFIF\x00"):
            jfif = True
        elif app == "APP14" and len(body) >= 12 and body.startswith(b"Adobe"):
            transform = body[11]
    if jfif:
        return True
    if transform is not None:
        return transform != 0
    return tuple(component[0] for component in layer) != (82, 71, 66)  # "RGB"


def _transposed_box(
    box: tuple[float, float, float, float], frame: tuple[int, int], transpose: Image.Transpose | None
) -> tuple[float, float, float, float]:
    """Where `box` of an image sized `frame` lies once the image is transposed."""
    w, h = frame
    x0, y0, x1, y1 = box
    T = Image.Transpose
    return {
        None: box,
        T.FLIP_LEFT_RIGHT: (w - x1, y0, w - x0, y1),
        T.FLIP_TOP_BOTTOM: (x0, h - y1, x1, h - y0),
        T.ROTATE_180: (w - x1, h - y1, w - x0, h - y0),
        T.TRANSPOSE: (y0, x0, y1, x1),
        T.ROTATE_90: (y0, w - x1, y1, w - x0),
        T.ROTATE_270: (h - y1, x0, h - y0, x1),
        T.TRANSVERSE: (h - y1, w - x1, h - y0, w - x0),
    }[transpose]


def _half_chroma(plane: Image.Image, size: tuple[int, int], transpose: Image.Transpose | None) -> Image.Image:
    """One chroma plane resized to `size`, made upright and sampled on the encoder's 4:2:0 grid.

    The JPEG encoder keeps one Cb and one Cr sample per 2x2 block of the output, the mean
    of the four (libjpeg's h2v2 downsampling). So the plane is resized straight to that
    grid and pixel-doubled back, which the encoder averages back to exactly those samples.
    The grid starts at the upright image's top-left corner, so the transpose happens
    before the resize (on the plane once box-reduced, where it is cheap).
    """
    out_size = (size[1], size[0]) if transpose in _SWAPS else size
    # Box-reduce by the integer part of ratio / 1.25 first (Pillow's reducing_gap), then LANCZOS.
    factor = (int(2 * plane.width / size[0] / 1.25) or 1, int(2 * plane.height / size[1] / 1.25) or 1)
    box = (0.0, 0.0, plane.width / factor[0], plane.height / factor[1])
    if factor != (1, 1):
        plane = plane.reduce(factor)  # the last row/column may be partial: `box` excludes the excess
    box = _transposed_box(box, plane.size, transpose)
    if transpose is not None:
        plane = plane.transpose(transpose)
    half = ((out_size[0] + 1) // 2, (out_size[1] + 1) // 2)
    small = plane.resize(half, Image.Resampling.LANCZOS, box=box)
    # NEAREST with a half-size box maps output pixel x to x // 2: exact doubling.
    return small.resize(out_size, Image.Resampling.NEAREST, box=(0, 0, out_size[0] / 2, out_size[1] / 2))


def _display_ycbcr(img: Image.Image, size: tuple[int, int], transpose: Image.Transpose | None) -> Image.Image:
    """Resize a YCbCr image to `size` and make it upright, chroma straight at 4:2:0 resolution.

    Half the resampling work of RGB, and measured at least as close to a full-resolution
    reference (tests/test_photo_speed_quality.py). Luma gets the full LANCZOS in two column
    strips; each thread resizes one strip and one chroma plane.
    """
    luma = img.getchannel(0)
    left, right, split = _strips(luma, size, (0.0, 0.0, float(luma.width), float(luma.height)))

    def upright(strip: Callable[[], Image.Image]) -> Image.Image:
        return strip().transpose(transpose) if transpose is not None else strip()

    # getchannel holds the GIL but resize does not: taking the chroma planes out on the
    # threads overlaps each with the other thread's luma strip.
    (luma_left, cb), (luma_right, cr) = _both(
        lambda: (upright(left), _half_chroma(img.getchannel(1), size, transpose)),
        lambda: (upright(right), _half_chroma(img.getchannel(2), size, transpose)),
    )
    # Each strip was turned on its own thread: paste it where its box lands once upright.
    luma = Image.new("L", cb.size)
    for strip, box in ((luma_left, (0, 0, split, size[1])), (luma_right, (split, 0, size[0], size[1]))):
        x0, y0, _, _ = _transposed_box(box, size, transpose)
        luma.paste(strip, (int(x0), int(y0)))
    return Image.merge("YCbCr", (luma, cb, cr))


def _display(img: Image.Image, size: tuple[int, int], transpose: Image.Transpose | None) -> Image.Image:
    """The display image: `img` resized to `size` (before any transpose), then made upright."""
    if img.mode == "YCbCr" and size != img.size and size[0] >= 2:  # two strips need two columns
        return _display_ycbcr(img, size, transpose)
    out = _resize(img, size, reducing_gap=3.0)
    return out.transpose(transpose) if transpose is not None else out


def process_photo(
    stream: BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    display_edge: int = 1600,
    thumb_edge: int = 320,
) -> ProcessedPhoto:
    """Validate an uploaded photo and return metadata-free display and thumbnail JPEGs."""
    data = _read_limited(stream, max_bytes)
    try:
        # catch_warnings restores the global filters on exit, so the escalation is local.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open(data) as img:
                source_format = "JPEG" if img.format == "MPO" else img.format
                transpose = _decode(img, max_pixels, display_edge)
                pixels = img if img.mode == "YCbCr" else _to_rgb(img)
        display_img = _display(pixels, _fit(pixels.size, display_edge), transpose)
        thumb_size = _fit(display_img.size, thumb_edge)
        if thumb_size == display_img.size:
            display = thumb = _encode(display_img)  # small photo: one encode, same bytes
        else:
            # A 1.5 gap keeps the thumbnail sharp enough while roughly halving its cost.
            display, thumb = _both(
                lambda: _encode(display_img),
                lambda: _encode(_resize(display_img, thumb_size, reducing_gap=1.5)),
            )
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError("too_many_pixels", "The image has too many pixels.") from exc
    except MemoryError as exc:
        raise PhotoError("too_many_pixels", "The image is too large to process.") from exc
    except Exception as exc:  # truncated or malformed data: OSError, SyntaxError, struct.error…
        raise PhotoError("corrupt", "The image file is damaged and cannot be read.") from exc
    return ProcessedPhoto(
        display=display,
        thumb=thumb,
        display_sha256=hashlib.sha256(display).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        width=display_img.width,
        height=display_img.height,
        source_format=source_format,
        source_bytes=len(data),
    )
