"""Read and check a module's ``quiz.yml`` (the format is described in :mod:`app.quiz.spec`).

Every problem is reported, each as ``path:line: message`` with the line of the key (or of the list
item) at fault, so an author can fix a whole quiz in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.course.problems import Problems
from app.course.sources import SourceError, parse_mapping
from app.quiz.grading import normalize_text
from app.quiz.spec import (
    DEFAULT_PASS_MARK,
    KINDS,
    SHOW_ANSWERS,
    Choice,
    Pair,
    QuestionSpec,
    QuizSettings,
    QuizSpec,
    Review,
    format_time,
)

QUIZ_FILE = "quiz.yml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME = r"(\d{1,3}):([0-5]\d)"
REVIEW = re.compile(rf"^{TIME}\s*[-\u2013]\s*{TIME}$")


@dataclass(frozen=True)
class Field:
    types: tuple[type, ...]
    name: str
    required: bool = False
    nullable: bool = False


TEXT = Field((str,), "text")
NUMBER = Field((int, float), "a number")
BOOL = Field((bool,), "true or false")
LIST = Field((list,), "a list")

QUIZ_KEYS = {
    "title": TEXT,
    "pass_mark": NUMBER,
    "attempts": Field((int,), "a whole number, or null for unlimited", nullable=True),
    "wait_minutes": NUMBER,
    "shuffle_questions": BOOL,
    "shuffle_choices": BOOL,
    "draw": Field((int,), "a whole number, or null for all questions", nullable=True),
    "show_answers": TEXT,
    "review_lesson": TEXT,
    "questions": Field((list,), "a list of questions", required=True),
}
QUESTION_KEYS = {
    "id": Field((str,), "text", required=True),
    "kind": Field((str,), "text", required=True),
    "prompt": Field((str,), "text", required=True),
    "explanation": Field((str,), "text", required=True),
    "choices": LIST,
    "answer": BOOL,
    "feedback_true": TEXT,
    "feedback_false": TEXT,
    "accept": LIST,
    "pairs": LIST,
    "review": Field((str,), 'a range of times such as "0:42-1:05"'),
}
# Which question keys belong to which kinds (the rest are for every kind).
KIND_KEYS = {
    "choices": ("single", "multiple"),
    "answer": ("true_false",),
    "feedback_true": ("true_false",),
    "feedback_false": ("true_false",),
    "accept": ("short",),
    "pairs": ("matching",),
}
CHOICE_KEYS = {
    "text": Field((str,), "text", required=True),
    "correct": Field((bool,), "true or false", required=True),
    "feedback": TEXT,
}
PAIR_KEYS = {"left": Field((str,), "text", required=True), "right": Field((str,), "text", required=True)}


def load_quiz(path: Path, problems: Problems, review_durations: dict[str, float] | None = None) -> QuizSpec | None:
    """Read and check ``path``; add every problem to ``problems``.

    ``review_durations`` maps the slugs of the module's video lessons to their durations in seconds.
    When given, ``review_lesson`` must be one of them and every ``review`` moment must end within
    that video. Returns the quiz, or None when the file has any problem.
    """
    before = len(problems)
    try:
        text = path.read_text(encoding="utf-8")
        parse_mapping(text)  # syntax errors and "not a mapping", with their line
    except UnicodeDecodeError:
        problems.add(path, 1, "not UTF-8 text")
        return None
    except OSError as error:
        problems.add(path, 1, f"cannot read the quiz: {error.strerror or error}")
        return None
    except SourceError as error:
        problems.add(path, error.line, error.message)
        return None
    root = _compose(text)
    if root is None:
        problems.add(path, 1, "the quiz is empty: it needs 'questions'")
        return None
    quiz = _Checker(path, problems, review_durations).quiz(root)
    return quiz if len(problems) == before else None


class Located:
    """A YAML node with its 1-based line, and its Python value."""

    def __init__(self, node: yaml.Node, loader: yaml.SafeLoader) -> None:
        self.node = node
        self._loader = loader
        self.line = node.start_mark.line + 1
        self.value: Any = loader.construct_object(node, deep=True)

    def entries(self) -> list[tuple[str, int, Located]]:
        """(key, line of the key, value) of a mapping, in file order."""
        if not isinstance(self.node, yaml.MappingNode):
            return []
        return [(str(k.value), k.start_mark.line + 1, Located(v, self._loader)) for k, v in self.node.value]

    def items(self) -> list[Located]:
        if not isinstance(self.node, yaml.SequenceNode):
            return []
        return [Located(item, self._loader) for item in self.node.value]


def _compose(text: str) -> Located | None:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else Located(node, loader)
    finally:
        loader.dispose()


class _Checker:
    def __init__(self, path: Path, problems: Problems, review_durations: dict[str, float | None] | None) -> None:
        self.path = path
        self.problems = problems
        self.durations = review_durations
        self.review_lesson: str | None = None

    def add(self, line: int, message: str) -> None:
        self.problems.add(self.path, line, message)

    # -- the whole quiz ---------------------------------------------------------------------------

    def quiz(self, root: Located) -> QuizSpec:
        values, lines = self.mapping(root, QUIZ_KEYS)
        settings = self.settings(values, lines)
        self.check_review_lesson(values, lines)
        questions: list[QuestionSpec] = []
        pool = 0
        if "questions" in values:
            items = _value_of(root, "questions").items()
            if not items:
                self.add(lines["questions"], "'questions' cannot be empty")
            pool = len(items)
            seen: dict[str, int] = {}
            for number, item in enumerate(items, start=1):
                question = self.question(item, number, seen)
                if question is not None:
                    questions.append(question)
        if "questions" in values:
            self.check_draw(settings, lines, pool)
        return QuizSpec(
            path=self.path,
            questions=tuple(questions),
            settings=settings,
            title=values.get("title"),
            review_lesson=self.review_lesson,
        )

    def check_review_lesson(self, values: dict[str, Any], lines: dict[str, int]) -> None:
        self.review_lesson = values.get("review_lesson")
        if self.review_lesson is not None and self.durations is not None and self.review_lesson not in self.durations:
            found = ", ".join(sorted(self.durations)) or "none"
            self.add(
                lines["review_lesson"],
                f"review_lesson '{self.review_lesson}' is not a video lesson in this module (video lessons: {found})",
            )

    def check_draw(self, settings: QuizSettings, lines: dict[str, int], pool: int) -> None:
        if settings.draw is not None and settings.draw > pool:
            self.add(lines["draw"], f"'draw' is {settings.draw} but the quiz has only {pool} question(s)")

    def settings(self, values: dict[str, Any], lines: dict[str, int]) -> QuizSettings:
        pass_mark = values.get("pass_mark", DEFAULT_PASS_MARK)
        if not 0 <= pass_mark <= 100:
            self.add(lines["pass_mark"], "'pass_mark' is a percentage between 0 and 100")
        attempts = values.get("attempts")
        if attempts is not None and attempts < 1:
            self.add(lines["attempts"], "'attempts' must be 1 or more (or null for unlimited)")
        wait = values.get("wait_minutes", 0)
        if wait < 0:
            self.add(lines["wait_minutes"], "'wait_minutes' cannot be negative")
        draw = values.get("draw")
        if draw is not None and draw < 1:
            self.add(lines["draw"], "'draw' must be 1 or more (or null for all questions)")
        show = values.get("show_answers", "after_attempt")
        if show not in SHOW_ANSWERS:
            self.add(lines["show_answers"], f"unknown show_answers '{show}'; use one of: {', '.join(SHOW_ANSWERS)}")
        return QuizSettings(
            pass_mark=pass_mark,
            attempts=attempts,
            wait_minutes=wait,
            shuffle_questions=values.get("shuffle_questions", True),
            shuffle_choices=values.get("shuffle_choices", True),
            draw=draw,
            show_answers=show,
        )

    # -- one question -----------------------------------------------------------------------------

    def question(self, item: Located, number: int, seen: dict[str, int]) -> QuestionSpec | None:
        if not isinstance(item.node, yaml.MappingNode):
            self.add(item.line, f"question {number} must be a mapping of 'key: value' lines (id, kind, prompt, ...)")
            return None
        before = len(self.problems)
        values, lines = self.mapping(item, QUESTION_KEYS)
        question_id = values.get("id")
        if question_id is not None:
            if not SLUG.match(question_id):
                self.add(
                    lines["id"],
                    f"question id '{question_id}' must be a slug: lowercase letters and digits, "
                    "with single hyphens (e.g. secure-base)",
                )
            elif question_id in seen:
                self.add(lines["id"], f"duplicate question id '{question_id}' (also line {seen[question_id]})")
            else:
                seen[question_id] = lines["id"]
        kind = values.get("kind")
        if kind is not None and kind not in KINDS:
            self.add(lines["kind"], f"unknown kind '{kind}'; use one of: {', '.join(KINDS)}")
            kind = None
        if kind is not None:
            for key, kinds in KIND_KEYS.items():
                if key in lines and kind not in kinds:
                    self.add(lines[key], f"'{key}' is only for {' and '.join(kinds)} questions")
        fields: dict[str, Any] = {}
        if kind in ("single", "multiple"):
            fields["choices"] = self.choices(item, kind, values, lines)
        elif kind == "true_false":
            if "answer" not in lines:
                self.add(item.line, "a true_false question needs 'answer: true' or 'answer: false'")
            fields["answer"] = values.get("answer")
            fields["feedback_true"] = values.get("feedback_true")
            fields["feedback_false"] = values.get("feedback_false")
        elif kind == "short":
            fields["accept"] = self.accept(item, values, lines)
        elif kind == "matching":
            fields["pairs"] = self.pairs(item, values, lines)
        review = None
        if "review" in values:
            review = self.review(values["review"], lines["review"])
        if len(self.problems) != before:
            return None
        return QuestionSpec(
            id=question_id,
            kind=kind,
            prompt=values["prompt"],
            explanation=values["explanation"],
            review=review,
            line=item.line,
            **fields,
        )

    def choices(self, item: Located, kind: str, values: dict[str, Any], lines: dict[str, int]) -> tuple[Choice, ...]:
        if "choices" not in lines:
            self.add(item.line, f"a {kind} question needs 'choices' (at least 2)")
            return ()
        if "choices" not in values:
            return ()
        located = _value_of(item, "choices")
        entries = located.items()
        if len(entries) < 2:
            self.add(lines["choices"], f"a {kind} question needs at least 2 choices (found {len(entries)})")
        choices: list[Choice] = []
        texts: dict[str, int] = {}
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry.node, yaml.MappingNode):
                self.add(entry.line, f"choice {number} must be a mapping with 'text' and 'correct'")
                continue
            got, got_lines = self.mapping(entry, CHOICE_KEYS)
            if "text" in got:
                key = normalize_text(got["text"])
                if key in texts:
                    self.add(got_lines["text"], f"duplicate choice '{got['text']}' (also line {texts[key]})")
                texts.setdefault(key, got_lines["text"])
            if "text" in got and "correct" in got:
                choices.append(Choice(got["text"], got["correct"], got.get("feedback")))
        if len(choices) == len(entries) and len(entries) >= 2:
            correct = sum(1 for c in choices if c.correct)
            if kind == "single" and correct != 1:
                self.add(lines["choices"], f"a single question needs exactly one correct choice (found {correct})")
            if kind == "multiple" and correct < 1:
                self.add(lines["choices"], "a multiple question needs at least one correct choice")
        return tuple(choices)

    def accept(self, item: Located, values: dict[str, Any], lines: dict[str, int]) -> tuple[str, ...]:
        if "accept" not in lines:
            self.add(item.line, "a short question needs 'accept': a list of accepted answers")
            return ()
        if "accept" not in values:
            return ()
        entries = _value_of(item, "accept").items()
        if not entries:
            self.add(lines["accept"], "a short question needs at least 1 accepted answer")
        accepted: list[str] = []
        for entry in entries:
            if not isinstance(entry.value, str | int | float) or isinstance(entry.value, bool):
                self.add(entry.line, "an accepted answer must be text")
            elif not normalize_text(str(entry.value)):
                self.add(entry.line, f"accepted answer '{entry.value}' is empty once case, spacing and punctuation go")
            else:
                accepted.append(str(entry.value))
        return tuple(accepted)

    def pairs(self, item: Located, values: dict[str, Any], lines: dict[str, int]) -> tuple[Pair, ...]:
        if "pairs" not in lines:
            self.add(item.line, "a matching question needs 'pairs' (at least 2)")
            return ()
        if "pairs" not in values:
            return ()
        entries = _value_of(item, "pairs").items()
        if len(entries) < 2:
            self.add(lines["pairs"], f"a matching question needs at least 2 pairs (found {len(entries)})")
        pairs: list[Pair] = []
        seen: dict[str, dict[str, int]] = {"left": {}, "right": {}}
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry.node, yaml.MappingNode):
                self.add(entry.line, f"pair {number} must be a mapping with 'left' and 'right'")
                continue
            got, got_lines = self.mapping(entry, PAIR_KEYS)
            for side in ("left", "right"):
                if side in got:
                    key = normalize_text(got[side])
                    if key in seen[side]:
                        self.add(got_lines[side], f"duplicate {side} '{got[side]}' (also line {seen[side][key]})")
                    seen[side].setdefault(key, got_lines[side])
            if "left" in got and "right" in got:
                pairs.append(Pair(got["left"], got["right"]))
        return tuple(pairs)

    def review(self, value: str, line: int) -> Review | None:
        match = REVIEW.match(value.strip())
        if not match:
            self.add(line, f"'review' must be a range of times such as \"0:42-1:05\" (got '{value}')")
            return None
        start = int(match.group(1)) * 60 + int(match.group(2))
        end = int(match.group(3)) * 60 + int(match.group(4))
        if start >= end:
            self.add(line, f"review '{value}' must start before it ends")
            return None
        if self.review_lesson is None:
            self.add(line, "'review' needs 'review_lesson' at the top of the quiz (the video lesson it points into)")
            return None
        duration = (self.durations or {}).get(self.review_lesson)
        if duration is not None and end > duration:
            self.add(
                line, f"review '{value}' ends after the video does ({format_time(duration)} in '{self.review_lesson}')"
            )
            return None
        return Review(start, end, self.review_lesson)

    # -- keys of one mapping ----------------------------------------------------------------------

    def mapping(self, located: Located, schema: dict[str, Field]) -> tuple[dict[str, Any], dict[str, int]]:
        """Report unknown, duplicate, missing and mistyped keys; return the good values and every key's line."""
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, line, child in located.entries():
            if key in lines:
                self.add(line, f"key '{key}' appears twice (also line {lines[key]})")
                continue
            lines[key] = line
            if key not in schema:
                self.add(line, f"unknown key '{key}' (allowed: {', '.join(sorted(schema))})")
                continue
            spec = schema[key]
            value = child.value
            if value is None and spec.nullable:
                values[key] = None
                continue
            if value is None or not _is_type(value, spec.types):
                self.add(line, f"'{key}' must be {spec.name}")
                continue
            if isinstance(value, str) and not value.strip():
                self.add(line, f"'{key}' cannot be empty")
                continue
            values[key] = value.strip() if isinstance(value, str) else value
        for key, spec in schema.items():
            if spec.required and key not in lines:
                self.add(located.line, f"missing required key '{key}'")
        return values, lines


def _value_of(located: Located, key: str) -> Located:
    return next(child for name, _line, child in located.entries() if name == key)


def _is_type(value: Any, types: tuple[type, ...]) -> bool:
    # YAML's true/false are ints to Python; a number field must not accept them.
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)
