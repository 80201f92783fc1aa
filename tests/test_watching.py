"""Video progress reports: credited no faster than real time, idempotent, and CSRF-protected."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LessonProgress, utcnow
from tests.conftest import PASSWORD, recorded_statements

LESSON = "/modules/what-is-infant-mental-health/watch-the-video"
REPORT = LESSON + "/progress"


@pytest.fixture
def learner(client, auth, make_user, course):
    user = make_user("learner")
    auth.login(user)
    client.get(LESSON)  # the page was served: the server's clock starts
    return user


def _rewind(app, user, seconds: float) -> None:
    """Pretend the last page view and report happened ``seconds`` ago."""
    with app.app_context():
        for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)):
            for column in ("opened_at", "last_report_at", "started_at"):
                if getattr(row, column) is not None:
                    setattr(row, column, getattr(row, column) - timedelta(seconds=seconds))
        db.session.commit()


def test_forged_whole_video_report_is_not_credited(client, learner):
    result = client.post(REPORT, json={"ranges": [[0, 95]], "position": 95, "speed": 1}).get_json()
    assert result["capped"] is True
    assert result["complete"] is False
    assert result["coverage"] < 0.1


def test_honest_watching_completes_the_lesson_and_resumes(app, client, learner):
    for start in range(0, 95, 10):
        _rewind(app, learner, 10)
        result = client.post(
            REPORT, json={"ranges": [[start, min(start + 10, 95)]], "position": start + 10, "speed": 1}
        )
        assert result.status_code == 200
    body = result.get_json()
    assert body["complete"] is True and body["coverage"] == 1.0
    page = client.get(LESSON).get_data(as_text=True)
    assert 'data-resume="95' in page
    assert "this lesson is complete" in page
    assert "1 of 3 modules complete" not in client.get("/").get_data(as_text=True)  # the reading lesson remains


def test_repeated_and_reordered_reports_change_nothing(app, client, learner):
    _rewind(app, learner, 30)
    client.post(REPORT, json={"ranges": [[10, 20]], "position": 20, "speed": 1})
    _rewind(app, learner, 30)
    client.post(REPORT, json={"ranges": [[0, 10]], "position": 10, "speed": 1})
    again = client.post(REPORT, json={"ranges": [[0, 10], [10, 20]], "position": 20, "speed": 1}).get_json()
    assert again["watched"] == [[0, 20]]
    assert again["credited"] == 0
    with app.app_context():
        rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == learner.id)).all()
        assert len(rows) == 1 and rows[0].watched == [[0, 20]]


def test_ranges_outside_the_video_are_ignored(app, client, learner):
    _rewind(app, learner, 60)
    body = client.post(REPORT, json={"ranges": [[-50, 5], [200, 300], ["a", 3]], "position": 5, "speed": 1}).get_json()
    assert body["watched"] == [[0, 5]]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "Send a JSON object"),
        ({"ranges": "all"}, "'ranges' must be a list"),
        ({"ranges": [], "position": "end"}, "'position' must be a number"),
        ({"ranges": [], "speed": 16}, "'speed' must be between 0.25 and 4"),
        ({"ranges": [], "position": 10**400}, "'position' must be a number"),  # too large for a float
        ({"ranges": [], "speed": -(10**400)}, "'speed' must be a number"),
        ({"ranges": [[0, 10**400]], "position": 0}, None),  # a range past any float is ignored, not a 500
    ],
)
def test_bad_reports_get_a_clear_400(client, learner, payload, message):
    response = client.post(REPORT, json=payload)
    if message is None:
        assert response.status_code == 200 and response.get_json()["watched"] == []
        return
    assert response.status_code == 400
    assert message in response.get_json()["detail"]


DEEP = "[" * 5000 + "]" * 5000  # deeper than Python's JSON reader can follow


@pytest.mark.parametrize("send", ["json", "beacon"])
def test_json_nested_too_deeply_gets_a_clear_400(client, learner, send):
    if send == "json":
        response = client.post(REPORT, data=DEEP, content_type="application/json")
    else:
        response = client.post(REPORT, data={"payload": DEEP})
    assert response.status_code == 400
    assert "Send a JSON object" in response.get_json()["detail"]


def test_reports_for_a_locked_lesson_are_refused(client, learner):
    response = client.post(
        "/modules/signs-of-good-infant-mental-health/the-nine-signs/progress", json={"ranges": [[0, 5]]}
    )
    assert response.status_code == 403


def test_a_report_writes_briefly_and_reads_only_what_it_needs(app, client, learner):
    """The write lock is taken after the checks, and a module nothing can lock needs no progress read."""
    client.post(REPORT, json={"ranges": [[0, 1]], "position": 1, "speed": 1}).close()  # warm
    with recorded_statements(app) as statements:
        assert client.post(REPORT, json={"ranges": [[1, 2]], "position": 2, "speed": 1}).status_code == 200
    assert not [s for s in statements if "quiz_attempts" in s]
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        write = statements.index("BEGIN IMMEDIATE")
        assert [s.split()[0] for s in statements[write:]] == ["BEGIN", "SELECT", "UPDATE"]


def test_beacon_form_reports_work_and_need_the_csrf_token(app, client, csrf_on, make_user, course):
    user = make_user("learner")
    token = re.search(
        r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get("/login").get_data(as_text=True)
    )
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)})
    page = client.get(LESSON).get_data(as_text=True)
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    _rewind(app, user, 20)
    payload = json.dumps({"ranges": [[0, 10]], "position": 10, "speed": 1})
    assert client.post(REPORT, data={"payload": payload}).status_code == 400
    assert client.post(REPORT, json={"ranges": [[0, 10]]}).status_code == 400
    ok = client.post(REPORT, data={"payload": payload, "csrf_token": csrf})
    assert ok.status_code == 200 and ok.get_json()["watched"] == [[0, 10]]
    assert client.post(REPORT, json={"ranges": [[0, 10]]}, headers={"X-CSRFToken": csrf}).status_code == 200


def test_a_flood_of_reports_cannot_add_up_the_slack(client, learner):
    watched = []
    for second in range(40):
        body = client.post(REPORT, json={"ranges": [[second, second + 1]], "position": second, "speed": 1}).get_json()
        watched = body["watched"]
    total = sum(b - a for a, b in watched)
    assert total < 5, f"40 instant reports credited {total:.1f} s"


def test_module_page_shows_how_much_of_the_video_was_watched(app, client, learner):
    _rewind(app, learner, 30)
    client.post(REPORT, json={"ranges": [[0, 38]], "position": 38, "speed": 1})
    page = client.get("/modules/what-is-infant-mental-health").get_data(as_text=True)
    assert "Watched 40%" in page
    lesson = client.get(LESSON).get_data(as_text=True)
    assert "Watched: 0:00–0:38." in lesson and "Not yet watched: 0:38–1:35." in lesson
    assert 'class="bar-watched" x="0.0"' in lesson


def test_the_page_token_bounds_a_report_without_any_write_on_page_views(app, client, learner):
    import re

    _rewind(app, learner, 600)  # the lesson was first opened ten minutes ago
    page = client.get(LESSON).get_data(as_text=True)  # opened again just now: nothing is written...
    with app.app_context():
        row = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == learner.id))
        assert (utcnow() - row.opened_at).total_seconds() > 500
    served = re.search(r'data-served="([^"]+)"', page).group(1)
    # ...but the page's signed token says it was served a moment ago, so a big claim is capped
    body = client.post(REPORT, json={"ranges": [[0, 95]], "position": 95, "speed": 1, "served": served}).get_json()
    assert body["capped"] is True and body["coverage"] < 0.1


def test_a_forged_or_foreign_token_is_ignored(app, client, learner):
    from app.learn.watching import served_at
    from app.models import Lesson

    with app.test_request_context(), app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "watch-the-video"))
        other = db.session.scalar(select(Lesson).where(Lesson.slug == "key-ideas"))
        from app.learn.watching import served_token

        assert served_at("forged.token.value", lesson) is None
        assert served_at(served_token(other), lesson) is None
        assert served_at(served_token(lesson), lesson) is not None


def test_the_served_token_is_signed_once_a_second_and_stamps_that_second(app, learner, monkeypatch):
    from app.learn import watching
    from app.models import Lesson

    clock = [1_900_000_000.2]
    monkeypatch.setattr(watching.time, "time", lambda: clock[0])
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: clock[0])
    with app.test_request_context(), app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "watch-the-video"))
        first = watching.served_token(lesson)
        clock[0] += 0.5
        assert watching.served_token(lesson) == first
        clock[0] += 1
        later = watching.served_token(lesson)
        assert later != first
        clock[0] += 10
        gap = watching.served_at(later, lesson) - watching.served_at(first, lesson)
        assert gap.total_seconds() == 1


def test_a_served_token_is_checked_once_and_its_age_every_time(app, learner, monkeypatch):
    """A player sends its page's token with every report: the signature is checked once per worker,
    the age limit on every report, and forged tokens are never kept."""
    from app.learn import watching
    from app.models import Lesson

    clock = [1_900_000_000.0]
    monkeypatch.setattr(watching.time, "time", lambda: clock[0])
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: clock[0])
    monkeypatch.setattr(watching, "_verified_served", {})  # nothing kept from other tests
    checks = []
    real_loads = watching.URLSafeTimedSerializer.loads
    monkeypatch.setattr(
        watching.URLSafeTimedSerializer, "loads", lambda self, *a, **k: checks.append(1) or real_loads(self, *a, **k)
    )
    with app.test_request_context(), app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "watch-the-video"))
        token = watching.served_token(lesson)
        assert watching.served_at(token, lesson) is not None
        clock[0] += 60
        assert watching.served_at(token, lesson) is not None
        assert len(checks) == 1
        clock[0] += watching.SERVED_MAX_AGE
        assert watching.served_at(token, lesson) is None  # too old, though kept
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert watching.served_at(forged, lesson) is None
        assert watching.served_at(forged, lesson) is None
        assert len(checks) == 3  # a forged token is checked each time it comes
        assert all(key[1] != forged for key in watching._verified_served)
