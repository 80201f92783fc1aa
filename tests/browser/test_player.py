"""The lesson player in a real browser: transcript seeking and highlight, progress reports, resume."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import media_files
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


def test_the_video_plays_on_through_short_range_answers(page, live_server, course, make_user, monkeypatch):
    """Served by Flask, the video comes in bounded parts (app.media_files): the player asks for the next
    part by itself and plays across them, and seeking past the first part still works."""
    monkeypatch.setattr(media_files, "MAX_RANGE_BYTES", 64 * 1024)
    ranges: list[str] = []
    page.on("request", lambda r: ranges.append(r.headers.get("range", "")) if "/media/" in r.url else None)
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.currentTime = 70; v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 72")
    assert len([r for r in ranges if r]) >= 2, ranges  # several parts were asked for


def test_time_in_the_address_opens_the_video_there(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO + "?t=40")
    _ready(page)
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 40) < 1")
    assert page.evaluate("document.querySelector('video').currentTime") == pytest.approx(40, abs=1)


def test_playing_highlights_the_line_being_spoken(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    third = page.locator("li.cue").nth(2)
    start = float(third.get_attribute("data-start"))
    page.evaluate(
        "(t) => { const v = document.querySelector('video'); v.muted = true; v.currentTime = t; v.play(); }",
        start - 0.6,
    )
    page.wait_for_function("() => document.querySelectorAll('li.cue')[2].getAttribute('aria-current') === 'true'")
    assert page.locator("li.cue[aria-current=true]").count() == 1
    # the mark does not rely on colour: the current line gets a visible "▶" before it
    marker = page.evaluate("getComputedStyle(document.querySelectorAll('li.cue')[2], '::before').content")
    assert "▶" in marker


def test_search_counts_matches_and_jumps_to_the_moment(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    page.get_by_label("Search the transcript").fill("self-regulate")
    assert page.locator("#search-count").inner_text().startswith("2 matches")
    assert page.locator("li.cue mark").count() == 2
    page.get_by_label("Search the transcript").press("Enter")
    first = page.locator("li.cue.match-current")
    start = float(first.get_attribute("data-start"))
    assert "self-regulate" in first.inner_text()
    assert page.evaluate("document.querySelector('video').currentTime") == pytest.approx(start, abs=0.1)
    assert page.locator("#search-count").inner_text().startswith("Match 1 of 2")
    page.get_by_role("button", name="Next match").click()
    assert page.locator("#search-count").inner_text().startswith("Match 2 of 2")
    page.get_by_role("button", name="Previous match").click()
    assert page.locator("#search-count").inner_text().startswith("Match 1 of 2")
    page.get_by_label("Search the transcript").fill("zebra")
    assert page.locator("#search-count").inner_text() == "No matches."


def test_every_player_control_works_with_the_keyboard(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    _ready(page)
    page.evaluate("document.querySelector('video').muted = true")
    video = "document.querySelector('video')"

    page.focus("#speed")
    page.keyboard.press("ArrowDown")  # 1x -> 1.25x
    page.wait_for_function(f"() => {video}.playbackRate === 1.25")

    page.focus("#captions-toggle")
    page.keyboard.press("Space")
    assert page.get_attribute("#captions-toggle", "aria-pressed") == "false"
    assert page.evaluate(f"{video}.textTracks[0].mode") == "hidden"
    page.keyboard.press("Enter")
    assert page.evaluate(f"{video}.textTracks[0].mode") == "showing"

    page.evaluate(f"{video}.currentTime = 12")
    page.focus("#copy-moment")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#copy-status').textContent.includes('?t=12')")

    chapter = page.locator(".chapters a").nth(1)
    chapter.focus()
    page.keyboard.press("Enter")
    start = float(chapter.get_attribute("data-start"))
    page.wait_for_function(f"() => Math.abs({video}.currentTime - {start}) < 1.5")

    page.focus("li.cue >> nth=0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.dataset.start")
    assert focused == page.locator("li.cue").nth(2).get_attribute("data-start")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => Math.abs({video}.currentTime - {float(focused)}) < 1.5")

    page.focus("#autoscroll")
    page.keyboard.press("Space")
    assert page.is_checked("#autoscroll") is False
    assert page.locator("#follow-status").inner_text() == "Not following the video."


def test_a_forged_report_from_the_page_is_not_credited(page, live_server, course, make_user):
    sign_in(page, live_server, make_user("learner").email, PASSWORD)
    page.goto(live_server + VIDEO)
    csrf = page.get_attribute("video", "data-csrf")
    response = page.request.post(
        live_server + VIDEO + "/progress",
        data={"ranges": [[0, 95]], "position": 95, "speed": 1},
        headers={"X-CSRFToken": csrf},
    )
    body = response.json()
    assert body["complete"] is False and body["coverage"] < 0.1
    page.reload()
    assert "this lesson is complete" not in page.content()


# The player's report queue, driven with a stand-in video and network so a report's answer can be held back.
REPORT_QUEUE_HARNESS = """async (steps) => {
  const { trackProgress } = await import('/static/js/progress.js');
  const sent = [], pending = [];
  window.fetch = (url, options) => new Promise((resolve, reject) => {
    sent.push(JSON.parse(options.body).ranges);
    pending.push({ resolve, reject });
  });
  let tick = null;
  window.setInterval = (report) => { tick = report; return 1; };
  window.clearInterval = () => { tick = null; };
  const video = new EventTarget();
  Object.assign(video, { currentTime: 0, paused: false, seeking: false, playbackRate: 1, dataset: { served: 'x' } });
  const fire = (type) => video.dispatchEvent(new Event(type));
  const playTo = (t) => {
    while (video.currentTime < t) { video.currentTime = Math.min(t, video.currentTime + 0.25); fire('timeupdate'); }
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  trackProgress(video, { url: '/progress', csrf: 'token', onResult: () => {} });
  fire('play'); fire('playing');
  for (const [step, value] of steps) {
    if (step === 'play to') playTo(value);
    if (step === 'report') tick();
    if (step === 'seek to') {
      video.seeking = true; fire('seeking'); video.currentTime = value; video.seeking = false;
    }
    if (step === 'seeked') fire('seeked');
    if (step === 'pause') { video.paused = true; fire('pause'); }
    if (step === 'resume') { video.paused = false; fire('play'); fire('playing'); }
    if (step === 'answer ok') pending.shift().resolve({ ok: true, json: async () => ({}) });
    if (step === 'answer lost') pending.shift().reject(new TypeError('network'));
    await settle();
  }
  return sent;
}"""


@pytest.mark.parametrize(
    "steps",
    [
        # A seek while a report is on its way, whose answer comes before the seek ends.
        [("play to", 10), ("report", 0), ("play to", 14), ("seek to", 60), ("answer ok", 0), ("seeked", 0)],
        # A pause while a report is on its way; the pause's own report is lost, the first one answered.
        [("play to", 10), ("report", 0), ("play to", 14), ("pause", 0), ("answer ok", 0), ("answer lost", 0)]
        + [("resume", 0), ("play to", 20), ("report", 0)],
    ],
    ids=["seek", "lost-pause-report"],
)
def test_a_range_played_while_a_report_is_on_its_way_is_sent_later(page, live_server, steps):
    page.goto(live_server + "/about")

    sent = page.evaluate(REPORT_QUEUE_HARNESS, [list(step) for step in steps])

    assert sent[0] == [[0, 10]]
    assert [10, 14] in sent[-1], f"the range 10-14 s was never sent again after {sent}"
