"""A plain transcript, timed by hand, as a WebVTT caption file (no Flask here).

The author pastes a transcript: each non-blank line is a cue. A line "Name: text" or "Name, role: text"
names the speaker (a label alone on its line names the speaker of the lines after it), and the speaker
carries on until the next label. In the timing tool the author marks when each line begins; each cue then
ends where the next begins, and the last where the video ends. The file gets cue ids (c001, c002, …),
voice tags (<v Name>), escaped text, and lines of at most 42 characters.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from app.untrusted import finite_number, loads_json

MAX_LINE_CHARS = 42
MAX_CUE_LINES = 2
MAX_LINES = 5000
MAX_TEXT = 2000
MAX_SPEAKER = 100
_PARTICLES = {"de", "del", "della", "der", "di", "da", "du", "la", "le", "van", "von", "bin", "al", "st."}
_BULLETS = "•·▪◦"


class TimingError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str | None
    text: str
    source_line: int = 0  # line of the pasted transcript


@dataclass(frozen=True)
class TimedLine:
    start: float
    speaker: str | None
    text: str


def vtt_time(value: float) -> str:
    """A WebVTT timestamp, HH:MM:SS.mmm."""
    millis = round(value * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _is_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 5 or not words[0][:1].isupper():
        return False
    for word in words:
        if word.lower() in _PARTICLES:
            continue
        if not word[:1].isupper() or not all(ch.isalpha() or ch in "'’.-" for ch in word):
            return False
    return True


def speaker_label(line: str) -> tuple[str | None, str]:
    """(speaker, rest) when the line starts with "Name:" or "Name, role, …:"; (None, line) otherwise."""
    label, colon, rest = line.partition(":")
    if not colon or len(label) > 200 or any(ch in label for ch in '"“”?!<>'):
        return None, line
    parts = [part.strip() for part in label.split(",")]
    if not _is_name(parts[0]) or not all(part[:1].isupper() or part[:1].isdigit() for part in parts[1:]):
        return None, line
    return parts[0], rest.strip()


def parse_transcript(text: str) -> list[TranscriptLine]:
    """The lines of a pasted transcript, each with its speaker (blank lines and bullets left out)."""
    found: list[TranscriptLine] = []
    speaker = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.strip().lstrip(_BULLETS).split())
        if not line:
            continue
        label, rest = speaker_label(line)
        if label:
            speaker = label
        if rest:
            found.append(TranscriptLine(speaker, rest, number))
    return found


def wrap(text: str, width: int = MAX_LINE_CHARS) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [text]


def split_text(text: str, width: int = MAX_LINE_CHARS, lines: int = MAX_CUE_LINES) -> list[str]:
    """Text cut into pieces that each fit in ``lines`` lines of ``width``, preferring to cut after punctuation."""
    pieces: list[str] = []
    words = text.split()
    while words:
        count, best = 0, 0
        while count < len(words) and len(wrap(" ".join(words[: count + 1]), width)) <= lines:
            count += 1
            if words[count - 1][-1] in ".,;:?!" and count < len(words):
                best = count
        count = max(count, 1)  # a single word longer than the lines still goes somewhere
        if count < len(words) and best * 2 >= count:
            count = best
        pieces.append(" ".join(words[:count]))
        words = words[count:]
    return pieces


def read_timed_lines(payload: str) -> tuple[float, list[TimedLine]]:
    """The JSON the timing tool posts: {"duration": seconds, "lines": [{"start", "speaker", "text"}, …]}."""
    try:
        data = loads_json(payload or "")
    except ValueError as error:
        raise TimingError([f"the timing data is not readable ({error})"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise TimingError(["the timing data has no lines"])
    duration, rows = data.get("duration"), data["lines"]
    if not _number(duration) or not 0 < duration <= 24 * 3600:
        raise TimingError(["the video's length is not known yet: let the video load, then save again"])
    if not rows or len(rows) > MAX_LINES:
        raise TimingError([f"there must be 1 to {MAX_LINES} lines"])
    problems, lines = [], []
    for number, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        start, speaker, text = row.get("start"), row.get("speaker") or None, row.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            problems.append(f"line {number}: the text must be 1 to {MAX_TEXT} characters")
        elif speaker is not None and (not isinstance(speaker, str) or len(speaker) > MAX_SPEAKER):
            problems.append(f"line {number}: the speaker's name must be text of at most {MAX_SPEAKER} characters")
        elif not _number(start) or start < 0:
            problems.append(f"line {number} has no time yet: mark when it begins")
        else:
            lines.append(
                TimedLine(
                    round(float(start), 3), " ".join(speaker.split()) if speaker else None, " ".join(text.split())
                )
            )
    if problems:
        raise TimingError(problems)
    return round(float(duration), 3), lines


def rows_for_retry(payload: str) -> list[dict]:
    """The lines as posted (text, speaker, start or None), to show the tool again when saving failed."""
    try:
        rows = loads_json(payload).get("lines")
        return [
            {
                "speaker": r.get("speaker") or None,
                "text": r["text"],
                "start": r["start"] if _number(r.get("start")) else None,
            }
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("text"), str)
        ][:MAX_LINES]
    except (ValueError, AttributeError, TypeError):
        return []


def parse_seconds(value: str | None, longest: float = 24 * 3600) -> float | None:
    """A length typed by an author: None when blank; ValueError unless a number more than 0 (and at most a day)."""
    if not (value or "").strip():
        return None
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 < seconds <= longest:
        raise ValueError(f"not a length in seconds: {value!r}")
    return round(seconds, 3)


def _number(value) -> bool:
    return finite_number(value) is not None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_vtt(lines: list[TimedLine], duration: float, *, split: bool = False, note: str = "") -> str:
    """The WebVTT file for timed lines; TimingError (naming the lines) if the times are out of order."""
    problems = []
    for number, (line, following) in enumerate(zip(lines, [*lines[1:], None], strict=True), start=1):
        end = following.start if following else duration
        if end <= line.start:
            where = f"line {number + 1} ({vtt_time(end)})" if following else f"the video's end ({vtt_time(duration)})"
            problems.append(f"line {number} starts at {vtt_time(line.start)}, not before {where}: mark or nudge it")
    if problems:
        raise TimingError(problems)
    cues: list[tuple[float, float, str | None, str]] = []
    for line, following in zip(lines, [*lines[1:], None], strict=True):
        end = following.start if following else duration
        pieces = split_text(line.text) if split else [line.text]
        total = sum(len(piece) for piece in pieces)
        at = line.start
        for index, piece in enumerate(pieces):
            piece_end = end if index == len(pieces) - 1 else round(at + (end - line.start) * len(piece) / total, 3)
            cues.append((at, piece_end, line.speaker, piece))
            at = piece_end
    blocks = ["WEBVTT"]
    if note:
        blocks.append("NOTE " + _escape(" ".join(note.replace("-->", "->").split())))
    for number, (start, end, speaker, text) in enumerate(cues, start=1):
        voice = f"<v {_escape(speaker).replace(chr(10), ' ')}>" if speaker else ""
        body = voice + "\n".join(_escape(part) for part in wrap(text))
        blocks.append(f"c{number:03d}\n{vtt_time(start)} --> {vtt_time(end)}\n{body}")
    return "\n\n".join(blocks) + "\n"
