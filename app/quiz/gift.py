"""Read questions written in Moodle's GIFT format, checked by the same rules as quiz.yml.

What is understood (https://docs.moodle.org/en/GIFT_format)::

    // a comment line                      $CATEGORY: lines are skipped too
    ::Title:: Question text {=right #feedback ~wrong #feedback ####general feedback}
    Pick all that apply {~%50%one ~%50%two ~%-100%three}        positive weight = a right choice
    The sky is blue. {T#shown for a wrong answer#shown for a right answer}   also {F} {TRUE} {FALSE}
    Name the feeling. {=joy =happiness}                         short answer: every accepted answer
    Match them. {=cat -> meow =dog -> woof}                     matching
    Text {~with =a} missing word.                               the answers' place becomes "_____"

Questions are separated by blank lines. ``\\~ \\= \\# \\{ \\} \\:`` write those characters, ``\\n`` a line
break. ``####general feedback`` becomes the question's explanation, which every question needs here.
Grading is all or nothing, so any positive weight makes a choice right; a question with more than one
right choice becomes "multiple" ("select all that apply").

Not imported, each with a message naming the question and its line: essay ``{}``, numerical ``{#...}``,
descriptions (no answers), matching with extra wrong answers, and anything the quiz.yml rules refuse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from app.quiz.rules import check_question
from app.quiz.spec import QuestionSpec

MAX_KEY = 60
_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005", ":": "\ue006"}
_NEWLINE = "\ue007"
_RESTORE = {v: k for k, v in _ESCAPES.items()} | {_NEWLINE: "\n"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_TRUE_FALSE = {"t": True, "true": True, "f": False, "false": False}
NO_EXPLANATION = "no explanation: add ####general feedback to explain the answer"


@dataclass(frozen=True)
class GiftQuestion:
    """One question of a GIFT text: the question, or why it cannot be imported."""

    number: int  # 1-based, counting every question in the text
    line: int  # where it starts
    source: str  # its lines as written
    question: QuestionSpec | None = None
    error: str | None = None  # "Question N (line L): message"
    notes: tuple[str, ...] = ()  # imported, but something was changed on the way


class _Skip(Exception):
    pass


def parse_gift(text: str, taken: Iterable[str] = ()) -> list[GiftQuestion]:
    """Every question of ``text``, in order. Ids are slugs of the title (or prompt), unique among ``taken``."""
    keys = set(taken)
    results = []
    for number, (line, lines) in enumerate(_blocks(text), start=1):
        source = "\n".join(lines)
        try:
            data, notes = _question(_protect(source))
        except _Skip as skip:
            results.append(GiftQuestion(number, line, source, error=f"Question {number} (line {line}): {skip}"))
            continue
        key = make_key(data.pop("title") or data["prompt"], keys)
        data = {"id": key, **data}
        spec, messages = check_question(data)
        if "explanation" not in data:
            messages = [NO_EXPLANATION] + [m for m in messages if m != "missing required key 'explanation'"]
        if messages:
            error = f"Question {number} (line {line}): " + "; ".join(messages)
            results.append(GiftQuestion(number, line, source, error=error))
            continue
        keys.add(key)
        results.append(GiftQuestion(number, line, source, replace(spec, line=line), notes=tuple(notes)))
    return results


def make_key(text: str, taken: set[str] | frozenset[str]) -> str:
    """A slug of the first words of ``text`` (``question`` if none), made unique among ``taken``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:6]
    base = "-".join(words)[:MAX_KEY].strip("-") or "question"
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


# -- the text as questions -------------------------------------------------------------------------


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each question: blank lines separate them; comments are dropped."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.startswith("$CATEGORY:"):
            continue
        if not stripped:
            if current:
                blocks.append((start, current))
            current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _protect(text: str) -> str:
    """Escaped characters become private-use placeholders, so they never count as GIFT syntax."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        following = text[i + 1] if i + 1 < len(text) else ""
        if char == "\\" and following in _ESCAPES:
            out.append(_ESCAPES[following])
            i += 2
        elif char == "\\" and following == "n":
            out.append(_NEWLINE)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _clean(text: str) -> str:
    """Spacing tidied (an escaped ``\\n`` is kept as a line break) and escaped characters restored."""
    tidy = " ".join(text.split())
    tidy = tidy.replace(f" {_NEWLINE}", _NEWLINE).replace(f"{_NEWLINE} ", _NEWLINE)
    return "".join(_RESTORE.get(c, c) for c in tidy).strip()


def _question(text: str) -> tuple[dict[str, Any], list[str]]:
    title = None
    rest = text.strip()
    if rest.startswith("::"):
        end = rest.find("::", 2)
        if end < 0:
            raise _Skip("the title is not closed: write it as ::title::")
        title, rest = _clean(rest[2:end]), rest[end + 2 :].strip()
    rest = _FORMAT.sub("", rest).strip()
    opening, closing = rest.find("{"), rest.find("}")
    if opening < 0 and closing < 0:
        raise _Skip("a description (text with no answers in { }) is not a question: not imported")
    if closing < 0:
        raise _Skip("the { of the answers is never closed with } (write \\{ for a brace in the text)")
    if opening < 0 or closing < opening:
        raise _Skip("a } comes before the { of the answers (write \\} for a brace in the text)")
    if "{" in rest[opening + 1 : closing] or "{" in rest[closing + 1 :] or "}" in rest[closing + 1 :]:
        raise _Skip("only one { } block of answers is supported per question")
    before, answers, after = rest[:opening], rest[opening + 1 : closing].strip(), rest[closing + 1 :]
    prompt = _clean(f"{before} _____ {after}" if after.strip() else before)
    data: dict[str, Any] = {"title": title, "prompt": prompt}
    general = answers.rfind("####")
    if general >= 0:
        explanation = _clean(answers[general + 4 :])
        answers = answers[:general].strip()
        if explanation:
            data["explanation"] = explanation
    notes: list[str] = []
    if not answers:
        raise _Skip("essay questions ({}) are not supported: answers here are graded automatically")
    if answers.startswith("#"):
        raise _Skip("numerical questions ({#...}) are not supported")
    head, _, tail = answers.partition("#")
    if "~" not in answers and head.strip().lower() in _TRUE_FALSE:
        data.update(_true_false(head.strip().lower(), tail))
    elif "~" in answers:
        data.update(_choices(_split(answers), notes))
    elif "->" in answers:
        data["kind"] = "matching"
        data["pairs"] = _pairs(_split(answers))
    else:
        data["kind"] = "short"
        data["accept"] = _accept(_split(answers), notes)
    return data, list(dict.fromkeys(notes))


def _true_false(letter: str, feedback: str) -> dict[str, Any]:
    answer = _TRUE_FALSE[letter]
    parts = [_clean(part) for part in feedback.split("#")] if feedback else []
    wrong, right = (parts + ["", ""])[:2]  # GIFT: the first is shown for a wrong answer, the second for a right one
    data: dict[str, Any] = {"kind": "true_false", "answer": answer}
    for key, value in (("feedback_true", right if answer else wrong), ("feedback_false", wrong if answer else right)):
        if value:
            data[key] = value
    return data


def _split(answers: str) -> list[tuple[str, float | None, str, str | None]]:
    """(mark, weight, text, feedback) of each answer; each starts with = or ~."""
    pieces = re.split(r"([=~])", answers)
    if pieces[0].strip():
        raise _Skip(f"'{_clean(pieces[0])}' is not an answer: each answer starts with = (right) or ~ (wrong)")
    found = []
    for mark, body in zip(pieces[1::2], pieces[2::2], strict=True):
        weight = None
        body = body.strip()
        match = _WEIGHT.match(body)
        if match:
            weight, body = float(match.group(1)), body[match.end() :]
        text, hash_mark, feedback = body.partition("#")
        found.append((mark, weight, text, _clean(feedback) if hash_mark else None))
    return found


def _choices(answers: list[tuple[str, float | None, str, str | None]], notes: list[str]) -> dict[str, Any]:
    choices = []
    for mark, weight, text, feedback in answers:
        correct = weight > 0 if weight is not None else mark == "="
        if weight is not None and 0 < weight < 100:
            notes.append("partial credit (%weight%) became right or wrong: each question is graded all or nothing")
        choice: dict[str, Any] = {"text": _clean(text), "correct": correct}
        if feedback:
            choice["feedback"] = feedback
        choices.append(choice)
    right = sum(1 for c in choices if c["correct"])
    return {"kind": "multiple" if right > 1 else "single", "choices": choices}


def _pairs(answers: list[tuple[str, float | None, str, str | None]]) -> list[dict[str, str]]:
    pairs = []
    for mark, _weight, text, feedback in answers:
        whole = text + (f"#{feedback}" if feedback is not None else "")
        left, arrow, right = whole.partition("->")
        if mark != "=" or not arrow:
            raise _Skip("in a matching question every answer is written = left -> right")
        if not _clean(left):
            raise _Skip("matching answers with nothing on the left (extra wrong answers) are not supported")
        pairs.append({"left": _clean(left), "right": _clean(right)})
    return pairs


def _accept(answers: list[tuple[str, float | None, str, str | None]], notes: list[str]) -> list[str]:
    accepted = []
    for _mark, weight, text, feedback in answers:
        if feedback:
            notes.append("feedback on short answers is not kept (short answers have none here)")
        if weight is not None and weight <= 0:
            continue
        if weight is not None and weight < 100:
            notes.append(f"'{_clean(text)}' had partial credit and is now accepted as right")
        accepted.append(_clean(text))
    return accepted
