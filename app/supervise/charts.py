"""Charts drawn on the server as SVG, for people: no script, no inline styles, text not colour alone.

Plain Python (no Flask). ``cumulative_chart`` returns ``Markup`` so a template can place it as is;
everything that came from data is escaped here. Colours and fonts come from classes in app.css,
positions from SVG attributes, so the page's strict Content-Security-Policy holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 72, 56, 32, 64
MAX_X_TICKS = 5
MAX_POINT_LABELS = 24


@dataclass(frozen=True)
class LinearScale:
    """Maps a value in [domain_min, domain_max] onto [range_min, range_max] (either may run backwards)."""

    domain_min: float
    domain_max: float
    range_min: float
    range_max: float

    def __call__(self, value: float) -> float:
        span = self.domain_max - self.domain_min
        if span == 0:
            return (self.range_min + self.range_max) / 2
        return self.range_min + (value - self.domain_min) * (self.range_max - self.range_min) / span


def nice_step(largest: float, max_ticks: int = 5) -> int:
    """A whole tick step (1, 2, 5, 10, 20, 50, ...) giving at most ``max_ticks`` steps up to ``largest``."""
    largest = max(float(largest), 1.0)
    magnitude = 10 ** math.floor(math.log10(largest))
    for multiple in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = max(1, round(multiple * magnitude))
        if math.ceil(largest / step) <= max_ticks:
            return step
    return max(1, round(10 * magnitude))  # pragma: no cover - the loop always finds one


def y_axis(largest: float) -> tuple[int, list[int]]:
    """The top of the value axis and its ticks, from 0, in whole steps."""
    step = nice_step(largest)
    top = step * max(1, math.ceil(max(largest, 1) / step))
    return top, list(range(0, top + 1, step))


def x_scale(days: Sequence[date]) -> LinearScale:
    """Days onto the plot's width; a single day sits in the middle."""
    first, last = min(days), max(days)
    if first == last:
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    return LinearScale(first.toordinal(), last.toordinal(), MARGIN_LEFT, WIDTH - MARGIN_RIGHT)


def spread(count: int, wanted: int) -> list[int]:
    """Up to ``wanted`` indexes out of ``count``, evenly spread, always the first and the last."""
    if count <= wanted:
        return list(range(count))
    if wanted <= 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def day_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _n(value: float) -> str:
    """A coordinate, short and exact enough."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def cumulative_chart(
    points: Sequence[tuple[date, int]],
    *,
    title: str,
    description: str,
    x_label: str = "Date",
    y_label: str = "Total",
    chart_id: str = "chart",
) -> Markup:
    """A step line of a running total over time, with every point's value written beside it.

    ``points`` are (day, total so far) in any order. The SVG is named by its ``<title>`` and
    ``<desc>`` (``role="img"``); the page should also give the same numbers as a table.
    """
    points = sorted(points)
    ident = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    largest = max((value for _, value in points), default=0)
    y_top, y_ticks = y_axis(largest)
    y = LinearScale(0, y_top, bottom, top)
    # Value axis: grid lines and their numbers.
    for tick in y_ticks:
        ty = _n(y(tick))
        parts.append(f'<line class="chart-grid" x1="{left}" y1="{ty}" x2="{right}" y2="{ty}"/>')
        parts.append(f'<text class="chart-tick" x="{left - 8}" y="{ty}" text-anchor="end" dy="0.35em">{tick}</text>')
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    middle_y = _n((top + bottom) / 2)
    parts.append(
        f'<text class="chart-axis-label" x="16" y="{middle_y}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle_y})">{escape(y_label)}</text>'
    )
    parts.append(
        f'<text class="chart-axis-label" x="{_n((left + right) / 2)}" y="{HEIGHT - 12}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    if points:
        x = x_scale([day for day, _ in points])
        coords = [(x(day.toordinal()), y(value)) for day, value in points]
        # Time ticks: a few of the days, spread out.
        for index in spread(len(points), MAX_X_TICKS):
            tx = _n(coords[index][0])
            parts.append(f'<line class="chart-axis" x1="{tx}" y1="{bottom}" x2="{tx}" y2="{bottom + 5}"/>')
            parts.append(
                f'<text class="chart-tick" x="{tx}" y="{bottom + 20}" text-anchor="middle">'
                f"{escape(day_label(points[index][0]))}</text>"
            )
        # The running total as steps: it holds its value until the next day something happens.
        path = [f"M{_n(coords[0][0])} {_n(coords[0][1])}"]
        for cx, cy in coords[1:]:
            path.append(f"H{_n(cx)} V{_n(cy)}")
        parts.append(f'<path class="chart-line" d="{" ".join(path)}" fill="none"/>')
        labelled = set(spread(len(points), MAX_POINT_LABELS))
        for index, ((day, value), (cx, cy)) in enumerate(zip(points, coords, strict=True)):
            parts.append('<g class="chart-point">')
            parts.append(
                f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="4"><title>{escape(day_label(day))}: {value}</title></circle>'
            )
            if index in labelled:
                parts.append(
                    f'<text class="chart-value" x="{_n(cx)}" y="{_n(cy - 10)}" text-anchor="middle">{value}</text>'
                )
            parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
