"""Taking a quiz over HTTP: honest grading, one attempt per submission, answers kept, sequencing."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select, update

from app.database import write_intent
from app.extensions import db
from app.models import Lesson, LessonProgress, Module, Quiz, QuizAttempt, QuizQuestion, utcnow
from app.quiz import grading
from tests.conftest import recorded_statements

M1 = "what-is-infant-mental-health"
QUIZ = f"/modules/{M1}/quiz"


@pytest.fixture
def ready(app, client, auth, make_user, course):
    """A learner who has finished module 1's lessons, signed in."""
    user = make_user("learner")
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).join(Module).where(Module.slug == M1)).all()
        for lesson in lessons:
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()
    auth.login(user)
    return user


def _start(client) -> str:
    response = client.post(QUIZ + "/start")
    assert response.status_code == 302
    return response.headers["Location"]


def _attempt(app, user) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.number.desc())
        ).first()
        db.session.expunge(attempt)
        return attempt


def answers_for(attempt: QuizAttempt, right: bool = True) -> dict[str, list[str]]:
    """What a learner would send; built from the server's own record, which the page never carries."""
    form: dict[str, list[str]] = {}
    for shown in grading.restore_attempt(attempt.questions):
        q = shown.question
        if q.kind in ("single", "multiple"):
            ids = [o.id for o in shown.options if q.choices[o.index].correct == right]
            form[shown.field] = ids[:1] if q.kind == "single" else ids
        elif q.kind == "true_false":
            form[shown.field] = [str(q.answer if right else not q.answer).lower()]
        elif q.kind == "short":
            form[shown.field] = [q.accept[0].upper() + "!" if right else "something else entirely"]
        else:
            rights = {o.index: o.id for o in shown.options}
            for left in shown.lefts:
                wanted = left.index if right else (left.index + 1) % len(shown.lefts)
                form[shown.left_field(left)] = [rights[wanted]]
    return form


def test_quiz_is_closed_until_the_lessons_are_done(client, auth, make_user, course):
    auth.login(make_user("learner"))
    response = client.get(QUIZ)
    assert response.status_code == 403
    assert "The quiz opens when you have completed this module" in response.get_data(as_text=True)
    assert client.post(QUIZ + "/start").status_code == 403


def test_the_page_never_carries_the_right_answers(app, client, ready):
    page = client.get(_start(client)).get_data(as_text=True)
    attempt = _attempt(app, ready)
    for item in attempt.questions:
        q = item["question"]
        assert q["prompt"] in page.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
        assert q["explanation"] not in page
        for accepted in q.get("accept", []):
            assert f'value="{accepted}"' not in page
        for choice in q.get("choices", []):
            if choice.get("feedback"):
                assert choice["feedback"] not in page
    assert not re.search(r"correct|data-answer|data-right", page, re.IGNORECASE)
    # The option ids on the page come from the seed: 128 random bits, too many to try.
    assert len(attempt.seed) == 32 and attempt.seed not in page


def test_blank_and_partial_answers_get_messages_and_keep_what_was_entered(app, client, ready):
    url = _start(client)
    attempt = _attempt(app, ready)
    full = answers_for(attempt)
    first_field = next(iter(full))
    partial = {first_field: full[first_field]}
    response = client.post(url, data=partial)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Some answers need another look. Nothing you entered was lost." in page
    assert re.search(r"Question \d+: (choose|type|answer|match)", page)
    assert f'value="{partial[first_field][0]}" checked' in page or f'value="{partial[first_field][0]}"' in page
    assert _attempt(app, ready).submitted_at is None


def test_passing_records_one_attempt_even_when_sent_twice(app, client, ready):
    url = _start(client)
    attempt = _attempt(app, ready)
    form = answers_for(attempt)
    first = client.post(url, data=form)
    second = client.post(url, data=form)  # double click / resend
    assert first.status_code == 302 and second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    result = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your result: 100%" in result and "Passed." in result
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    home = client.get("/").get_data(as_text=True)
    assert "1 of 3 modules complete" in home
    assert client.get("/modules/signs-of-good-infant-mental-health/the-nine-signs").status_code == 200


def test_answers_sent_while_the_same_attempt_is_being_saved_wait_and_change_nothing(app, client, ready):
    """Two submissions of one attempt at once (a double tap on a slow phone): the second waits for the
    first, then finds the attempt submitted and shows its result, on either database."""
    url = _start(client)
    attempt = _attempt(app, ready)
    with app.app_context():
        engine = db.engine
    saving = engine.connect()  # another request, part way through saving this attempt's answers
    with write_intent():  # SQLite: a writer's turn and BEGIN IMMEDIATE, as the app's own writers
        saving.begin()
    saving.execute(select(QuizAttempt.id).where(QuizAttempt.id == attempt.id).with_for_update())
    answers: list = []
    late = threading.Thread(target=lambda: answers.append(client.post(url, data=answers_for(attempt, right=False))))
    late.start()
    time.sleep(0.5)
    assert late.is_alive(), "the second submission waits"
    saving.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submitted_at=utcnow(), score=100.0, passed=True, answers={"given": {}, "results": []})
    )
    saving.commit()
    saving.close()
    late.join(timeout=20)
    assert answers and answers[0].status_code == 302 and answers[0].headers["Location"].endswith("/result")
    kept = _attempt(app, ready)
    assert (kept.score, kept.passed, kept.answers["given"]) == (100.0, True, {}), "the first submission stands"


def test_an_attempt_keeps_only_its_own_answers(app, client, ready):
    """Fields a client adds to the form are not stored: unlimited attempts would otherwise let one
    learner grow the database without bound."""
    url = _start(client)
    form = answers_for(_attempt(app, ready))
    junk = {f"q-junk-{n}": ["x" * 1000] for n in range(300)}
    assert client.post(url, data={**form, **junk, "other": "y"}).status_code == 302
    given = _attempt(app, ready).answers["given"]
    assert set(given) == set(form) and given == {name: values for name, values in form.items()}


def test_failing_shows_rewatch_links_and_allows_another_try(app, client, ready):
    url = _start(client)
    client.post(url, data=answers_for(_attempt(app, ready), right=False))
    result = client.get(url + "/result").get_data(as_text=True)
    assert "Not passed yet." in result
    rewatch = re.findall(rf'href="(/modules/{M1}/watch-the-video\?t=\d+)">Rewatch \d:\d\d–\d:\d\d', result)
    assert rewatch, "a wrong answer offers the moment of the video that teaches it"
    assert client.get(rewatch[0]).status_code == 200
    second = _start(client)
    assert second.endswith("/attempts/2")


def test_an_attempt_keeps_its_order_across_reloads(app, client, ready):
    url = _start(client)
    order = lambda html: re.findall(r'name="(q-[a-z0-9-]+?)(?:-[ot][0-9a-f]+)?"', html)  # noqa: E731
    assert order(client.get(url).get_data(as_text=True)) == order(client.get(url).get_data(as_text=True))
    assert _start(client) == url, "starting again continues the open attempt"


def test_editing_a_question_never_changes_a_graded_attempt(app, client, ready):
    url = _start(client)
    client.post(url, data=answers_for(_attempt(app, ready)))
    before = client.get(url + "/result").get_data(as_text=True)
    with app.app_context():
        for question in db.session.scalars(select(QuizQuestion)):
            question.data = {**question.data, "prompt": "Rewritten prompt", "explanation": "Rewritten."}
        db.session.commit()
    after = client.get(url + "/result").get_data(as_text=True)
    assert "Rewritten" not in after
    token = re.compile(r'name="csrf_token"[^>]*>')  # a fresh token each time; everything else must match
    assert token.sub("", before) == token.sub("", after)


def test_attempt_limit_and_wait_are_enforced(app, client, ready):
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == M1))
        quiz.settings = {**quiz.settings, "attempts": 1}
        db.session.commit()
    url = _start(client)
    client.post(url, data=answers_for(_attempt(app, ready), right=False))
    response = client.post(QUIZ + "/start", follow_redirects=True)
    assert "You have used your one attempt at this quiz." in response.get_data(as_text=True)


def test_another_learner_cannot_open_my_attempt(app, client, auth, ready, make_user):
    url = _start(client)
    other = make_user("learner")
    with app.app_context():
        for lesson in db.session.scalars(select(Lesson).join(Module).where(Module.slug == M1)):
            db.session.add(LessonProgress(user_id=other.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()
    auth.logout()
    auth.login(other)
    assert client.get(url).status_code == 404


def test_past_attempts_are_listed_without_reading_their_questions(app, client, ready):
    """A learner who tried many times: the quiz page and a new attempt read summaries, not every snapshot."""
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == M1))
        for number in range(1, 41):
            db.session.add(
                QuizAttempt(
                    user_id=ready.id, quiz_id=quiz.id, number=number, seed=str(number), questions=[{"big": "x" * 500}],
                    pass_mark=80, show_answers="after_attempt", answers={}, score=50.0, passed=False,
                    submitted_at=utcnow(),
                )
            )  # fmt: skip
        db.session.commit()
    with recorded_statements(app) as statements:
        page = client.get(QUIZ).get_data(as_text=True)
        started = client.post(QUIZ + "/start")
    assert page.count("Not passed") == 10, "the newest ten are listed"
    assert page.index("Attempt 40") < page.index("Attempt 31") and "Attempt 30<" not in page
    assert "The newest 10 of your 40 attempts" in page and "Show all 40 attempts" in page
    assert started.headers["Location"].endswith("/quiz/attempts/41")
    snapshot_reads = [s for s in statements if s.lstrip().startswith("SELECT") and "quiz_attempts.questions" in s]
    assert snapshot_reads == [], "past attempts' questions are never loaded"
    assert client.get(started.headers["Location"]).status_code == 200
    every = client.get(QUIZ + "?attempts=all").get_data(as_text=True)
    assert every.count("Not passed") == 40 and "Attempt 1<" in every and "Show all" not in every
    assert "All 40 of your attempts" in every and "Show the newest 10 only" in every
