"""Kept pages: rendered once per key, each visitor's own values filled in, nothing of one visitor shown to another."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from markupsafe import Markup
from sqlalchemy import select, update

from app.extensions import db
from app.kept_pages import KeptPage
from app.models import Lesson, LessonProgress, utcnow
from tests.conftest import PASSWORD

LESSON = "/modules/what-is-infant-mental-health/watch-the-video"
REPORT = LESSON + "/progress"


@pytest.fixture
def page(app):
    template = app.jinja_env.from_string("<p>{{ title }}</p><p>{{ who }}</p><i>{{ csrf_token() }}</i>{{ bar }}")
    return KeptPage(template, slots=("who", "bar"))


def _render(page, generation=1, key="k", title="Same", calls=None, **values):
    def context():
        if calls is not None:
            calls.append(1)
        return {"title": title}

    return page.render(generation, key, {"who": "", "bar": "", "csrf": "", **values}, context)


def test_values_are_escaped_unless_they_are_markup(app, page):
    with app.test_request_context():
        html = _render(page, who="<script>alert(1)</script>", bar=Markup("<b>bar</b>"), csrf='t"k')
    assert html == "<p>Same</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p><i>t&#34;k</i><b>bar</b>"


def test_a_page_is_rendered_once_per_key_and_generation(app, page):
    calls = []
    with app.test_request_context():
        assert _render(page, calls=calls, who="Ann") == "<p>Same</p><p>Ann</p><i></i>"
        assert _render(page, calls=calls, who="Bo", title="ignored: kept") == "<p>Same</p><p>Bo</p><i></i>"
        assert len(calls) == 1
        assert "Other" in _render(page, key="k2", calls=calls, title="Other")
        assert "New" in _render(page, generation=2, calls=calls, title="New")  # the course changed
        assert "Back" in _render(page, generation=1, calls=calls, title="Back")  # what was kept before is gone
        assert len(calls) == 4
        _render(page, generation=None, calls=calls)
        _render(page, generation=None, calls=calls)
        assert len(calls) == 6  # no version to tell pages apart: nothing is kept


def test_text_that_looks_like_a_marker_is_only_text(app, page):
    with app.test_request_context():
        html = _render(page, title="\x02abcdef0123456789:who\x03", who="Ann")
    assert "\x02abcdef0123456789:who\x03" in html and html.count("Ann") == 1


def _learner(app, make_user):
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login).group(1)
    client.post("/login", data={"email": make_user("learner").email, "password": PASSWORD, "csrf_token": token})
    return client


def _player(html: str) -> dict[str, str]:
    video = re.search(r"<video[^>]*>", html).group(0)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', video))


def test_each_learner_sees_their_own_progress_and_token(app, make_user, course, csrf_on):
    first, second = _learner(app, make_user), _learner(app, make_user)
    first_page = _player(first.get(LESSON).get_data(as_text=True))
    report = {"ranges": [[0, 0.5]], "position": 42, "speed": 1.5}
    assert first.post(REPORT, json=report, headers={"X-CSRFToken": first_page["csrf"]}).status_code == 200
    mine = first.get(LESSON).get_data(as_text=True)
    theirs = second.get(LESSON).get_data(as_text=True)  # the kept page, filled in for someone else
    assert (_player(mine)["resume"], _player(mine)["speed"]) == ("42.0", "1.5")
    assert (_player(theirs)["resume"], _player(theirs)["speed"]) == ("0", "1")
    assert _player(mine)["csrf"] != _player(theirs)["csrf"]
    for client, html in ((first, mine), (second, theirs)):
        token = _player(html)["csrf"]
        assert f'name="csrf_token" value="{token}"' in html  # the sign-out form carries the same token
        assert client.post(REPORT, json=report, headers={"X-CSRFToken": token}).status_code == 200
    assert "Watched so far: 0%" in theirs and "Complete</span>" not in theirs


def test_a_completed_lesson_shows_as_complete_only_to_its_learner(app, client, auth, make_user, course):
    auth.login(make_user("learner"))
    assert "Watched so far: 0%" in client.get(LESSON).get_data(as_text=True)
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "watch-the-video"))
        db.session.execute(
            update(LessonProgress).where(LessonProgress.lesson_id == lesson_id).values(completed_at=utcnow())
        )
        db.session.commit()
    done = client.get(LESSON).get_data(as_text=True)
    assert "this lesson is complete" in done and "Complete</span>" in done
    other = app.test_client()
    other.post("/login", data={"email": make_user("learner").email, "password": PASSWORD})
    assert "Complete</span>" not in other.get(LESSON).get_data(as_text=True)


def test_flashed_messages_still_show_on_a_kept_page(client, auth, make_user, course):
    auth.login(make_user("learner"))
    client.get(LESSON)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your answer was saved.")]
    assert "Your answer was saved." in client.get(LESSON).get_data(as_text=True)
    assert "Your answer was saved." not in client.get(LESSON).get_data(as_text=True)  # shown once


def test_an_authors_change_shows_on_the_next_view(app, client, auth, make_user, course):
    auth.login(make_user("learner"))
    assert "What is Infant Mental Health?" in client.get(LESSON).get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Lesson).where(Lesson.slug == "watch-the-video").values(title="Renamed video"))
        db.session.commit()
    assert "<h1>Renamed video</h1>" in client.get(LESSON).get_data(as_text=True)


def test_a_replaced_caption_file_shows_on_the_next_view(app, client, auth, make_user, course, tmp_path):
    media = tmp_path / "media"
    shutil.copytree(app.config["MEDIA_DIR"], media)
    real = app.config["MEDIA_DIR"]
    app.config["MEDIA_DIR"] = media
    try:
        auth.login(make_user("learner"))
        assert "Replaced line." not in client.get(LESSON).get_data(as_text=True)
        with app.app_context():
            captions = db.session.scalar(select(Lesson.captions_src).where(Lesson.slug == "watch-the-video"))
        Path(media, captions).write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>Replaced line.\n")
        assert "Replaced line." in client.get(LESSON).get_data(as_text=True)
    finally:
        app.config["MEDIA_DIR"] = real
