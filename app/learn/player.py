"""What the video lesson page shows: transcript, chapters and the watched bar (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.course.transcript import Cue, format_clock, read_cues
from app.watching import intervals

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


@dataclass(frozen=True)
class WatchedBar:
    """The watched bar, worked out once in Python: a bar for the eye and the same facts as text.

    A learner who skipped around can have dozens of watched parts; building them here rather than
    with template filters keeps every page that shows the bar quick.
    """

    duration: float
    rects: tuple[tuple[float, float], ...]  # watched parts as (x, width) on a 0-1000 scale
    seen: str  # "0:00–0:30, 1:00–1:35"
    missed: str


def watched_bar(watched: list | None, duration: float | None) -> WatchedBar | None:
    """None for a lesson without a usable duration (nothing to draw)."""
    if not duration or duration <= 0:
        return None
    parts = [(a, b) for a, b in watched or []]
    scale = 1000 / duration
    return WatchedBar(
        duration=duration,
        rects=tuple((round(a * scale, 1), round((b - a) * scale, 1)) for a, b in parts),
        seen=_labels(parts),
        missed=_labels(intervals.gaps(parts, duration)),
    )


def _labels(parts) -> str:
    return ", ".join(f"{format_clock(a)}–{format_clock(b)}" for a, b in parts)


def load_cues(media_dir: Path, src: str | None) -> tuple[Cue, ...]:
    """Cues of a caption or chapters file; empty when there is none (a ValueError/OSError is the caller's)."""
    return read_cues(media_dir / src) if src else ()
