"""Composing, checking and grading quiz attempts: pure functions, no web framework and no database.

How an attempt works, and what keeps it honest:

1. **Start.** ``seed = new_seed()`` (random; keep it on the server). ``shown = compose_attempt(quiz, seed)``
   draws and shuffles the questions and choices, deterministically from the seed. Store
   ``snapshot_attempt(shown)`` with the attempt: it freezes the questions as shown (text, correct
   answers, order, option ids), so later edits to quiz.yml never change a past or running attempt.
   Rebuild it with ``restore_attempt(...)`` on every reload, so the order stays the same.
2. **Show.** Render ``public_view(q)`` for each question. It holds the prompt, the options and their
   opaque ids, and the form field names, and nothing about which answer is right.
3. **Submit.** ``answers, errors = validate_answers(shown, form)``. Each error is a clear message
   such as "Question 3: choose one answer.". Store every answer.
4. **Grade.** ``grade_attempt(shown, answers, pass_mark)`` gives the score and each question's
   result, graded **all or nothing** (a multiple-choice question is right only when exactly the
   correct choices are chosen; a matching question only when every item is matched correctly).
5. **Show the result.** ``result_view(result, reveal=answers_may_be_shown(setting, passed))``: whether
   each answer was right, and for a wrong one the "Rewatch 0:42–1:05" moment. The correct answer, the
   explanation and the author's feedback only when ``reveal`` is true (feedback can give the answer away).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.quiz.compose import (  # noqa: F401 - part of this module's interface
    MAX_SHORT_ANSWER,
    TRUE_FALSE,
    Option,
    ShownQuestion,
    compose_attempt,
    new_seed,
    public_view,
)
from app.quiz.snapshots import (  # noqa: F401 - part of this module's interface
    SNAPSHOT_FORMAT,
    question_from_snapshot,
    restore_attempt,
    snapshot,
    snapshot_attempt,
    snapshot_digest,
)
from app.quiz.spec import DEFAULT_PASS_MARK, Pair, QuizSettings, Review

APOSTROPHES = re.compile("['\u2018\u2019\u201b\u02bc\u0060\u00b4]")

# --------------------------------------------------------------------------------------------------
# Text


def normalize_text(text: str) -> str:
    """Text as compared for short answers: case, spacing, punctuation and quote style ignored.

    Apostrophes (straight or curly) are dropped, so "don't" and "dont" match; any other character
    that is not a letter or digit (hyphens, dashes, quotes, full stops...) counts as a space, so
    "self-regulation" and "Self regulation." match.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = APOSTROPHES.sub("", text)
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


# --------------------------------------------------------------------------------------------------
# Checking the answers sent


@dataclass(frozen=True)
class AnswerError:
    question_id: str
    number: int
    message: str

    def __str__(self) -> str:
        return self.message


# single: option id; multiple: frozenset of option ids; true_false: bool; short: text;
# matching: {left id: right id}
Answer = str | frozenset[str] | bool | dict[str, str]
Form = Mapping[str, Any]


def validate_answers(shown: Sequence[ShownQuestion], form: Form) -> tuple[dict[str, Answer], list[AnswerError]]:
    """Read each question's answer from the submitted form; a clear message for each blank or malformed one.

    ``form`` maps field names to a value or a list of values (for example
    ``{key: request.form.getlist(key) for key in request.form}``). Other fields are ignored.
    Returns the answers that are well formed (by question id), and one error per other question.
    """
    answers: dict[str, Answer] = {}
    errors: list[AnswerError] = []
    for question in shown:
        answer, message = _read_answer(question, form)
        if message:
            errors.append(AnswerError(question.id, question.number, f"Question {question.number}: {message}"))
        else:
            answers[question.id] = answer
    return answers, errors


def _values(form: Form, name: str) -> list[str] | None:
    """The non-blank values sent for a field; None when something other than text was sent."""
    raw = form.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        return None
    return [item for item in items if item.strip()]


def _read_answer(shown: ShownQuestion, form: Form) -> tuple[Any, str | None]:
    kind = shown.kind
    option_ids = {option.id for option in shown.options}
    if kind == "matching":
        return _read_matching(shown, form, option_ids)
    values = _values(form, shown.field)
    if values is None:
        return None, "that answer could not be read. Please answer again."
    if kind == "short":
        if len(values) > 1:
            return None, "type one answer."
        text = values[0].strip() if values else ""
        if not text:
            return None, "type an answer."
        if len(text) > MAX_SHORT_ANSWER:
            return None, f"keep your answer under {MAX_SHORT_ANSWER} characters."
        if not normalize_text(text):
            return None, "type an answer using letters or numbers."
        return text, None
    if kind == "true_false":
        if not values:
            return None, "choose True or False."
        if len(values) > 1 or values[0] not in ("true", "false"):
            return None, "answer True or False."
        return values[0] == "true", None
    if kind == "single":
        if not values:
            return None, "choose one answer."
        if len(set(values)) > 1:
            return None, "choose only one answer."
        if values[0] not in option_ids:
            return None, "that answer is not one of the choices. Please choose again."
        return values[0], None
    if kind == "multiple":
        if not values:
            return None, "choose at least one answer."
        if not set(values) <= option_ids:
            return None, "one of those answers is not one of the choices. Please choose again."
        return frozenset(values), None
    return None, "this question cannot be answered."  # pragma: no cover - kinds are checked on loading


def _read_matching(shown: ShownQuestion, form: Form, option_ids: set[str]) -> tuple[Any, str | None]:
    matched: dict[str, str] = {}
    missing = 0
    for left in shown.lefts:
        values = _values(form, shown.left_field(left))
        if values is None or len(values) > 1 or (values and values[0] not in option_ids):
            return None, f"the match for \u201c{left.text}\u201d is not one of the options. Please choose again."
        if values:
            matched[left.id] = values[0]
        else:
            missing += 1
    if missing == len(shown.lefts):
        return None, "match each item on the left with one on the right."
    if missing:
        return None, f"match every item ({missing} of {len(shown.lefts)} not matched yet)."
    return matched, None


# --------------------------------------------------------------------------------------------------
# Grading


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    number: int
    answered: bool
    correct: bool
    score: float  # 1.0 or 0.0: every question is graded all or nothing
    given: tuple[str, ...]  # the learner's answer, readable (matching: "left → right")
    correct_answer: tuple[str, ...]  # the right answer, readable (short: the first accepted answer)
    feedback: tuple[str, ...]  # the author's feedback on what the learner chose
    explanation: str
    review: Review | None  # the moment to rewatch; only for a wrong answer


@dataclass(frozen=True)
class AttemptResult:
    score_percent: float  # 0-100, rounded to 1 decimal place
    passed: bool
    correct_count: int
    total: int
    results: tuple[QuestionResult, ...]


def grade_question(shown: ShownQuestion, answer: Answer | None) -> QuestionResult:
    """Grade one answer (as returned by ``validate_answers``; None when unanswered). All or nothing."""
    question = shown.question
    by_id = {option.id: option for option in shown.options}
    given: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()
    correct = False
    if question.kind in ("single", "multiple"):
        if question.kind == "single":
            chosen = {answer} if isinstance(answer, str) else None
        else:
            chosen = answer if isinstance(answer, frozenset | set) else None
        if chosen and chosen <= by_id.keys():
            picked = [o for o in shown.options if o.id in chosen]
            given = tuple(o.text for o in picked)
            feedback = tuple(f for o in picked if (f := question.choices[o.index].feedback))
            right = {o.id for o in shown.options if question.choices[o.index].correct}
            correct = set(chosen) == right
        expected = tuple(o.text for o in shown.options if question.choices[o.index].correct)
    elif question.kind == "true_false":
        if isinstance(answer, bool):
            given = ("True" if answer else "False",)
            correct = answer == question.answer
            chosen_feedback = question.feedback_true if answer else question.feedback_false
            feedback = (chosen_feedback,) if chosen_feedback else ()
        expected = ("True" if question.answer else "False",)
    elif question.kind == "short":
        if isinstance(answer, str) and normalize_text(answer):
            given = (answer,)
            correct = normalize_text(answer) in {normalize_text(a) for a in question.accept}
        expected = question.accept[:1]
    else:  # matching
        lefts = {left.id: left for left in shown.lefts}
        if (
            isinstance(answer, dict)
            and answer
            and all(isinstance(k, str) and isinstance(v, str) and k in lefts and v in by_id for k, v in answer.items())
        ):
            given = tuple(f"{lefts[k].text} \u2192 {by_id[v].text}" for k, v in answer.items())
            correct = len(answer) == len(lefts) and all(lefts[k].index == by_id[v].index for k, v in answer.items())
        expected = tuple(f"{p.left} \u2192 {p.right}" for p in _pairs_in_shown_order(shown))
    return QuestionResult(
        question_id=question.id,
        number=shown.number,
        answered=bool(given),
        correct=correct,
        score=1.0 if correct else 0.0,
        given=given,
        correct_answer=expected,
        feedback=feedback,
        explanation=question.explanation,
        review=None if correct else question.review,
    )


def _pairs_in_shown_order(shown: ShownQuestion) -> list[Pair]:
    return [shown.question.pairs[left.index] for left in shown.lefts]


def grade_attempt(
    shown: Sequence[ShownQuestion], answers: Mapping[str, Answer], pass_mark: float = DEFAULT_PASS_MARK
) -> AttemptResult:
    """Grade every question shown (a missing answer is wrong); passed when the score reaches ``pass_mark``."""
    results = tuple(grade_question(question, answers.get(question.id)) for question in shown)
    total = len(results)
    correct = sum(1 for result in results if result.correct)
    percent = round(100 * correct / total, 1) if total else 0.0
    return AttemptResult(
        score_percent=percent,
        passed=correct * 100 >= pass_mark * total,
        correct_count=correct,
        total=total,
        results=results,
    )


def answers_may_be_shown(setting: str, passed: bool) -> bool:
    """May the correct answers (and explanations and feedback) be shown after an attempt?

    ``passed``: has the learner passed this quiz (in this attempt or an earlier one)?
    """
    return setting == "after_attempt" or (setting == "once_passed" and passed)


def result_view(result: QuestionResult, reveal: bool) -> dict[str, Any]:
    """A question's result for the page. Without ``reveal``, nothing that gives away the right answer."""
    view: dict[str, Any] = {
        "number": result.number,
        "id": result.question_id,
        "answered": result.answered,
        "correct": result.correct,
        "given": list(result.given),
    }
    if result.review is not None:
        review = result.review
        view["review"] = {
            "lesson": review.lesson,
            "start": review.start,
            "end": review.end,
            "label": review.label,
            "text": review.link_text,
        }
    if reveal:
        view["correct_answer"] = list(result.correct_answer)
        view["explanation"] = result.explanation
        view["feedback"] = list(result.feedback)
    return view


# --------------------------------------------------------------------------------------------------
# Attempts allowed, and the wait between them


def next_attempt_at(last_attempt_at: datetime | None, settings: QuizSettings) -> datetime | None:
    """When the next attempt may start (None: now)."""
    if last_attempt_at is None or settings.wait_minutes <= 0:
        return None
    return last_attempt_at + timedelta(minutes=settings.wait_minutes)


def can_start_attempt(
    attempts_so_far: int, last_attempt_at: datetime | None, now: datetime, settings: QuizSettings
) -> tuple[bool, str]:
    """May the learner start another attempt? ``(True, "")``, or ``(False, why)``.

    ``last_attempt_at`` is when the last attempt was submitted; it and ``now`` must both be naive or both aware.
    """
    if settings.attempts is not None and attempts_so_far >= settings.attempts:
        if settings.attempts == 1:
            return False, "You have used your one attempt at this quiz."
        return False, f"You have used all {settings.attempts} attempts at this quiz."
    ready = next_attempt_at(last_attempt_at, settings)
    if ready is not None and now < ready:
        minutes = max(1, math.ceil((ready - now).total_seconds() / 60))
        return False, f"You can try again in {minutes} minute{'s' if minutes != 1 else ''}."
    return True, ""
