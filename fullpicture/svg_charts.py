"""Bar charts as inline SVG, for documents printed with JavaScript blocked (the board report's
PDF): drawn here, so printing runs no script and fetches nothing.

A suppressed value (`<5`) is drawn as no bar with `<5` written where the bar would stand, so a
chart never shows what its table hides. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

Value = int | float | str | None
COLOURS = ("#1f5a96", "#e07b00", "#2e8540", "#8a2be2")
WIDTH, HEIGHT = 680, 250
LEFT, RIGHT, TOP, BOTTOM = 46, 12, 28, 78


def bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[Value]]) -> str:
    """Grouped vertical bars: one group per label, one bar per series (with a legend)."""
    numbers = [v for values in series.values() for v in values if _is_number(v)]
    top = max([float(v) for v in numbers if v is not None] + [1.0])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
        f"viewBox='0 0 {WIDTH} {HEIGHT}' role='img' aria-label='{escape(title)}' "
        "font-family='sans-serif' font-size='9'>",
        f"<text x='{LEFT}' y='14' font-size='11' font-weight='bold'>{escape(title)}</text>",
        f"<line x1='{LEFT}' y1='{TOP + plot_h}' x2='{LEFT + plot_w}' y2='{TOP + plot_h}' "
        "stroke='#333'/>",
        f"<text x='{LEFT - 4}' y='{TOP + 4}' text-anchor='end'>{_number(top)}</text>",
        f"<text x='{LEFT - 4}' y='{TOP + plot_h}' text-anchor='end'>0</text>",
    ]
    for g, label in enumerate(labels):
        x0 = LEFT + g * group_w + group_w * 0.1
        for s, values in enumerate(series.values()):
            value = values[g] if g < len(values) else None
            x = x0 + s * bar_w
            parts.append(_bar(value, x, bar_w, TOP, plot_h, top, COLOURS[s % len(COLOURS)]))
        lx, ly = LEFT + (g + 0.5) * group_w, TOP + plot_h + 8
        parts.append(
            f"<text x='{lx:.1f}' y='{ly}' text-anchor='end' "
            f"transform='rotate(-45 {lx:.1f} {ly})'>{escape(label)}</text>"
        )
    for s, name in enumerate(series):
        x = LEFT + s * 150
        parts.append(
            f"<rect x='{x}' y='{HEIGHT - 12}' width='9' height='9' "
            f"fill='{COLOURS[s % len(COLOURS)]}'/>"
            f"<text x='{x + 13}' y='{HEIGHT - 4}'>{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bar(
    value: Value, x: float, width: float, top: int, height: int, largest: float, fill: str
) -> str:
    if not _is_number(value):
        shown = "" if value is None else escape(str(value))
        middle = x + width / 2
        return f"<text x='{middle:.1f}' y='{top + height - 3}' text-anchor='middle'>{shown}</text>"
    assert value is not None and not isinstance(value, str)
    bar_h = height * float(value) / largest
    return (
        f"<rect x='{x:.1f}' y='{top + height - bar_h:.1f}' width='{width:.1f}' "
        f"height='{bar_h:.1f}' fill='{fill}'><title>{_number(value)}</title></rect>"
    )


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: float) -> str:
    return f"{value:g}"
