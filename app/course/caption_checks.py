"""Warnings about captions that are valid WebVTT but that viewers would notice (no Flask here).

Errors (a file a browser cannot read) come from ``app.course.captions.check_caption_text``; these checks
run on a file that passed it, and never stop it from being saved. Each warning names the line of the
file and the time in the video, so an author can find the cue both in the file and on screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.course.captions import TIMING_LINE, CaptionProblem, check_caption_text, seconds
from app.course.transcript import Cue, cue_text, parse_cues

MAX_LINE_CHARS = 42  # what fits across a phone screen at a readable size
MAX_LINES = 2  # more covers the picture
MAX_CHARS_PER_SECOND = 20  # a comfortable reading speed for most adults
MAX_GAP_SECONDS = 10.0  # silence on screen this long makes viewers wonder whether captions stopped


@dataclass(frozen=True)
class CaptionWarning:
    line: int  # 1-based line in the caption file
    start: float  # seconds into the video
    message: str

    @property
    def time_label(self) -> str:
        return clock(self.start)


def clock(value: float) -> str:
    """A time as it appears in a WebVTT file, shortened: 01:04.250 or 1:02:03.000."""
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    short = f"{minutes:02d}:{secs:02d}.{millis:03d}"
    return f"{hours}:{short}" if hours else short


def cues_with_lines(text: str) -> list[tuple[int, Cue]]:
    """The cues of a WebVTT text (as the browser reads them), each with the line number of its timing line."""
    cues = parse_cues(text.encode("utf-8"))
    timings = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        match = TIMING_LINE.match(line)
        if match:
            timings.append((number, seconds(*match.groups()[:4]), seconds(*match.groups()[4:8])))
    found: list[tuple[int, Cue]] = []
    position, last = 0, 1
    for cue in cues:
        for index in range(position, len(timings)):
            number, start, end = timings[index]
            if abs(start - cue.start) < 0.0005 and abs(end - cue.end) < 0.0005:
                position, last = index + 1, number
                break
        found.append((last, cue))
    return found


def caption_warnings(
    cues: Iterable[tuple[int, Cue]],
    duration: float | None = None,
    *,
    max_gap: float = MAX_GAP_SECONDS,
    chapters: bool = False,
) -> list[CaptionWarning]:
    """What viewers would notice: overlaps, cues past the end, long or many lines, fast text, gaps, lost speakers.

    A chapters file is a list of titles, not words to read along: only overlaps and times are checked.
    """
    cues = list(cues)
    warnings: list[CaptionWarning] = []
    uses_speakers = any(cue.speaker for _, cue in cues)
    previous: tuple[int, Cue] | None = None  # the cue that ends last so far
    for line, cue in cues:
        found: list[tuple[int, str]] = []
        if previous is not None:
            before_line, before = previous
            if cue.start < before.end:
                found.append((line, f"overlaps the cue on line {before_line} (until {clock(before.end)}): "
                              "viewers see both at once"))  # fmt: skip
            elif cue.start - before.end > max_gap and not chapters:
                found.append((line, f"{cue.start - before.end:.1f} s without captions before this cue "
                              f"(more than {max_gap:g} s)"))  # fmt: skip
        if duration is not None and cue.start >= duration:
            found.append((line, f"starts after the video ends ({clock(duration)}): it is never shown"))
        elif duration is not None and cue.end > duration + 0.001:
            found.append((line, f"ends at {clock(cue.end)}, after the video ends ({clock(duration)})"))
        if not chapters:
            found += _reading(line, cue, uses_speakers)
        warnings += [CaptionWarning(at, cue.start, message) for at, message in found]
        if previous is None or cue.end >= previous[1].end:
            previous = (line, cue)
    return sorted(warnings, key=lambda w: (w.line, w.start))


def _reading(line: int, cue: Cue, uses_speakers: bool) -> list[tuple[int, str]]:
    """Warnings about reading one cue: line length, number of lines, speed, and the speaker's name."""
    found = []
    text_lines = [cue_text(part) for part in cue.raw_text.split("\n")]
    for offset, text in enumerate(text_lines, start=1):  # the text starts on the line after the timing line
        if len(text) > MAX_LINE_CHARS:
            found.append((line + offset, f"line has {len(text)} characters "
                          f"(at most {MAX_LINE_CHARS} fit on a phone screen)"))  # fmt: skip
    if len(text_lines) > MAX_LINES:
        found.append((line, f"cue has {len(text_lines)} lines (more than {MAX_LINES} cover the picture)"))
    length = cue.end - cue.start
    if length > 0 and len(cue.text) / length > MAX_CHARS_PER_SECOND:
        found.append((line, f"{len(cue.text)} characters in {length:.1f} s is {len(cue.text) / length:.0f} "
                      f"characters a second (more than {MAX_CHARS_PER_SECOND} is hard to read)"))  # fmt: skip
    if uses_speakers and not cue.speaker:
        found.append((line, "no speaker name (<v Name>), though other cues in this file have one"))
    return found


def check_captions(
    text: str, duration: float | None = None, *, max_gap: float = MAX_GAP_SECONDS, chapters: bool = False
) -> tuple[list[CaptionProblem], list[CaptionWarning]]:
    """Errors (the file cannot be used: fix them) or, for a usable file, the warnings about it."""
    problems = check_caption_text(text)
    if problems:
        return problems, []
    try:
        cues = cues_with_lines(text)
    except Exception as error:  # webvtt-py raises several types; all mean "does not parse"
        return [CaptionProblem(1, f"caption file does not parse: {error}")], []
    if not cues:
        return [CaptionProblem(1, "caption file has no cues")], []
    return [], caption_warnings(cues, duration, max_gap=max_gap, chapters=chapters)
