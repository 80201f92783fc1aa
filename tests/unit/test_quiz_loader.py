"""quiz.yml: every rule reported as ``path:line: message``; the seed course's quizzes load cleanly."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.course.loader import load_course
from app.course.problems import Problems
from app.course.transcript import read_cues
from app.quiz import KINDS, QuizSettings, Review, load_quiz

MODULES = PROJECT_ROOT / "modules"
MEDIA = PROJECT_ROOT / "media"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
VIDEO_SEED = "002_614d2ee42d8ddcc4.txt"
UAIMH_SEED = "000_5ed29491e9040d49.txt"
DURATIONS = {"watch-the-video": 95.0}

# A valid quiz: one question of each kind. Line numbers in the cases below refer to this layout.
VALID = """\
review_lesson: watch-the-video
questions:
  - id: one
    kind: single
    prompt: Pick one.
    explanation: Because.
    review: "0:10-0:20"
    choices:
      - text: Right
        correct: true
        feedback: Yes.
      - text: Wrong
        correct: false
  - id: two
    kind: multiple
    prompt: Pick some.
    explanation: Because.
    choices:
      - text: A
        correct: true
      - text: B
        correct: false
  - id: three
    kind: true_false
    prompt: True?
    explanation: Because.
    answer: true
  - id: four
    kind: short
    prompt: Type it.
    explanation: Because.
    accept: [self-regulation]
  - id: five
    kind: matching
    prompt: Match them.
    explanation: Because.
    pairs:
      - left: L1
        right: R1
      - left: L2
        right: R2
"""


def load(tmp_path: Path, text: str, durations: dict[str, float] | None = DURATIONS, raw: bytes | None = None):
    path = tmp_path / "quiz.yml"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(text, encoding="utf-8")
    problems = Problems(tmp_path)
    quiz = load_quiz(path, problems, durations)
    return quiz, [str(problem) for problem in problems]


def replace(old: str, new: str, count: int = 1) -> str:
    assert VALID.count(old) >= count, old
    return VALID.replace(old, new, count)


def test_the_valid_quiz_loads_with_defaults(tmp_path):
    quiz, problems = load(tmp_path, VALID)
    assert problems == []
    assert [q.kind for q in quiz.questions] == list(KINDS)
    assert quiz.settings == QuizSettings()
    assert quiz.settings.pass_mark == 80 and quiz.settings.attempts is None and quiz.settings.draw is None
    assert quiz.settings.show_answers == "after_attempt"
    first = quiz.questions[0]
    assert first.review == Review(10, 20, "watch-the-video")
    assert first.review.link_text == "Rewatch 0:10\u20130:20"
    assert first.line == 3
    assert first.choices[0].feedback == "Yes."
    assert quiz.questions[2].answer is True
    assert quiz.questions[3].accept == ("self-regulation",)
    assert [(p.left, p.right) for p in quiz.questions[4].pairs] == [("L1", "R1"), ("L2", "R2")]


def test_every_setting_is_read(tmp_path):
    settings = textwrap.dedent(
        """\
        title: A quiz
        pass_mark: 75.5
        attempts: 3
        wait_minutes: 10
        shuffle_questions: false
        shuffle_choices: false
        draw: 4
        show_answers: once_passed
        """
    )
    quiz, problems = load(tmp_path, settings + VALID)
    assert problems == []
    assert quiz.title == "A quiz"
    assert quiz.settings == QuizSettings(75.5, 3, 10, False, False, 4, "once_passed")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("attempts: null\ndraw: null\n" + VALID, id="nulls-mean-unlimited-and-all"),
        pytest.param("draw: 5\n" + VALID, id="draw-the-whole-pool"),
        pytest.param("pass_mark: 0\n" + VALID, id="pass-mark-0"),
        pytest.param("pass_mark: 100\n" + VALID, id="pass-mark-100"),
        pytest.param(replace('"0:10-0:20"', '"0:10 \u2013 0:20"'), id="review-with-en-dash-and-spaces"),
        pytest.param(replace('"0:10-0:20"', '"1:20-1:35"'), id="review-ending-at-the-end"),
        pytest.param(replace('"0:10-0:20"', "0:10-0:20"), id="review-unquoted"),
        pytest.param(replace("accept: [self-regulation]", "accept: [9, nine]"), id="numbers-accepted"),
    ],
)
def test_valid_variants(tmp_path, text):
    quiz, problems = load(tmp_path, text)
    assert problems == []
    assert quiz is not None


def test_review_times_are_not_checked_against_a_duration_when_none_is_given(tmp_path):
    quiz, problems = load(tmp_path, replace('"0:10-0:20"', '"9:00-9:30"'), durations=None)
    assert problems == []
    assert quiz.questions[0].review == Review(540, 570, "watch-the-video")


ALLOWED_QUESTION_KEYS = (
    "accept, answer, choices, explanation, feedback_false, feedback_true, id, kind, pairs, prompt, review"
)
ALLOWED_QUIZ_KEYS = (
    "attempts, draw, pass_mark, questions, review_lesson, show_answers, shuffle_choices, shuffle_questions, "
    "title, wait_minutes"
)

BROKEN = [
    # -- the file ------------------------------------------------------------------------------------
    ("syntax-error", "questions: [\n", None, "quiz.yml:2: YAML syntax error: "),
    ("not-a-mapping", "- one\n- two\n", None, "quiz.yml:1: expected a mapping of 'key: value' lines"),
    ("empty-file", "", None, "quiz.yml:1: the quiz is empty: it needs 'questions'"),
    ("comments-only", "# nothing yet\n", None, "quiz.yml:1: the quiz is empty: it needs 'questions'"),
    # -- settings ------------------------------------------------------------------------------------
    ("unknown-key", "colour: red\n" + VALID, None, f"quiz.yml:1: unknown key 'colour' (allowed: {ALLOWED_QUIZ_KEYS})"),
    ("duplicate-key", "pass_mark: 70\npass_mark: 90\n" + VALID, None, "quiz.yml:2: key 'pass_mark' appears twice"),
    ("missing-questions", "pass_mark: 80\n", None, "quiz.yml:1: missing required key 'questions'"),
    ("questions-not-a-list", "questions: 3\n", None, "quiz.yml:1: 'questions' must be a list of questions"),
    ("questions-empty", "questions: []\n", None, "quiz.yml:1: 'questions' cannot be empty"),
    ("pass-mark-too-high", "pass_mark: 120\n" + VALID, None, "quiz.yml:1: 'pass_mark' is a percentage between 0"),
    ("pass-mark-negative", "pass_mark: -1\n" + VALID, None, "quiz.yml:1: 'pass_mark' is a percentage between 0"),
    ("pass-mark-text", "pass_mark: high\n" + VALID, None, "quiz.yml:1: 'pass_mark' must be a number"),
    ("pass-mark-bool", "pass_mark: true\n" + VALID, None, "quiz.yml:1: 'pass_mark' must be a number"),
    ("attempts-zero", "attempts: 0\n" + VALID, None, "quiz.yml:1: 'attempts' must be 1 or more"),
    ("attempts-fraction", "attempts: 1.5\n" + VALID, None, "quiz.yml:1: 'attempts' must be a whole number"),
    ("wait-negative", "wait_minutes: -5\n" + VALID, None, "quiz.yml:1: 'wait_minutes' cannot be negative"),
    ("wait-text", "wait_minutes: soon\n" + VALID, None, "quiz.yml:1: 'wait_minutes' must be a number"),
    ("shuffle-text", 'shuffle_questions: "yes"\n' + VALID, None, "quiz.yml:1: 'shuffle_questions' must be true or"),
    ("shuffle-choices-num", "shuffle_choices: 1\n" + VALID, None, "quiz.yml:1: 'shuffle_choices' must be true or"),
    ("draw-over-pool", "draw: 6\n" + VALID, None, "quiz.yml:1: 'draw' is 6 but the quiz has only 5 question(s)"),
    ("draw-zero", "draw: 0\n" + VALID, None, "quiz.yml:1: 'draw' must be 1 or more"),
    ("draw-text", "draw: all\n" + VALID, None, "quiz.yml:1: 'draw' must be a whole number, or null"),
    (
        "show-answers-unknown",
        "show_answers: always\n" + VALID,
        None,
        "quiz.yml:1: unknown show_answers 'always'; use one of: after_attempt, once_passed, never",
    ),
    ("title-empty", 'title: ""\n' + VALID, None, "quiz.yml:1: 'title' cannot be empty"),
    (
        "review-lesson-unknown",
        replace("review_lesson: watch-the-video", "review_lesson: key-ideas"),
        None,
        "quiz.yml:1: review_lesson 'key-ideas' is not a video lesson in this module (video lessons: watch-the-video)",
    ),
    # -- questions -----------------------------------------------------------------------------------
    (
        "question-not-a-mapping",
        "questions:\n  - just some text\n",
        None,
        "quiz.yml:2: question 1 must be a mapping of 'key: value' lines",
    ),
    (
        "question-unknown-key",
        replace("    prompt: True?\n", "    prompt: True?\n    hint: no\n"),
        None,
        f"quiz.yml:26: unknown key 'hint' (allowed: {ALLOWED_QUESTION_KEYS})",
    ),
    (
        "question-duplicate-key",
        replace("    prompt: True?\n", "    prompt: True?\n    prompt: Really?\n"),
        None,
        "quiz.yml:26: key 'prompt' appears twice (also line 25)",
    ),
    (
        "question-missing-explanation",
        replace("    prompt: True?\n    explanation: Because.\n", "    prompt: True?\n"),
        None,
        "quiz.yml:23: missing required key 'explanation'",
    ),
    (
        "question-missing-id",
        replace("  - id: three\n    kind", "  - kind"),
        None,
        "quiz.yml:23: missing required key 'id'",
    ),
    ("question-empty-prompt", replace("prompt: True?", 'prompt: "  "'), None, "quiz.yml:25: 'prompt' cannot be empty"),
    ("question-prompt-list", replace("prompt: True?", "prompt: [a]"), None, "quiz.yml:25: 'prompt' must be text"),
    (
        "question-unknown-kind",
        replace("kind: true_false", "kind: essay"),
        None,
        "quiz.yml:24: unknown kind 'essay'; use one of: single, multiple, true_false, short, matching",
    ),
    (
        "question-bad-id",
        replace("id: three", "id: Three Two"),
        None,
        "quiz.yml:23: question id 'Three Two' must be a slug",
    ),
    (
        "question-duplicate-id",
        replace("id: three", "id: one"),
        None,
        "quiz.yml:23: duplicate question id 'one' (also line 3)",
    ),
    # -- single and multiple -------------------------------------------------------------------------
    (
        "single-two-correct",
        replace("        correct: false\n", "        correct: true\n"),
        None,
        "quiz.yml:8: a single question needs exactly one correct choice (found 2)",
    ),
    (
        "single-none-correct",
        replace("        correct: true\n        feedback: Yes.\n", "        correct: false\n"),
        None,
        "quiz.yml:8: a single question needs exactly one correct choice (found 0)",
    ),
    (
        "multiple-none-correct",
        replace("      - text: A\n        correct: true\n", "      - text: A\n        correct: false\n"),
        None,
        "quiz.yml:18: a multiple question needs at least one correct choice",
    ),
    (
        "single-one-choice",
        replace("      - text: Wrong\n        correct: false\n", ""),
        None,
        "quiz.yml:8: a single question needs at least 2 choices (found 1)",
    ),
    (
        "single-no-choices",
        replace(
            "    choices:\n      - text: Right\n        correct: true\n        feedback: Yes.\n"
            "      - text: Wrong\n        correct: false\n",
            "",
        ),
        None,
        "quiz.yml:3: a single question needs 'choices' (at least 2)",
    ),
    (
        "choices-not-a-list",
        replace(
            "    choices:\n      - text: A\n        correct: true\n      - text: B\n        correct: false\n",
            "    choices: A\n",
        ),
        None,
        "quiz.yml:18: 'choices' must be a list",
    ),
    (
        "choice-missing-correct",
        replace("      - text: Wrong\n        correct: false\n", "      - text: Wrong\n"),
        None,
        "quiz.yml:12: missing required key 'correct'",
    ),
    (
        "choice-correct-text",
        replace("        correct: false\n", '        correct: "no"\n'),
        None,
        "quiz.yml:13: 'correct' must be true or false",
    ),
    (
        "choice-not-a-mapping",
        replace("      - text: Wrong\n        correct: false\n", "      - Wrong\n"),
        None,
        "quiz.yml:12: choice 2 must be a mapping with 'text' and 'correct'",
    ),
    (
        "choice-duplicate-text",
        replace("- text: Wrong", "- text: right!"),
        None,
        "quiz.yml:12: duplicate choice 'right!' (also line 9)",
    ),
    (
        "choice-unknown-key",
        replace("        feedback: Yes.\n", "        hint: Yes.\n"),
        None,
        "quiz.yml:11: unknown key 'hint' (allowed: correct, feedback, text)",
    ),
    # -- true/false ----------------------------------------------------------------------------------
    (
        "true-false-no-answer",
        replace("    answer: true\n", ""),
        None,
        "quiz.yml:23: a true_false question needs 'answer: true' or 'answer: false'",
    ),
    (
        "true-false-answer-text",
        replace("answer: true", 'answer: "yes"'),
        None,
        "quiz.yml:27: 'answer' must be true or false",
    ),
    (
        "true-false-with-choices",
        replace("    answer: true\n", "    answer: true\n    choices: []\n"),
        None,
        "quiz.yml:28: 'choices' is only for single and multiple questions",
    ),
    (
        "feedback-true-on-single",
        replace("    review:", "    feedback_true: Fine.\n    review:"),
        None,
        "quiz.yml:7: 'feedback_true' is only for true_false questions",
    ),
    # -- short answer ----------------------------------------------------------------------------------
    (
        "accept-on-single",
        replace("    review:", "    accept: [x]\n    review:"),
        None,
        "quiz.yml:7: 'accept' is only for short questions",
    ),
    (
        "short-no-accept",
        replace("    accept: [self-regulation]\n", ""),
        None,
        "quiz.yml:28: a short question needs 'accept': a list of accepted answers",
    ),
    ("short-accept-empty", replace("[self-regulation]", "[]"), None, "quiz.yml:32: a short question needs at least 1"),
    (
        "short-accept-text",
        replace("[self-regulation]", "self-regulation"),
        None,
        "quiz.yml:32: 'accept' must be a list",
    ),
    (
        "short-accept-punctuation",
        replace("[self-regulation]", '["?!"]'),
        None,
        "quiz.yml:32: accepted answer '?!' is empty once case, spacing and punctuation go",
    ),
    (
        "short-accept-nested",
        replace("[self-regulation]", "[[a]]"),
        None,
        "quiz.yml:32: an accepted answer must be text",
    ),
    # -- matching ------------------------------------------------------------------------------------
    (
        "matching-one-pair",
        replace("      - left: L2\n        right: R2\n", ""),
        None,
        "quiz.yml:37: a matching question needs at least 2 pairs (found 1)",
    ),
    (
        "matching-no-pairs",
        replace("    pairs:\n      - left: L1\n        right: R1\n      - left: L2\n        right: R2\n", ""),
        None,
        "quiz.yml:33: a matching question needs 'pairs' (at least 2)",
    ),
    (
        "matching-duplicate-left",
        replace("left: L2", "left: l1"),
        None,
        "quiz.yml:40: duplicate left 'l1' (also line 38)",
    ),
    (
        "matching-duplicate-right",
        replace("right: R2", "right: R1."),
        None,
        "quiz.yml:41: duplicate right 'R1.' (also line 39)",
    ),
    ("matching-missing-right", replace("        right: R2\n", ""), None, "quiz.yml:40: missing required key 'right'"),
    (
        "matching-pair-not-a-mapping",
        replace("      - left: L2\n        right: R2\n", "      - L2\n"),
        None,
        "quiz.yml:40: pair 2 must be a mapping with 'left' and 'right'",
    ),
    # -- review --------------------------------------------------------------------------------------
    (
        "review-one-time",
        replace('"0:10-0:20"', '"0:42"'),
        None,
        "quiz.yml:7: 'review' must be a range of times such as \"0:42-1:05\" (got '0:42')",
    ),
    (
        "review-sexagesimal",
        replace('"0:10-0:20"', "1:05"),
        None,
        "quiz.yml:7: 'review' must be a range of times such as",
    ),
    (
        "review-bad-seconds",
        replace('"0:10-0:20"', '"0:75-1:00"'),
        None,
        "quiz.yml:7: 'review' must be a range of times",
    ),
    (
        "review-backwards",
        replace('"0:10-0:20"', '"1:05-0:42"'),
        None,
        "quiz.yml:7: review '1:05-0:42' must start before",
    ),
    (
        "review-empty-range",
        replace('"0:10-0:20"', '"0:42-0:42"'),
        None,
        "quiz.yml:7: review '0:42-0:42' must start before",
    ),
    (
        "review-past-the-video",
        replace('"0:10-0:20"', '"1:30-1:40"'),
        None,
        "quiz.yml:7: review '1:30-1:40' ends after the video does (1:35 in 'watch-the-video')",
    ),
    (
        "review-without-lesson",
        replace("review_lesson: watch-the-video\n", ""),
        None,
        "quiz.yml:6: 'review' needs 'review_lesson' at the top of the quiz",
    ),
]


@pytest.mark.parametrize(("text", "raw", "expected"), [pytest.param(t, r, e, id=i) for i, t, r, e in BROKEN])
def test_each_rule_is_reported_with_its_line(tmp_path, text, raw, expected):
    quiz, problems = load(tmp_path, text, raw=raw)
    assert quiz is None
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_text_that_is_not_utf8(tmp_path):
    quiz, problems = load(tmp_path, "", raw=b"questions: \xff\n")
    assert quiz is None
    assert problems == ["quiz.yml:1: not UTF-8 text"]


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = "pass_mark: 200\nshow_answers: sometimes\n" + replace("kind: true_false", "kind: essay")
    _quiz, problems = load(tmp_path, text)
    assert problems == [
        "quiz.yml:1: 'pass_mark' is a percentage between 0 and 100",
        "quiz.yml:2: unknown show_answers 'sometimes'; use one of: after_attempt, once_passed, never",
        "quiz.yml:26: unknown kind 'essay'; use one of: single, multiple, true_false, short, matching",
    ]


def test_paths_are_shown_relative_to_the_root(tmp_path):
    folder = tmp_path / "modules" / "01-x"
    folder.mkdir(parents=True)
    (folder / "quiz.yml").write_text("questions: []\n", encoding="utf-8")
    problems = Problems(tmp_path)
    load_quiz(folder / "quiz.yml", problems)
    assert [str(p) for p in problems] == ["modules/01-x/quiz.yml:1: 'questions' cannot be empty"]


# --------------------------------------------------------------------------------------------------
# The seed course's quizzes


def video_durations(module_dir: Path) -> dict[str, float]:
    course, problems = load_course(MODULES, MEDIA, PROJECT_ROOT)
    assert not problems, [str(p) for p in problems]
    module = next(m for m in course.modules if m.path.parent == module_dir)
    return {lesson.slug: lesson.duration for lesson in module.lessons if lesson.kind == "video"}


SEED_QUIZZES = sorted(MODULES.glob("*/quiz.yml"))


def load_seed(path: Path):
    problems = Problems(PROJECT_ROOT)
    quiz = load_quiz(path, problems, video_durations(path.parent))
    assert [str(p) for p in problems] == []
    return quiz


def test_every_module_has_a_quiz():
    assert [p.parent.name for p in SEED_QUIZZES] == sorted(p.name for p in MODULES.iterdir() if p.is_dir())
    assert len(SEED_QUIZZES) == 3


@pytest.mark.parametrize("path", SEED_QUIZZES, ids=lambda p: p.parent.name)
def test_seed_quiz_loads_with_no_problems_and_has_at_least_six_questions(path):
    quiz = load_seed(path)
    assert len(quiz.questions) >= 6
    assert quiz.settings.draw is None or quiz.settings.draw >= 6
    for question in quiz.questions:
        assert len(question.explanation) > 40, question.id


def test_the_course_uses_every_question_kind():
    kinds = {q.kind for path in SEED_QUIZZES for q in load_seed(path).questions}
    assert kinds == set(KINDS)


def test_the_video_quiz_points_to_the_moments_and_names_the_speakers():
    path = MODULES / "01-what-is-infant-mental-health" / "quiz.yml"
    quiz = load_seed(path)
    assert quiz.review_lesson == "watch-the-video"
    cues = read_cues(MEDIA / "what-is-infant-mental-health" / "captions.vtt")
    reviewed = [q for q in quiz.questions if q.review]
    assert len(reviewed) >= 6
    for question in reviewed:
        inside = [c for c in cues if c.start >= question.review.start - 1 and c.end <= question.review.end + 1]
        assert inside, f"{question.id}: no whole cue inside {question.review.label}"
        for speaker in {c.speaker for c in inside}:
            assert speaker in question.explanation, f"{question.id}: the explanation should name {speaker}"


def seed_text(name: str) -> str:
    for candidate in (SEEDS / name, PROJECT_ROOT / "tests" / "data" / name):
        if candidate.exists():
            return " ".join(candidate.read_text(encoding="utf-8").split())
    pytest.fail(f"seed {name} is not available (tests/data keeps a copy)")


@pytest.mark.parametrize(
    ("module", "seed"),
    [
        ("01-what-is-infant-mental-health", VIDEO_SEED),
        ("02-signs-of-good-infant-mental-health", UAIMH_SEED),
        ("03-trauma-and-resilience-in-infancy", UAIMH_SEED),
    ],
)
def test_quotes_in_explanations_are_exact(module, seed):
    """Text in double quotes in an explanation is the seed's own words ("..." marks a cut)."""
    source = seed_text(seed)
    quiz = load_seed(MODULES / module / "quiz.yml")
    quoted = 0
    for question in quiz.questions:
        spans = re.findall(r'"([^"]+)"', question.explanation)
        assert spans, f"{question.id}: the explanation should quote the source"
        for span in spans:
            for part in re.split(r"\.\.\.|\u2026", span):
                part = " ".join(part.split())
                assert not part or part in source, f"{question.id}: not in the seed: {part!r}"
                quoted += 1
    assert quoted >= len(quiz.questions)
