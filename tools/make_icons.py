"""Draws the app icons (static/icons/*.png) with Pillow and Noto Sans CJK; run once when the design changes."""
from pathlib import Path

import io

import zopfli.png
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED = (198, 40, 40)


def icon(size: int, maskable: bool = False) -> Image.Image:
    img = Image.new("RGB", (size, size), RED if maskable else (255, 255, 255))
    draw = ImageDraw.Draw(img)
    if not maskable:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=RED)
    # Maskable icons keep their glyph in the central 80 % safe zone.
    font = ImageFont.truetype(FONT, int(size * (0.5 if maskable else 0.62)), index=2)
    draw.text((size / 2, size / 2), "消", font=font, fill="white", anchor="mm")
    return img


def small(size: int) -> bytes:
    """The icon the pages show (brand image at 28 CSS px, so 56 px for 2x screens; also the favicon):
    drawn at 4x and scaled down for smooth edges, 16 colours, squeezed by zopflipng. About 800 B."""
    img = icon(size * 4).resize((size, size), Image.LANCZOS)
    img = img.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return zopfli.png.optimize(buf.getvalue())


if __name__ == "__main__":
    out = ROOT / "static" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    (out / "icon-56.png").write_bytes(small(56))
    icon(192).save(out / "icon-192.png", optimize=True)
    icon(512).save(out / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(out / "icon-maskable-512.png", optimize=True)
    print("icons written to", out)
