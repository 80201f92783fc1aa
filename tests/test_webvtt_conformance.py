"""The transcript lists the cues a browser's caption track lists, with the same ids, times and text.

Checked against the W3C web-platform-tests WebVTT parsing corpus (the shared folder, with the cues a
browser parses in expected.json) and the course's own caption files. Where webvtt-py 0.6.0 alone
disagrees with the browser, DISAGREEMENTS says what each gives and what our reader shows;
tests/browser/test_caption_conformance.py checks the browser's side of every row in Chromium.

How the two sides are compared: a cue with no id is "" in the browser and None in a Cue; times are
seconds to the millisecond; text is the raw cue text (tags and entities as written, lines joined by
"\\n"), which is what the browser's cue.text and expected.json hold and what Cue.raw_text keeps
(Cue.text is that text as a reader sees it, made by cue_text()).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import webvtt

from app.config import PROJECT_ROOT
from app.course.transcript import Cue, cue_text, read_cues
from tests.conftest import _unavailable

SHARED_CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance" / "webvtt"
# A byte-for-byte copy travels with the tests (BSD licence, see its README.md), so they run in any
# checkout; when the shared folder is present, test_the_copy_of_the_corpus_is_exact compares them.
CONFORMANCE = PROJECT_ROOT / "tests" / "data" / "webvtt-conformance"
MEDIA = PROJECT_ROOT / "media"
COURSE_FILES = sorted(MEDIA.rglob("*.vtt"))

# What expected.json may say of a cue: what the transcript shows, and the rendering properties
# (placement, alignment, regions) that it does not show. Any other key fails the run, not skipped.
COMPARED = {"id", "start", "end", "text"}
NOT_SHOWN = {"align", "line", "lineAlign", "position", "positionAlign", "size", "snapToLines", "vertical", "region"}

Row = tuple[str, float, float, str]  # (id, start, end, raw text) of one cue


def conformance_params() -> list:
    files = sorted(CONFORMANCE.glob("*.vtt")) if CONFORMANCE.is_dir() else []
    if not files:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(path, id=path.name) for path in files]


def course_params() -> list:
    return [pytest.param(path, id=str(path.relative_to(MEDIA))) for path in COURSE_FILES]


def need_corpus(path: Path | None) -> Path:
    if path is None:
        _unavailable(f"the W3C WebVTT conformance corpus is not at {CONFORMANCE} (with its .vtt files)")
    return path


def rows(cues: tuple[Cue, ...]) -> list[Row]:
    return [(cue.identifier or "", round(cue.start, 3), round(cue.end, 3), cue.raw_text) for cue in cues]


def ours(path: Path) -> list[Row] | None:
    """Our reader's cues; None where it raises ValueError (the lesson page then shows no transcript)."""
    try:
        return rows(read_cues(path))
    except ValueError:
        return None


def webvtt_py_alone(path: Path) -> list[Row] | str:
    """What webvtt-py 0.6.0 gives by itself: the cues, or the name of the exception it raises."""
    try:
        captions = webvtt.read(str(path))
    except Exception as error:  # the kind of failure is what is recorded
        return type(error).__name__
    return [
        (c.identifier or "", c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.raw_text)
        for c in captions
    ]


# --- the W3C corpus ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def expected() -> dict:
    source = CONFORMANCE / "expected.json"
    if not source.is_file():
        _unavailable(f"the W3C WebVTT conformance corpus is not at {CONFORMANCE} (no expected.json)")
    return json.loads(source.read_text(encoding="utf-8"))


def test_every_corpus_file_has_its_expectations(expected):
    assert sorted(expected) == sorted(path.name for path in CONFORMANCE.glob("*.vtt"))
    keys = {key for entry in expected.values() for cue in entry["cues"] for key in cue}
    unknown = {key for key in keys - COMPARED - NOT_SHOWN if not key.startswith("region.")}
    assert not unknown, f"expected.json says something of cues this test neither compares nor leaves out: {unknown}"


@pytest.mark.parametrize("path", conformance_params())
def test_cues_match_what_the_browser_parses(path, expected):
    path = need_corpus(path)
    want = expected[path.name]["cues"]
    got = read_cues(path)
    assert len(got) == len(want), f"{path.name}: {len(got)} cues, the browser has {len(want)}"
    for index, (cue, cue_expected) in enumerate(zip(got, want, strict=True)):
        shown = {
            "id": cue.identifier or "",
            "start": round(cue.start, 3),
            "end": round(cue.end, 3),
            "text": cue.raw_text,
        }
        compared = {key: value for key, value in cue_expected.items() if key in COMPARED}
        assert {key: shown[key] for key in compared} == compared, f"{path.name}, cue {index}"
        assert cue.text == cue_text(cue.raw_text)


def test_the_corpus_compares_ids_times_and_text_somewhere(expected):
    """The corpus is not vacuous for us: some files state ids, times and text outright."""
    stated = {key for entry in expected.values() for cue in entry["cues"] for key in cue if key in COMPARED}
    assert stated == COMPARED


# Corpus files on which webvtt-py alone lists cues the browser does not: the cues it adds.
WEBVTT_PY_ALONE_ADDS = {
    # nine cues whose timestamps have too few digits ("0000:00.000", "00:00:0.000", "00:00.0", ...)
    "timings-too-short.vtt": [("", 0.0, 1.0, "invalid")] * 9,
}


@pytest.mark.parametrize("path", conformance_params())
def test_where_webvtt_py_alone_differs_on_the_corpus(path):
    path = need_corpus(path)
    alone, shown, adds = webvtt_py_alone(path), ours(path), WEBVTT_PY_ALONE_ADDS.get(path.name, [])
    assert isinstance(alone, list), alone
    assert [row for row in alone if row not in adds] == shown
    assert len(alone) == len(shown) + len(adds)


# --- where webvtt-py alone and the browser disagree ----------------------------------------------------------


FOLLOWS_BROWSER = "follows the browser"


@dataclass(frozen=True)
class Disagreement:
    name: str
    data: bytes
    webvtt_py: list[Row] | str  # webvtt.read() alone: its cues, or the exception it raises
    browser: list[Row] | None  # Chromium's track: its cues, or None when the track fails to load (no captions)
    ours: list[Row] | None | str = FOLLOWS_BROWSER  # our reader (None: it raises ValueError)

    @property
    def shown(self) -> list[Row] | None:
        return self.browser if self.ours == FOLLOWS_BROWSER else self.ours


A = ("", 0.0, 1.0, "A")
C = ("", 2.0, 3.0, "C")
CUE_A = b"00:00.000 --> 00:01.000\nA\n"

DISAGREEMENTS = [
    Disagreement(
        "timestamp-fields-too-short",  # each field has its exact number of digits; the hours come with minutes
        b"WEBVTT\n\n00:0:00.000 --> 00:00:01.000\nA\n\n0:00.000 --> 00:01.000\nA\n\n00:02.000 --> 00:03.000\nC\n",
        webvtt_py=[A, A, C],
        browser=[C],
    ),
    Disagreement(
        "milliseconds-too-short",
        b"WEBVTT\n\n00:00:00.5 --> 00:00:01.000\nA\n\n00:02.000 --> 00:03.000\nC\n",
        webvtt_py=[("", 0.5, 1.0, "A"), C],
        browser=[C],
    ),
    Disagreement(
        "fourth-millisecond-digit-on-the-end-time",  # webvtt-py reads 00:00:01.000 and drops the digit
        b"WEBVTT\n\n00:00:00.000 --> 00:00:01.0005\nA\n\n00:02.000 --> 00:03.000\nC\n",
        webvtt_py=[A, C],
        browser=[C],
    ),
    Disagreement(
        "bad-timings-drop-the-whole-block",  # with its id and every line of its text
        b"WEBVTT\n\nid\n00:00.00 --> 00:01.000\nA\nB\n\n00:02.000 --> 00:03.000\nC\n",
        webvtt_py=[("id", 0.0, 1.0, "A\nB"), C],
        browser=[C],
    ),
    Disagreement(
        "no-break-space-around-the-arrow",  # WebVTT whitespace is space, tab and form feed only
        "WEBVTT\n\n00:00.000\u00a0--> 00:01.000\nA\n".encode(),
        webvtt_py=[A],
        browser=[],
    ),
    Disagreement(
        "non-ascii-digits",
        "WEBVTT\n\n\u0660\u0660:\u0660\u0660.\u0660\u0660\u0660 --> 00:01.000\nA\n".encode(),
        webvtt_py=[A],
        browser=[],
    ),
    Disagreement(
        "signature-not-followed-by-space-tab-or-line-break",
        b"WEBVTTX\n\n" + CUE_A,
        webvtt_py=[A],
        browser=None,
    ),
    Disagreement(
        "no-signature",  # both show nothing, but webvtt-py raises MalformedFileError, which is no ValueError
        CUE_A,
        webvtt_py="MalformedFileError",
        browser=None,
    ),
    Disagreement(
        "not-utf-8",  # a Latin-1 file: the browser shows U+FFFD, webvtt-py fails on the whole file
        b"WEBVTT\n\n00:00.000 --> 00:01.000\nCaf\xe9\n",
        webvtt_py="UnicodeDecodeError",
        browser=[("", 0.0, 1.0, "Caf\ufffd")],
    ),
    Disagreement(
        "utf-32-byte-order-mark",  # browsers decode UTF-8 and UTF-16 only
        ("WEBVTT\n\n" + CUE_A.decode()).encode("utf-32"),
        webvtt_py=[A],
        browser=None,
    ),
    Disagreement(
        "nul-character",
        b"WEBVTT\n\n00:00.000 --> 00:01.000\nA\x00B\n",
        webvtt_py=[("", 0.0, 1.0, "A\x00B")],
        browser=[("", 0.0, 1.0, "A\ufffdB")],
    ),
    Disagreement(
        "header-line-right-before-timings",  # the rules agree with webvtt-py (no id); Chromium makes it the id
        b"WEBVTT\nKind: captions\n" + CUE_A,
        webvtt_py=[A],
        browser=[("Kind: captions", 0.0, 1.0, "A")],
    ),
    Disagreement(
        "hours-beyond-ten-digits",  # left alone: no lesson is billions of hours long
        b"WEBVTT\n\n10000000000:00:00.000 --> 10000000000:00:01.000\nA\n",
        webvtt_py=[],
        browser=[("", float("inf"), float("inf"), "A")],
        ours=[],
    ),
]
DISAGREEMENT_PARAMS = [pytest.param(case, id=case.name) for case in DISAGREEMENTS]


@pytest.mark.parametrize("case", DISAGREEMENT_PARAMS)
def test_webvtt_py_alone_would_show(case, tmp_path):
    path = tmp_path / "captions.vtt"
    path.write_bytes(case.data)
    assert webvtt_py_alone(path) == case.webvtt_py
    assert case.webvtt_py != case.browser


@pytest.mark.parametrize("case", DISAGREEMENT_PARAMS)
def test_our_reader_shows_what_the_browser_shows(case, tmp_path):
    path = tmp_path / "captions.vtt"
    path.write_bytes(case.data)
    assert ours(path) == case.shown


def test_a_file_a_browser_cannot_read_raises_a_clear_value_error(tmp_path):
    path = tmp_path / "notes.vtt"
    path.write_text("Just some notes\n\n00:00.000 --> 00:01.000\nA\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a WebVTT file") as raised:
        read_cues(path)
    assert str(path.resolve()) in str(raised.value)


# --- the course's own caption files --------------------------------------------------------------------------


def test_the_course_has_caption_files():
    assert COURSE_FILES, f"no .vtt files under {MEDIA}"


@pytest.mark.parametrize("path", course_params())
def test_course_captions_read_the_same_with_webvtt_py_alone(path):
    cues = read_cues(path)
    assert cues, f"{path} has no cues"
    assert rows(cues) == webvtt_py_alone(path)
    assert [cue.speaker for cue in cues] == [caption.voice for caption in webvtt.read(str(path))]
    assert [cue.text for cue in cues] == [cue_text(cue.raw_text) for cue in cues]


def test_the_copy_of_the_corpus_is_exact():
    if SHARED_CONFORMANCE.is_dir():
        for original in SHARED_CONFORMANCE.iterdir():
            assert (CONFORMANCE / original.name).read_bytes() == original.read_bytes(), original.name
    assert len(list(CONFORMANCE.glob("*.vtt"))) == 17
