"""Composing an attempt: which questions, in which order, with which opaque option ids (no web framework)."""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass
from typing import Any

from app.quiz.spec import QuestionSpec, QuizSpec

MAX_SHORT_ANSWER = 500
TRUE_FALSE = (("true", "True"), ("false", "False"))


# --------------------------------------------------------------------------------------------------
# Composing an attempt


@dataclass(frozen=True)
class Option:
    """Something a learner can pick: a choice, True/False, or a side of a matching pair."""

    id: str  # opaque; does not reveal correctness or the order in quiz.yml
    text: str
    index: int  # position in quiz.yml (choices or pairs); -1 for True/False


@dataclass(frozen=True)
class ShownQuestion:
    """A question as shown in one attempt: its number, and its options in the order shown."""

    number: int
    question: QuestionSpec
    options: tuple[Option, ...] = ()  # single/multiple: choices; true_false: True, False; matching: right side
    lefts: tuple[Option, ...] = ()  # matching: the left-hand items

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def field(self) -> str:
        """The form field of the answer (matching: one field per left item, see ``left_field``)."""
        return f"q-{self.question.id}"

    def left_field(self, left: Option) -> str:
        return f"q-{self.question.id}-{left.id}"


def new_seed() -> str:
    """A fresh, unguessable seed for an attempt (128 random bits as hex). Keep it on the server.

    Option ids are a public function of the seed: with a seed small enough to try every value (31
    bits once), a learner could work it out from an attempt's page, and with it the order of the
    choices in quiz.yml and the matching pairs, before answering.
    """
    return secrets.token_hex(16)


def compose_attempt(quiz: QuizSpec, seed: str | int) -> list[ShownQuestion]:
    """The questions of an attempt, in the order shown: the same for the same quiz and seed.

    Draws ``draw`` questions from the pool (all when it is None), shuffles them when
    ``shuffle_questions`` is on, and the choices (and left-hand matching items) when
    ``shuffle_choices`` is on. The right-hand matching items are always shuffled, independently of
    the left, so their order tells nothing. Option ids are derived from the seed: without it they
    reveal neither correctness nor the order in quiz.yml.
    """
    settings = quiz.settings
    pool = list(range(len(quiz.questions)))
    rng = random.Random(f"{seed}:questions")
    if settings.draw is not None and settings.draw < len(pool):
        chosen = rng.sample(pool, settings.draw)
        if not settings.shuffle_questions:
            chosen.sort()
    else:
        chosen = pool
        if settings.shuffle_questions:
            rng.shuffle(chosen)
    return [
        _shown(number, quiz.questions[index], seed, settings.shuffle_choices)
        for number, index in enumerate(chosen, start=1)
    ]


def _shown(number: int, question: QuestionSpec, seed: str | int, shuffle: bool) -> ShownQuestion:
    rng = random.Random(f"{seed}:{question.id}")
    if question.kind in ("single", "multiple"):
        ids = _ids(seed, question.id, "choice", len(question.choices))
        options = [Option(ids[i], choice.text, i) for i, choice in enumerate(question.choices)]
        if shuffle:
            rng.shuffle(options)
        return ShownQuestion(number, question, tuple(options))
    if question.kind == "true_false":
        return ShownQuestion(number, question, tuple(Option(key, text, -1) for key, text in TRUE_FALSE))
    if question.kind == "matching":
        left_ids = _ids(seed, question.id, "left", len(question.pairs))
        right_ids = _ids(seed, question.id, "right", len(question.pairs))
        lefts = [Option(left_ids[i], pair.left, i) for i, pair in enumerate(question.pairs)]
        rights = [Option(right_ids[i], pair.right, i) for i, pair in enumerate(question.pairs)]
        if shuffle:
            rng.shuffle(lefts)
        rng.shuffle(rights)
        return ShownQuestion(number, question, tuple(rights), tuple(lefts))
    return ShownQuestion(number, question)


def _ids(seed: str | int, question_id: str, role: str, count: int) -> list[str]:
    length = 10
    while True:
        ids = [hashlib.sha256(f"{seed}:{question_id}:{role}:{i}".encode()).hexdigest()[:length] for i in range(count)]
        if len(set(ids)) == count:
            return [f"{role[0]}{value}" for value in ids]
        length += 2  # pragma: no cover - a collision of 40-bit prefixes


def public_view(shown: ShownQuestion) -> dict[str, Any]:
    """What the page may carry for a question: nothing about which answer is right."""
    question = shown.question
    view: dict[str, Any] = {
        "number": shown.number,
        "id": question.id,
        "kind": question.kind,
        "prompt": question.prompt,
        "field": shown.field,
    }
    if question.kind in ("single", "multiple", "true_false"):
        view["options"] = [{"id": option.id, "text": option.text} for option in shown.options]
    elif question.kind == "short":
        view["max_length"] = MAX_SHORT_ANSWER
    elif question.kind == "matching":
        view["lefts"] = [{"id": left.id, "text": left.text, "field": shown.left_field(left)} for left in shown.lefts]
        view["options"] = [{"id": option.id, "text": option.text} for option in shown.options]
    return view
