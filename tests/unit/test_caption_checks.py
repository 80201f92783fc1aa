"""Caption warnings, SRT conversion, timed transcripts as WebVTT, video types by content (no app, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import webvtt

from app.author.uploads import describe, sniff_video
from app.course.caption_checks import caption_warnings, check_captions, clock, cues_with_lines
from app.course.captions import check_caption_text
from app.course.srt import srt_to_vtt
from app.course.timing import (
    TimedLine,
    TimingError,
    build_vtt,
    parse_seconds,
    parse_transcript,
    read_timed_lines,
    split_text,
    vtt_time,
)
from app.course.transcript import parse_cues, read_cues

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "002_614d2ee42d8ddcc4.txt"  # a verified copy of the shared seed


def vtt(*cues: str) -> str:
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


# Each case: a small file, the video's length (or None), and the (line, start, words in the message) expected.
CASES = {
    "clean": (vtt("00:00:01.000 --> 00:00:04.000\nHello there."), 10.0, []),
    "overlap": (
        vtt("00:00:01.000 --> 00:00:04.000\nFirst.", "00:00:03.500 --> 00:00:06.000\nSecond."),
        None,
        [(6, 3.5, "overlaps the cue on line 3")],
    ),
    "starts after the end": (
        vtt("00:00:01.000 --> 00:00:04.000\nIn.", "00:00:12.000 --> 00:00:13.000\nOut."),
        10.0,
        [(6, 12.0, "starts after the video ends")],
    ),
    "ends after the end": (vtt("00:00:08.000 --> 00:00:11.000\nLate."), 10.0, [(3, 8.0, "after the video ends")]),
    "long line": (
        vtt("00:00:01.000 --> 00:00:05.000\nshort\nThis line is far too long to fit on a phone."),
        None,
        [(5, 1.0, "line has 44 characters")],
    ),
    "three lines": (vtt("00:00:01.000 --> 00:00:09.000\none\ntwo\nthree"), None, [(3, 1.0, "cue has 3 lines")]),
    "reading speed": (
        vtt("00:00:01.000 --> 00:00:02.000\nThirty characters of text ok."),
        None,
        [(3, 1.0, "characters a second")],
    ),
    "long gap": (
        vtt("00:00:01.000 --> 00:00:02.000\nOne.", "00:00:13.000 --> 00:00:14.000\nTwo."),
        None,
        [(6, 13.0, "11.0 s without captions")],
    ),
    "gap just under the limit": (
        vtt("00:00:01.000 --> 00:00:02.000\nOne.", "00:00:12.000 --> 00:00:13.000\nTwo."),
        None,
        [],
    ),
    "missing speaker": (
        vtt("00:00:01.000 --> 00:00:03.000\n<v Ann>Hello.", "00:00:04.000 --> 00:00:06.000\nWho said this?"),
        None,
        [(6, 4.0, "no speaker name")],
    ),
    "no speakers anywhere": (
        vtt("00:00:01.000 --> 00:00:03.000\nHello.", "00:00:04.000 --> 00:00:06.000\nHi."),
        None,
        [],
    ),
    "ids and notes shift the lines": (
        "WEBVTT\n\nNOTE a note\n\nc1\n00:00:01.000 --> 00:00:03.000\n<v Ann>Hi.\n\n"
        "c2\n00:00:02.000 --> 00:00:05.000\nNo voice.\n",
        None,
        [(10, 2.0, "overlaps the cue on line 6"), (10, 2.0, "no speaker name")],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_caption_warnings(name):
    text, duration, expected = CASES[name]
    assert check_caption_text(text) == []
    found = caption_warnings(cues_with_lines(text), duration)
    assert [(w.line, w.start) for w in found] == [(line, start) for line, start, _ in expected], found
    for warning, (_, _, words) in zip(found, expected, strict=True):
        assert words in warning.message


def test_the_gap_is_configurable():
    text = CASES["gap just under the limit"][0]
    assert [w.line for w in caption_warnings(cues_with_lines(text), None, max_gap=5)] == [6]


def test_chapters_are_only_checked_for_overlaps_and_times():
    text = (ROOT / "media" / "what-is-infant-mental-health" / "chapters.vtt").read_text()
    assert check_captions(text, 95.0, chapters=True) == ([], [])
    assert check_captions(text, 95.0)[1], "as captions, chapter titles are long lines"


def test_the_real_captions_have_no_warnings():
    text = (ROOT / "media" / "what-is-infant-mental-health" / "captions.vtt").read_text()
    assert check_captions(text, 95.0) == ([], [])


def test_errors_come_before_warnings_and_name_the_line():
    problems, warnings = check_captions("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHi\n")
    assert warnings == [] and problems[0].line == 3


def test_clock():
    assert clock(4.244) == "00:04.244"
    assert clock(3723.5) == "1:02:03.500"
    assert vtt_time(59.9999) == "00:01:00.000"


# ---------------------------------------------------------------------------------------------- SRT


def test_srt_becomes_webvtt_with_the_same_times_and_text():
    srt = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>there</i>\r\nsecond line\r\n\r\n"
        "2\r\n00:00:03,250 --> 00:01:04,000 X1:10 X2:20\r\nA & B < C --> D\r\n\r\n"
        "3\r\n00:01:05,5 --> 01:00:00,000\r\n<font color='red'>{\\an8}Red</font>\r\n"
    )
    text, problems = srt_to_vtt(srt)
    assert problems == [] and check_caption_text(text) == []
    cues = parse_cues(text.encode())
    assert [(c.identifier, c.start, c.end) for c in cues] == [
        ("1", 1.0, 2.5),
        ("2", 3.25, 64.0),
        ("3", 65.5, 3600.0),
    ]
    assert [c.text for c in cues] == ["Hello there second line", "A & B < C --> D", "Red"]
    assert "<i>there</i>" in text and "A &amp; B &lt; C --&gt; D" in text


@pytest.mark.parametrize(
    ("srt", "line", "words"),
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nHi\n", 2, "expected a cue number and a timing line"),
        ("1\n00:00:01,000 --> 00:00:0x,000\nHi\n", 2, "malformed timing line"),
        ("\n\n1\n00:00:03,000 --> 00:00:02,000\nHi\n", 4, "ends before it starts"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nThere\n", 5, "without a blank line"),
        ("1\n00:00:61,000 --> 00:00:62,000\nHi\n", 2, "00 to 59"),
        ("", 1, "no subtitles found"),
    ],
)
def test_srt_problems_name_the_line(srt, line, words):
    text, problems = srt_to_vtt(srt)
    assert text is None
    assert problems[0].line == line and words in problems[0].message


# ------------------------------------------------------------------------------------- timed lines


def seed_turns(count: int) -> str:
    """The seed's first ``count`` speaker turns, as an author would paste them."""
    text = SEED.read_text()
    start = text.index("Denise Webb, IMH-E")
    body = text[start : text.index("©")]
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "\n\n".join(paragraphs[:count])


def test_the_seed_transcript_gives_speakers_and_lines():
    lines = parse_transcript(seed_turns(6))
    assert [line.speaker for line in lines] == [
        "Denise Webb",
        "Heidi Maderia",
        "Anne Giordano",
        "Denise Webb",
        "Lisa Candels",
        "Mary Watson Avery",
    ]
    assert lines[0].text.startswith("I think that infant mental health") and lines[0].text.endswith("development.")
    assert lines[1].text.startswith("Infant mental health concerns")


def test_speakers_carry_on_and_plain_colons_are_text():
    lines = parse_transcript(
        "Ann Lee: First.\nSecond, still Ann.\n\nNote, however: not a speaker.\nAt 10:30 we met.\n"
        '"Wait": a quote.\nBob:\nHello from Bob.\n  • Bulleted line.\n'
    )
    assert [(line.speaker, line.text) for line in lines] == [
        ("Ann Lee", "First."),
        ("Ann Lee", "Second, still Ann."),
        ("Ann Lee", "Note, however: not a speaker."),
        ("Ann Lee", "At 10:30 we met."),
        ("Ann Lee", '"Wait": a quote.'),
        ("Bob", "Hello from Bob."),
        ("Bob", "Bulleted line."),
    ]


def test_timed_lines_make_a_webvtt_file_with_voice_tags(tmp_path):
    lines = [
        TimedLine(1.0, "Denise Webb", "I think <that> & more"),
        TimedLine(18.4, "Heidi Maderia", "Infant mental health concerns that relationship between an infant"),
        TimedLine(31.3, None, "No speaker here."),
    ]
    text = build_vtt(lines, 95.0, note="Timed --> by hand")
    assert check_caption_text(text) == []
    captions = webvtt.from_string(text)
    assert [(c.identifier, c.start, c.end, c.voice) for c in captions] == [
        ("c001", "00:00:01.000", "00:00:18.400", "Denise Webb"),
        ("c002", "00:00:18.400", "00:00:31.300", "Heidi Maderia"),
        ("c003", "00:00:31.300", "00:01:35.000", None),
    ]
    path = tmp_path / "timed.vtt"
    path.write_text(text)
    cues = read_cues(path)
    assert [(c.speaker, c.text) for c in cues] == [(line.speaker, line.text) for line in lines]
    assert "&lt;that&gt; &amp; more" in text
    assert all(len(row) <= 42 for row in text.splitlines() if not row.startswith(("<v", "NOTE")))


def test_split_long_lines_into_cues_of_two_lines():
    line = TimedLine(0.0, "Ann", parse_transcript(seed_turns(1))[0].text)
    text = build_vtt([line], 20.0, split=True)
    cues = cues_with_lines(text)
    assert len(cues) > 3
    assert cues[0][1].start == 0.0 and cues[-1][1].end == 20.0
    assert all(a.end == b.start for (_, a), (_, b) in zip(cues, cues[1:], strict=False))
    _, warnings = check_captions(text, 20.0)
    assert not [w for w in warnings if "lines" in w.message or "characters (" in w.message]
    assert " ".join(c.text for _, c in cues) == line.text
    assert all(len(piece) <= 84 for piece in split_text(line.text))


def test_times_out_of_order_are_refused_with_the_line():
    with pytest.raises(TimingError) as error:
        build_vtt([TimedLine(5.0, None, "a"), TimedLine(5.0, None, "b"), TimedLine(96.0, None, "c")], 95.0)
    assert error.value.problems == [
        "line 1 starts at 00:00:05.000, not before line 2 (00:00:05.000): mark or nudge it",
        "line 3 starts at 00:01:36.000, not before the video's end (00:01:35.000): mark or nudge it",
    ]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("not json", "not readable"),
        ('{"duration": 95}', "no lines"),
        ('{"duration": null, "lines": [{"start": 1, "text": "a"}]}', "length is not known"),
        ('{"duration": 95, "lines": [{"start": null, "text": "a"}]}', "line 1 has no time yet"),
        ('{"duration": 95, "lines": [{"start": 1, "text": ""}]}', "line 1: the text"),
        ('{"duration": 95, "lines": [{"start": 1, "text": "a", "speaker": 7}]}', "speaker"),
    ],
)
def test_posted_timing_is_checked(payload, words):
    with pytest.raises(TimingError) as error:
        read_timed_lines(payload)
    assert words in str(error.value)


def test_posted_timing_is_read():
    duration, lines = read_timed_lines(
        '{"duration": 95.0004, "lines": [{"start": 1.23456, "speaker": " Ann  Lee ", "text": " Hi  there "}]}'
    )
    assert duration == 95.0 and lines == [TimedLine(1.235, "Ann Lee", "Hi there")]


def test_parse_seconds():
    assert parse_seconds(" ") is None and parse_seconds("95.5") == 95.5
    for bad in ("nan", "inf", "-1", "0", "ten"):
        with pytest.raises(ValueError):
            parse_seconds(bad)


# ------------------------------------------------------------------------------------- video types


def test_video_types_are_read_from_the_bytes():
    webm = (ROOT / "media" / "what-is-infant-mental-health" / "standin.webm").read_bytes()[:4096]
    assert sniff_video(webm) == "webm"
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42" + b"\x00" * 64
    assert sniff_video(mp4) == "mp4"
    assert sniff_video(b"\x00\x00\x00\x14ftypXXXX\x00\x00\x00\x00iso6") == "mp4"  # a known compatible brand
    quicktime = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "
    assert sniff_video(quicktime) is None and "QuickTime" in describe(quicktime)
    matroska = b"\x1a\x45\xdf\xa3\x8b" + b"\x42\x82\x88matroska"  # EBML header: DocType "matroska"
    assert sniff_video(matroska) is None and describe(matroska) == "it is a Matroska (.mkv) file, not WebM"
    assert sniff_video(matroska.replace(b"matroska", b"webm\0\0\0\0")) == "webm"
    assert sniff_video(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) is None
    assert describe(b"\x89PNG\r\n\x1a\n") == "its contents are a PNG image"
