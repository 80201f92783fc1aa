#!/usr/bin/env python3
"""Generate a stand-in video for the lesson "What is Infant Mental Health?".

The original 2018 video cannot be downloaded, but its transcript may be
reprinted for educational purposes. This script turns that transcript (the
seed file) into a small, captioned WebM so the lesson page has real, playable,
accessible media:

* each caption cue is spoken by espeak-ng (one voice per speaker),
* each speaker turn gets a title card (name, role, footer) drawn by ffmpeg,
* captions.vtt / chapters.vtt are timed from the exact audio sample counts,
* standin.json records the duration and the speakers.

Only the Python standard library is used, plus the ``espeak-ng`` and
``ffmpeg`` command-line tools. Two runs on the same machine give
byte-identical outputs (see README.md in this directory).

Usage:
    python tools/standin_video/generate.py [--seed PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import wave
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED = "../shared/seeds/002_614d2ee42d8ddcc4.txt"  # relative to PROJECT_ROOT
DEFAULT_OUT = "media/what-is-infant-mental-health"  # relative to PROJECT_ROOT
GENERATOR = "tools/standin_video/generate.py"

# Transcript section markers in the seed.
SECTION_TITLE = "What is Infant Mental Health?"
SECTION_END_PREFIX = "\u00a9"  # the "© 2018." line
CREDENTIAL = "IMH-E\u00ae"  # "IMH-E®", dropped when it is the first role item

# Captions: at most 2 lines of at most 42 characters per cue.
MAX_LINE = 42  # characters per line; a cue has one or two lines
CLAUSE_BREAK_COST = 1.0  # extra cost of a cue ending at clause punctuation
WORD_BREAK_COST = 3.0  # extra cost of a cue ending mid-clause
SHORT_CUE_CHARS = 24  # cues shorter than this get a growing penalty
TARGET_CUE_CHARS = 60  # a small extra cost pulls cue lengths towards this
BALANCE_WEIGHT = 0.5
LINE_BREAK_BONUS = 8  # chars of imbalance traded for a nicer line break
# Mid-clause breaks read better before these words ...
# fmt: off
PHRASE_STARTERS = frozenset({
    "and", "but", "or", "because", "that", "which", "who", "how", "what", "when",
    "where", "to", "with", "between", "into", "from", "for", "in", "on", "at", "about",
    "since", "upon", "like", "than", "if",
})
# ... and worse right after these (they belong with the words that follow).
DANGLING_WORDS = frozenset({
    "a", "an", "the", "to", "of", "and", "or", "but", "that", "their", "my", "his",
    "her", "its", "our", "your", "this", "these", "those", "very", "so", "be", "is",
    "are", "was", "can", "will", "with", "in", "on", "at", "for", "from", "into",
    "between", "about", "upon",
})
# fmt: on

# Speech and timing.
ESPEAK_SPEED = 160
VOICES = [  # (espeak-ng voice, pitch), assigned in order of first appearance
    ("en-us+f1", 45),
    ("en-gb+f2", 55),
    ("en-us+f3", 40),
    ("en-gb-x-rp+f4", 60),
    ("en-us+f5", 50),
]
LEAD_IN_S = 1.0  # silence before the first cue
CUE_GAP_S = 0.35  # silence between cues of the same turn
TURN_GAP_S = 0.8  # silence between turns
TAIL_MIN_S = 1.0  # at least this much silence after the last cue
SILENCE_THRESHOLD = 64  # |sample| below this counts as silence when trimming

# Video.
WIDTH, HEIGHT = 640, 360
FPS = 4
GOP_FRAMES = 2 * FPS  # keyframe every 2 s
FRAME_GRID_S = 0.5  # card changes and total length snap to this grid
# (0.5 s is a whole number of 4 fps frames and of 22.05/48 kHz samples.)
BACKGROUNDS = ["#1d3557", "#4a1942", "#1b4332", "#6a2c1a", "#2b2d42"]
FOOTER = "Stand-in for the 2018 video \u2014 synthesized narration"
FFMPEG = ("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y")
FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/usr/share/fonts",
]


class GeneratorError(RuntimeError):
    """A problem the user has to fix (missing tool, bad seed, ...)."""


@dataclass
class Turn:
    """One speaker turn of the transcript."""

    speaker: str
    role: str
    text: str
    cues: list[Cue] = field(default_factory=list)


@dataclass
class Cue:
    """One caption cue; ``text`` may contain one newline (line break)."""

    text: str
    start_ms: int = 0
    end_ms: int = 0


# --------------------------------------------------------------------------
# Parsing the seed
# --------------------------------------------------------------------------

LABEL_RE = re.compile(r"^(?P<label>[^:\n]+?):(?:[ \t]+|[ \t]*\n)(?P<text>.*)$", re.DOTALL)


def transcript_section(seed_text: str) -> list[str]:
    """Return the lines between the bulleted section title and the © line.

    The title also appears as the page heading, so the *last* occurrence
    before the © line is the one that starts the transcript.
    """
    lines = seed_text.splitlines()
    end = next(
        (i for i, ln in enumerate(lines) if ln.strip().startswith(SECTION_END_PREFIX)),
        None,
    )
    if end is None:
        raise GeneratorError("seed: no line starting with '\u00a9' (end of transcript) found")
    starts = [i for i, ln in enumerate(lines[:end]) if ln.strip().endswith(SECTION_TITLE)]
    if len(starts) < 2:
        raise GeneratorError(f"seed: expected the title {SECTION_TITLE!r} twice before the \u00a9 line")
    return lines[starts[-1] + 1 : end]


def split_blocks(lines: list[str]) -> list[str]:
    """Group lines into blank-line separated blocks (one block per turn).

    Lines inside a block are joined with a newline so a label that sits on
    its own line (Denise Webb's first turn) stays recognisable.
    """
    blocks, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def parse_label(label: str) -> tuple[str, str]:
    """Split a speaker label into (name, role); drop a leading IMH-E® item."""
    name, sep, rest = label.partition(",")
    role = rest.strip() if sep else ""
    first, sep2, remainder = role.partition(",")
    if first.strip() == CREDENTIAL:
        role = remainder.strip() if sep2 else ""
    return name.strip(), role


def parse_turns(seed_text: str) -> list[Turn]:
    """Parse the seed transcript into speaker turns (speaker, role, text).

    A turn without its own role (the second "Denise Webb:") reuses the role
    from that speaker's earlier turn. Spoken text is kept exactly; only the
    whitespace around the turn is removed.
    """
    turns: list[Turn] = []
    roles: dict[str, str] = {}
    for block in split_blocks(transcript_section(seed_text)):
        match = LABEL_RE.match(block)
        if not match:
            raise GeneratorError(f"seed: cannot find a speaker label in: {block[:60]!r}")
        name, role = parse_label(match.group("label"))
        role = role or roles.get(name, "")
        roles.setdefault(name, role)
        turns.append(Turn(name, role, match.group("text").strip()))
    if not turns:
        raise GeneratorError("seed: no speaker turns found")
    return turns


# --------------------------------------------------------------------------
# Splitting text into caption cues
# --------------------------------------------------------------------------

CLOSERS = "\"'\u201d\u2019)]"
SENTENCE_END_RE = re.compile(r"[.!?][" + re.escape(CLOSERS) + r"]*$")
CLAUSE_END_RE = re.compile(r"(?:[,;:?]|--)[" + re.escape(CLOSERS) + r"]*$|^--$")


def layout(words: list[str]) -> str | None:
    """Lay words out as at most 2 lines of at most 42 characters.

    Returns the cue text with a newline at the most balanced break, or None
    if the words do not fit; a single line is used when it fits. The break is
    nudged towards clause punctuation or a following "and"/"with" and away
    from a dangling "the"/"and", because such lines read more easily.
    """
    one_line = " ".join(words)
    if len(one_line) <= MAX_LINE:
        return one_line
    best = None
    for i in range(1, len(words)):
        top, bottom = " ".join(words[:i]), " ".join(words[i:])
        widest = max(len(top), len(bottom))
        if widest > MAX_LINE:
            continue
        score = widest
        if CLAUSE_END_RE.search(words[i - 1]):
            score -= LINE_BREAK_BONUS
        elif words[i - 1].lower() in DANGLING_WORDS:
            score += LINE_BREAK_BONUS
        elif words[i].lower() in PHRASE_STARTERS:
            score -= LINE_BREAK_BONUS // 2
        if best is None or score < best[0]:
            best = (score, f"{top}\n{bottom}")
    return best[1] if best else None


def split_after(words: list[str], pattern: re.Pattern[str]) -> list[list[str]]:
    """Split a word list into runs, each ending at a word matching pattern."""
    runs, current = [], []
    for word in words:
        current.append(word)
        if pattern.search(word):
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def cue_cost(piece: list[str], next_word: str) -> float:
    """Cost of one cue: a base cost, the kind of break it ends on, shortness.

    Ending at the sentence end is free, at clause punctuation cheap and in
    the middle of a clause dear (less so just before a conjunction or
    preposition, more so after an article or preposition that belongs to the
    next words); very short cues ("You know,") cost extra and a small term
    evens out cue lengths. ``next_word`` is the first word of the following
    cue, or "" at the end of the sentence.
    """
    last = not next_word
    if last:
        penalty = 0.0
    elif CLAUSE_END_RE.search(piece[-1]):
        penalty = CLAUSE_BREAK_COST
    else:
        penalty = WORD_BREAK_COST + (1.0 if piece[-1].lower() in DANGLING_WORDS else 0.0)
        if next_word.lower() in PHRASE_STARTERS and piece[-1].lower() not in DANGLING_WORDS:
            penalty -= 1.0
    length = len(" ".join(piece))
    short = max(0, SHORT_CUE_CHARS - length) / SHORT_CUE_CHARS * 2
    balance = BALANCE_WEIGHT * ((length - TARGET_CUE_CHARS) / TARGET_CUE_CHARS) ** 2
    return 1.0 + penalty + short + balance


def split_sentence(words: list[str]) -> list[list[str]]:
    """Split one sentence into cues, preferring clause over word breaks.

    A small dynamic programme over the word positions picks the cheapest
    sequence of cues that each fit 2 x 42 characters (see cue_cost); the
    first cheapest option wins ties, so the result is deterministic.
    """
    n = len(words)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            if layout(words[i:j]) is None and j > i + 1:
                break
            next_word = words[j] if j < n else ""
            options.append((cue_cost(words[i:j], next_word) + best[j][0], j))
        best[i] = min(options, key=lambda option: option[0])
    pieces, i = [], 0
    while i < n:
        j = best[i][1]
        pieces.append(words[i:j])
        i = j
    return pieces


def split_cues(text: str) -> list[Cue]:
    """Split a turn's text into caption cues, sentence ends first.

    Every break falls on a single space of the original text, so joining
    the cue texts (line break -> space) with single spaces restores the
    turn's text exactly; this is checked before returning.
    """
    words = text.split(" ")
    cues: list[Cue] = []
    for sentence in split_after(words, SENTENCE_END_RE):
        for piece in split_sentence(sentence):
            cue_text = layout(piece) or " ".join(piece)
            cues.append(Cue(cue_text))
    joined = " ".join(c.text.replace("\n", " ") for c in cues)
    if joined != text:
        raise GeneratorError("internal: cue texts do not rebuild the turn text")
    return cues


# --------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------


@dataclass
class Pcm:
    """Mono 16-bit PCM audio kept in memory."""

    rate: int
    frames: bytes = b""

    @property
    def samples(self) -> int:
        return len(self.frames) // 2


def read_wav(path: Path) -> Pcm:
    """Read a mono 16-bit WAV, so sample counts (and times) are exact."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise GeneratorError(f"{path.name}: expected mono 16-bit audio from espeak-ng")
        return Pcm(wav.getframerate(), wav.readframes(wav.getnframes()))


def trim_silence(pcm: Pcm) -> Pcm:
    """Cut espeak-ng's leading/trailing silence so cues sit on the speech."""
    values = memoryview(pcm.frames).cast("h")
    first = next((i for i in range(len(values)) if abs(values[i]) >= SILENCE_THRESHOLD), None)
    if first is None:
        return pcm
    last = next(i for i in range(len(values) - 1, -1, -1) if abs(values[i]) >= SILENCE_THRESHOLD)
    return Pcm(pcm.rate, pcm.frames[first * 2 : (last + 1) * 2])


def synthesize(text: str, voice: str, pitch: int, path: Path) -> Pcm:
    """Speak one cue with espeak-ng (text via a file: no shell or option quirks)."""
    text_path = path.with_suffix(".txt")
    text_path.write_text(text.replace("\n", " ") + "\n", encoding="utf-8")
    # fmt: off
    cmd = ["espeak-ng", "-v", voice, "-s", str(ESPEAK_SPEED), "-p", str(pitch),
           "-w", str(path), "-f", str(text_path)]
    # fmt: on
    run(cmd, "espeak-ng")
    return trim_silence(read_wav(path))


def seconds_to_samples(seconds: float, rate: int) -> int:
    """Convert a duration to a whole number of samples."""
    return round(seconds * rate)


def samples_to_ms(samples: int, rate: int) -> int:
    """Convert a sample position to whole milliseconds."""
    return round(samples * 1000 / rate)


def build_audio(turns: list[Turn], voices: dict[str, tuple[str, int]], work: Path) -> tuple[Pcm, list[int]]:
    """Synthesize all cues and lay them end to end with fixed pauses.

    Sets each cue's start/end (ms) to where its speech sits in the track and
    returns the track plus the sample position where each turn's title card
    appears (a multiple of FRAME_GRID_S just before the turn's first cue).
    """
    track: Pcm | None = None
    card_starts: list[int] = []
    parts: list[bytes] = []
    position = 0
    for t_index, turn in enumerate(turns, 1):
        voice, pitch = voices[turn.speaker]
        print(
            f"[{t_index}/{len(turns)}] {turn.speaker} ({voice}, {len(turn.cues)} cues)",
            flush=True,
        )
        for c_index, cue in enumerate(turn.cues):
            pcm = synthesize(cue.text, voice, pitch, work / f"t{t_index:02d}c{c_index:03d}.wav")
            if track is None:
                track = Pcm(pcm.rate)
                position = seconds_to_samples(LEAD_IN_S, pcm.rate)
                parts.append(silence(position))
            elif pcm.rate != track.rate:
                raise GeneratorError("espeak-ng returned different sample rates")
            else:
                gap = CUE_GAP_S if c_index else TURN_GAP_S
                parts.append(silence(seconds_to_samples(gap, track.rate)))
                position += seconds_to_samples(gap, track.rate)
            if c_index == 0:
                grid = seconds_to_samples(FRAME_GRID_S, track.rate)
                card_starts.append(0 if t_index == 1 else (position // grid) * grid)
            cue.start_ms = samples_to_ms(position, track.rate)
            position += pcm.samples
            cue.end_ms = samples_to_ms(position, track.rate)
            parts.append(pcm.frames)
    assert track is not None
    grid = seconds_to_samples(FRAME_GRID_S, track.rate)
    total = -(-(position + seconds_to_samples(TAIL_MIN_S, track.rate)) // grid) * grid
    parts.append(silence(total - position))
    track.frames = b"".join(parts)
    return track, card_starts


def silence(samples: int) -> bytes:
    """Return digital silence of the given length (16-bit mono)."""
    return b"\x00\x00" * samples


def write_wav(pcm: Pcm, path: Path) -> None:
    """Write the full audio track as a mono 16-bit WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate)
        wav.writeframes(pcm.frames)


# --------------------------------------------------------------------------
# Title cards and video
# --------------------------------------------------------------------------


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance of an #rrggbb colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of white text on the given background."""
    return 1.05 / (relative_luminance(hex_colour) + 0.05)


def find_font(filename: str) -> Path:
    """Locate a DejaVu font file; fail with a clear message if absent."""
    for directory in FONT_DIRS:
        base = Path(directory)
        if (base / filename).is_file():
            return base / filename
        if base.is_dir():
            found = sorted(base.rglob(filename))
            if found:
                return found[0]
    raise GeneratorError(
        f"font {filename} not found (looked in {', '.join(FONT_DIRS)}); "
        "install DejaVu fonts, e.g. `apt-get install fonts-dejavu-core`"
    )


def filter_value(value: str) -> str:
    """Escape a value for use inside an ffmpeg filter option (level 1 and 2)."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return escaped.replace(",", "\\,").replace(";", "\\;").replace("[", "\\[").replace("]", "\\]")


def drawtext(text: str, font: Path, size: int, y: int, path: Path) -> str:
    """Return a drawtext filter for one centred line, text read from a file.

    Writing the text to a file side-steps drawtext's quoting rules for
    apostrophes, colons and commas; expansion=none keeps '%' literal.
    """
    path.write_text(text, encoding="utf-8")
    return (
        f"drawtext=fontfile={filter_value(str(font))}:textfile={filter_value(str(path))}"
        f":expansion=none:fontcolor=white:fontsize={size}:x=(w-text_w)/2:y={y}"
    )


def render_card(turn: Turn, colour: str, fonts: tuple[Path, Path], path: Path) -> None:
    """Render one 640x360 title card (name, wrapped role, footer) to PNG."""
    bold, regular = fonts
    filters = [drawtext(turn.speaker, bold, 40, 110, path.with_suffix(".name.txt"))]
    for i, line in enumerate(textwrap.wrap(turn.role, 44)):
        filters.append(drawtext(line, regular, 22, 175 + 30 * i, path.with_suffix(f".role{i}.txt")))
    filters.append(drawtext(FOOTER, regular, 15, HEIGHT - 36, path.with_suffix(".foot.txt")))
    # fmt: off
    cmd = [*FFMPEG,
           "-f", "lavfi", "-i", f"color=c=0x{colour[1:]}:s={WIDTH}x{HEIGHT}:r=1",
           "-vf", ",".join(filters), "-frames:v", "1",
           "-fflags", "+bitexact", "-flags:v", "+bitexact", str(path)]
    # fmt: on
    run(cmd, "ffmpeg (title card)")


def encode(cards: list[Path], card_frames: list[int], audio: Path, out: Path) -> None:
    """Encode the cards (exact frame counts) and the audio into VP9/Opus WebM.

    Single-threaded libvpx plus the bitexact flags and no metadata make the
    output byte-identical from run to run.
    """
    cmd = list(FFMPEG)
    for card in cards:
        cmd += ["-loop", "1", "-framerate", str(FPS), "-i", str(card)]
    cmd += ["-i", str(audio)]
    chains = [f"[{i}:v]trim=end_frame={n},setpts=PTS-STARTPTS[v{i}]" for i, n in enumerate(card_frames)]
    inputs = "".join(f"[v{i}]" for i in range(len(cards)))
    chains.append(f"{inputs}concat=n={len(cards)}:v=1:a=0,format=yuv420p[v]")
    # fmt: off
    cmd += [
        "-filter_complex", ";".join(chains), "-map", "[v]", "-map", f"{len(cards)}:a",
        # VP9, constant quality; fixed GOP so seeking is quick; one thread so
        # the bitstream does not depend on thread scheduling.
        "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "38",
        "-deadline", "good", "-cpu-used", "4",
        "-g", str(GOP_FRAMES), "-keyint_min", str(GOP_FRAMES),
        "-row-mt", "0", "-threads", "1",
        # Opus speech, mono.
        "-c:a", "libopus", "-b:a", "28k", "-ac", "1", "-ar", "48000",
        # No version strings, random UIDs, dates or copied metadata.
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "webm", str(out),
    ]
    # fmt: on
    run(cmd, "ffmpeg (encode)")


# --------------------------------------------------------------------------
# Text outputs
# --------------------------------------------------------------------------


def timestamp(ms: int) -> str:
    """Format milliseconds as a WebVTT timestamp HH:MM:SS.mmm."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    """Escape the characters WebVTT cue text reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def captions_vtt(turns: list[Turn]) -> str:
    """Build captions.vtt: header, provenance NOTE, voice-tagged cues."""
    out = [
        "WEBVTT",
        "",
        "NOTE",
        f"Generated by {GENERATOR} from the seed transcript of the 2018",
        'video "What is Infant Mental Health?". Do not edit by hand.',
        "\u00a9 2018. This transcript may be reprinted for educational purposes.",
        "",
    ]
    number = 0
    for turn in turns:
        for cue in turn.cues:
            number += 1
            out += [
                f"c{number:03d}",
                f"{timestamp(cue.start_ms)} --> {timestamp(cue.end_ms)}",
                f"<v {vtt_escape(turn.speaker)}>{vtt_escape(cue.text)}",
                "",
            ]
    return "\n".join(out)


def chapters_vtt(turns: list[Turn]) -> str:
    """Build chapters.vtt: one chapter per turn, first cue start to next turn start."""
    out = [
        "WEBVTT",
        "",
        "NOTE",
        f"Generated by {GENERATOR}: one chapter per speaker turn.",
        "",
    ]
    for i, turn in enumerate(turns):
        start = turn.cues[0].start_ms
        end = turns[i + 1].cues[0].start_ms if i + 1 < len(turns) else turn.cues[-1].end_ms
        title = f"{turn.speaker} \u2014 {turn.role}" if turn.role else turn.speaker
        out += [
            f"ch{i + 1:02d}",
            f"{timestamp(start)} --> {timestamp(end)}",
            vtt_escape(title),
            "",
        ]
    return "\n".join(out)


def standin_json(duration: float, turns: list[Turn], voices: dict[str, tuple[str, int]]) -> str:
    """Build standin.json: duration, speakers (first-appearance order), generator."""
    speakers, seen = [], set()
    for turn in turns:
        if turn.speaker not in seen:
            seen.add(turn.speaker)
            speakers.append(
                {
                    "name": turn.speaker,
                    "role": turn.role,
                    "voice": voices[turn.speaker][0],
                }
            )
    data = {
        "duration": round(duration, 3),
        "speakers": speakers,
        "generator": GENERATOR,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------
# Plumbing
# --------------------------------------------------------------------------


def run(cmd: list[str], what: str) -> None:
    """Run a tool; on failure raise with the tail of its error output."""
    result = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-10:])
        raise GeneratorError(f"{what} failed (exit {result.returncode}):\n{tail}")


def check_tools() -> None:
    """Fail early, and clearly, if espeak-ng or ffmpeg is not installed."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    if missing:
        raise GeneratorError(
            f"missing tool(s): {', '.join(missing)}; install them, e.g. "
            "`apt-get install espeak-ng ffmpeg fonts-dejavu-core`"
        )


def assign_voices(turns: list[Turn]) -> dict[str, tuple[str, int]]:
    """Give every distinct speaker their own voice, in order of appearance."""
    voices: dict[str, tuple[str, int]] = {}
    for turn in turns:
        if turn.speaker not in voices:
            if len(voices) == len(VOICES):
                raise GeneratorError(f"more than {len(VOICES)} speakers; add voices to VOICES")
            voices[turn.speaker] = VOICES[len(voices)]
    return voices


def assign_colours(turns: list[Turn]) -> dict[str, str]:
    """Give every speaker a dark background with >= 4.5:1 contrast for white."""
    colours: dict[str, str] = {}
    for turn in turns:
        if turn.speaker not in colours:
            colour = BACKGROUNDS[len(colours) % len(BACKGROUNDS)]
            if contrast_with_white(colour) < 4.5:
                raise GeneratorError(f"background {colour} is too light for white text")
            colours[turn.speaker] = colour
    return colours


def generate(seed: Path, out_dir: Path) -> None:
    """Run the whole pipeline and write the four outputs into out_dir."""
    check_tools()
    fonts = (find_font("DejaVuSans-Bold.ttf"), find_font("DejaVuSans.ttf"))
    turns = parse_turns(seed.read_text(encoding="utf-8"))
    for turn in turns:
        turn.cues = split_cues(turn.text)
    voices, colours = assign_voices(turns), assign_colours(turns)
    with tempfile.TemporaryDirectory(prefix="standin-") as tmp:
        work = Path(tmp)
        track, card_starts = build_audio(turns, voices, work)
        write_wav(track, work / "track.wav")
        bounds = card_starts + [track.samples]
        frames = [round((b - a) * FPS / track.rate) for a, b in itertools.pairwise(bounds)]
        cards = []
        for i, turn in enumerate(turns):
            cards.append(work / f"card{i:02d}.png")
            render_card(turn, colours[turn.speaker], fonts, cards[-1])
        print("encoding WebM ...", flush=True)
        encode(cards, frames, work / "track.wav", work / "standin.webm")
        duration = track.samples / track.rate
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "standin.webm", out_dir / "standin.webm")
    write_text(out_dir / "captions.vtt", captions_vtt(turns))
    write_text(out_dir / "chapters.vtt", chapters_vtt(turns))
    write_text(out_dir / "standin.json", standin_json(duration, turns, voices))
    size = (out_dir / "standin.webm").stat().st_size
    cue_count = sum(len(t.cues) for t in turns)
    print(
        f"done: {len(turns)} turns, {cue_count} cues, duration {duration:.3f} s, "
        f"standin.webm {size} bytes ({size / 1_048_576:.2f} MiB) -> {out_dir}"
    )


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with Unix newlines, whatever the platform."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seed",
        type=Path,
        default=None,
        help=f"seed transcript (default: {DEFAULT_SEED}, relative to the project root)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output directory (default: {DEFAULT_OUT}, relative to the project root)",
    )
    args = parser.parse_args(argv)
    seed = args.seed or (PROJECT_ROOT / DEFAULT_SEED)
    out_dir = args.out or (PROJECT_ROOT / DEFAULT_OUT)
    if not seed.is_file():
        print(f"error: seed transcript not found: {seed}", file=sys.stderr)
        return 2
    try:
        generate(seed, out_dir)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
