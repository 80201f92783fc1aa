"""Caption cues as transcript lines: time, speaker and text.

The transcript must list exactly the cues the browser's own caption track shows, with the same
times. webvtt-py parses the file; before it does, the text is read as a browser reads it and the
few things webvtt-py 0.6.0 accepts but browsers (the WebVTT parsing rules, https://www.w3.org/TR/webvtt1/)
reject are settled here, each with its reason below. tests/test_webvtt_conformance.py checks the result
against the W3C web-platform-tests corpus and names each disagreement; tests/browser/test_caption_conformance.py
checks it against Chromium's parsed <track>.

Parsed once per file version (path, size and modification time).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import webvtt

TAG = re.compile(r"<[^>]+>")

# A WebVTT timestamp as the parsing rules collect it: ASCII digits only; hours optional and of any
# length; minutes and seconds exactly two digits, at most 59; exactly three digits of milliseconds.
_STAMP = r"(?:[0-9]+:)?[0-5][0-9]:[0-5][0-9]\.[0-9]{3}"
# Cue timings: whitespace is space, tab or form feed; whatever follows the end time is cue settings,
# which the transcript ignores (so "00:01.000x" is a valid end time, but "00:01.0000" is not).
_TIMINGS = re.compile(rf"[ \t\f]*{_STAMP}[ \t\f]*-->[ \t\f]*{_STAMP}(?![0-9])")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The byte order marks a browser honours when it decodes a text track (the Encoding standard's "decode").
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass(frozen=True)
class Cue:
    identifier: str | None  # None where the browser's cue.id is ""
    start: float
    end: float
    speaker: str | None
    text: str
    raw_text: str = ""  # the cue text as written, as the browser's cue.text has it (tags, entities, "\n")

    @property
    def start_label(self) -> str:
        return format_clock(self.start)


def format_clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def read_cues(path: Path) -> tuple[Cue, ...]:
    """The cues of a WebVTT file; ValueError if a browser could not read it as WebVTT at all."""
    stat = path.stat()  # one system call per page; the parse itself is cached per file version
    return _read_cues(os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _read_cues(path: str, _size: int, _mtime_ns: int) -> tuple[Cue, ...]:
    try:
        return parse_cues(Path(path).read_bytes())
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error


def parse_cues(data: bytes) -> tuple[Cue, ...]:
    """The cues of WebVTT file contents, as the browser's caption track lists them."""
    captions = webvtt.from_string(browser_text(data))
    return tuple(
        Cue(
            identifier=caption.identifier,
            # the timestamp strings, not start_in_seconds, which truncates to whole seconds
            start=_seconds(caption.start),
            end=_seconds(caption.end),
            speaker=caption.voice,
            text=cue_text(caption.raw_text),
            raw_text=caption.raw_text,
        )
        for caption in captions
    )


def browser_text(data: bytes) -> str:
    """The file's text as a browser reads it, made so that webvtt-py finds the browser's cues in it.

    Where webvtt-py 0.6.0 and the browser disagree, the browser decides:
    1. Decoding: a browser reads UTF-8, or UTF-16 after a UTF-16 byte order mark, turning bad bytes and NUL
       into U+FFFD; webvtt-py's file reader also honours UTF-32 marks, fails on bad bytes (a Latin-1 file
       shows captions in the browser but no transcript) and keeps NUL.
    2. Signature: the file must start with "WEBVTT" followed by a space, a tab or a line break, or the
       browser shows no captions (track error); webvtt-py accepts any first line starting "WEBVTT"
       ("WEBVTTX", "WEBVTT-foo") and raises MalformedFileError (not a ValueError) for the rest.
    3. Timings: webvtt-py accepts timestamps the rules reject, so it shows cues the browser drops:
       one-digit fields ("0:00.000", "00:0:00.000"), one or two digits of milliseconds ("00:00:00.0"),
       a fourth digit of milliseconds on the end time ("00:00:01.0000", read as 1.000), non-ASCII digits
       and non-WebVTT spaces (no-break space) around "-->". Such a line is replaced by a bare "-->":
       every line holding "-->" is a cue timings line (or ends the block before it), so webvtt-py still
       splits the blocks as the browser does, and drops that cue as the browser does.
    4. A header line right before a timings line: by the rules (and webvtt-py) "WEBVTT\\nKind: x\\n00:00.000
       --> ..." gives a cue without an id, but Chromium takes "Kind: x" as the cue's id. The transcript
       follows the browser it is tested against; only the id (an anchor) differs, never a cue or a time.
    Left as webvtt-py reads it: times billions of hours in (Chromium puts such a cue at an infinite time;
    webvtt-py reads up to 10 digits of hours and drops the cue beyond); no lesson is that long.
    """
    bom, codec = next(((bom, codec) for bom, codec in _BOMS if data.startswith(bom)), (b"", "utf-8"))  # 1
    text = data[len(bom) :].decode(codec, errors="replace").replace("\0", "\ufffd")
    if not (text.startswith("WEBVTT") and text[6:7] in ("", " ", "\t", "\n", "\r")):  # 2
        raise ValueError("not a WebVTT file: the first line must be 'WEBVTT' (or 'WEBVTT' and a space or tab)")
    lines = ["-->" if "-->" in line and not _TIMINGS.match(line) else line for line in _LINE_BREAK.split(text)]  # 3
    if len(lines) > 2 and lines[1] and "-->" not in lines[1] and "-->" in lines[2]:  # 4
        lines.insert(1, "")
    return "\n".join(lines)


def cue_text(raw: str) -> str:
    """Plain text of a cue as a viewer reads it: tags removed, entities decoded, one line."""
    return " ".join(html.unescape(TAG.sub("", raw)).split())


def _seconds(stamp: str) -> float:
    parts = stamp.split(":")
    if len(parts) == 2:
        parts.insert(0, "0")
    hours, minutes, secs = parts
    return int(hours) * 3600 + int(minutes) * 60 + float(secs)
