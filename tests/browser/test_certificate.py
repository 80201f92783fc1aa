"""Finish the course in a real browser, download the certificate, and verify it signed out."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Lesson, LessonProgress, Module, Quiz, QuizAttempt, utcnow
from tests.browser.conftest import sign_in
from tests.browser.test_quiz import _fill
from tests.conftest import PASSWORD
from tests.test_quiz_pages import answers_for

LAST = "trauma-and-resilience-in-infancy"


def _all_but_the_last_quiz(app, user) -> None:
    with app.app_context():
        for lesson in db.session.scalars(select(Lesson)):
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        for quiz in db.session.scalars(select(Quiz).join(Module).where(Module.slug != LAST)):
            db.session.add(
                QuizAttempt(user_id=user.id, quiz_id=quiz.id, number=1, seed="1", questions=[], pass_mark=80,
                            show_answers="after_attempt", answers={}, score=90, passed=True, submitted_at=utcnow())
            )  # fmt: skip
        db.session.commit()


def _open_attempt(app, user) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.scalar(
            select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_(None))
        )
        db.session.expunge(attempt)
        return attempt


def test_finish_the_course_download_and_verify_the_certificate(app, page, live_server, course, make_user):
    user = make_user("learner", name="Rosa Diaz")
    _all_but_the_last_quiz(app, user)
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server}/record")
    assert "Download my certificate" not in page.content()

    page.goto(f"{live_server}/modules/{LAST}/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    _fill(page, answers_for(_open_attempt(app, user), right=True))
    page.get_by_role("button", name="Submit my answers").click()
    assert "Passed." in page.content(), page.locator(".flash, .error").all_inner_texts()

    page.get_by_role("link", name="My training record").click()
    assert page.content().count("Complete") >= 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my certificate (PDF)").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    code = page.locator("code.join-code").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/verify/{code.lower()}")
    content = page.content()
    assert "Rosa Diaz" in content and user.email not in content
    assert page.goto(f"{live_server}/verify/NOPE-NOPE-NOPE").status == 404
