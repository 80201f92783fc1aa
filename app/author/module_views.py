"""Writing modules and lessons in the browser (authors and admins).

Fields are checked with the course file rules (``app.course.loader``), so a form shows the messages
``flask course validate`` would print. Edits change rows in place and lessons are archived, never
deleted: learners keep their progress and attempts. Every change is recorded in the history.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from app.access import role_required
from app.auth.forms import EmptyForm
from app.author import bp, forms
from app.author.export import ExportError, folder_name, module_zip
from app.author.forms import LessonForm, ModuleForm, add_problems
from app.author.history import recent_changes, record_change
from app.course import loader
from app.course.loader import NO_REQUIRED_LESSON
from app.course.spec import LESSON_KINDS
from app.extensions import db
from app.markdown_render import render_markdown
from app.models import ContentChange, Lesson, Module, ModulePrerequisite, Role

MAX_NUMBER = 99  # folders and lesson files are numbered NN
PUBLISHED = "published the module"  # what app/author/routes.py records on publishing


def _module(module_id: int) -> Module:
    return db.session.get(Module, module_id) or abort(404)


def _lesson(lesson_id: int) -> Lesson:
    return db.session.get(Lesson, lesson_id) or abort(404)


def _slug_locked(module: Module) -> bool:
    """Learners' links and the files name a module by its slug: it is fixed once the module was published."""
    if module.id is None:
        return False
    if module.published or module.source_path:  # imported modules are published on import
        return True
    query = select(ContentChange.id).where(ContentChange.module_id == module.id, ContentChange.what == PUBLISHED)
    return db.session.scalar(query.limit(1)) is not None


@bp.route("/modules/new", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def new_module():
    return _module_form(Module(title="", published=False))


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def edit_module(module_id: int):
    return _module_form(_module(module_id))


def _module_form(module: Module):
    others = [m for m in db.session.scalars(select(Module).order_by(Module.position, Module.id)) if m is not module]
    slug_locked = _slug_locked(module)
    form = ModuleForm(data=ModuleForm.initial(module, others))
    form.prerequisites.choices = [(m.id, f"{m.position}. {m.title}") for m in others]
    created = module.id is None
    if form.validate_on_submit():
        changes = _save_module(form, module, others, slug_locked)
        if changes is not None:
            if created:
                record_change(module, current_user, "created the module", f"a draft, slug '{module.slug}'")
            elif changes:
                record_change(module, current_user, "edited the module details", ", ".join(changes))
            db.session.commit()
            flash(f"“{module.title}” is saved." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("author.module", module_id=module.id))
    status = 422 if form.errors else 200
    page = render_template("author/module_form.html", form=form, module=module, slug_locked=slug_locked)
    return page, status


def _save_module(form: ModuleForm, module: Module, others: list[Module], slug_locked: bool) -> list[str] | None:
    """Check the form with the file rules; save and return what changed, or None (nothing saved) on errors."""
    by_id = {m.id: m for m in others}
    chosen = [by_id[i] for i in form.prerequisites.data or [] if i in by_id]
    values = {
        "title": form.title.data or "",
        "summary": (form.summary.data or "").replace("\r\n", "\n"),
        "estimated_minutes": forms.number(form.estimated_minutes.data),
        "ce_hours": forms.number(form.ce_hours.data),
        "prerequisites": [m.slug for m in chosen],
    }
    problems = loader.check_module_values(values)
    problems += forms.size_problems(values)
    slug = module.slug
    if not slug_locked:
        taken = {m.slug for m in others}
        slug = (form.slug.data or "").strip() or forms.slugify(values["title"], taken)
        if problem := loader.check_slug(slug):
            problems.append(("slug", problem))
        elif len(slug) > forms.SLUG_MAX:
            problems.append(("slug", f"'slug' can be at most {forms.SLUG_MAX} characters"))
        elif slug in taken:
            other = next(m for m in others if m.slug == slug)
            problems.append(("slug", f"duplicate module slug '{slug}' (also “{other.title}”)"))
    slugs = {m.id: m.slug for m in others} | {module.id: slug}  # others may require this module
    graph = {m.slug: [slugs[i] for i in m.prerequisite_ids if i in slugs] for m in others}
    problems += [
        ("prerequisites", message) for message in loader.check_prerequisites(slug, values["prerequisites"], graph)
    ]
    position = max((m.position for m in others), default=0) + 1 if module.id is None else module.position
    if position > MAX_NUMBER:
        problems.append((None, f"a course holds at most {MAX_NUMBER} modules (folders are numbered 01 to 99)"))
    if problems:
        add_problems(form, problems)
        return None
    wanted = {
        "title": values["title"].strip(), "slug": slug, "summary": values["summary"].strip(),
        "estimated_minutes": values["estimated_minutes"], "ce_hours": float(values["ce_hours"]),
    }  # fmt: skip
    changes = [key for key, value in wanted.items() if getattr(module, key) != value]
    for key in changes:
        setattr(module, key, wanted[key])
    if module.id is None:
        module.position = position
        db.session.add(module)
        db.session.flush()
    current = {link.requires_id: link for link in module.prerequisite_links}
    if set(current) != {m.id for m in chosen}:
        module.prerequisite_links = [
            current.get(m.id) or ModulePrerequisite(module_id=module.id, requires_id=m.id) for m in chosen
        ]
        changes.append("prerequisites: " + (", ".join(m.slug for m in chosen) or "none"))
    return changes


@bp.route("/modules/<int:module_id>")
@role_required(Role.AUTHOR)
def module(module_id: int):
    module = _module(module_id)
    required = db.session.scalars(select(Module).where(Module.id.in_(module.prerequisite_ids))).all()
    warnings = []
    if not module.active_lessons:
        warnings.append("The module has no lessons yet: add one before publishing it.")
    elif not any(lesson.required for lesson in module.active_lessons):
        warnings.append(NO_REQUIRED_LESSON[0].upper() + NO_REQUIRED_LESSON[1:] + ".")
    return render_template(
        "author/module_page.html",
        module=module,
        prerequisites=sorted(required, key=lambda m: m.position),
        history=recent_changes(module),
        warnings=warnings,
        kinds=LESSON_KINDS,
        form=EmptyForm(),
    )


@bp.route("/modules/<int:module_id>/export.zip")
@role_required(Role.AUTHOR)
def export_module(module_id: int):
    module = _module(module_id)
    try:
        data = module_zip(db.session, module)
    except ExportError as error:
        flash(f"Nothing exported: {error}.", "error")
        return redirect(url_for("author.module", module_id=module.id))
    name = f"{folder_name(module)}.zip"
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def new_lesson(module_id: int):
    module = _module(module_id)
    kind = request.args.get("kind", "reading")
    if kind not in LESSON_KINDS:
        abort(404)
    return _lesson_form(module, Lesson(kind=kind, title="", required=True, complete_at=0.95))


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@role_required(Role.AUTHOR)
def edit_lesson(lesson_id: int):
    lesson = _lesson(lesson_id)
    if lesson.archived:
        abort(404)
    return _lesson_form(lesson.module, lesson)


def _lesson_form(module: Module, lesson: Lesson):
    data = LessonForm.initial(lesson)
    form = LessonForm(data=data)
    form.set_media_choices(*forms.media_files(Path(current_app.config["MEDIA_DIR"])), data)
    preview = None
    created = lesson.id is None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown((form.body.data or "").replace("\r\n", "\n"))
        elif (changes := _save_lesson(form, module, lesson)) is not None:
            if created:
                record_change(module, current_user, f"added lesson '{lesson.slug}'", f"a {lesson.kind} lesson")
            elif changes:
                record_change(module, current_user, f"edited lesson '{lesson.slug}'", ", ".join(changes))
            db.session.commit()
            saved = created or changes
            flash(f"Lesson “{lesson.title}” is saved." if saved else "Nothing changed.", "success" if saved else "info")
            return redirect(url_for("author.module", module_id=module.id, _anchor=f"lesson-{lesson.id}"))
    status = 422 if form.errors else 200
    page = render_template(
        "author/lesson_form.html", form=form, module=module, lesson=lesson, fields=form.fields_for(lesson.kind),
        preview=preview, prompt_preview=(form.prompt.data or "").strip() if preview is not None else "",
    )  # fmt: skip
    return page, status


def _save_lesson(form: LessonForm, module: Module, lesson: Lesson) -> list[str] | None:
    values = form.values(lesson.kind)
    problems = list(loader.check_lesson_values(values, Path(current_app.config["MEDIA_DIR"])))
    problems += forms.size_problems(values)
    others = [le for le in module.active_lessons if le is not lesson]
    if not values["required"] and not any(le.required for le in others):
        problems.append(("required", NO_REQUIRED_LESSON))
    if lesson.id is None and len(others) >= MAX_NUMBER:
        problems.append((None, f"a module holds at most {MAX_NUMBER} lessons (files are numbered 01 to 99)"))
    if problems:
        add_problems(form, problems)
        return None
    wanted = form.stored(values)
    changes = [key for key, value in wanted.items() if getattr(lesson, key) != value]
    for key in changes:
        setattr(lesson, key, wanted[key])
    if lesson.id is None:
        taken = set(db.session.scalars(select(Lesson.slug).where(Lesson.module_id == module.id)))
        lesson.slug = forms.slugify(lesson.title, taken)
        lesson.position = max((le.position for le in others), default=0) + 1
        module.lessons.append(lesson)
        db.session.flush()
    return [key.removesuffix("_md").removesuffix("_src").removesuffix("_seconds") for key in changes]


def _post_lesson(lesson_id: int) -> Lesson:
    return _lesson(lesson_id)


@bp.route("/lessons/<int:lesson_id>/move/<direction>", methods=["POST"])
@role_required(Role.AUTHOR)
def move_lesson(lesson_id: int, direction: str):
    lesson = _post_lesson(lesson_id)
    if direction not in ("up", "down") or lesson.archived:
        abort(404)
    lessons = lesson.module.active_lessons
    index = lessons.index(lesson)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(lessons):
        order = list(lessons)
        order[index], order[other] = order[other], order[index]
        slots = sorted(le.position for le in lessons)
        if len(set(slots)) < len(slots):  # numbers used twice: number them afresh
            slots = list(range(1, len(lessons) + 1))
        for item, position in zip(order, slots, strict=True):
            item.position = position
        record_change(lesson.module, current_user, f"moved lesson '{lesson.slug}' {direction}")
        db.session.commit()
        flash(f"“{lesson.title}” moved {direction}.", "success")
    else:
        flash(f"“{lesson.title}” is already {'first' if direction == 'up' else 'last'}.", "warning")
    return redirect(url_for("author.module", module_id=lesson.module_id, _anchor=f"lesson-{lesson.id}"))


@bp.route("/lessons/<int:lesson_id>/archive", methods=["POST"])
@role_required(Role.AUTHOR)
def archive_lesson(lesson_id: int):
    lesson = _post_lesson(lesson_id)
    module = lesson.module
    rest = [le for le in module.active_lessons if le is not lesson]
    quiz = module.active_quiz
    problem = None
    if rest and not any(le.required for le in rest):
        problem = NO_REQUIRED_LESSON
    elif not rest and module.published:
        problem = "a published module needs a lesson: unpublish the module first"
    elif quiz is not None and quiz.review_lesson == lesson.slug:
        problem = f"the quiz's review_lesson is '{lesson.slug}': its “Rewatch” links point into this video"
    if lesson.archived:
        problem = "the lesson is already removed"
    if problem:
        flash(f"“{lesson.title}” was not removed: {problem}.", "error")
    else:
        lesson.archived = True
        record_change(module, current_user, f"removed lesson '{lesson.slug}'", "archived: learners' records are kept")
        db.session.commit()
        flash(f"“{lesson.title}” is removed. Learners' records of it are kept; you can restore it.", "success")
    return redirect(url_for("author.module", module_id=module.id))


@bp.route("/lessons/<int:lesson_id>/restore", methods=["POST"])
@role_required(Role.AUTHOR)
def restore_lesson(lesson_id: int):
    lesson = _post_lesson(lesson_id)
    module = lesson.module
    if lesson.archived:
        lesson.position = max((le.position for le in module.active_lessons), default=0) + 1
        lesson.archived = False
        record_change(module, current_user, f"restored lesson '{lesson.slug}'", "as the last lesson")
        db.session.commit()
        flash(f"“{lesson.title}” is back, as the last lesson.", "success")
    return redirect(url_for("author.module", module_id=module.id, _anchor=f"lesson-{lesson.id}"))
