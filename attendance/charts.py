"""Charts as server-rendered SVG (no JavaScript library): rates per unit, a rate over days.

Each chart carries a <title> and <desc> and an aria-label, and every bar its figure as text,
so the chart reads without colour or sight.
"""

from __future__ import annotations

from datetime import date

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{round(value * 100)}%"


def rate_bars(bars: list[tuple[str, float | None]], *, label: str) -> SafeString:
    """Horizontal bars of rates in [0, 1], one per label (e.g. attendance rate per unit)."""
    row, left, width = 26, 120, 420
    height = row * max(len(bars), 1) + 10
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
            "<title>{}</title><desc>{}</desc>",
            left + width + 60,
            height,
            label,
            label,
            "; ".join(f"{name}: {_pct(rate)}" for name, rate in bars) or "no data",
        )
    ]
    for index, (name, rate) in enumerate(bars):
        y = 5 + index * row
        bar = 0 if rate is None else max(1, round(width * rate))
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="3"></rect>'
                '<text x="{}" y="{}">{}</text>',
                left - 6,
                y + 15,
                name[:18],
                left,
                y + 3,
                bar,
                row - 8,
                left + bar + 6,
                y + 15,
                _pct(rate),
            )
        )
    if not bars:
        parts.append(format_html('<text x="{}" y="20">No records in this period.</text>', left))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def rate_line(points: list[tuple[date, float | None]], *, label: str) -> SafeString:
    """A rate in [0, 1] per day as a line with dots; days without data leave a gap."""
    width, height, left, bottom, top = 640, 200, 40, 24, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    n = max(len(points) - 1, 1)

    def xy(index: int, rate: float) -> tuple[float, float]:
        return left + plot_w * index / n, top + plot_h * (1 - rate)

    known = [(d, r) for d, r in points if r is not None]
    desc = "; ".join(f"{d:%d %b}: {_pct(r)}" for d, r in known) or "no data"
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
            "<title>{}</title><desc>{}</desc>",
            width,
            height,
            label,
            label,
            desc,
        )
    ]
    for tick in (0, 0.5, 1):
        _, y = xy(0, tick)
        parts.append(
            format_html(
                '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - 10,
                round(y, 1),
                round(y, 1),
                left - 4,
                round(y + 4, 1),
                _pct(tick),
            )
        )
    segments: list[list[str]] = [[]]
    for index, (_, rate) in enumerate(points):
        if rate is None:
            segments.append([])
            continue
        x, y = xy(index, rate)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        parts.append(
            format_html(
                '<circle class="dot" cx="{}" cy="{}" r="3"></circle>', round(x, 1), round(y, 1)
            )
        )
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                mark_safe(f'<polyline class="line" points="{" ".join(segment)}"></polyline>')
            )
    for index, (day, _) in enumerate(points):
        if index % max(1, len(points) // 6) == 0 or index == len(points) - 1:
            x, _ = xy(index, 0)
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(x, 1),
                    height - 6,
                    escape(day.strftime("%d %b")),
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
