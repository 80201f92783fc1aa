"""Upsert a checked course into the database, by slug, in the caller's transaction.

Only fields that differ are assigned, so importing the same files twice writes nothing.
Lessons are matched by slug, so a learner's progress survives edits to a module; a
lesson that disappears from the files is archived rather than deleted. Modules named in
``keep`` are left exactly as they are (an author changed them in the browser since their
files were imported: see ``app.course_files``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.course.spec import CourseSpec, LessonSpec, ModuleSpec
from app.models import Lesson, Module, ModulePrerequisite, Quiz, QuizQuestion
from app.quiz.grading import snapshot


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # slugs of modules left as changed in the browser

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.archived)

    def updated_slugs(self) -> set[str]:
        return {name.removeprefix("module ") for name in self.updated}

    def summary(self) -> str:
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.archived)} archived"
        )
        return text + (f", {len(self.kept)} kept with changes made in the browser" if self.kept else "")


def import_course(session: Session, course: CourseSpec, root: Path, keep: frozenset[str] = frozenset()) -> ImportReport:
    """Bring the database in line with ``course``, except the modules whose slugs are in ``keep``;
    the caller commits or rolls back."""
    report = ImportReport()
    existing = {m.slug: m for m in session.scalars(select(Module))}
    modules: dict[str, Module] = {}
    for spec in course.modules:
        module = existing.get(spec.slug)
        if module is not None and spec.slug in keep:
            modules[spec.slug] = module  # still there for other modules' prerequisites
            report.kept.append(spec.slug)
            continue
        if module is None:
            module = Module(slug=spec.slug)
            session.add(module)
            report.created.append(f"module {spec.slug}")
            changed = True
        else:
            changed = False
        changed |= _assign(module, _module_fields(spec, root))
        changed |= _sync_lessons(module, spec, root, report)
        changed |= _sync_quiz(session, module, spec, root, report)
        modules[spec.slug] = module
        if changed and module.id is not None:
            report.updated.append(f"module {spec.slug}")
    session.flush()
    for spec in course.modules:
        if spec.slug in report.kept:
            continue
        wanted = {modules[s].id for s in course.resolved_prerequisites(spec)}
        module = modules[spec.slug]
        if module.prerequisite_ids != wanted:
            module.prerequisite_links = [ModulePrerequisite(module_id=module.id, requires_id=i) for i in sorted(wanted)]
            if f"module {spec.slug}" not in report.created + report.updated:
                report.updated.append(f"module {spec.slug}")
    for spec in course.modules:
        name = f"module {spec.slug}"
        if spec.slug in report.kept:
            continue
        if name not in report.created and name not in report.updated:
            report.unchanged.append(name)
        if modules[spec.slug].changed_in_browser:  # its files now hold what the browser changed, or replace it
            modules[spec.slug].changed_in_browser = False
    session.flush()
    return report


def _module_fields(spec: ModuleSpec, root: Path) -> dict:
    return {
        "title": spec.title,
        "summary": spec.summary,
        "position": spec.position,
        "estimated_minutes": spec.estimated_minutes,
        "ce_hours": spec.ce_hours,
        "source_path": _relative(spec.path.parent, root),
    }


def _lesson_fields(spec: LessonSpec, root: Path) -> dict:
    return {
        "title": spec.title,
        "kind": spec.kind,
        "position": spec.position,
        "minutes": spec.minutes,
        "required": spec.required,
        "body_md": spec.body,
        "prompt": spec.prompt,
        "media_src": spec.media,
        "captions_src": spec.captions,
        "chapters_src": spec.chapters,
        "duration_seconds": spec.duration,
        "complete_at": spec.complete_at,
        "end_at_seconds": spec.end_at,
        "archived": False,
        "source_path": _relative(spec.path, root),
    }


def _sync_lessons(module: Module, spec: ModuleSpec, root: Path, report: ImportReport) -> bool:
    changed = False
    current = {lesson.slug: lesson for lesson in module.lessons}
    for lesson_spec in spec.lessons:
        lesson = current.get(lesson_spec.slug)
        if lesson is None:
            lesson = Lesson(slug=lesson_spec.slug)
            module.lessons.append(lesson)
            changed = True
        changed |= _assign(lesson, _lesson_fields(lesson_spec, root))
    wanted = {lesson.slug for lesson in spec.lessons}
    for slug, lesson in current.items():
        if slug not in wanted and not lesson.archived:
            lesson.archived = True
            report.archived.append(f"lesson {spec.slug}/{slug}")
            changed = True
    return changed


def _sync_quiz(session: Session, module: Module, spec: ModuleSpec, root: Path, report: ImportReport) -> bool:
    """Upsert the module's quiz; questions are matched by id so attempts keep pointing at them."""
    quiz = session.scalar(select(Quiz).where(Quiz.module_id == module.id)) if module.id else None
    if spec.quiz is None:
        if quiz is not None and not quiz.archived:
            quiz.archived = True
            report.archived.append(f"quiz {spec.slug}")
            return True
        return False
    changed = False
    if quiz is None:
        quiz = Quiz(module=module)
        session.add(quiz)
        changed = True
    changed |= _assign(
        quiz,
        {
            "title": spec.quiz.title,
            "review_lesson": spec.quiz.review_lesson,
            "settings": asdict(spec.quiz.settings),
            "source_path": _relative(spec.quiz.path, root),
            "archived": False,
        },
    )
    current = {question.key: question for question in quiz.questions}
    for position, question_spec in enumerate(spec.quiz.questions, start=1):
        question = current.get(question_spec.id)
        if question is None:
            question = QuizQuestion(key=question_spec.id)
            quiz.questions.append(question)
            changed = True
        changed |= _assign(question, {"position": position, "data": snapshot(question_spec), "archived": False})
    wanted = {q.id for q in spec.quiz.questions}
    for key, question in current.items():
        if key not in wanted and not question.archived:
            question.archived = True
            changed = True
    return changed


def _assign(obj: object, values: dict) -> bool:
    """Set only the attributes that differ; return whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
