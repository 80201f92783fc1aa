"""Caption cues as transcript lines: time, speaker and text.

Parsed with webvtt-py, once per file version (path, size and modification time).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import webvtt

TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Cue:
    identifier: str | None
    start: float
    end: float
    speaker: str | None
    text: str

    @property
    def start_label(self) -> str:
        return format_clock(self.start)


def format_clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def read_cues(path: Path) -> tuple[Cue, ...]:
    stat = path.stat()
    return _read_cues(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _read_cues(path: str, _size: int, _mtime_ns: int) -> tuple[Cue, ...]:
    captions = webvtt.read(path)
    return tuple(
        Cue(
            identifier=caption.identifier,
            start=_seconds(caption.start),
            end=_seconds(caption.end),
            speaker=caption.voice,
            text=cue_text(caption.raw_text),
        )
        for caption in captions
    )


def cue_text(raw: str) -> str:
    """Plain text of a cue as a viewer reads it: tags removed, entities decoded, one line."""
    return " ".join(html.unescape(TAG.sub("", raw)).split())


def _seconds(stamp: str) -> float:
    parts = stamp.split(":")
    if len(parts) == 2:
        parts.insert(0, "0")
    hours, minutes, secs = parts
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)
