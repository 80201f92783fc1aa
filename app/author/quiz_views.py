"""Quizzes in the browser: settings, questions of every kind, order, and import from Moodle's GIFT format.

Every question is checked by the quiz.yml rules (app.quiz.loader) and saved as the snapshot the
course import would store. Attempts keep their own copy of the questions, so an edit here never
changes an attempt already graded. A quiz with no questions is kept from learners (archived).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from app.access import role_required
from app.author import bp
from app.author.history import record_change
from app.author.quiz_forms import (
    KIND_LABELS,
    GiftImportForm,
    QuestionForm,
    SettingsForm,
    form_errors,
    group_messages,
    question_initial,
    settings_initial,
)
from app.course.transcript import read_cues
from app.extensions import db
from app.models import Lesson, Module, Quiz, QuizQuestion, Role
from app.quiz.gift import make_key, parse_gift
from app.quiz.grading import snapshot
from app.quiz.rules import check_question, check_settings
from app.quiz.spec import KINDS, QuizSettings, format_time


def _module(module_id: int) -> Module:
    return db.session.get(Module, module_id) or abort(404)


def _question(module: Module, question_id: int) -> QuizQuestion:
    question = db.session.get(QuizQuestion, question_id)
    if question is None or question.archived or question.quiz.module_id != module.id:
        abort(404)
    return question


def _videos(module: Module) -> list[Lesson]:
    return [lesson for lesson in module.active_lessons if lesson.kind == "video"]


def _durations(module: Module) -> dict[str, float | None]:
    return {lesson.slug: lesson.duration_seconds for lesson in _videos(module)}


def _ensure_quiz(module: Module) -> Quiz:
    """The module's quiz; a new one is kept from learners until it has a question."""
    if module.quiz is None:
        module.quiz = Quiz(module=module, settings=asdict(QuizSettings()), archived=True)
        db.session.add(module.quiz)
    return module.quiz


def _ordered(quiz: Quiz) -> list[QuizQuestion]:
    return sorted(quiz.active_questions, key=lambda q: (q.position, q.id))


def _next_position(quiz: Quiz) -> int:
    return max((q.position for q in quiz.questions), default=0) + 1


def _commit(failure: str) -> bool:
    """Commit; on failure roll back (nothing half saved) and say so."""
    try:
        db.session.commit()
        return True
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("quiz change not saved")
        flash(failure, "error")
        return False


@bp.route("/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def quiz_settings(module_id: int):
    module = _module(module_id)
    quiz = module.quiz
    form = SettingsForm(data=settings_initial(quiz))
    choices = [SelectChoice("", "None")] + [SelectChoice(v.slug, v.title) for v in _videos(module)]
    if quiz and quiz.review_lesson and quiz.review_lesson not in _durations(module):  # shown, so it is not lost quietly
        choices.append(SelectChoice(quiz.review_lesson, f"{quiz.review_lesson} (no longer a video lesson here)"))
    form.review_lesson.choices = choices
    submitted = form.is_submitted()
    if form.validate_on_submit():
        data = form.settings_data()
        count = len(quiz.active_questions) if quiz else 0
        settings, messages = check_settings(data, count, _durations(module))
        for message in messages:
            name = next((f.name for f in form if re.match(rf"^(unknown )?'?{f.name}\b", message)), "title")
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        if settings is not None:
            created = quiz is None
            quiz = _ensure_quiz(module)
            quiz.title, quiz.review_lesson = data.get("title"), data.get("review_lesson")
            quiz.settings = asdict(settings)
            summary = ", ".join(f"{k}: {v}" for k, v in asdict(settings).items())
            record_change(module, current_user, "created the quiz" if created else "changed the quiz settings", summary)
            if _commit("The settings were not saved: the database refused the change. Please try again."):
                flash("Quiz settings saved.", "success")
                return redirect(url_for("author.quiz_settings", module_id=module.id))
    page = render_template(
        "author/quiz.html",
        module=module,
        quiz=quiz,
        form=form,
        questions=_ordered(quiz) if quiz else [],
        kinds=KIND_LABELS,
        format_time=format_time,
    )
    return page, (422 if submitted else 200)


@bp.route("/modules/<int:module_id>/quiz/questions/new", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def quiz_question_new(module_id: int):
    module = _module(module_id)
    kind = request.args.get("kind", "")
    if kind not in KINDS:
        abort(404)
    return _edit(module, None, kind)


@bp.route("/modules/<int:module_id>/quiz/questions/<int:question_id>", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def quiz_question_edit(module_id: int, question_id: int):
    module = _module(module_id)
    question = _question(module, question_id)
    return _edit(module, question, question.data.get("kind"))


def _review_source(module: Module, quiz: Quiz | None) -> tuple[Lesson | None, tuple, str | None]:
    """The review lesson, its transcript cues, and a note when they cannot be offered."""
    if quiz is None or not quiz.review_lesson:
        return None, (), "Choose the quiz's review lesson in the quiz settings to point questions at its video."
    lesson = next((v for v in _videos(module) if v.slug == quiz.review_lesson), None)
    if lesson is None or not lesson.captions_src:
        return lesson, (), "The review lesson has no transcript: type the moment instead."
    try:
        return lesson, read_cues(Path(current_app.config["MEDIA_DIR"]) / lesson.captions_src), None
    except (OSError, ValueError) as error:
        current_app.logger.warning("transcript unavailable for lesson %s: %s", lesson.slug, error)
        return lesson, (), "The review lesson's transcript cannot be read: type the moment instead."


def _edit(module: Module, question: QuizQuestion | None, kind: str):
    quiz = module.quiz
    lesson, cues, cue_note = _review_source(module, quiz)
    form = QuestionForm(data=question_initial(question.data) if question else None)
    form.set_cues(cues)
    messages: list[str] = []
    failed = False  # checked, but the database refused it (the flash says so)
    if form.validate_on_submit():
        data, messages = form.question_data(kind, cues, lesson.duration_seconds if lesson else None)
        taken = {q.key for q in quiz.questions} if quiz else set()
        key = question.key if question else make_key(data["prompt"], taken)
        spec, problems = check_question({"id": key, **data}, quiz.review_lesson if quiz else None, _durations(module))
        messages += problems
        if not messages and spec is not None:
            if _save(module, question, spec):
                return redirect(url_for("author.quiz_settings", module_id=module.id) + "#questions")
            failed = True
    elif form.is_submitted():
        messages = [f"{getattr(form, name).label.text}: {error}" for name, error in form_errors(form.errors)]
    groups = group_messages(messages)
    for name in ("prompt", "explanation", "review", "accept", "answer"):
        field = getattr(form, name)
        field.errors = [*field.errors, *groups.pop(name, [])]
    page = render_template(
        "author/quiz_question.html",
        module=module,
        quiz=quiz,
        question=question,
        kind=kind,
        kinds=KIND_LABELS,
        form=form,
        messages=messages,
        problems=groups,
        cues=cues,
        cue_note=cue_note,
    )
    return page, (422 if messages else 503 if failed else 200)


def _save(module: Module, question: QuizQuestion | None, spec) -> bool:
    data = snapshot(spec)
    if question is None:
        quiz = _ensure_quiz(module)
        quiz.questions.append(QuizQuestion(key=spec.id, position=_next_position(quiz), data=data))
        quiz.archived = False
        record_change(module, current_user, f"added quiz question '{spec.id}'", spec.prompt)
        done = f"Question added: “{spec.prompt[:80]}”."
    elif question.data == data:
        flash("No changes to save.", "info")
        return True
    else:
        question.data = data
        record_change(module, current_user, f"edited quiz question '{spec.id}'", spec.prompt)
        done = "Question saved. Attempts already graded keep the question as it was."
    if not _commit("Nothing was saved: the database refused the change. Please try again."):
        return False
    flash(done, "success")
    return True


@bp.route("/modules/<int:module_id>/quiz/questions/<int:question_id>/move/<direction>", methods=["POST"])
@role_required(Role.AUTHOR)
def quiz_question_move(module_id: int, question_id: int, direction: str):
    module = _module(module_id)
    question = _question(module, question_id)
    if direction not in ("up", "down"):
        abort(404)
    ordered = _ordered(question.quiz)
    here = ordered.index(question)
    there = here - 1 if direction == "up" else here + 1
    if 0 <= there < len(ordered):
        ordered[here], ordered[there] = ordered[there], ordered[here]
        for position, item in enumerate(ordered, start=1):
            item.position = position
        record_change(module, current_user, f"moved quiz question '{question.key}' {direction}")
        _commit("The question was not moved: the database refused the change. Please try again.")
    return redirect(url_for("author.quiz_settings", module_id=module.id) + "#questions")


@bp.route("/modules/<int:module_id>/quiz/questions/<int:question_id>/remove", methods=["POST"])
@role_required(Role.AUTHOR)
def quiz_question_remove(module_id: int, question_id: int):
    module = _module(module_id)
    question = _question(module, question_id)
    question.archived = True
    quiz = question.quiz
    if not quiz.active_questions:
        quiz.archived = True  # an empty quiz would pass everyone: keep it from learners
    record_change(module, current_user, f"removed quiz question '{question.key}'", question.data.get("prompt", ""))
    if _commit("The question was not removed: the database refused the change. Please try again."):
        note = " The quiz has no questions left, so learners no longer see it." if quiz.archived else ""
        flash(f"Question removed. Attempts already graded keep it.{note}", "success")
    return redirect(url_for("author.quiz_settings", module_id=module.id) + "#questions")


@bp.route("/modules/<int:module_id>/quiz/import", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def quiz_import(module_id: int):
    module = _module(module_id)
    form = GiftImportForm()
    imported, skipped, problem = [], [], None
    if form.validate_on_submit():
        text, problem = form.text()
        results = parse_gift(text, {q.key for q in module.quiz.questions} if module.quiz else ()) if text else []
        imported = [r for r in results if r.question is not None]
        skipped = [r for r in results if r.question is None]
        if text and not results:
            problem = "No questions were found in that text."
        if imported:
            quiz = _ensure_quiz(module)
            position = _next_position(quiz)
            for offset, result in enumerate(imported):
                spec = result.question
                quiz.questions.append(QuizQuestion(key=spec.id, position=position + offset, data=snapshot(spec)))
            quiz.archived = False
            keys = ", ".join(r.question.id for r in imported)
            record_change(module, current_user, f"imported {len(imported)} quiz question(s) from GIFT", keys)
            if _commit("Nothing was imported: the database refused the change. Please try again."):
                form.gift.data = "\n\n".join(r.source for r in skipped)  # what is left to fix
            else:
                imported = []
    elif form.is_submitted():
        problem = " ".join(error for _name, error in form_errors(form.errors))
    page = render_template(
        "author/quiz_import.html",
        module=module,
        form=form,
        imported=imported,
        skipped=skipped,
        problem=problem,
    )
    return page, (422 if form.is_submitted() and not imported else 200)
