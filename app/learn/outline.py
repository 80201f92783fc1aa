"""The course's structure (modules, lessons, prerequisites, quizzes) as one immutable snapshot per worker.

Every learner page needs the whole structure to decide what is open, and it changes only when an author
changes it. The database raises ``content_state.version`` on every such change (by trigger, see the
migration), so one small query per transaction, shared with the signed-in person's check
(``app.shared_state``), tells a page whether the snapshot it holds is still current.

The snapshot's objects carry the same attribute names as the models (a test checks every column), so
pages and templates read them alike; they are frozen, so no request can change what another sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import transaction_info
from app.extensions import db
from app.models import Module, Quiz
from app.shared_state import current_versions

EXTENSION_KEY = "course_outline"


@dataclass(frozen=True, eq=False)
class LessonOutline:
    id: int
    module_id: int
    module_slug: str
    slug: str
    title: str
    kind: str
    position: int
    minutes: int | None
    required: bool
    body_md: str
    prompt: str | None
    media_src: str | None
    captions_src: str | None
    chapters_src: str | None
    duration_seconds: float | None
    complete_at: float
    end_at_seconds: float | None
    archived: bool
    source_path: str


@dataclass(frozen=True, eq=False)
class QuizOutline:
    id: int
    module_id: int
    title: str | None
    review_lesson: str | None
    settings: MappingProxyType  # read-only: shared by every request of this worker
    source_path: str
    archived: bool


@dataclass(frozen=True, eq=False)
class ModuleOutline:
    id: int
    slug: str
    title: str
    summary: str
    position: int
    estimated_minutes: int
    ce_hours: float
    published: bool
    source_path: str
    updated_at: datetime
    changed_in_browser: bool  # since its files were imported (the author page shows it)
    lessons: tuple[LessonOutline, ...]  # archived ones included, in order
    quiz: QuizOutline | None
    prerequisite_ids: frozenset[int]
    active_lessons: tuple[LessonOutline, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "active_lessons", tuple(le for le in self.lessons if not le.archived))

    @property
    def active_quiz(self) -> QuizOutline | None:
        return self.quiz if self.quiz is not None and not self.quiz.archived else None


@dataclass(frozen=True, eq=False)
class CourseOutline:
    version: int | None
    modules: tuple[ModuleOutline, ...]  # drafts included, in course order

    def shown(self, include_drafts: bool = False) -> list[ModuleOutline]:
        return [m for m in self.modules if include_drafts or m.published]


def course_outline() -> CourseOutline:
    """The current structure: this worker's snapshot while the content version is unchanged.

    Asked twice in one transaction, it queries once (the answer cannot change within it).
    """
    info = transaction_info()
    if "course_outline" in info:
        return info["course_outline"]
    version = current_versions().content
    held: CourseOutline | None = current_app.extensions.get(EXTENSION_KEY)
    if held is None or version is None or held.version != version:
        held = _build(version)
        if version is not None:  # no version row (a database restored without it): never reuse
            current_app.extensions[EXTENSION_KEY] = held
    info["course_outline"] = held
    return held


def _build(version: int | None) -> CourseOutline:
    modules = db.session.scalars(
        select(Module).options(selectinload(Module.lessons)).order_by(Module.position, Module.id)
    ).all()
    return CourseOutline(version, tuple(_module(m) for m in modules))


def _copy(model: Any, outline_class: type, **extra: Any) -> Any:
    names = {f.name for f in fields(outline_class) if f.init} - extra.keys()
    return outline_class(**{name: getattr(model, name) for name in names}, **extra)


def _module(module: Module) -> ModuleOutline:
    return _copy(
        module,
        ModuleOutline,
        lessons=tuple(_copy(lesson, LessonOutline, module_slug=module.slug) for lesson in module.lessons),
        quiz=_quiz(module.quiz) if module.quiz is not None else None,
        prerequisite_ids=frozenset(module.prerequisite_ids),
    )


def _quiz(quiz: Quiz) -> QuizOutline:
    return _copy(quiz, QuizOutline, settings=MappingProxyType(dict(quiz.settings or {})))
