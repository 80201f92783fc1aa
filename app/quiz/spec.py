"""What a module's ``quiz.yml`` describes, once read and checked.

The file format
===============

Each module may have a quiz in ``modules/<NN-slug>/quiz.yml``::

    title: Check your understanding   # optional heading; default: none (use the module's title)
    pass_mark: 80                     # percent needed to pass, 0-100; default 80
    attempts: null                    # attempts allowed, 1 or more; null (or leave out) = unlimited
    wait_minutes: 0                   # minutes to wait after an attempt before the next; default 0
    shuffle_questions: true           # default true
    shuffle_choices: true             # default true (the right-hand side of matching is always shuffled)
    draw: null                        # show N questions drawn from the pool; null (or leave out) = all
    show_answers: after_attempt       # after_attempt | once_passed | never; default after_attempt
    review_lesson: watch-the-video    # the video lesson (slug in this module) that `review:` points into
    questions:
      - id: secure-base               # required: a slug, unique in the quiz (answers are stored by it)
        kind: single                  # required: single | multiple | true_false | short | matching
        prompt: What does ...?        # required
        explanation: Denise Webb ...  # required: why the answer is right; quote or point to the source
        review: "0:42-1:05"           # optional: the moment of the review_lesson's video that teaches this

A question of each kind has its own keys, and only those:

``single`` (exactly one correct choice) and ``multiple`` ("select all that apply", at least one correct)::

        choices:                      # at least 2
          - text: Promoting good emotional development
            correct: true             # required on every choice
            feedback: Yes. ...        # optional: shown after an attempt to a learner who chose it

``true_false``::

        answer: false                 # required: true or false
        feedback_true: ...            # optional: shown to a learner who answered True
        feedback_false: ...           # optional: shown to a learner who answered False

``short`` (typed answer; compared without regard to case, spacing, punctuation and curly quotes)::

        accept: [self-regulate, selfregulate]   # at least 1 accepted answer

``matching`` (each left item is matched to one right item; the right items are shown shuffled)::

        pairs:                        # at least 2; every left and every right must differ
          - left: Heidi Maderia
            right: "... being able to self-regulate and then explore their environment."

Times in ``review`` are ``M:SS-M:SS`` (an en dash also works); the start must be before the end and,
when the video's duration is known, the end must be within it.

Grading is all or nothing per question: a multiple-choice question is right only when exactly the
correct choices are selected, and a matching question only when every pair is matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("single", "multiple", "true_false", "short", "matching")
SHOW_ANSWERS = ("after_attempt", "once_passed", "never")
DEFAULT_PASS_MARK = 80


def format_time(seconds: float) -> str:
    """``M:SS`` for a whole number of seconds (``65`` → ``1:05``)."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class Review:
    """A moment of a video lesson that teaches a question: a wrong answer offers 'Rewatch 0:42–1:05'."""

    start: int
    end: int
    lesson: str | None = None

    @property
    def label(self) -> str:
        return f"{format_time(self.start)}\u2013{format_time(self.end)}"

    @property
    def link_text(self) -> str:
        return f"Rewatch {self.label}"


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class Pair:
    left: str
    right: str


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    kind: str
    prompt: str
    explanation: str
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    feedback_true: str | None = None
    feedback_false: str | None = None
    accept: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] = ()
    review: Review | None = None
    # The line of the question in quiz.yml (0 when restored from a snapshot).
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class QuizSettings:
    pass_mark: float = DEFAULT_PASS_MARK
    attempts: int | None = None
    wait_minutes: float = 0
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    draw: int | None = None
    show_answers: str = "after_attempt"


@dataclass(frozen=True)
class QuizSpec:
    path: Path
    questions: tuple[QuestionSpec, ...]
    settings: QuizSettings = QuizSettings()
    title: str | None = None
    review_lesson: str | None = None

    def question(self, question_id: str) -> QuestionSpec | None:
        return next((q for q in self.questions if q.id == question_id), None)
