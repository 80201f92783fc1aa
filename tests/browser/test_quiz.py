"""Taking a quiz in a real browser: fail it, follow a Rewatch link, pass it."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Lesson, LessonProgress, Module, QuizAttempt, utcnow
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.test_quiz_pages import answers_for

M1 = "what-is-infant-mental-health"


def _finish_lessons(app, user) -> None:
    with app.app_context():
        for lesson in db.session.scalars(select(Lesson).join(Module).where(Module.slug == M1)):
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()


def _latest_attempt(app, user) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.number.desc())
        ).first()
        db.session.expunge(attempt)
        return attempt


def _fill(page, answers: dict[str, list[str]]) -> None:
    """Answer as a person would: tick, type and choose in the form."""
    for field, values in answers.items():
        control = page.locator(f'[name="{field}"]').first
        tag = control.evaluate("el => el.tagName + ':' + (el.type || '')")
        if tag.startswith("SELECT"):
            page.select_option(f'select[name="{field}"]', values[0])
        elif tag.endswith(("radio", "checkbox")):
            for value in values:
                page.check(f'input[name="{field}"][value="{value}"]')
        else:
            page.fill(f'input[name="{field}"]', values[0])


def test_fail_rewatch_and_pass_the_quiz(app, page, live_server, course, make_user):
    user = make_user("learner")
    _finish_lessons(app, user)
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server}/modules/{M1}")
    page.get_by_role("link", name="Quiz: check your understanding").click()
    page.get_by_role("button", name="Start the quiz").click()

    _fill(page, answers_for(_latest_attempt(app, user), right=False))
    page.get_by_role("button", name="Submit my answers").click()
    assert "Not passed yet." in page.content()

    rewatch = page.get_by_role("link", name="Rewatch").first
    href = rewatch.get_attribute("href")
    start = int(href.split("t=")[1])
    rewatch.click()
    page.wait_for_function(
        "(t) => { const v = document.querySelector('video');"
        " return v && v.readyState >= 1 && Math.abs(v.currentTime - t) < 1; }",
        arg=start,
    )

    page.goto(f"{live_server}/modules/{M1}/quiz")
    page.get_by_role("button", name="Try again").click()
    _fill(page, answers_for(_latest_attempt(app, user), right=True))
    page.get_by_role("button", name="Submit my answers").click()
    assert "Your result: 100%" in page.content() and "Passed." in page.content()
    page.go_back()  # the back button and a resend land on the same result, recording nothing new
    page.reload()
    assert "Your result: 100%" in page.content()

    page.goto(live_server + "/")
    assert "1 of 3 modules complete" in page.content()
    with app.app_context():
        assert len(db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()) == 2


def test_blank_answers_keep_what_was_entered(app, page, live_server, course, make_user):
    user = make_user("learner")
    _finish_lessons(app, user)
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server}/modules/{M1}/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    answers = answers_for(_latest_attempt(app, user), right=True)
    first_field, first_values = next(iter(answers.items()))
    _fill(page, {first_field: first_values})
    page.get_by_role("button", name="Submit my answers").click()
    assert "Nothing you entered was lost." in page.content()
    kept = page.locator(f'[name="{first_field}"]').first
    tag = kept.evaluate("el => el.type")
    if tag in ("radio", "checkbox"):
        assert page.is_checked(f'input[name="{first_field}"][value="{first_values[0]}"]')
    else:
        assert kept.input_value() == first_values[0]
