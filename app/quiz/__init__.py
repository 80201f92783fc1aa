"""Module quizzes written as files (``modules/<NN-slug>/quiz.yml``): reading, composing and grading.

Plain Python: no web framework and no database. The format is described in :mod:`app.quiz.spec`, the
life of an attempt in :mod:`app.quiz.grading`.
"""

from app.quiz.grading import (
    AnswerError,
    AttemptResult,
    Option,
    QuestionResult,
    ShownQuestion,
    answers_may_be_shown,
    can_start_attempt,
    compose_attempt,
    grade_attempt,
    grade_question,
    new_seed,
    next_attempt_at,
    normalize_text,
    public_view,
    question_from_snapshot,
    restore_attempt,
    result_view,
    snapshot,
    snapshot_attempt,
    snapshot_digest,
    validate_answers,
)
from app.quiz.loader import QUIZ_FILE, load_quiz
from app.quiz.spec import KINDS, SHOW_ANSWERS, Choice, Pair, QuestionSpec, QuizSettings, QuizSpec, Review

__all__ = [
    "KINDS",
    "QUIZ_FILE",
    "SHOW_ANSWERS",
    "AnswerError",
    "AttemptResult",
    "Choice",
    "Option",
    "Pair",
    "QuestionResult",
    "QuestionSpec",
    "QuizSettings",
    "QuizSpec",
    "Review",
    "ShownQuestion",
    "answers_may_be_shown",
    "can_start_attempt",
    "compose_attempt",
    "grade_attempt",
    "grade_question",
    "load_quiz",
    "new_seed",
    "next_attempt_at",
    "normalize_text",
    "public_view",
    "question_from_snapshot",
    "restore_attempt",
    "result_view",
    "snapshot",
    "snapshot_attempt",
    "snapshot_digest",
    "validate_answers",
]
