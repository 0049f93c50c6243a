"""Benchmark: process_photo versus a naive full-decode pipeline on a 12 MP phone-like JPEG."""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

# Runnable from anywhere without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageChops, ImageOps  # noqa: E402

from webapp.media import photos  # noqa: E402
from webapp.media.photos import process_photo  # noqa: E402

WIDTH, HEIGHT = 4000, 3000
RUNS = 15


def make_photo() -> bytes:
    """Return a 12 MP JPEG with gradients, sensor-like noise, orientation and GPS EXIF."""
    grad = Image.linear_gradient("L").resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    radial = Image.radial_gradient("L").resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    channels = []
    for base in (grad, radial, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)):
        noise = Image.effect_noise((WIDTH, HEIGHT), 24).convert("L")
        # Mix smooth structure with noise so the JPEG compresses like a real photo, not a flat fill.
        channels.append(ImageChops.blend(base, noise, 0.35))
    img = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (22.0, 16.0, 48.2), 3: "E", 4: (114.0, 10.0, 9.6)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90, exif=exif)
    return buf.getvalue()


def naive(data: bytes) -> tuple[bytes, bytes]:
    """The straightforward pipeline: full decode, transpose, LANCZOS, save, thumbnail."""
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    scale = 1600 / max(img.size)
    display = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    display.save(out, format="JPEG", quality=82)
    thumb = display.copy()
    thumb.thumbnail((320, 320))
    tout = io.BytesIO()
    thumb.save(tout, format="JPEG", quality=82)
    return out.getvalue(), tout.getvalue()


def ours(data: bytes) -> tuple[bytes, bytes]:
    """The production pipeline."""
    p = process_photo(io.BytesIO(data), max_bytes=50 * 1024 * 1024, max_pixels=40_000_000)
    return p.display, p.thumb


def ours_one_thread(data: bytes) -> tuple[bytes, bytes]:
    """The production pipeline with its helper thread disabled (a 1-CPU host)."""
    saved, photos._THREADS = photos._THREADS, 1
    try:
        return ours(data)
    finally:
        photos._THREADS = saved


def timed_ms(fn, data: bytes) -> float:
    """Wall time of one call in milliseconds."""
    t0 = time.perf_counter()
    fn(data)
    return (time.perf_counter() - t0) * 1000


def stages(data: bytes) -> dict[str, float]:
    """Median wall ms of ours' stages, timed by wrapping the pipeline's own steps (after the main runs)."""
    spent: dict[str, list[float]] = {"decode": [], "display": [], "rest": []}
    saved = photos._decode, photos._display

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name][-1] += (time.perf_counter() - t0) * 1000
        return wrapper

    photos._decode, photos._display = timed("decode", photos._decode), timed("display", photos._display)
    try:
        for _ in range(RUNS):
            for times in spent.values():
                times.append(0.0)
            total = timed_ms(ours, data)
            spent["rest"][-1] = total - spent["decode"][-1] - spent["display"][-1]
    finally:
        photos._decode, photos._display = saved
    return {name: statistics.median(times) for name, times in spent.items()}


def main() -> None:
    """Build the fixture, time both pipelines and print a table."""
    data = make_photo()
    display, thumb = ours(data)  # warm-up (imports, allocator, page cache)
    n_display, _ = naive(data)
    ours_t, single_t, naive_t = [], [], []
    for _ in range(RUNS):
        # Interleaved so background load on a shared machine hits all three equally.
        ours_t.append(timed_ms(ours, data))
        single_t.append(timed_ms(ours_one_thread, data))
        naive_t.append(timed_ms(naive, data))
    ours_ms, single_ms, naive_ms = (statistics.median(t) for t in (ours_t, single_t, naive_t))
    print(f"input: {WIDTH}x{HEIGHT} JPEG q90, EXIF orientation 6 + GPS; median of {RUNS} interleaved runs")
    print(f"output (ours): display {len(display) / 1e3:.0f} kB, thumb {len(thumb) / 1e3:.1f} kB; "
          f"naive display {len(n_display) / 1e3:.0f} kB")
    print(f"{'file MB':>8} {'ours ms':>8} {'1-thread ms':>12} {'naive ms':>9} {'ratio':>6} {'1-thread ratio':>15}")
    print(f"{len(data) / 1e6:8.2f} {ours_ms:8.1f} {single_ms:12.1f} {naive_ms:9.1f} "
          f"{naive_ms / ours_ms:5.1f}x {naive_ms / single_ms:14.1f}x")
    parts = stages(data)
    print(f"ours by stage (median ms): decode {parts['decode']:.1f} (libjpeg, one thread); "
          f"resize + orient {parts['display']:.1f}; encode display and thumbnail, hashes {parts['rest']:.1f}")
    if "--json" in sys.argv[1:]:
        import json

        print(json.dumps({"bench": "photo_pipeline", "megapixels": WIDTH * HEIGHT / 1e6, "file_mb": len(data) / 1e6,
                          "ours_ms": round(ours_ms, 1), "one_thread_ms": round(single_ms, 1),
                          "naive_ms": round(naive_ms, 1), "ratio": round(naive_ms / ours_ms, 2),
                          "one_thread_ratio": round(naive_ms / single_ms, 2),
                          "stages_ms": {name: round(ms, 1) for name, ms in parts.items()}}))


if __name__ == "__main__":
    main()
