"""SubRip (.srt) subtitles converted to WebVTT, with errors that name the line of the .srt file (no Flask here).

SRT has no formal specification; this reads what subtitle editors write: blocks separated by blank lines,
each an optional cue number, a timing line ``00:00:01,000 --> 00:00:04,000`` (a dot is accepted for the
comma, and position coordinates after it are ignored) and lines of text. Of its markup, <i>, <b> and <u>
carry over (WebVTT has them too); <font> and {\\an8}-style codes are dropped; everything else is text,
escaped so a browser shows it as written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from app.course.captions import CaptionProblem
from app.course.timing import vtt_time

_STAMP = r"(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
TIMING = re.compile(rf"^\s*{_STAMP}\s*-->\s*{_STAMP}(?:\s.*)?$")
_MARKUP = re.compile(r"(</?[ibu]>|</?font(?:\s[^>]*)?>|\{\\[^}]*\})", re.IGNORECASE)
EXAMPLE = "'00:00:01,000 --> 00:00:04,000'"


@dataclass(frozen=True)
class SrtCue:
    line: int  # line of the timing line in the .srt file
    number: str | None
    start: float
    end: float
    lines: tuple[str, ...]


def _seconds(hours: str, minutes: str, secs: str, fraction: str) -> float | None:
    if int(minutes) > 59 or int(secs) > 59:
        return None
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(fraction.ljust(3, "0")) / 1000


def parse_srt(text: str) -> tuple[list[SrtCue], list[CaptionProblem]]:
    """The cues of an SRT text, or the problems (line-numbered) that stop it being read."""
    lines = text.lstrip("\ufeff").splitlines()
    cues: list[SrtCue] = []
    problems: list[CaptionProblem] = []
    for start, block in _blocks(lines):
        number = None
        timing_at = 0
        if block[0].strip().isdigit() and len(block) > 1:
            number, timing_at = block[0].strip(), 1
        line_no = start + timing_at
        match = TIMING.match(block[timing_at])
        if not match:
            what = "malformed timing line" if "-->" in block[timing_at] else "expected a cue number and a timing line"
            problems.append(CaptionProblem(line_no, f"{what}; expected a line like {EXAMPLE}"))
            continue
        begin, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if begin is None or end is None:
            problems.append(CaptionProblem(line_no, "minutes and seconds must be 00 to 59"))
            continue
        if end <= begin:
            problems.append(CaptionProblem(line_no, "cue ends before it starts"))
            continue
        text_lines = block[timing_at + 1 :]
        for offset, line in enumerate(text_lines, start=1):
            if TIMING.match(line):
                problems.append(
                    CaptionProblem(line_no + offset, "a new cue starts here without a blank line before it")
                )
                break
        else:
            cues.append(SrtCue(line_no, number, begin, end, tuple(text_lines)))
    if not cues and not problems:
        problems.append(
            CaptionProblem(1, f"no subtitles found: an SRT file is a list of cues, each with a line like {EXAMPLE}")
        )
    return cues, problems


def _blocks(lines: list[str]):
    """(1-based first line, lines) for each run of non-blank lines."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.rstrip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def convert_line(line: str) -> str:
    """One line of SRT text as WebVTT cue text: <i>/<b>/<u> kept, other markup dropped, the rest escaped."""
    out = []
    for index, part in enumerate(_MARKUP.split(line)):
        if index % 2 == 0:
            out.append(html.escape(part, quote=False))
        elif re.fullmatch(r"</?[ibu]>", part, re.IGNORECASE):
            out.append(part.lower())
    return "".join(out).strip()


def srt_to_vtt(text: str) -> tuple[str | None, list[CaptionProblem]]:
    """(WebVTT text, []) for a readable SRT text, or (None, problems) naming the .srt lines."""
    cues, problems = parse_srt(text)
    if problems:
        return None, problems
    blocks = ["WEBVTT", "NOTE\nConverted from SubRip (.srt)."]
    for cue in cues:
        body = "\n".join(line for line in (convert_line(line) for line in cue.lines) if line)
        head = f"{cue.number}\n" if cue.number else ""
        blocks.append(f"{head}{vtt_time(cue.start)} --> {vtt_time(cue.end)}" + (f"\n{body}" if body else ""))
    return "\n\n".join(blocks) + "\n", []
