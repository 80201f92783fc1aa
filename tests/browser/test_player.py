"""The lesson player in a real browser: transcript seeking and highlight, progress reports, resume."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LessonProgress
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

VIDEO = "/modules/what-is-infant-mental-health/watch-the-video"


def _ready(page) -> None:
    page.wait_for_function("() => { const v = document.querySelector('video'); return v && v.readyState >= 1; }")


def test_transcript_line_plays_from_there_and_is_marked(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    page.evaluate("document.querySelector('video').muted = true")
    line = page.locator("li.cue").nth(4)
    start = float(line.get_attribute("data-start"))
    line.focus()
    page.keyboard.press("Enter")  # keyboard works as well as a click
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.wait_for_function("() => document.querySelector('li.cue[aria-current=true]') !== null")
    current = page.evaluate("document.querySelector('video').currentTime")
    assert start <= current < start + 5
    assert page.locator("li.cue").nth(4).get_attribute("aria-current") == "true"


def test_played_ranges_reach_the_server_and_a_reload_resumes(app, page, live_server, course, make_user):
    user = make_user("learner")
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.currentTime = 20; v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 23")
    with page.expect_response(lambda r: r.url.endswith("/progress") and r.request.method == "POST") as report:
        page.evaluate("document.querySelector('video').pause()")
    body = report.value.json()
    assert body["watched"] and body["watched"][0][0] >= 19.5 and body["watched"][0][1] > 22
    assert "Watched so far" in page.locator("#watched-status").inner_text()
    with app.app_context():
        row = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id))
        assert row.watched == body["watched"] and row.position_seconds > 22
    page.reload()
    _ready(page)
    page.wait_for_function("() => document.querySelector('video').currentTime > 22")


def test_time_in_the_address_opens_the_video_there(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO + "?t=40")
    _ready(page)
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 40) < 1")
    assert page.evaluate("document.querySelector('video').currentTime") == pytest.approx(40, abs=1)
