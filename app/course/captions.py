"""Reading WebVTT caption files, with errors that name the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import webvtt

TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING_LINE = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t].*)?$")


@dataclass(frozen=True)
class CaptionProblem:
    line: int
    message: str


def seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def check_caption_text(text: str) -> list[CaptionProblem]:
    """Structural check of a WebVTT file: header, and every cue's timing line.

    Browsers silently drop malformed cues; an author needs to hear about them, with the line.
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        return [CaptionProblem(1, "a WebVTT file must start with the line 'WEBVTT'")]
    problems: list[CaptionProblem] = []
    for start, block in _blocks(lines):
        first = block[0]
        if first.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in first:
            continue
        timing_index = 0 if "-->" in first else 1
        if timing_index >= len(block) or "-->" not in block[timing_index]:
            problems.append(CaptionProblem(start, "cue has no timing line ('start --> end')"))
            continue
        line_no = start + timing_index
        match = TIMING_LINE.match(block[timing_index])
        if not match:
            problems.append(CaptionProblem(line_no, "malformed timing line; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'"))
            continue
        begin, end = seconds(*match.groups()[:4]), seconds(*match.groups()[4:8])
        if end <= begin:
            problems.append(CaptionProblem(line_no, "cue ends before it starts"))
    return problems


def _blocks(lines: list[str]):
    """Yield (1-based line of first line, lines) for each blank-line separated block after the header."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def check_caption_file(path: Path) -> list[CaptionProblem]:
    """Check a caption file on disk: readable, UTF-8, well formed, parsed by webvtt-py."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return [CaptionProblem(_line_of_offset(path.read_bytes(), error.start), "not UTF-8 text")]
    except OSError as error:
        return [CaptionProblem(1, f"cannot read the file ({error.strerror})")]
    problems = check_caption_text(text)
    if problems:
        return problems
    try:
        captions = webvtt.from_string(text)
    except Exception as error:  # webvtt-py raises several types; all mean "does not parse"
        return [CaptionProblem(1, f"caption file does not parse: {error}")]
    if not len(captions):
        return [CaptionProblem(1, "caption file has no cues")]
    return []


def _line_of_offset(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1
