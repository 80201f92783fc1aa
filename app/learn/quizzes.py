"""Taking a quiz: attempts are created, shown and graded here; the rules live in ``app.quiz``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Person, Quiz, QuizAttempt, utcnow
from app.quiz import grading
from app.quiz.spec import QuizSettings, QuizSpec


def quiz_spec(quiz: Quiz) -> QuizSpec:
    """The quiz as it stands now (past attempts carry their own snapshot)."""
    return QuizSpec(
        path=Path(quiz.source_path),
        questions=tuple(grading.question_from_snapshot(q.data) for q in quiz.active_questions),
        settings=QuizSettings(**quiz.settings),
        title=quiz.title,
        review_lesson=quiz.review_lesson,
    )


@dataclass(frozen=True)
class AttemptSummary:
    """One attempt as the quiz page lists it: no questions, no answers."""

    id: int
    number: int
    submitted_at: datetime | None
    score: float | None
    passed: bool | None


# Only the columns the rules and the list need: an attempt's questions and answers are the bulk of its
# row, and a learner who tries again and again would otherwise make every quiz request heavier.
_SUMMARIES = (
    select(QuizAttempt.id, QuizAttempt.number, QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed)
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.quiz_id == bindparam("quiz_id"))
    .order_by(QuizAttempt.number)
)


def attempt_summaries(user: Person, quiz: Quiz) -> list[AttemptSummary]:
    rows = db.session.execute(_SUMMARIES, {"user_id": user.id, "quiz_id": quiz.id})
    return [AttemptSummary(*row) for row in rows]


def attempt_of(user: Person, quiz: Quiz, number: int, to_submit: bool = False) -> QuizAttempt | None:
    """One of the person's attempts at the quiz, by its number (their own only).

    ``to_submit``: read it locked (FOR UPDATE on PostgreSQL; SQLite's writers already take turns),
    so the same answers sent twice at once (a double tap on a slow phone) are graded once: the
    second waits, then finds the attempt submitted."""
    query = select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.number == number
    )
    return db.session.scalar(query.with_for_update() if to_submit else query)


@dataclass(frozen=True)
class QuizStanding:
    attempts: list[AttemptSummary]
    open_attempt: AttemptSummary | None
    passed: bool
    best: float | None
    may_start: bool
    reason: str


def standing(user: Person, quiz: Quiz) -> QuizStanding:
    attempts = attempt_summaries(user, quiz)
    submitted = [a for a in attempts if a.submitted_at is not None]
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    settings = QuizSettings(**quiz.settings)
    last = max((a.submitted_at for a in submitted), default=None)
    may_start, reason = grading.can_start_attempt(len(submitted), last, utcnow(), settings)
    return QuizStanding(
        attempts=attempts,
        open_attempt=open_attempt,
        passed=any(a.passed for a in submitted),
        best=max((a.score for a in submitted if a.score is not None), default=None),
        may_start=may_start,
        reason=reason,
    )


def start_attempt(user: Person, quiz: Quiz) -> tuple[QuizAttempt | None, str]:
    """The open attempt, or a new one if the rules allow; (None, why) otherwise.

    A double click finds the attempt the first click made, so it never makes two.
    """
    current = standing(user, quiz)
    if current.open_attempt is not None:
        return attempt_of(user, quiz, current.open_attempt.number), ""
    if not current.may_start:
        return None, current.reason
    spec = quiz_spec(quiz)
    seed = grading.new_seed()
    number = max((a.number for a in current.attempts), default=0) + 1
    attempt = QuizAttempt(
        user_id=user.id,
        quiz_id=quiz.id,
        number=number,
        seed=seed,
        questions=grading.snapshot_attempt(grading.compose_attempt(spec, seed)),
        pass_mark=spec.settings.pass_mark,
        show_answers=spec.settings.show_answers,
    )
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError:  # another request made this attempt a moment ago (PostgreSQL race)
        db.session.rollback()
        made = standing(user, quiz).open_attempt
        return (attempt_of(user, quiz, made.number) if made else None), ""
    return attempt, ""


def form_values(form) -> dict[str, list[str]]:
    """The submitted answer fields, as lists, for validation and to show again after an error."""
    return {key: form.getlist(key) for key in form if key.startswith("q-")}


def submit_attempt(attempt: QuizAttempt, values: dict[str, list[str]]) -> list[grading.AnswerError]:
    """Grade and store an attempt once; a second submission of the same attempt changes nothing."""
    if attempt.submitted_at is not None:
        return []
    shown = grading.restore_attempt(attempt.questions)
    answers, errors = grading.validate_answers(shown, values)
    if errors:
        return errors
    result = grading.grade_attempt(shown, answers, attempt.pass_mark)
    # Only the attempt's own fields, as checked above: anything else a client adds is not kept.
    fields = {q.field for q in shown} | {q.left_field(left) for q in shown for left in q.lefts}
    attempt.answers = {
        "given": {name: value for name, value in values.items() if name in fields},
        "results": [grading.result_view(r, reveal=True) for r in result.results],
    }
    attempt.score = result.score_percent
    attempt.passed = result.passed
    attempt.submitted_at = utcnow()
    return []


def shown_questions(attempt: QuizAttempt) -> list[dict[str, Any]]:
    """What the page may show of an attempt's questions: never which answer is right."""
    return [grading.public_view(q) for q in grading.restore_attempt(attempt.questions)]


def results_for_page(attempt: QuizAttempt, passed_ever: bool) -> tuple[list[dict[str, Any]], bool]:
    """Each question's result; the right answers only when the quiz's setting allows."""
    reveal = grading.answers_may_be_shown(attempt.show_answers, passed_ever)
    hidden = ("correct_answer", "explanation", "feedback")
    results = [
        result if reveal else {k: v for k, v in result.items() if k not in hidden}
        for result in (attempt.answers or {}).get("results", [])
    ]
    return results, reveal
