"""One learner's page for their supervisor: watched bars, attempts, shared reflections only, hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.learn.quizzes import start_attempt, submit_attempt
from app.models import Certificate, Lesson, LessonProgress, Module, Quiz, Reflection, Team, User
from app.quiz import grading
from tests.conftest import recorded_statements
from tests.test_quiz_pages import answers_for

M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"
M3 = "trauma-and-resilience-in-infancy"
WRONG_M1 = "Finding out which babies have a mental illness"  # a wrong choice of "not-about-illness"


# Helpers shared with tests/test_insights.py --------------------------------------------------------


def complete_lessons(app, user, slug: str, when: datetime | None = None, watched=None, position=0.0) -> None:
    """Mark every lesson of a module complete (video lessons also get ``watched`` and a resume point)."""
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).join(Module).where(Module.slug == slug)).all()
        for lesson in lessons:
            row = LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=when or datetime(2025, 3, 1, 9))
            if lesson.kind == "video":
                row.watched = watched if watched is not None else [[0, lesson.duration_seconds]]
                row.position_seconds = position
            db.session.add(row)
        db.session.commit()


def take_quiz(app, user, slug: str = M1, right: bool = True, choose: dict | None = None, when=None) -> float:
    """Submit an attempt: all right (or all wrong), except ``choose`` {question id: answer text(s)}; its score."""
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).join(Module).where(Module.slug == slug))
        attempt, reason = start_attempt(db.session.get(User, user.id), quiz)
        assert attempt is not None, reason
        form = answers_for(attempt, right)
        for shown in grading.restore_attempt(attempt.questions):
            if choose and shown.id in choose:
                wanted = choose[shown.id]
                wanted = wanted if isinstance(wanted, list) else [wanted]
                if shown.kind in ("single", "multiple"):
                    form[shown.field] = [o.id for o in shown.options if o.text in wanted]
                else:
                    form[shown.field] = wanted
        assert submit_attempt(attempt, form) == []
        if when is not None:
            attempt.submitted_at = when
        db.session.commit()
        return attempt.score


def add_reflection(app, user, slug: str, text: str, shared: bool) -> None:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).join(Module).where(Module.slug == slug, Lesson.kind == "reflection"))
        db.session.add(Reflection(user_id=user.id, lesson_id=lesson.id, text=text, shared=shared))
        db.session.commit()


def team_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Team.id).where(Team.name == name))


def count_queries(app, client, url: str) -> int:
    client.get(url).close()  # warm up: connections, caches
    with recorded_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


# The page ------------------------------------------------------------------------------------------


def test_supervisor_sees_their_learners_record(app, client, auth, make_user, course):
    learner = make_user("learner", team="Team A", name="Ada Learner")
    supervisor = make_user("supervisor", supervises="Team A")
    complete_lessons(app, learner, M1, watched=[[0, 30], [60, 95]], position=75)
    assert take_quiz(app, learner, choose={"not-about-illness": WRONG_M1, "relationship-first": "false"}) < 80
    assert take_quiz(app, learner) == 100
    add_reflection(app, learner, M2, "I SHARED THIS with my supervisor & team", shared=True)
    add_reflection(app, learner, M3, "PRIVATE THOUGHT kept to myself", shared=False)

    auth.login(supervisor)
    response = client.get(f"/supervise/learners/{learner.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Ada Learner</h1>" in page
    # The video lesson: the watched bar (the learner's own macro), its text, and where to resume.
    assert 'class="watched-bar"' in page and page.count('class="bar-watched"') == 2
    assert "Watched: 0:00–0:30, 1:00–1:35." in page and "Not yet watched: 0:30–1:00." in page
    assert "Resume at 1:15" in page
    # Attempts: numbers, score, result, every answer given, right or wrong.
    assert "Attempt 1" in page and "Attempt 2" in page
    assert "77.8%" in page and "100%" in page
    assert "Not passed" in page and "Passed" in page
    assert f"Answer given: {WRONG_M1}" in page
    assert "Answer given: False" in page
    assert "Right answer: Promoting good emotional development" in page
    assert page.count('class="result wrong"') == 2 and page.count('class="result right"') == 16
    # Reflections: only the shared one.
    assert "I SHARED THIS with my supervisor &amp; team" in page
    assert "PRIVATE THOUGHT" not in page
    # Hours of completed modules, and no certificate yet.
    assert "0.25 CE hours" in page
    assert "<dt>Modules complete</dt><dd>1 of 3</dd>" in page
    assert "Not yet: it is issued when every module is complete." in page
    assert 'style="' not in page


def test_certificate_code_and_hours_when_the_course_is_complete(app, client, auth, make_user, course):
    learner = make_user("learner", team="Team A")
    admin = make_user("admin")
    for slug in (M1, M2, M3):
        complete_lessons(app, learner, slug)
        take_quiz(app, learner, slug)
    with app.app_context():
        db.session.add(
            Certificate(
                user_id=learner.id,
                code="ABCD-EFGH-JKLM",
                name=learner.name,
                course_title="Infant Mental Health for Home Visitors",
                hours=1.25,
                completed_on=datetime(2025, 3, 1),
            )
        )
        db.session.commit()
    auth.login(admin)  # an admin may see everyone's learners
    page = client.get(f"/supervise/learners/{learner.id}").get_data(as_text=True)
    assert "1.25 CE hours" in page and "<dd>3 of 3</dd>" in page
    assert "ABCD-EFGH-JKLM" in page
    assert "has not shared a reflection yet" in page


def test_a_supervisor_cannot_open_another_teams_learner(app, client, auth, make_user, course):
    theirs = make_user("learner", team="Team B")
    nobodys = make_user("learner")
    make_user("supervisor", supervises="Team B")
    mine = make_user("supervisor", supervises="Team A")
    auth.login(mine)
    assert client.get(f"/supervise/learners/{theirs.id}").status_code == 404
    assert client.get(f"/supervise/learners/{nobodys.id}").status_code == 404
    assert client.get("/supervise/learners/999999").status_code == 404
    assert client.get(f"/supervise/teams/{team_id(app, 'Team B')}/insights").status_code == 404


def test_learners_are_refused_and_admins_see_all(app, client, auth, make_user, course):
    learner = make_user("learner", team="Team B")
    auth.login(learner)
    assert client.get(f"/supervise/learners/{learner.id}").status_code == 403
    assert client.get(f"/supervise/teams/{team_id(app, 'Team B')}/insights").status_code == 403
    auth.logout()
    auth.login(make_user("admin"))
    assert client.get(f"/supervise/learners/{learner.id}").status_code == 200
    assert client.get(f"/supervise/teams/{team_id(app, 'Team B')}/insights").status_code == 200


def test_the_learner_page_takes_a_fixed_number_of_queries(app, client, auth, make_user, course):
    newcomer = make_user("learner", team="Team A")
    busy = make_user("learner", team="Team A")
    auth.login(make_user("supervisor", supervises="Team A"))
    for slug in (M1, M2, M3):
        complete_lessons(app, busy, slug, watched=[[0, 20], [40, 60]], position=50)
        take_quiz(app, busy, slug, right=False)
        take_quiz(app, busy, slug, right=False)
        take_quiz(app, busy, slug)
    add_reflection(app, busy, M2, "shared", shared=True)
    add_reflection(app, busy, M3, "also shared", shared=True)
    few = count_queries(app, client, f"/supervise/learners/{newcomer.id}")
    many = count_queries(app, client, f"/supervise/learners/{busy.id}")
    assert many == few
    assert few <= 15, few
