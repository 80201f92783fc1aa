"""Every validation rule of the course format, one broken file each, asserting path:line: message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.course.loader import load_course

MODULE_YML = """title: Welcome
summary: A first module.
estimated_minutes: 10
ce_hours: 0.25
"""
READING = """---
title: Read this
kind: reading
minutes: 5
---
Some **text**.
"""
VIDEO = """---
title: Watch this
kind: video
media: clip/video.webm
captions: clip/captions.vtt
duration: 10
---
Intro.
"""
CAPTIONS = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>Hello.\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small valid course: two modules, one with a video."""
    modules, media = tmp_path / "modules", tmp_path / "media"
    (media / "clip").mkdir(parents=True)
    (media / "clip" / "video.webm").write_bytes(b"\x1a\x45\xdf\xa3 stand-in")
    (media / "clip" / "captions.vtt").write_text(CAPTIONS)
    for folder, lessons in {
        "01-welcome": {"01-read.md": READING, "02-watch.md": VIDEO},
        "02-next": {"01-read.md": READING},
    }.items():
        (modules / folder).mkdir(parents=True)
        (modules / folder / "module.yml").write_text(MODULE_YML)
        for name, text in lessons.items():
            (modules / folder / name).write_text(text)
    return tmp_path


def check(root: Path) -> list[str]:
    _course, problems = load_course(root / "modules", root / "media", root=root)
    return [str(p) for p in problems]


def test_valid_tree_has_no_problems(tree):
    assert check(tree) == []


def test_the_shipped_course_is_valid():
    course, problems = load_course(PROJECT_ROOT / "modules", PROJECT_ROOT / "media")
    assert [str(p) for p in problems] == []
    assert [m.slug for m in course.modules] == [
        "what-is-infant-mental-health",
        "signs-of-good-infant-mental-health",
        "trauma-and-resilience-in-infancy",
    ]
    kinds = {lesson.kind for m in course.modules for lesson in m.lessons}
    assert kinds == {"video", "reading", "reflection"}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


CASES = [
    # (file to break, old text, new text, expected "path:line: message")
    (
        "modules/01-welcome/module.yml",
        "title: Welcome\n",
        "",
        "modules/01-welcome/module.yml:1: missing required key 'title'",
    ),
    (
        "modules/01-welcome/module.yml",
        "ce_hours: 0.25",
        "ce_hours: 0.25\ncolour: red",
        "modules/01-welcome/module.yml:5: unknown key 'colour'",
    ),
    (
        "modules/01-welcome/module.yml",
        "estimated_minutes: 10",
        "estimated_minutes: ten",
        "modules/01-welcome/module.yml:3: 'estimated_minutes' must be a whole number",
    ),
    (
        "modules/01-welcome/module.yml",
        "ce_hours: 0.25",
        "ce_hours: -1",
        "modules/01-welcome/module.yml:4: 'ce_hours' cannot be negative",
    ),
    (
        "modules/01-welcome/module.yml",
        "summary: A first module.",
        "summary: [unclosed",
        "modules/01-welcome/module.yml:3: YAML syntax error",
    ),
    (
        "modules/02-next/module.yml",
        "ce_hours: 0.25",
        "ce_hours: 0.25\nprerequisites: [nowhere]",
        "modules/02-next/module.yml:5: prerequisite 'nowhere' is not a module in this course",
    ),
    (
        "modules/01-welcome/module.yml",
        "ce_hours: 0.25",
        "ce_hours: 0.25\nprerequisites: [next]",
        "modules/01-welcome/module.yml:5: prerequisites form a cycle",
    ),
    (
        "modules/01-welcome/01-read.md",
        "title: Read this\n",
        "",
        "modules/01-welcome/01-read.md:2: missing required key 'title'",
    ),
    (
        "modules/01-welcome/01-read.md",
        "kind: reading",
        "kind: podcast",
        "modules/01-welcome/01-read.md:3: unknown kind 'podcast'",
    ),
    (
        "modules/01-welcome/01-read.md",
        "minutes: 5",
        "minutes: 5\nauthor: Ann",
        "modules/01-welcome/01-read.md:5: unknown key 'author'",
    ),
    (
        "modules/01-welcome/01-read.md",
        "minutes: 5",
        "minutes: [5",
        "modules/01-welcome/01-read.md:5: YAML syntax error",
    ),
    (
        "modules/01-welcome/01-read.md",
        "---\ntitle",
        "title",
        "modules/01-welcome/01-read.md:1: a lesson file must start with '---'",
    ),
    (
        "modules/01-welcome/01-read.md",
        "minutes: 5\n---",
        "minutes: 5\n",
        "modules/01-welcome/01-read.md:1: front matter is not closed",
    ),
    (
        "modules/01-welcome/01-read.md",
        "minutes: 5",
        "minutes: 5\nprompt: Why?",
        "modules/01-welcome/01-read.md:5: 'prompt' is only for reflection lessons",
    ),
    (
        "modules/01-welcome/01-read.md",
        "kind: reading",
        "kind: reflection",
        "modules/01-welcome/01-read.md:2: a reflection lesson needs a 'prompt'",
    ),
    (
        "modules/01-welcome/01-read.md",
        "minutes: 5",
        "minutes: 5\nrequired: maybe",
        "modules/01-welcome/01-read.md:5: 'required' must be true or false",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "media: clip/video.webm",
        "media: clip/missing.webm",
        "modules/01-welcome/02-watch.md:4: media file not found: media/clip/missing.webm",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "media: clip/video.webm",
        "media: ../../etc/passwd",
        "modules/01-welcome/02-watch.md:4: '../../etc/passwd' points outside the media folder",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "media: clip/video.webm",
        "media: http://example.com/v.mp4",
        "modules/01-welcome/02-watch.md:4: 'http://example.com/v.mp4' must be a path inside media/",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "duration: 10\n",
        "",
        "modules/01-welcome/02-watch.md:2: a video lesson needs 'duration'",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "duration: 10",
        "duration: 10\ncomplete_at: 1.5",
        "modules/01-welcome/02-watch.md:7: 'complete_at' is a share of the video between 0 and 1",
    ),
    (
        "modules/01-welcome/02-watch.md",
        "duration: 10",
        "duration: 10\nend_at: 60",
        "modules/01-welcome/02-watch.md:7: 'end_at' must fall within the video's duration",
    ),
    (
        "media/clip/captions.vtt",
        "WEBVTT",
        "WEBVTX",
        "media/clip/captions.vtt:1: a WebVTT file must start with the line 'WEBVTT'",
    ),
    (
        "media/clip/captions.vtt",
        "00:00:01.000 --> 00:00:03.000",
        "00:00:01.000 -> 00:00:03.000",
        "media/clip/captions.vtt:3: cue has no timing line",
    ),
    (
        "media/clip/captions.vtt",
        "00:00:01.000 --> 00:00:03.000",
        "00:00:01,000 --> 00:00:03.000",
        "media/clip/captions.vtt:3: malformed timing line",
    ),
    (
        "media/clip/captions.vtt",
        "00:00:01.000 --> 00:00:03.000",
        "00:00:04.000 --> 00:00:03.000",
        "media/clip/captions.vtt:3: cue ends before it starts",
    ),
]


@pytest.mark.parametrize(("target", "old", "new", "expected"), CASES, ids=[c[3].split(": ", 1)[1][:40] for c in CASES])
def test_each_rule_names_file_and_line(tree, target, old, new, expected):
    _replace(tree / target, old, new)
    problems = check(tree)
    assert any(p.startswith(expected) for p in problems), problems


def test_duplicate_module_slug_and_number(tree):
    shutil.copytree(tree / "modules/02-next", tree / "modules/03-next")
    shutil.copytree(tree / "modules/01-welcome", tree / "modules/01-other")
    problems = check(tree)
    assert "modules/03-next/module.yml:1: duplicate module slug 'next' (also modules/02-next/module.yml)" in problems
    assert any(p.startswith("modules/01-welcome/module.yml:1: module number 01 is used twice") for p in problems), (
        problems
    )


def test_duplicate_lesson_slug(tree):
    shutil.copy(tree / "modules/01-welcome/01-read.md", tree / "modules/01-welcome/03-read.md")
    assert (
        "modules/01-welcome/03-read.md:1: duplicate lesson slug 'read' (also modules/01-welcome/01-read.md)"
        in check(tree)
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("modules/welcome", "modules/welcome/module.yml:1: module folder 'welcome' must be named NN-slug"),
        ("modules/01-welcome/notes.txt", "modules/01-welcome/notes.txt:1: unexpected file"),
        ("modules/01-welcome/Intro.md", "modules/01-welcome/Intro.md:1: unexpected file"),
    ],
)
def test_badly_named_files(tree, name, expected):
    target = tree / name
    if target.suffix:
        target.write_text("x")
    else:
        target.mkdir()
        (target / "module.yml").write_text(MODULE_YML)
    assert any(p.startswith(expected) for p in check(tree)), check(tree)


def test_missing_module_file_and_empty_module(tree):
    (tree / "modules/02-next/module.yml").unlink()
    (tree / "modules/03-empty").mkdir()
    (tree / "modules/03-empty/module.yml").write_text(MODULE_YML)
    problems = check(tree)
    assert "modules/02-next/module.yml:1: missing module.yml" in problems
    assert any(p.startswith("modules/03-empty/module.yml:1: module has no lessons") for p in problems)


def test_unreadable_captions_encoding(tree):
    (tree / "media/clip/captions.vtt").write_bytes(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\xff\xfe bad\n")
    assert "media/clip/captions.vtt:4: not UTF-8 text" in check(tree)


def test_every_problem_is_reported_not_just_the_first(tree):
    _replace(tree / "modules/01-welcome/module.yml", "title: Welcome\n", "")
    _replace(tree / "modules/02-next/01-read.md", "kind: reading", "kind: nope")
    assert len(check(tree)) == 2


def test_cli_validate_prints_path_line_and_fails(tree, runner):
    _replace(tree / "modules/01-welcome/01-read.md", "kind: reading", "kind: podcast")
    result = runner.invoke(args=["course", "validate", str(tree / "modules")])
    assert result.exit_code != 0
    assert "01-welcome/01-read.md:3: unknown kind 'podcast'" in result.output
    assert "1 problem(s) found" in result.output


def test_cli_validate_ok_on_shipped_course(runner):
    result = runner.invoke(args=["course", "validate"])
    assert result.exit_code == 0, result.output
    assert "OK: 3 module(s)" in result.output


def test_duplicate_lesson_number(tree):
    shutil.copy(tree / "modules/01-welcome/01-read.md", tree / "modules/01-welcome/01-again.md")
    problems = check(tree)
    assert any(p.startswith("modules/01-welcome/01-read.md:1: lesson number 01 is used twice") for p in problems), (
        problems
    )
