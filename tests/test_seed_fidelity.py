"""The video lesson's captions hold the seed transcript complete and exact, with speakers."""

from __future__ import annotations

import json
import re

import webvtt

from app.config import PROJECT_ROOT
from app.course.transcript import cue_text, read_cues
from tests.conftest import seed_dir

MEDIA = PROJECT_ROOT / "media" / "what-is-infant-mental-health"
SEED = "002_614d2ee42d8ddcc4.txt"


COPY = PROJECT_ROOT / "tests" / "data" / SEED


def seed_turns() -> list[tuple[str, str]]:
    """(speaker, words) for each turn of the seed transcript, read independently of the generator."""
    shared = seed_dir() / SEED
    text = (shared if shared.exists() else COPY).read_text(encoding="utf-8")
    body = text.split("What is Infant Mental Health?\n\n\n", 1)[1].split("©", 1)[0]
    turns = []
    for block in re.split(r"\n\s*\n", body):
        block = " ".join(block.split())
        if not block:
            continue
        label, words = re.match(r"^([^:]+?):\s(.*)$", block).groups()
        turns.append((label.split(",")[0].strip(), words))
    return turns


def test_the_copies_of_the_seeds_are_exact():
    for name in (SEED, "000_5ed29491e9040d49.txt"):
        copy, shared = COPY.parent / name, seed_dir() / name
        if shared.exists():
            assert copy.read_bytes() == shared.read_bytes(), name
    assert "Denise Webb, IMH-E®" in COPY.read_text(encoding="utf-8")


def test_seed_has_the_expected_speakers():
    assert [speaker for speaker, _ in seed_turns()] == [
        "Denise Webb",
        "Heidi Maderia",
        "Anne Giordano",
        "Denise Webb",
        "Lisa Candels",
        "Mary Watson Avery",
    ]


def test_captions_hold_every_turn_exactly_with_its_speaker():
    cues = read_cues(MEDIA / "captions.vtt")
    assert all(cue.speaker for cue in cues), "every cue names its speaker with a <v> tag"
    turns: list[tuple[str, list[str]]] = []
    for cue in cues:
        if not turns or turns[-1][0] != cue.speaker:
            turns.append((cue.speaker, []))
        turns[-1][1].append(cue.text)
    assert [(speaker, " ".join(words)) for speaker, words in turns] == seed_turns()


def test_voice_tags_are_written_in_the_file():
    raw = (MEDIA / "captions.vtt").read_text()
    assert "<v Denise Webb>" in raw and "<v Mary Watson Avery>" in raw


def test_cues_are_in_order_and_do_not_overlap():
    cues = read_cues(MEDIA / "captions.vtt")
    for before, after in zip(cues, cues[1:], strict=False):
        assert before.start < before.end <= after.start


def test_chapters_one_per_speaker_turn():
    chapters = webvtt.read(MEDIA / "chapters.vtt")
    turns = seed_turns()
    assert len(chapters) == len(turns)
    for chapter, (speaker, _) in zip(chapters, turns, strict=True):
        assert cue_text(chapter.raw_text).startswith(speaker)


def test_stand_in_video_is_small_webm_matching_the_lesson():
    video = MEDIA / "standin.webm"
    assert video.read_bytes()[:4] == b"\x1a\x45\xdf\xa3", "WebM (Matroska) signature"
    assert video.stat().st_size < 4 * 1024 * 1024
    info = json.loads((MEDIA / "standin.json").read_text())
    lesson = (PROJECT_ROOT / "modules/01-what-is-infant-mental-health/01-watch-the-video.md").read_text()
    declared = float(re.search(r"^duration: ([\d.]+)$", lesson, re.M).group(1))
    assert abs(declared - info["duration"]) < 0.5
    assert read_cues(MEDIA / "captions.vtt")[-1].end <= info["duration"]
