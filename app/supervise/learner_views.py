"""One learner's page for their supervisor: what they watched, answered, shared and earned.

Who may see whom is decided by ``app.access.visible_learners`` only. The page is built in a fixed
number of queries, however many lessons and attempts there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from app.access import role_required, visible_learners, visible_teams
from app.course.states import ModuleState, ModuleStatus, module_statuses
from app.course.transcript import format_clock
from app.csv_export import csv_response
from app.extensions import db
from app.learn.player import WatchedBar, watched_bar
from app.learn.progress import course_modules, module_facts
from app.models import (
    Certificate,
    Lesson,
    LessonKind,
    LessonProgress,
    Module,
    QuizAttempt,
    Reflection,
    Role,
    Team,
    TeamMember,
    User,
)

# The module, not its names: app.record imports the learner pages, which import this package.
from app.record import service as record_service
from app.supervise import bp
from app.supervise.insights import AttemptFacts, completion_times, first_passes


@dataclass(frozen=True)
class LessonLine:
    lesson: Lesson
    started: bool
    completed_at: datetime | None
    bar: WatchedBar | None = None
    resume_at: str | None = None  # video lessons: "M:SS" where the learner would pick up


@dataclass(frozen=True)
class Answer:
    number: int
    prompt: str
    given: list[str]
    correct: bool
    correct_answer: list[str]


@dataclass(frozen=True)
class AttemptLine:
    number: int
    submitted_at: datetime
    score: float | None
    passed: bool
    answers: list[Answer]


@dataclass(frozen=True)
class ModuleSection:
    module: Module
    status: ModuleStatus
    completed_at: datetime | None
    lessons: list[LessonLine]
    attempts: list[AttemptLine]

    @property
    def complete(self) -> bool:
        return self.status.state is ModuleState.COMPLETE


def _learner(user_id: int) -> User:
    learner = db.session.scalar(visible_learners(current_user).where(User.id == user_id))
    if learner is None:
        abort(404)
    return learner


def _answers(attempt: QuizAttempt) -> list[Answer]:
    prompts = {item["question"]["id"]: item["question"]["prompt"] for item in attempt.questions or []}
    results = sorted((attempt.answers or {}).get("results", []), key=lambda r: r.get("number", 0))
    return [
        Answer(
            number=r.get("number", 0),
            prompt=prompts.get(r.get("id"), ""),
            given=list(r.get("given") or []),
            correct=bool(r.get("correct")),
            correct_answer=list(r.get("correct_answer") or []),
        )
        for r in results
    ]


def _lesson_line(lesson: Lesson, row: LessonProgress | None) -> LessonLine:
    if lesson.kind != LessonKind.VIDEO:
        return LessonLine(lesson, row is not None, row.completed_at if row else None)
    return LessonLine(
        lesson,
        row is not None,
        row.completed_at if row else None,
        bar=watched_bar(row.watched if row else [], lesson.duration_seconds),
        resume_at=format_clock(row.position_seconds or 0) if row else None,
    )


@bp.route("/learners/<int:user_id>")
@role_required(Role.SUPERVISOR)
def learner(user_id: int):
    learner = _learner(user_id)
    teams = db.session.scalars(
        visible_teams(current_user)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == learner.id)
    ).all()
    modules = course_modules()
    facts = module_facts(modules)
    rows = {
        row.lesson_id: row
        for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == learner.id))
    }
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == learner.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
    ).all()
    reflections = db.session.execute(
        select(Reflection, Lesson)
        .join(Lesson, Lesson.id == Reflection.lesson_id)
        .where(Reflection.user_id == learner.id, Reflection.shared.is_(True))  # never a private one
        .order_by(Lesson.module_id, Lesson.position)
    ).all()
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id))

    lessons_done = {lesson_id: row.completed_at for lesson_id, row in rows.items() if row.completed_at is not None}
    passes = {
        quiz_id: when
        for (_, quiz_id), when in first_passes(
            AttemptFacts(a.user_id, a.quiz_id, a.number, bool(a.passed), a.submitted_at) for a in attempts
        ).items()
    }
    done_at = completion_times(facts, lessons_done, passes)
    statuses = module_statuses(facts, set(rows), set(lessons_done), set(passes), {a.quiz_id for a in attempts})
    by_quiz: dict[int, list[AttemptLine]] = {}
    for a in attempts:
        by_quiz.setdefault(a.quiz_id, []).append(
            AttemptLine(a.number, a.submitted_at, a.score, bool(a.passed), _answers(a))
        )
    sections = [
        ModuleSection(
            module=module,
            status=statuses[module.id],
            completed_at=done_at.get(module.id),
            lessons=[_lesson_line(lesson, rows.get(lesson.id)) for lesson in module.active_lessons],
            attempts=by_quiz.get(module.quiz.id, []) if module.quiz is not None else [],
        )
        for module in modules
    ]
    hours = round(sum(float(s.module.ce_hours or 0) for s in sections if s.complete), 2)
    context: dict[str, Any] = {
        "learner": learner,
        "teams": teams,
        "sections": sections,
        "reflections": reflections,
        "certificate": certificate,
        "hours": hours,
        "modules_done": sum(1 for s in sections if s.complete),
    }
    return render_template("supervise/learner.html", **context)


@bp.route("/learners/<int:user_id>/record.csv")
@role_required(Role.SUPERVISOR)
def learner_csv(user_id: int):
    """One learner's training record as CSV (the same rows the learner downloads)."""
    learner = _learner(user_id)
    record = record_service.learner_record(db.session, learner.id)
    return csv_response(record_service.csv_rows(record), f"{learner.name}-training-record.csv")
