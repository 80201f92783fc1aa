"""Queries behind the learner's pages, in a fixed number of round trips whatever the size.

The decisions themselves (locked, complete, ...) are made by ``app.course.states``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.course.states import ModuleFacts, ModuleState, ModuleStatus, module_statuses
from app.database import read_connection, transaction_info
from app.extensions import db
from app.learn.outline import LessonOutline, ModuleOutline, course_outline
from app.models import Lesson, LessonProgress, Module, Person, QuizAttempt, Role, utcnow
from app.prebuilt import PrebuiltSelect


@dataclass(frozen=True)
class ModuleView:
    module: ModuleOutline
    status: ModuleStatus

    @property
    def locked(self) -> bool:
        return self.status.state is ModuleState.LOCKED


@dataclass(frozen=True)
class LearnerProgress:
    started: set[int]
    completed: set[int]
    watched: dict[int, list] = field(default_factory=dict)  # video lessons: merged watched intervals
    passed_quizzes: set[int] = field(default_factory=set)
    attempted_quizzes: set[int] = field(default_factory=set)
    completed_at: dict[int, datetime] = field(default_factory=dict)  # lesson id -> when completed
    quiz_passed_at: dict[int, datetime] = field(default_factory=dict)  # quiz id -> first pass
    best_score: dict[int, float] = field(default_factory=dict)  # quiz id -> best submitted score
    positions: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)  # lesson id -> (at, speed)
    # watched and positions: only when progress_of was asked about one person (see there)


def course_modules(include_drafts: bool = False) -> list[ModuleOutline]:
    """The modules in course order (published ones only, unless ``include_drafts``), from the outline."""
    return course_outline().shown(include_drafts)


def module_facts(modules: Sequence[ModuleOutline | Module]) -> list[ModuleFacts]:
    """What each module's state depends on. For the worker's outline (immutable) they are worked out
    once per set of modules shown, since every learner page asks."""
    if not all(isinstance(m, ModuleOutline) for m in modules):
        return _module_facts(modules)
    key = tuple(id(m) for m in modules)
    held = _facts_kept.get(key)
    if held is None or any(a is not b for a, b in zip(held[0], modules, strict=True)):
        if len(_facts_kept) >= 64:
            _facts_kept.clear()
        held = _facts_kept[key] = (tuple(modules), _module_facts(modules))  # the outlines kept alive with it
    return list(held[1])


_facts_kept: dict[tuple[int, ...], tuple[tuple[ModuleOutline, ...], list[ModuleFacts]]] = {}


def _module_facts(modules: Sequence[ModuleOutline | Module]) -> list[ModuleFacts]:
    shown = {m.id for m in modules}
    return [
        ModuleFacts(
            module_id=m.id,
            # A prerequisite that is not shown (a draft) cannot hold a learner back.
            prerequisite_ids=frozenset(m.prerequisite_ids & shown),
            required_lesson_ids=frozenset(lesson.id for lesson in m.active_lessons if lesson.required),
            lesson_ids=frozenset(lesson.id for lesson in m.active_lessons),
            quiz_id=m.active_quiz.id if m.active_quiz else None,
        )
        for m in modules
    ]


def progress_of(user_ids: list[int]) -> dict[int, LearnerProgress]:
    """Lessons started and completed, and quizzes attempted and passed, for each user (two queries).

    The player's state (``watched``, ``positions``) is filled in when one person is asked for; for
    several (a team) it is left empty. Within one transaction the answer cannot change, so a page that
    asks twice queries once.
    """
    key = tuple(user_ids)
    cache = _transaction_cache()
    if key not in cache:
        cache[key] = _progress_of(user_ids)
    return cache[key]


def _transaction_cache() -> dict:
    return transaction_info().setdefault("progress_cache", {})


# Built once: these run on every learner page, and building a statement costs more than running it.
# Each comes for a list of people (the team grid) and for one person (every learner page), whose
# plain "=" skips the per-call expansion of an IN list.
def _best_attempts(who):
    return (
        select(
            QuizAttempt.user_id,
            QuizAttempt.quiz_id,
            func.min(case((QuizAttempt.passed.is_(True), QuizAttempt.submitted_at))),
            func.max(QuizAttempt.score),
        )
        .where(who, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    )


def _lesson_rows(who, player_state: bool):
    # The player's state (watched parts, resume point) is read for one person's pages only: a team's
    # views need what is done, and decoding every watched list of a 2,000-person team is slow.
    player = (LessonProgress.watched, LessonProgress.position_seconds, LessonProgress.speed)
    if not player_state:
        player = (null(), null(), null())
    return select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.completed_at, *player).where(who)


_MANY = bindparam("user_ids", expanding=True)
_BEST_ATTEMPTS = _best_attempts(QuizAttempt.user_id.in_(_MANY))
_LESSON_ROWS = _lesson_rows(LessonProgress.user_id.in_(_MANY), player_state=False)
_BEST_ATTEMPTS_ONE = PrebuiltSelect(_best_attempts(QuizAttempt.user_id == bindparam("user_id")))
_LESSON_ROWS_ONE = PrebuiltSelect(_lesson_rows(LessonProgress.user_id == bindparam("user_id"), player_state=True))


def _progress_of(user_ids: list[int]) -> dict[int, LearnerProgress]:
    result: dict[int, LearnerProgress] = defaultdict(lambda: LearnerProgress(set(), set()))
    connection = read_connection(db)
    if len(user_ids) == 1:  # every learner page: straight to the driver
        attempts = _BEST_ATTEMPTS_ONE.rows(connection, user_id=user_ids[0])
        rows = _LESSON_ROWS_ONE.rows(connection, user_id=user_ids[0])
    else:
        attempts = connection.execute(_BEST_ATTEMPTS, {"user_ids": user_ids}).all()
        rows = connection.execute(_LESSON_ROWS, {"user_ids": user_ids}).all()
    for user_id, quiz_id, first_pass, best in attempts:
        entry = result[user_id]
        entry.attempted_quizzes.add(quiz_id)
        entry.best_score[quiz_id] = best
        if first_pass is not None:
            entry.passed_quizzes.add(quiz_id)
            entry.quiz_passed_at[quiz_id] = first_pass
    for user_id, lesson_id, completed_at, watched, position, speed in rows:
        entry = result[user_id]
        entry.started.add(lesson_id)
        entry.positions[lesson_id] = (position, speed)
        if completed_at is not None:
            entry.completed.add(lesson_id)
            entry.completed_at[lesson_id] = completed_at
        if watched:
            entry.watched[lesson_id] = watched
    return result


def statuses_for(facts: list[ModuleFacts], progress: LearnerProgress) -> dict[int, ModuleStatus]:
    return module_statuses(
        facts, progress.started, progress.completed, progress.passed_quizzes, progress.attempted_quizzes
    )


def completed_on(facts: ModuleFacts, progress: LearnerProgress) -> datetime | None:
    """When a complete module was completed: its last required lesson or its first passed quiz, whichever came later."""
    moments = [progress.completed_at[i] for i in facts.required_lesson_ids if i in progress.completed_at]
    if len(moments) < len(facts.required_lesson_ids):
        return None
    if facts.quiz_id is not None:
        if facts.quiz_id not in progress.quiz_passed_at:
            return None
        moments.append(progress.quiz_passed_at[facts.quiz_id])
    return max(moments, default=None)


def learner_overview(user: Person, modules: list[ModuleOutline] | None = None) -> list[ModuleView]:
    modules = course_modules() if modules is None else modules
    progress = progress_of([user.id])[user.id]
    statuses = statuses_for(module_facts(modules), progress)
    return [ModuleView(m, statuses[m.id]) for m in modules]


def next_step(overview: list[ModuleView], completed: set[int]) -> tuple[ModuleOutline, LessonOutline | None] | None:
    """Where to continue: the first required lesson not yet done in the first open, unfinished
    module, or that module's quiz (lesson None) once its lessons are done."""
    for view in overview:
        if view.status.state in (ModuleState.AVAILABLE, ModuleState.IN_PROGRESS):
            for lesson in view.module.active_lessons:
                if lesson.required and lesson.id not in completed:
                    return view.module, lesson
            if view.status.quiz_open and not view.status.quiz_passed:
                return view.module, None
    return None


def can_bypass_locks(user: Person) -> bool:
    """Authors and admins may open any lesson to check it; learners follow the sequence."""
    return user.has_role(Role.AUTHOR, Role.ADMIN)


def upsert_into(table):
    """An INSERT that can say what to do when the row exists (ON CONFLICT), on either database: the
    way to write a row two requests may make at the same moment."""
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(table)


def record_started(user_id: int, lesson: LessonOutline | Lesson, connection: Connection | None = None) -> None:
    """Idempotently note that the learner opened ``lesson`` (safe to repeat, safe under races), in the
    session's transaction or on ``connection``'s."""
    statement = upsert_into(LessonProgress.__table__).values(
        user_id=user_id, lesson_id=lesson.id, started_at=utcnow(), updated_at=utcnow()
    )
    (connection or db.session).execute(statement.on_conflict_do_nothing(index_elements=["user_id", "lesson_id"]))


def record_completed(user: Person, lesson: LessonOutline | Lesson) -> bool:
    """Mark ``lesson`` complete once; repeating it changes nothing. Returns True if newly complete."""
    record_started(user.id, lesson)
    row = db.session.scalar(
        select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if row.completed_at is not None:
        return False
    row.completed_at = utcnow()
    return True
