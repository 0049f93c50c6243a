"""Charts drawn on the server as inline SVG: no chart script, readable on a 360 px phone.

Each function is pure (no Flask) and returns `Markup` of one `<svg>` that scales to its container's width
(`width="100%"` and a viewBox about as wide as a phone's content column, so 13 units ≈ 13 px there).
Every label and title is escaped (merchant names are typed by consumers); a label too long for its line is
cut with "…" and kept whole in the `<title>` of its bar, which browsers show as a tooltip. Colours are
presentation attributes (fill=…), never inline style, for the strict CSP. The numbers of every chart are also
in a table beside it: the SVG is `role="img"` with a short accessible name.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 320            # viewBox width: about the content width of a 360 px screen
BAR = "#c62828"        # the brand red
TEXT = "#37474f"
MUTED = "#78909c"
TRACK = "#eceff1"
GRID = "#cfd8dc"
ELLIPSIS = "…"


def text_width(text: str, size: float) -> float:
    """Rough width of `text` at font size `size`: CJK and full-width characters 1 em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def fit(text: str, width: float, size: float) -> str:
    """`text`, cut with an ellipsis so that it fits in `width` at font size `size`."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width(ELLIPSIS, size)
    out = ""
    for ch in text:
        if text_width(out + ch, size) > room:
            break
        out += ch
    return out.rstrip() + ELLIPSIS


# The markup is built with f-strings (Markup.format escapes every field and costs ~10x more): every text that
# comes from data or translations goes through escape(), numbers and coordinates are formatted by us.

def _svg(title: str, height: float, body: list[str], css: str) -> Markup:
    t = escape(title)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" viewBox="0 0 {WIDTH} {_n(height)}" '
                  f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{t}"><title>{t}</title>'
                  + "".join(body) + "</svg>")


def _n(x: float) -> str:
    """A coordinate with at most one decimal (keeps the markup short)."""
    return f"{x:.1f}".removesuffix(".0")


def number(x: float) -> str:
    """A value as a column shows it: whole numbers without decimals, others with one."""
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def bar_chart(rows: Sequence[tuple[str, float, str]], title: str, colour: str = BAR) -> Markup:
    """Horizontal bars, one per (label, value, value text), each label on its own line above its bar.

    The longest bar spans the width left after the widest value text; a zero gets a grey sliver.
    """
    label_size, value_size, pitch, bar_h = 13, 12, 40, 15
    value_w = max((text_width(text, value_size) for _, _, text in rows), default=0) + 6
    span = WIDTH - value_w
    top = max((value for _, value, _ in rows), default=0) or 1
    body = []
    for i, (label, value, text) in enumerate(rows):
        y = i * pitch
        length = max(value, 0) / top * span
        name, shown = escape(label), escape(text)
        # A zero still gets a sliver of track, so that its "0" reads as the end of an empty bar.
        bar = (f'<rect x="0" y="{_n(y + 19)}" width="{_n(length) if length > 0 else 2}" height="{bar_h}" rx="2" '
               f'fill="{escape(colour) if length > 0 else GRID}"/>')
        body.append(f'<g><title>{name}: {shown}</title>'
                    f'<text x="0" y="{_n(y + 14)}" font-size="{label_size}" fill="{TEXT}">'
                    f'{escape(fit(label, WIDTH, label_size))}</text>{bar}'
                    f'<text x="{_n(max(length, 2) + 4)}" y="{_n(y + 31)}" font-size="{value_size}" fill="{TEXT}">'
                    f'{shown}</text></g>')
    return _svg(title, max(len(rows), 1) * pitch, body, "dash-chart dash-bars")


def column_chart(points: Sequence[tuple[str, float, str]], title: str, colour: str = BAR) -> Markup:
    """Vertical columns over time, one per (short axis label, value, full label such as "2026年3月").

    Values are written above the columns when there is room, else only the highest value is marked by a
    grid line; axis labels are thinned out (every k-th) so that they never overlap.
    """
    n = max(len(points), 1)
    axis_size, value_size = 11, 11
    top_pad, plot_h, axis_h = 16, 120, 18
    pitch = WIDTH / n
    col_w = max(pitch * 0.7, 1)
    high = max((value for _, value, _ in points), default=0)
    scale = plot_h / high if high else 0
    base = top_pad + plot_h
    widest_value = text_width(number(high), value_size)
    values_fit = widest_value + 2 <= pitch
    widest_label = max((text_width(label, axis_size) for label, _, _ in points), default=0)
    step = max(1, math.ceil((widest_label + 4) / pitch))
    body = [f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="{GRID}" stroke-width="1"/>']
    if high and not values_fit:
        body.append(f'<line x1="0" y1="{top_pad}" x2="{WIDTH}" y2="{top_pad}" stroke="{GRID}" stroke-width="1" '
                    f'stroke-dasharray="3 3"/><text x="{WIDTH}" y="{top_pad - 4}" font-size="{value_size}" '
                    f'fill="{MUTED}" text-anchor="end">{number(high)}</text>')
    fill = escape(colour)
    for i, (label, value, full) in enumerate(points):
        x = i * pitch + (pitch - col_w) / 2
        centre = i * pitch + pitch / 2
        height = max(value, 0) * scale
        parts = [f'<g><title>{escape(full)}: {number(value)}</title>']
        if height > 0:
            parts.append(f'<rect x="{_n(x)}" y="{_n(base - height)}" width="{_n(col_w)}" height="{_n(height)}" '
                         f'fill="{fill}"/>')
        if values_fit and value:
            parts.append(f'<text x="{_n(centre)}" y="{_n(base - height - 3)}" font-size="{value_size}" '
                         f'fill="{TEXT}" text-anchor="middle">{number(value)}</text>')
        if i % step == 0:
            parts.append(f'<text x="{_n(centre)}" y="{base + axis_h - 4}" font-size="{axis_size}" fill="{MUTED}" '
                         f'text-anchor="middle">{escape(label)}</text>')
        parts.append("</g>")
        body.append("".join(parts))
    return _svg(title, base + axis_h, body, "dash-chart dash-columns")


def rate_bar(rate: float | None, label: str, text: str, colour: str = BAR) -> Markup:
    """A thin 0–100 % bar (e.g. the closure rate); an empty track when there is no rate."""
    filled = ""
    if rate is not None:
        share = min(max(rate, 0.0), 1.0) * 100
        filled = f'<rect x="0" y="0" width="{_n(share)}" height="6" rx="1" fill="{escape(colour)}"/>'
    name = f"{escape(label)}: {escape(text)}"
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="dash-rate" viewBox="0 0 100 6" width="100%" '
                  f'height="6" preserveAspectRatio="none" role="img" aria-label="{name}"><title>{name}</title>'
                  f'<rect x="0" y="0" width="100" height="6" rx="1" fill="{TRACK}"/>{filled}</svg>')
