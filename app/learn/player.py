"""What the video lesson page shows: transcript, chapters and the watched bar (no Flask here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.course.transcript import Cue, format_clock, read_cues
from app.watching import intervals

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    watched: bool

    @property
    def label(self) -> str:
        return f"{format_clock(self.start)}–{format_clock(self.end)}"


def watched_segments(watched: list, duration: float | None) -> list[Segment]:
    """The whole video as alternating watched and not-yet-watched parts, for the bar and its text."""
    if not duration:
        return []
    parts = [Segment(a, b, True) for a, b in watched or []]
    parts += [Segment(a, b, False) for a, b in intervals.gaps(watched or [], duration)]
    return sorted(parts, key=lambda s: s.start)


def load_cues(media_dir: Path, src: str | None) -> tuple[Cue, ...]:
    """Cues of a caption or chapters file; empty when there is none (a ValueError/OSError is the caller's)."""
    return read_cues(media_dir / src) if src else ()
