"""What confuses a team: each quiz question's first-attempt results, and completions over time.

The statistics live in ``app.supervise.insights`` and the chart in ``app.supervise.charts``; this
view gathers the rows (a fixed number of queries) and who may see the team is decided by
``app.access.visible_teams`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.access import role_required, visible_team
from app.extensions import db
from app.learn.progress import course_modules, module_facts
from app.models import LessonProgress, Module, QuizAttempt, QuizQuestion, Role
from app.quiz.spec import Review
from app.supervise import bp
from app.supervise.charts import cumulative_chart
from app.supervise.insights import (
    AttemptFacts,
    QuestionStats,
    completion_times,
    cumulative_by_day,
    first_attempts,
    first_passes,
    hardest_first,
    question_stats,
)
from app.supervise.queries import team_learners


@dataclass(frozen=True)
class QuestionLine:
    module: Module
    prompt: str
    stats: QuestionStats
    rewatch_url: str | None
    rewatch_text: str | None


def _rewatch(module: Module, review_lesson: str | None, data: dict) -> tuple[str | None, str | None]:
    """The lesson moment that teaches a question, as a link (None when it has none)."""
    review = data.get("review")
    if not review:
        return None, None
    slug = review.get("lesson") or review_lesson
    if slug not in {lesson.slug for lesson in module.active_lessons}:
        return None, None
    moment = Review(int(review["start"]), int(review["end"]), slug)
    return url_for("learn.lesson", slug=module.slug, lesson_slug=slug, t=moment.start), moment.link_text


@bp.route("/teams/<int:team_id>/insights")
@role_required(Role.SUPERVISOR)
def insights(team_id: int):
    team = visible_team(current_user, team_id)
    user_ids = [learner.id for learner in team_learners(team.id)]
    modules = course_modules()
    facts = module_facts(modules)
    quizzes = {m.active_quiz.id: m for m in modules if m.active_quiz is not None}
    questions = (
        db.session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.quiz_id.in_(list(quizzes)), QuizQuestion.archived.is_(False))
            .order_by(QuizQuestion.quiz_id, QuizQuestion.position)
        ).all()
        if quizzes
        else []
    )
    attempt_rows = (
        db.session.execute(
            select(
                QuizAttempt.user_id,
                QuizAttempt.quiz_id,
                QuizAttempt.number,
                QuizAttempt.passed,
                QuizAttempt.submitted_at,
                QuizAttempt.answers,
            )
            .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.submitted_at.is_not(None))
            .order_by(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.number)
        ).all()
        if user_ids
        else []
    )
    lesson_rows = (
        db.session.execute(
            select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.completed_at).where(
                LessonProgress.user_id.in_(user_ids), LessonProgress.completed_at.is_not(None)
            )
        ).all()
        if user_ids
        else []
    )
    attempts = [
        AttemptFacts(user_id, quiz_id, number, bool(passed), submitted_at, tuple((answers or {}).get("results", [])))
        for user_id, quiz_id, number, passed, submitted_at, answers in attempt_rows
    ]

    # What confuses the team: first attempts only, hardest first.
    order = sorted(questions, key=lambda q: (quizzes[q.quiz_id].position, quizzes[q.quiz_id].id, q.position))
    by_key = {(q.quiz_id, q.key): q for q in order}
    lines = []
    for stats in hardest_first(question_stats([(q.quiz_id, q.key) for q in order], attempts)):
        if not stats.answered:
            continue
        question = by_key[(stats.quiz_id, stats.key)]
        module = quizzes[stats.quiz_id]
        url, text = _rewatch(module, module.active_quiz.review_lesson, question.data)
        lines.append(QuestionLine(module, question.data.get("prompt", question.key), stats, url, text))
    learners_with_attempts = len({a.user_id for a in first_attempts(attempts) if a.quiz_id in quizzes})

    # Completions over time: each learner's complete modules, dated, counted per day.
    lessons_done: dict[int, dict] = {}
    for user_id, lesson_id, completed_at in lesson_rows:
        lessons_done.setdefault(user_id, {})[lesson_id] = completed_at
    passes: dict[int, dict] = {}
    for (user_id, quiz_id), when in first_passes(attempts).items():
        passes.setdefault(user_id, {})[quiz_id] = when
    moments = [
        when
        for user_id in user_ids
        for when in completion_times(facts, lessons_done.get(user_id, {}), passes.get(user_id, {})).values()
    ]
    days = cumulative_by_day(moments)
    chart = None
    if days:
        last = days[-1]
        chart = cumulative_chart(
            [(d.day, d.total) for d in days],
            title=f"Module completions by {team.name} over time",
            description=(
                f"Running total of modules completed by the team, from {days[0].day:%d %B %Y} "
                f"to {last.day:%d %B %Y}: {last.total} in all. The table below gives the same numbers."
            ),
            x_label="Date of completion (UTC)",
            y_label="Modules completed (total)",
            chart_id="completions-chart",
        )
    return render_template(
        "supervise/insights.html",
        team=team,
        lines=lines,
        learners_with_attempts=learners_with_attempts,
        days=days,
        chart=chart,
    )
