"""Every route, for every kind of person: signed-out, learner, supervisor, author, admin.

The routes come from the URL map, so a new route without an expectation here fails the test.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Assignment, Lesson, Module, Team, TeamMember

ROLES = ("anonymous", "learner", "supervisor", "author", "admin")
LOGIN = "login"  # redirected to the sign-in page

# endpoint: (method, url args, expected status per role in ROLES order)
EXPECTED = {
    "learn.home": ("GET", {}, (200, 200, 200, 200, 200)),
    "learn.about": ("GET", {}, (200, 200, 200, 200, 200)),
    "learn.module": ("GET", {"slug": "signs-of-good-infant-mental-health"}, (LOGIN, 200, 200, 200, 200)),
    "learn.lesson": (
        "GET",
        {"slug": "what-is-infant-mental-health", "lesson_slug": "watch-the-video"},
        (LOGIN, 200, 200, 200, 200),
    ),
    "learn.complete": (
        "POST",
        {"slug": "what-is-infant-mental-health", "lesson_slug": "key-ideas"},
        (LOGIN, 302, 302, 302, 302),
    ),
    "learn.save_reflection": (
        "POST",
        {"slug": "signs-of-good-infant-mental-health", "lesson_slug": "noticing-the-signs"},
        (LOGIN, 403, 403, 422, 422),  # locked for people taking the course; authors may open it
    ),
    "learn.report_progress": (
        "POST",
        {"slug": "what-is-infant-mental-health", "lesson_slug": "watch-the-video"},
        (LOGIN, 400, 400, 400, 400),  # an empty report is refused with a message
    ),
    "learn.transcript": (
        "GET",
        {"slug": "what-is-infant-mental-health", "lesson_slug": "watch-the-video", "fmt": "txt"},
        (LOGIN, 200, 200, 200, 200),
    ),
    "learn.quiz": ("GET", {"slug": "what-is-infant-mental-health"}, (LOGIN, 403, 403, 200, 200)),
    "learn.start_quiz": ("POST", {"slug": "what-is-infant-mental-health"}, (LOGIN, 403, 403, 302, 302)),
    "learn.attempt": (
        "GET",
        {"slug": "what-is-infant-mental-health", "number": 1},
        (LOGIN, 403, 403, 200, 200),  # authors may preview; learners once the lessons are done
    ),
    "learn.attempt_result": (
        "GET",
        {"slug": "what-is-infant-mental-health", "number": 1},
        (LOGIN, 403, 403, 302, 302),  # not submitted yet: back to the attempt
    ),
    "learn.media": (
        "GET",
        {"filename": "what-is-infant-mental-health/captions.vtt"},
        (LOGIN, 200, 200, 200, 200),
    ),
    "record.index": ("GET", {}, (LOGIN, 200, 200, 200, 200)),
    "record.export_csv": ("GET", {}, (LOGIN, 200, 200, 200, 200)),
    "record.certificate": ("GET", {}, (LOGIN, 404, 404, 404, 404)),  # no one has completed the course
    "record.verify": ("GET", {"code": "ABCD-EFGH-JKLM"}, (404, 404, 404, 404, 404)),  # public; unknown code
    "auth.login": ("GET", {}, (200, 302, 302, 302, 302)),
    "auth.logout": ("POST", {}, (302, 302, 302, 302, 302)),
    "auth.signup": ("GET", {}, (200, 302, 302, 302, 302)),
    "auth.account": ("GET", {}, (LOGIN, 200, 200, 200, 200)),
    "auth.signup_confirm": ("GET", {"token": "not-a-signed-link"}, (400, 302, 302, 302, 302)),  # refused link
    "auth.forgot_password": ("GET", {}, (200, 200, 200, 200, 200)),
    "auth.reset_password": ("GET", {"token": "not-a-real-token"}, (400, 400, 400, 400, 400)),  # unknown link
    "supervise.index": ("GET", {}, (LOGIN, 403, 200, 403, 200)),
    "supervise.team": ("GET", {"team_id": "own"}, (LOGIN, 403, 200, 403, 200)),
    "supervise.assignments": ("GET", {"team_id": "own"}, (LOGIN, 403, 200, 403, 200)),
    "supervise.delete_assignment": (
        "POST",
        {"team_id": "own", "assignment_id": "own_assignment"},
        (LOGIN, 403, 302, 403, 302),
    ),
    "supervise.export_team": ("GET", {"team_id": "own"}, (LOGIN, 403, 200, 403, 200)),
    "supervise.learner": ("GET", {"user_id": "own_learner"}, (LOGIN, 403, 200, 403, 200)),
    "supervise.learner_csv": ("GET", {"user_id": "own_learner"}, (LOGIN, 403, 200, 403, 200)),
    "supervise.insights": ("GET", {"team_id": "own"}, (LOGIN, 403, 200, 403, 200)),
    "author.index": ("GET", {}, (LOGIN, 403, 403, 200, 200)),
    "author.check": ("GET", {}, (LOGIN, 403, 403, 200, 200)),
    "author.run_import": ("POST", {}, (LOGIN, 403, 403, 302, 302)),
    "author.toggle_publish": ("POST", {"module_id": "first"}, (LOGIN, 403, 403, 302, 302)),
    "author.new_module": ("GET", {}, (LOGIN, 403, 403, 200, 200)),
    "author.module": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.edit_module": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.export_module": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.new_lesson": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.edit_lesson": ("GET", {"lesson_id": "first_lesson"}, (LOGIN, 403, 403, 200, 200)),
    "author.move_lesson": ("POST", {"lesson_id": "first_lesson", "direction": "up"}, (LOGIN, 403, 403, 302, 302)),
    "author.archive_lesson": ("POST", {"lesson_id": "first_lesson"}, (LOGIN, 403, 403, 302, 302)),
    "author.restore_lesson": ("POST", {"lesson_id": "first_lesson"}, (LOGIN, 403, 403, 302, 302)),
    "author.quiz_settings": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.quiz_question_new": ("GET", {"module_id": "first", "kind": "single"}, (LOGIN, 403, 403, 200, 200)),
    # an id that is in no module: authors get 404 (tests/test_authoring_quiz.py opens real ones)
    "author.quiz_question_edit": ("GET", {"module_id": "first", "question_id": 999999}, (LOGIN, 403, 403, 404, 404)),
    "author.quiz_question_move": (
        "POST",
        {"module_id": "first", "question_id": 999999, "direction": "up"},
        (LOGIN, 403, 403, 404, 404),
    ),
    "author.quiz_question_remove": (
        "POST",
        {"module_id": "first", "question_id": 999999},
        (LOGIN, 403, 403, 404, 404),
    ),
    "author.quiz_import": ("GET", {"module_id": "first"}, (LOGIN, 403, 403, 200, 200)),
    "author.media": ("GET", {}, (LOGIN, 403, 403, 200, 200)),
    "author.media_file": (
        "GET",
        {"filename": "what-is-infant-mental-health/captions.vtt"},
        (LOGIN, 403, 403, 200, 200),
    ),
    "author.media_check": (
        "GET",
        {"filename": "what-is-infant-mental-health/captions.vtt"},
        (LOGIN, 403, 403, 200, 200),
    ),
    "author.upload_video": ("POST", {}, (LOGIN, 403, 403, 400, 400)),  # no file: refused with a message
    "author.upload_captions": ("POST", {}, (LOGIN, 403, 403, 400, 400)),  # no file: refused with a message
    "author.attach_media": ("POST", {}, (LOGIN, 403, 403, 400, 400)),  # no lesson: refused with a message
    "author.timing": ("GET", {}, (LOGIN, 403, 403, 200, 200)),
    "author.timing_tool": ("POST", {}, (LOGIN, 403, 403, 400, 400)),  # no video or transcript
    "author.save_timing": ("POST", {}, (LOGIN, 403, 403, 400, 400)),  # no timed lines
    "admin.index": ("GET", {}, (LOGIN, 403, 403, 403, 200)),
    "admin.person": ("GET", {}, (LOGIN, 403, 403, 403, 200)),
    "admin.team": ("GET", {}, (LOGIN, 403, 403, 403, 200)),
    "admin.new_code": ("POST", {"team_id": "own"}, (LOGIN, 403, 403, 403, 302)),
}


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(EXPECTED), "add the new route to EXPECTED with its answer for each role"


@pytest.fixture
def people(make_user, course):
    return {
        "anonymous": None,
        "learner": make_user("learner", team="Team A"),
        "supervisor": make_user("supervisor", supervises="Team A"),
        "author": make_user("author"),
        "admin": make_user("admin"),
    }


def _url(app, endpoint: str, args: dict) -> str:
    with app.app_context():
        resolved = dict(args)
        if resolved.get("team_id") == "own":
            resolved["team_id"] = db.session.scalar(select(Team.id).where(Team.name == "Team A"))
        if resolved.get("module_id") == "first":
            resolved["module_id"] = db.session.scalar(select(Module.id).order_by(Module.position))
        if resolved.get("lesson_id") == "first_lesson":  # the first module's first lesson
            resolved["lesson_id"] = db.session.scalar(
                select(Lesson.id).join(Module).order_by(Module.position, Lesson.position).limit(1)
            )
        if resolved.get("user_id") == "own_learner":  # the learner in Team A
            resolved["user_id"] = db.session.scalar(
                select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id).where(Team.name == "Team A")
            )
        if resolved.get("assignment_id") == "own_assignment":  # a Team A assignment, made on first use
            team_id = db.session.scalar(select(Team.id).where(Team.name == "Team A"))
            assignment_id = db.session.scalar(select(Assignment.id).where(Assignment.team_id == team_id))
            if assignment_id is None:
                module_id = db.session.scalar(select(Module.id).order_by(Module.position))
                assignment = Assignment(module_id=module_id, team_id=team_id, within_days=30)
                db.session.add(assignment)
                db.session.commit()
                assignment_id = assignment.id
            resolved["assignment_id"] = assignment_id
        with app.test_request_context():
            from flask import url_for

            return url_for(endpoint, **resolved)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer(app, client, auth, people, role):
    if people[role]:
        assert auth.login(people[role]).status_code == 302
    failures = []
    for endpoint, (method, args, expected) in EXPECTED.items():
        want = expected[ROLES.index(role)]
        response = client.open(_url(app, endpoint, args), method=method)
        response.close()  # media responses stream from an open file
        if want == LOGIN:
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{method} {endpoint}: got {response.status_code}, expected {want}")
        if endpoint == "auth.logout" and people[role]:
            auth.login(people[role])  # sign back in for the rest of the walk
    assert not failures, failures


def test_supervisor_cannot_reach_another_team(client, auth, make_user, course):
    make_user("learner", team="Team B")
    make_user("supervisor", supervises="Team B")
    mine = make_user("supervisor", supervises="Team A")
    auth.login(mine)
    with client.application.app_context():
        other = db.session.scalar(select(Team.id).where(Team.name == "Team B"))
    assert client.get(f"/supervise/teams/{other}").status_code == 404
    page = client.get("/supervise/").get_data(as_text=True)
    assert "Team A" in page and "Team B" not in page


def test_error_pages_are_friendly(client, auth, make_user):
    assert "We couldn" in client.get("/no-such-page").get_data(as_text=True)
    auth.login(make_user("learner"))
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "have access" in response.get_data(as_text=True)
    assert client.get("/admin/", headers={"Accept": "application/json"}).get_json()["error"]
