"""Snapshots: what an attempt stores, so later edits to a quiz never change it (no web framework)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from app.quiz.compose import TRUE_FALSE, Option, ShownQuestion
from app.quiz.spec import Choice, Pair, QuestionSpec, Review

SNAPSHOT_FORMAT = 1


# --------------------------------------------------------------------------------------------------
# Snapshots: what an attempt stores, so later edits never change it


def snapshot(question: QuestionSpec) -> dict[str, Any]:
    """A JSON-able frozen copy of a question as graded."""
    data: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "id": question.id,
        "kind": question.kind,
        "prompt": question.prompt,
        "explanation": question.explanation,
    }
    if question.kind in ("single", "multiple"):
        data["choices"] = [{"text": c.text, "correct": c.correct, "feedback": c.feedback} for c in question.choices]
    elif question.kind == "true_false":
        data["answer"] = question.answer
        data["feedback_true"] = question.feedback_true
        data["feedback_false"] = question.feedback_false
    elif question.kind == "short":
        data["accept"] = list(question.accept)
    elif question.kind == "matching":
        data["pairs"] = [{"left": p.left, "right": p.right} for p in question.pairs]
    if question.review is not None:
        data["review"] = {"start": question.review.start, "end": question.review.end, "lesson": question.review.lesson}
    return data


def question_from_snapshot(data: Mapping[str, Any]) -> QuestionSpec:
    review = data.get("review")
    return QuestionSpec(
        id=data["id"],
        kind=data["kind"],
        prompt=data["prompt"],
        explanation=data["explanation"],
        choices=tuple(Choice(c["text"], c["correct"], c.get("feedback")) for c in data.get("choices", ())),
        answer=data.get("answer"),
        feedback_true=data.get("feedback_true"),
        feedback_false=data.get("feedback_false"),
        accept=tuple(data.get("accept", ())),
        pairs=tuple(Pair(p["left"], p["right"]) for p in data.get("pairs", ())),
        review=Review(review["start"], review["end"], review.get("lesson")) if review else None,
    )


def snapshot_digest(data: Mapping[str, Any]) -> str:
    """A stable hash of a question snapshot: equal digests mean the same version of the question."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def snapshot_attempt(shown: Sequence[ShownQuestion]) -> list[dict[str, Any]]:
    """The questions of an attempt as shown (order, option ids, and a snapshot of each question)."""
    return [
        {
            "number": q.number,
            "question": snapshot(q.question),
            "options": [[o.id, o.index] for o in q.options],
            "lefts": [[o.id, o.index] for o in q.lefts],
        }
        for q in shown
    ]


def restore_attempt(data: Sequence[Mapping[str, Any]]) -> list[ShownQuestion]:
    """The inverse of ``snapshot_attempt``."""
    shown = []
    for item in data:
        question = question_from_snapshot(item["question"])
        if question.kind == "true_false":
            options = tuple(Option(key, text, -1) for key, text in TRUE_FALSE)
        elif question.kind == "matching":
            options = tuple(Option(i, question.pairs[n].right, n) for i, n in item["options"])
        else:
            options = tuple(Option(i, question.choices[n].text, n) for i, n in item["options"])
        lefts = tuple(Option(i, question.pairs[n].left, n) for i, n in item["lefts"])
        shown.append(ShownQuestion(item["number"], question, options, lefts))
    return shown
