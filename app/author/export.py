"""Write one module from the database in the ``modules/`` file format (see docs/authoring.md).

Plain Python, no Flask: the CLI (``flask course export``) and the author pages (a .zip download) share
it. Importing what this writes gives back the same module: every lesson, body and quiz question.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.course.loader import MODULE_FILE, NAME, QUIZ_FILE
from app.models import Lesson, Module
from app.quiz.grading import question_from_snapshot
from app.quiz.spec import QuestionSpec, QuizSettings, format_time

DEFAULT_COMPLETE_AT = 0.95


class ExportError(Exception):
    """The module cannot be written where asked (the message says why)."""


def folder_name(module: Module) -> str:
    name = f"{module.position:02d}-{module.slug}"
    if not NAME.match(name):
        raise ExportError(f"module number {module.position} does not fit the NN-slug folder name (01 to 99)")
    return name


def module_files(session: Session, module: Module) -> dict[str, str]:
    """Every file of the module, by its path inside the modules folder (``NN-slug/module.yml``, ...)."""
    folder = folder_name(module)
    files = {f"{folder}/{MODULE_FILE}": _dump(_module_data(session, module))}
    for lesson in module.active_lessons:
        name = f"{lesson.position:02d}-{lesson.slug}"
        if not NAME.match(name):
            raise ExportError(f"lesson number {lesson.position} does not fit the NN-slug file name (01 to 99)")
        files[f"{folder}/{name}.md"] = lesson_text(lesson)
    quiz = module.active_quiz
    if quiz is not None and quiz.active_questions:
        files[f"{folder}/{QUIZ_FILE}"] = _dump(_quiz_data(quiz))
    return files


def write_module(session: Session, module: Module, directory: Path) -> Path:
    """Write the module into ``directory/NN-slug/``, replacing the course files already there.

    Other files in that folder (a README.md, say) are left alone. A folder for the same slug under
    another number is refused rather than left beside it, since two folders cannot share a slug.
    """
    files = module_files(session, module)
    target = directory / folder_name(module)
    if directory.is_dir():
        for other in directory.iterdir():
            match = NAME.match(other.name)
            if other.is_dir() and match and match.group(2) == module.slug and other != target:
                raise ExportError(f"{other} already holds the module '{module.slug}'; remove or rename it first")
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.is_file() and (old.name in (MODULE_FILE, QUIZ_FILE) or (old.suffix == ".md" and NAME.match(old.stem))):
            old.unlink()
    for relative, text in files.items():
        (directory / relative).write_text(text, encoding="utf-8")
    return target


def module_zip(session: Session, module: Module) -> bytes:
    """The same files as ``write_module``, in a .zip made in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, text in module_files(session, module).items():
            archive.writestr(relative, text)
    return buffer.getvalue()


def lesson_text(lesson: Lesson) -> str:
    """A lesson file: YAML front matter between ``---`` lines, then the Markdown body."""
    front: dict[str, Any] = {"title": lesson.title, "kind": lesson.kind}
    if lesson.minutes is not None:
        front["minutes"] = lesson.minutes
    if not lesson.required:
        front["required"] = False
    if lesson.kind == "reflection" and lesson.prompt:
        front["prompt"] = lesson.prompt
    if lesson.kind == "video":
        for key, value in (
            ("media", lesson.media_src),
            ("captions", lesson.captions_src),
            ("chapters", lesson.chapters_src),
            ("duration", _number(lesson.duration_seconds)),
        ):
            if value is not None:
                front[key] = value
        if lesson.complete_at != DEFAULT_COMPLETE_AT:
            front["complete_at"] = _number(lesson.complete_at)
        if lesson.end_at_seconds is not None:
            front["end_at"] = _number(lesson.end_at_seconds)
    body = (lesson.body_md or "").strip()
    return f"---\n{_dump(front)}---\n" + (f"{body}\n" if body else "")


def _module_data(session: Session, module: Module) -> dict[str, Any]:
    # Prerequisites are always written out: "the module before" depends on which folders sit beside it.
    required = session.scalars(
        select(Module.slug).where(Module.id.in_(module.prerequisite_ids)).order_by(Module.position, Module.id)
    ).all()
    return {
        "title": module.title,
        "summary": module.summary,
        "estimated_minutes": module.estimated_minutes,
        "ce_hours": _number(module.ce_hours),
        "prerequisites": list(required),
    }


def _quiz_data(quiz) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if quiz.title:
        data["title"] = quiz.title
    settings = QuizSettings(**quiz.settings)
    data["pass_mark"] = _number(settings.pass_mark)
    if settings.attempts is not None:
        data["attempts"] = settings.attempts
    data["wait_minutes"] = _number(settings.wait_minutes)
    data["shuffle_questions"] = settings.shuffle_questions
    data["shuffle_choices"] = settings.shuffle_choices
    if settings.draw is not None:
        data["draw"] = settings.draw
    data["show_answers"] = settings.show_answers
    if quiz.review_lesson:
        data["review_lesson"] = quiz.review_lesson
    data["questions"] = [_question_data(question_from_snapshot(q.data)) for q in quiz.active_questions]
    return data


def _question_data(question: QuestionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"id": question.id, "kind": question.kind, "prompt": question.prompt}
    if question.kind in ("single", "multiple"):
        data["choices"] = [
            _without_none({"text": c.text, "correct": c.correct, "feedback": c.feedback}) for c in question.choices
        ]
    elif question.kind == "true_false":
        data["answer"] = question.answer
        data.update(_without_none({"feedback_true": question.feedback_true, "feedback_false": question.feedback_false}))
    elif question.kind == "short":
        data["accept"] = list(question.accept)
    elif question.kind == "matching":
        data["pairs"] = [{"left": p.left, "right": p.right} for p in question.pairs]
    data["explanation"] = question.explanation
    if question.review is not None:
        data["review"] = f"{format_time(question.review.start)}-{format_time(question.review.end)}"
    return data


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _number(value: float | int | None) -> float | int | None:
    """Whole numbers as ints (95, not 95.0), so the files read as an author would write them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
