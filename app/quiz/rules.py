"""One question, or a quiz's settings alone, checked by the same rules as quiz.yml.

The browser editor and the GIFT importer use these, so there is one set of rules with two ways in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from app.course.problems import Problems
from app.quiz.loader import QUIZ_FILE, QUIZ_KEYS, Located, _Checker, _compose
from app.quiz.spec import QuestionSpec, QuizSettings

SETTINGS_KEYS = {key: spec for key, spec in QUIZ_KEYS.items() if key != "questions"}
_ALSO_LINE = re.compile(r" \(also line \d+\)")


def check_question(
    data: dict[str, Any], review_lesson: str | None = None, review_durations: dict[str, float | None] | None = None
) -> tuple[QuestionSpec | None, list[str]]:
    """Check one question, given as the mapping a ``questions:`` item of quiz.yml holds.

    ``review_lesson`` is the quiz's, and ``review_durations`` as for :func:`load_quiz`. Returns the
    question, or None and every message (the messages quiz.yml gets, without line numbers).
    """
    checker, root = _checker_for(data, review_durations)
    checker.review_lesson = review_lesson
    question = checker.question(root, 1, {})
    messages = _messages(checker.problems)
    return (None if messages else question), messages


def check_settings(
    data: dict[str, Any], question_count: int | None = None, review_durations: dict[str, float | None] | None = None
) -> tuple[QuizSettings | None, list[str]]:
    """Check a quiz's settings (``title``, ``pass_mark``, ... ``review_lesson``: every top-level key but
    ``questions``), given as a mapping. ``draw`` is checked against ``question_count`` when given.
    Returns the settings, or None and every message (as quiz.yml gets them, without line numbers).
    """
    checker, root = _checker_for(data, review_durations)
    values, lines = checker.mapping(root, SETTINGS_KEYS)
    settings = checker.settings(values, lines)
    checker.check_review_lesson(values, lines)
    if question_count is not None:
        checker.check_draw(settings, lines, question_count)
    messages = _messages(checker.problems)
    return (None if messages else settings), messages


def _checker_for(data: Any, review_durations: dict[str, float | None] | None) -> tuple[_Checker, Located]:
    root = _compose(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    path = Path(QUIZ_FILE)
    return _Checker(path, Problems(path.parent), review_durations), root


def _messages(problems: Problems) -> list[str]:
    return [_ALSO_LINE.sub("", problem.message) for problem in problems]
