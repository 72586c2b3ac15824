"""Tiny SVG charts drawn in Python: the same markup goes into the PDF (WeasyPrint draws SVG) and the portal, with
no JavaScript and no browser. Labels may be Chinese: the CJK font is named on every text element."""

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "WenQuanYi Zen Hei, sans-serif"
COLOR = "#2f6f9f"
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 22, 42


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least `value` (the axis' top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def axis_top(values) -> float:
    """The axis' top. Counts (whole numbers) get a top that the four grid steps divide into whole numbers, so no
    tick reads "12.50 visits"; amounts keep the plain nice ceiling."""
    highest = max([0, *[float(v) for v in values]])
    if not all(isinstance(v, int) for v in values):
        return nice_ceiling(highest)
    step = math.ceil(nice_ceiling(highest / 4)) if highest else 1
    return 4 * step


def _figure(value) -> str:
    if isinstance(value, Decimal | float) and value != int(value):
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _text(x, y, text, anchor="middle", size=10, extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}"'
            f'{extra}>{escape(text)}</text>')


def _frame(width, height, title, values) -> tuple[list[str], float, float, float]:
    """Title, horizontal grid lines with their figures; returns the parts, the axis top, plot height, base y.
    Negative values (an overdrawn fund) are drawn at zero; the tables give the exact figures."""
    top = axis_top(values)
    plot = height - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(title)}">',
             _text(width / 2, 14, title, size=12, extra=' font-weight="bold"')]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot - plot * step / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_text(LEFT - 4, y + 3, _figure(value), anchor="end", size=9))
    return parts, top, plot, TOP + plot


def _x_label(x, base, label, count) -> str:
    if count > 12:  # many labels: turn them so they do not overlap
        turn = f' transform="rotate(-45 {x:.1f} {base + 12:.1f})"'
        return _text(x, base + 12, label, anchor="end", size=8, extra=turn)
    return _text(x, base + 14, label, size=9)


def bar_chart(labels, values, *, title: str = "", width: int = 640, height: int = 220) -> SafeString:
    parts, top, plot, base = _frame(width, height, title, values)
    slot = (width - LEFT - RIGHT) / max(1, len(values))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar = plot * max(0.0, float(value)) / top
        x = LEFT + index * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{base - bar:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{bar:.1f}" fill="{COLOR}"><title>{escape(label)}: {_figure(value)}</title></rect>')
        if value and len(values) <= 24:
            parts.append(_text(x + slot / 2, base - bar - 3, _figure(value), size=8))
        parts.append(_x_label(x + slot / 2, base, label, len(values)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()


def line_chart(labels, values, *, title: str = "", width: int = 640, height: int = 220) -> SafeString:
    parts, top, plot, base = _frame(width, height, title, values)
    slot = (width - LEFT - RIGHT) / max(1, len(values))
    xs = [LEFT + index * slot + slot / 2 for index in range(len(values))]
    ys = [base - plot * max(0.0, float(value)) / top for value in values]
    if values:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{COLOR}" stroke-width="2"/>')
    for x, y, label, value in zip(xs, ys, labels, values, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{COLOR}">'
                     f'<title>{escape(label)}: {_figure(value)}</title></circle>')
        parts.append(_x_label(x, base, label, len(values)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()
