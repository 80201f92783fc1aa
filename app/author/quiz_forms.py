"""Forms of the quiz editor. They only read what was typed: the rules are quiz.yml's (app.quiz.loader)."""

from __future__ import annotations

import math
import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length

from app.course.transcript import Cue, format_clock
from app.quiz.spec import format_time

ROWS = 6  # blank rows offered for choices and matching pairs
MAX_ROWS = 40
MAX_TEXT = 5000
MAX_GIFT = 1_000_000
KIND_LABELS = {
    "single": "Single choice",
    "multiple": "Multiple choice (select all that apply)",
    "true_false": "True or false",
    "short": "Short answer",
    "matching": "Matching",
}
SHOW_ANSWERS = [
    SelectChoice("after_attempt", "After each attempt"),
    SelectChoice("once_passed", "Once the learner has passed"),
    SelectChoice("never", "Never (learners see only which answers were right)"),
]


class SettingsForm(FlaskForm):
    title = StringField("Title", [Length(max=200)], description="Leave blank to use the module's title.")
    pass_mark = StringField("Pass mark (%)", description="From 0 to 100. Blank: 80.")
    attempts = StringField("Attempts allowed", description="Blank: as many as the learner likes.")
    wait_minutes = StringField("Minutes to wait between attempts", description="Blank: no wait.")
    draw = StringField("Questions in each attempt", description="Drawn from all the questions. Blank: all of them.")
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_choices = BooleanField("Shuffle the choices")
    show_answers = SelectField("Show the right answers", choices=SHOW_ANSWERS, validate_choice=False)
    review_lesson = SelectField(
        "Review lesson",
        validate_choice=False,
        description="The video lesson a wrong answer sends the learner back to, at the question's moment.",
    )
    submit = SubmitField("Save settings")

    def settings_data(self) -> dict[str, Any]:
        """The settings as quiz.yml would hold them; what cannot be read is passed on for the rules to name."""
        data: dict[str, Any] = {}
        if (self.title.data or "").strip():
            data["title"] = self.title.data.strip()
        for name in ("pass_mark", "wait_minutes"):
            raw = (getattr(self, name).data or "").strip()
            if raw:
                data[name] = _number(raw)
        for name in ("attempts", "draw"):
            raw = (getattr(self, name).data or "").strip()
            data[name] = _number(raw) if raw else None
        data["shuffle_questions"] = bool(self.shuffle_questions.data)
        data["shuffle_choices"] = bool(self.shuffle_choices.data)
        data["show_answers"] = self.show_answers.data or "after_attempt"
        if self.review_lesson.data:
            data["review_lesson"] = self.review_lesson.data
        return data


def settings_initial(quiz) -> dict[str, Any]:
    if quiz is None:
        return {"shuffle_questions": True, "shuffle_choices": True, "show_answers": "after_attempt"}
    s = quiz.settings or {}
    shown = {k: ("" if s.get(k) is None else f"{s[k]:g}") for k in ("pass_mark", "attempts", "wait_minutes", "draw")}
    return {
        **shown,
        "title": quiz.title or "",
        "shuffle_questions": s.get("shuffle_questions", True),
        "shuffle_choices": s.get("shuffle_choices", True),
        "show_answers": s.get("show_answers", "after_attempt"),
        "review_lesson": quiz.review_lesson or "",
    }


def _number(raw: str) -> int | float | str:
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = float(raw)
    except ValueError:
        return raw
    return value if math.isfinite(value) else raw


class ChoiceRow(Form):
    text = StringField("Choice", [Length(max=MAX_TEXT)])
    correct = BooleanField("Right answer")
    feedback = StringField("Feedback for a learner who picks it", [Length(max=MAX_TEXT)])


class PairRow(Form):
    left = StringField("Left", [Length(max=MAX_TEXT)])
    right = StringField("Matches", [Length(max=MAX_TEXT)])


class QuestionForm(FlaskForm):
    prompt = TextAreaField("Question", [Length(max=MAX_TEXT)])
    choices = FieldList(FormField(ChoiceRow), min_entries=ROWS, max_entries=MAX_ROWS)
    answer = RadioField(
        "The statement is",
        choices=[SelectChoice("true", "True"), SelectChoice("false", "False")],
        validate_choice=False,
    )
    feedback_true = TextAreaField("Feedback for a learner who answers True", [Length(max=MAX_TEXT)])
    feedback_false = TextAreaField("Feedback for a learner who answers False", [Length(max=MAX_TEXT)])
    accept = TextAreaField(
        "Accepted answers",
        [Length(max=MAX_TEXT)],
        description="One per line. Case, spacing, punctuation and curly quotes are ignored when comparing.",
    )
    pairs = FieldList(FormField(PairRow), min_entries=ROWS, max_entries=MAX_ROWS)
    explanation = TextAreaField(
        "Explanation",
        [Length(max=MAX_TEXT)],
        description="Why the answer is right: quote or point to the source. Shown after an attempt.",
    )
    review_start = SelectField("Starts at", validate_choice=False)
    review_end = SelectField("Ends with", validate_choice=False, description="Blank: the end of the starting cue.")
    review = StringField(
        "Or type the moment",
        [Length(max=40)],
        description="Such as 0:42-1:05. Used when no cue is chosen above; blank for none.",
    )
    submit = SubmitField("Save question")

    def set_cues(self, cues: tuple[Cue, ...]) -> None:
        self.review_start.choices = [SelectChoice("", "No cue chosen")] + [
            SelectChoice(str(i), f"{format_clock(c.start)} {_said(c)}") for i, c in enumerate(cues)
        ]
        self.review_end.choices = [SelectChoice("", "The same cue")] + [
            SelectChoice(str(i), f"…{format_clock(math.ceil(c.end))} {_said(c)}") for i, c in enumerate(cues)
        ]

    def question_data(self, kind: str, cues: tuple[Cue, ...], duration: float | None) -> tuple[dict, list[str]]:
        """The question as quiz.yml would hold it (without ``id``), and messages about rows half filled in."""
        data: dict[str, Any] = {
            "kind": kind,
            "prompt": self.prompt.data or "",
            "explanation": self.explanation.data or "",
        }
        messages: list[str] = []
        if kind in ("single", "multiple"):
            data["choices"] = []
            for n, row in enumerate(self.choices, start=1):
                text, feedback = (row.text.data or "").strip(), (row.feedback.data or "").strip()
                if not text and (feedback or row.correct.data):
                    messages.append(f"Choice {n}: type the choice, or clear the row.")
                elif text:
                    choice = {"text": text, "correct": bool(row.correct.data)}
                    data["choices"].append({**choice, "feedback": feedback} if feedback else choice)
        elif kind == "true_false":
            if self.answer.data in ("true", "false"):
                data["answer"] = self.answer.data == "true"
            for name in ("feedback_true", "feedback_false"):
                if (getattr(self, name).data or "").strip():
                    data[name] = getattr(self, name).data
        elif kind == "short":
            data["accept"] = [line.strip() for line in (self.accept.data or "").splitlines() if line.strip()]
        elif kind == "matching":
            data["pairs"] = []
            for n, row in enumerate(self.pairs, start=1):
                left, right = (row.left.data or "").strip(), (row.right.data or "").strip()
                if bool(left) != bool(right):
                    messages.append(f"Pair {n}: fill in both sides, or clear the row.")
                elif left:
                    data["pairs"].append({"left": left, "right": right})
        review, problem = self._review(cues, duration)
        if problem:
            messages.append(problem)
        elif review:
            data["review"] = review
        return data, messages

    def _review(self, cues: tuple[Cue, ...], duration: float | None) -> tuple[str | None, str | None]:
        start, end = self.review_start.data or "", self.review_end.data or ""
        if not start:
            if end:
                return None, "Review: choose the cue the moment starts at."
            return (self.review.data or "").strip() or None, None
        if not _index(start, cues) or (end and not _index(end, cues)):
            return None, "Review: that cue is not in the transcript any more. Choose again."
        first, last = cues[int(start)], cues[int(end or start)]
        stop = math.ceil(last.end)
        if duration:
            stop = min(stop, int(duration))
        return f"{format_time(first.start)}-{format_time(stop)}", None


def question_initial(data: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a stored question (a snapshot), with blank rows to add more."""
    choices = [
        {"text": c["text"], "correct": c["correct"], "feedback": c.get("feedback") or ""}
        for c in data.get("choices", ())
    ]
    pairs = [dict(p) for p in data.get("pairs", ())]
    review = data.get("review")
    answer = data.get("answer")
    return {
        "prompt": data.get("prompt", ""),
        "explanation": data.get("explanation", ""),
        "choices": choices + [{}] * max(ROWS - len(choices), 2),
        "answer": None if answer is None else ("true" if answer else "false"),
        "feedback_true": data.get("feedback_true") or "",
        "feedback_false": data.get("feedback_false") or "",
        "accept": "\n".join(data.get("accept", ())),
        "pairs": pairs + [{}] * max(ROWS - len(pairs), 2),
        "review": f"{format_time(review['start'])}-{format_time(review['end'])}" if review else "",
    }


def _index(value: str, cues: tuple[Cue, ...]) -> bool:
    return value.isascii() and value.isdigit() and int(value) < len(cues)


def _said(cue: Cue) -> str:
    text = " ".join(cue.text.split())
    text = text if len(text) <= 70 else text[:69] + "…"
    return f"{cue.speaker}: {text}" if cue.speaker else text


# Which part of the question form a rule's message is about.
_KEY_GROUP = {
    "prompt": "prompt", "explanation": "explanation", "review": "review", "choices": "choices", "text": "choices",
    "correct": "choices", "feedback": "choices", "answer": "answer", "feedback_true": "answer",
    "feedback_false": "answer", "accept": "accept", "pairs": "pairs", "left": "pairs", "right": "pairs",
}  # fmt: skip
_GROUPS = [
    (re.compile(r"^(Choice \d+|duplicate choice|a (single|multiple) question)"), "choices"),
    (re.compile(r"^(Pair \d+|duplicate (left|right)|a matching question)"), "pairs"),
    (re.compile(r"^(a short question|accepted answer)"), "accept"),
    (re.compile(r"^a true_false question"), "answer"),
    (re.compile(r"review", re.IGNORECASE), "review"),
]


def group_messages(messages: list[str]) -> dict[str, list[str]]:
    """Messages by the part of the question form they are about (``other`` for the rest)."""
    groups: dict[str, list[str]] = {}
    for message in messages:
        key = re.match(r"^(?:missing required key )?'(\w+)'", message)
        group = _KEY_GROUP.get(key.group(1)) if key else None
        group = group or next((name for pattern, name in _GROUPS if pattern.search(message)), "other")
        groups.setdefault(group, []).append(message)
    return groups


class GiftImportForm(FlaskForm):
    gift = TextAreaField("GIFT text", [Length(max=MAX_GIFT)], description="Paste the questions here, or upload a file.")
    upload = FileField("Or upload a .gift or .txt file", [FileAllowed(["gift", "txt"], "Upload a .gift or .txt file.")])
    submit = SubmitField("Import questions")

    def text(self) -> tuple[str, str | None]:
        """The GIFT text (an uploaded file wins), or a message saying why there is none."""
        upload = self.upload.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(MAX_GIFT + 1)
            if len(raw) > MAX_GIFT:
                return "", "The file is too large: split it into smaller files."
            try:
                return raw.decode("utf-8-sig"), None
            except UnicodeDecodeError:
                return "", "The file is not UTF-8 text: save it as UTF-8 (plain text) and upload it again."
        if (self.gift.data or "").strip():
            return self.gift.data, None
        return "", "Paste GIFT text, or choose a .gift or .txt file."


def form_errors(errors, name: str = "") -> list[tuple[str, str]]:
    """(top-level field name, message) of WTForms' nested errors (lists and dicts of row errors)."""
    if isinstance(errors, str):
        return [(name, errors)]
    items = errors.items() if isinstance(errors, dict) else ((name, e) for e in errors)
    return [found for key, value in items for found in form_errors(value, name or key)]
