"""A learner's training record and certificate, computed from the database (no Flask, no request).

Module completion and its date are decided by ``app.course.states`` and ``app.learn.progress``, as
everywhere else; this module reads a learner's progress through the session it is given, in a fixed
number of queries, and adds scores, hours and the certificate.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.course.states import ModuleState, ModuleStatus
from app.learn.progress import LearnerProgress, completed_on, module_facts, statuses_for
from app.models import Certificate, LessonProgress, Module, Person, QuizAttempt

COURSE_TITLE = "Infant Mental Health for Home Visitors"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out and type
CODE_GROUPS, CODE_GROUP_SIZE = 3, 4
CSV_HEADER = ("Module", "Status", "Completed on", "Best quiz score", "CE hours")


@dataclass(frozen=True)
class ModuleRow:
    module_id: int
    slug: str
    title: str
    status: ModuleStatus
    completed_at: datetime | None  # set only when the module is complete
    best_score: float | None  # best submitted quiz score (percent), if any
    ce_hours: float  # what the module is worth

    @property
    def state(self) -> ModuleState:
        return self.status.state

    @property
    def complete(self) -> bool:
        return self.status.state is ModuleState.COMPLETE

    @property
    def hours(self) -> float:
        """Hours earned: the module's hours once it is complete, else none."""
        return self.ce_hours if self.complete else 0.0


@dataclass(frozen=True)
class Record:
    rows: list[ModuleRow]

    @property
    def completed(self) -> list[ModuleRow]:
        return [row for row in self.rows if row.complete]

    @property
    def remaining(self) -> list[ModuleRow]:
        return [row for row in self.rows if not row.complete]

    @property
    def total_hours(self) -> float:
        return round(sum(row.hours for row in self.rows), 2)

    @property
    def course_complete(self) -> bool:
        """Every published module complete (a course with no modules cannot be complete)."""
        return bool(self.rows) and not self.remaining

    @property
    def completed_at(self) -> datetime | None:
        """When the course was completed: the latest module completion."""
        if not self.course_complete:
            return None
        return max(row.completed_at for row in self.rows if row.completed_at is not None)


def published_modules(session: Session) -> list[Module]:
    """Published modules in course order, with what their state depends on (4 queries)."""
    query = (
        select(Module)
        .where(Module.published.is_(True))
        .options(selectinload(Module.lessons))  # quiz and prerequisite links load "selectin" by default
        .order_by(Module.position, Module.id)
    )
    return list(session.scalars(query))


def learner_record(session: Session, user_id: int, modules: list[Module] | None = None) -> Record:
    """One row per published module for ``user_id``; a fixed number of queries whatever the size."""
    modules = published_modules(session) if modules is None else modules
    progress = LearnerProgress(set(), set())
    for lesson_id, done_at in session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at).where(LessonProgress.user_id == user_id)
    ):
        progress.started.add(lesson_id)
        if done_at is not None:
            progress.completed.add(lesson_id)
            progress.completed_at[lesson_id] = done_at
    for quiz_id, best, first_pass in session.execute(
        select(
            QuizAttempt.quiz_id,
            func.max(QuizAttempt.score),
            func.min(case((QuizAttempt.passed.is_(True), QuizAttempt.submitted_at))),
        )
        .where(QuizAttempt.user_id == user_id, QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.quiz_id)
    ):
        progress.attempted_quizzes.add(quiz_id)
        progress.best_score[quiz_id] = best
        if first_pass is not None:
            progress.passed_quizzes.add(quiz_id)
            progress.quiz_passed_at[quiz_id] = first_pass

    facts = module_facts(modules)
    statuses = statuses_for(facts, progress)
    rows = []
    for module, fact in zip(modules, facts, strict=True):
        status = statuses[module.id]
        rows.append(
            ModuleRow(
                module_id=module.id,
                slug=module.slug,
                title=module.title,
                status=status,
                completed_at=completed_on(fact, progress) if status.state is ModuleState.COMPLETE else None,
                best_score=progress.best_score.get(fact.quiz_id) if fact.quiz_id is not None else None,
                ce_hours=float(module.ce_hours or 0.0),
            )
        )
    return Record(rows)


# Certificates ---------------------------------------------------------------------------------


def new_certificate_code() -> str:
    """12 random characters from an unambiguous alphabet, grouped like ABCD-EFGH-JKLM."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_SIZE))
    return "-".join(chars[i : i + CODE_GROUP_SIZE] for i in range(0, len(chars), CODE_GROUP_SIZE))


def normalize_code(raw: str) -> str | None:
    """The stored form of a code typed by someone (any case, dashes or spaces optional), or None."""
    if len(raw) > 40:
        return None
    chars = re.sub(r"[\s\-]", "", raw).upper()
    if len(chars) != CODE_GROUPS * CODE_GROUP_SIZE or any(c not in CODE_ALPHABET for c in chars):
        return None
    return "-".join(chars[i : i + CODE_GROUP_SIZE] for i in range(0, len(chars), CODE_GROUP_SIZE))


def certificate_of(session: Session, user_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.user_id == user_id))


def find_certificate(session: Session, raw_code: str) -> Certificate | None:
    code = normalize_code(raw_code)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def ensure_certificate(session: Session, user: Person, record: Record) -> Certificate | None:
    """The learner's certificate: the one already issued, or a new one once every published module
    is complete; None while the course is not complete. Safe to repeat and safe under races.

    The caller commits. A certificate once issued is kept as issued (name, date, hours, code).
    """
    existing = certificate_of(session, user.id)
    if existing is not None or not record.course_complete:
        return existing
    for _ in range(5):
        certificate = Certificate(
            user_id=user.id,
            code=new_certificate_code(),
            name=user.name,
            course_title=COURSE_TITLE,
            hours=record.total_hours,
            completed_on=record.completed_at,
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            # Another request issued this learner's certificate a moment ago, or (vanishingly rare)
            # the random code is taken: use theirs, or try another code.
            existing = certificate_of(session, user.id)
            if existing is not None:
                return existing
            continue
        return certificate
    raise RuntimeError("could not find a free certificate code")


# Export helpers -------------------------------------------------------------------------------


def format_hours(hours: float) -> str:
    return f"{hours:g}"


def format_score(score: float | None) -> str:
    return "" if score is None else f"{score:g}%"


def csv_rows(record: Record) -> list[tuple[str, ...]]:
    """The record as spreadsheet rows, header first (``app.csv_export`` makes each cell safe to open)."""
    rows: list[tuple[str, ...]] = [CSV_HEADER]
    for row in record.rows:
        rows.append(
            (
                row.title,
                row.state.value.capitalize(),
                row.completed_at.date().isoformat() if row.completed_at else "",
                format_score(row.best_score),
                format_hours(row.hours),
            )
        )
    return rows
