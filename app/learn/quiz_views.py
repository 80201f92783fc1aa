"""Quiz pages: the quiz's front page, an attempt, and its result."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.extensions import db
from app.learn import bp
from app.learn.progress import ModuleView, can_bypass_locks
from app.learn.quizzes import (
    attempt_of,
    form_values,
    results_for_page,
    shown_questions,
    standing,
    start_attempt,
    submit_attempt,
)
from app.learn.routes import module_view
from app.models import Quiz, QuizAttempt

# A quiz open to unlimited attempts can collect many: the page lists the newest, and all on request.
RECENT_ATTEMPTS_SHOWN = 10


def _open_quiz(slug: str) -> tuple[ModuleView, Quiz]:
    """The module's quiz, if it is open to this person; a message saying what opens it otherwise."""
    view, overview = module_view(slug)
    if view.module.active_quiz is None:
        abort(404)
    quiz = db.session.get(Quiz, view.module.active_quiz.id)  # the questions, which the outline leaves out
    if can_bypass_locks(current_user):
        return view, quiz
    if view.locked:
        names = {v.module.id: v.module.title for v in overview}
        needed = ", ".join(f"“{names[i]}”" for i in sorted(view.status.missing_prerequisites))
        abort(403, f"This quiz opens when you complete {needed}.")
    if not view.status.lessons_done:
        abort(403, "The quiz opens when you have completed this module's lessons.")
    return view, quiz


def _attempt(quiz: Quiz, number: int) -> QuizAttempt:
    attempt = attempt_of(current_user, quiz, number, to_submit=request.method == "POST")
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/modules/<slug>/quiz")
@login_required
def quiz(slug: str):
    view, quiz = _open_quiz(slug)
    current = standing(current_user, quiz)
    done = [a for a in reversed(current.attempts) if a.submitted_at is not None]  # newest first
    shown = done if request.args.get("attempts") == "all" else done[:RECENT_ATTEMPTS_SHOWN]
    return render_template(
        "learn/quiz.html",
        view=view,
        quiz=quiz,
        standing=current,
        done=done,
        shown=shown,
        recent_shown=RECENT_ATTEMPTS_SHOWN,
        form=EmptyForm(),
    )


@bp.route("/modules/<slug>/quiz/start", methods=["POST"])
@login_required
def start_quiz(slug: str):
    _view, quiz = _open_quiz(slug)
    attempt, reason = start_attempt(current_user, quiz)
    if attempt is None:
        flash(reason, "error")
        return redirect(url_for("learn.quiz", slug=slug))
    number = attempt.number  # read before the commit expires it
    db.session.commit()
    return redirect(url_for("learn.attempt", slug=slug, number=number))


@bp.route("/modules/<slug>/quiz/attempts/<int:number>", methods=["GET", "POST"])
@login_required
def attempt(slug: str, number: int):
    view, quiz = _open_quiz(slug)
    attempt = _attempt(quiz, number)
    if attempt.submitted_at is not None:
        # Sent twice (double click, back button, resend): one attempt is recorded; show its result.
        return redirect(url_for("learn.attempt_result", slug=slug, number=number))
    values: dict[str, list[str]] = {}
    errors = []
    if request.method == "POST":
        values = form_values(request.form)
        errors = submit_attempt(attempt, values)
        if not errors:
            db.session.commit()
            return redirect(url_for("learn.attempt_result", slug=slug, number=number))
        flash("Some answers need another look. Nothing you entered was lost.", "error")
    page = render_template(
        "learn/attempt.html",
        view=view,
        quiz=quiz,
        attempt=attempt,
        questions=shown_questions(attempt),
        values=values,
        errors={e.question_id: e.message for e in errors},
        form=EmptyForm(),
    )
    return page, (422 if errors else 200)


@bp.route("/modules/<slug>/quiz/attempts/<int:number>/result")
@login_required
def attempt_result(slug: str, number: int):
    view, quiz = _open_quiz(slug)
    attempt = _attempt(quiz, number)
    if attempt.submitted_at is None:
        return redirect(url_for("learn.attempt", slug=slug, number=number))
    current = standing(current_user, quiz)
    results, revealed = results_for_page(attempt, current.passed)
    prompts = {q["id"]: q for q in shown_questions(attempt)}
    return render_template(
        "learn/result.html",
        view=view,
        quiz=quiz,
        attempt=attempt,
        results=results,
        prompts=prompts,
        revealed=revealed,
        standing=current,
        form=EmptyForm(),
    )
