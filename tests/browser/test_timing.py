"""The transcript timing tool in a real browser: mark lines by keyboard, nudge, replay, save a WebVTT file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.course.transcript import read_cues
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.unit.test_caption_checks import seed_turns

STANDIN = "what-is-infant-mental-health/standin.webm"


@pytest.fixture
def media_dir(app, tmp_path):
    """The live server writes into a copy of media/; the real folder must be left as it was."""
    real = Path(app.config["MEDIA_DIR"])
    before = sorted(real.rglob("*"))
    copy = tmp_path / "media"
    shutil.copytree(real, copy)
    app.config["MEDIA_DIR"] = copy
    yield copy
    app.config["MEDIA_DIR"] = real
    assert sorted(real.rglob("*")) == before, "a test wrote into the real media/ folder"


@pytest.fixture
def tool(page, live_server, course, make_user, media_dir):
    """The timing tool for the stand-in video and the seed's first three speaker turns, video loaded."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, make_user("author").email, PASSWORD)
    page.goto(f"{live_server}/author/timing")
    page.get_by_label("Video").select_option(STANDIN)
    page.get_by_label("Transcript").fill(seed_turns(3))
    with page.expect_navigation():
        page.get_by_role("button", name="Start timing").click()
    page.wait_for_function("() => document.getElementById('timing-video').readyState >= 1")
    page.evaluate("document.getElementById('timing-video').muted = true")
    yield page
    assert errors == [], errors


def seek(page, seconds: float) -> None:
    page.evaluate(
        """async (t) => {
            const video = document.getElementById('timing-video');
            const done = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
            video.currentTime = t;
            await done;
        }""",
        seconds,
    )


def times(page) -> list[str]:
    return page.locator(".timing-line .timing-time").all_inner_texts()


def test_mark_nudge_and_save_by_keyboard(tool, media_dir):
    page = tool
    lines = page.locator(".timing-line")
    assert lines.count() == 3
    assert page.locator("#timing-save").is_disabled()
    mark = page.locator("#timing-mark")
    mark.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus is visible
    for seconds, key in ((1.0, "Space"), (18.4, "Enter"), (31.3, "Space")):
        seek(page, seconds)
        page.keyboard.press(key)
    assert mark.inner_text() == "All lines marked"
    assert times(page) == ["0:01.0 – 0:18.4", "0:18.4 – 0:31.3", "0:31.3 – 1:35.0"]
    assert "Line 3 starts at 0:31.3." in page.locator("#timing-status").inner_text()

    later = lines.nth(1).get_by_role("button", name="Line 2: start 0.5 seconds later")
    later.focus()
    page.keyboard.press("Enter")  # a nudge button answers Enter as buttons do; it does not mark
    assert times(page)[:2] == ["0:01.0 – 0:18.9", "0:18.9 – 0:31.3"]
    assert "Line 2 now starts at 0:18.9." in page.locator("#timing-status").inner_text()

    save = page.locator("#timing-save")
    assert save.is_enabled()
    save.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/author/media/check/uploads/standin-captions.vtt" in page.url
    assert "Saved uploads/standin-captions.vtt: 3 lines" in page.locator(".flash-success").inner_text()

    saved = media_dir / "uploads" / "standin-captions.vtt"
    cues = read_cues(saved)
    assert [(c.start, c.end) for c in cues[:2]] == [(1.0, 18.9), (18.9, 31.3)]
    assert cues[2].start == 31.3 and abs(cues[2].end - 95.0) < 0.1
    assert [c.speaker for c in cues] == ["Denise Webb", "Heidi Maderia", "Anne Giordano"]
    assert cues[0].text.startswith("I think that infant mental health") and cues[1].text.endswith("environment.")
    text = saved.read_text()
    assert text.count("<v Denise Webb>") == 1 and "<v Heidi Maderia>" in text and "<v Anne Giordano>" in text


def test_replay_back_and_mark_again(tool):
    page = tool
    for seconds in (1.0, 2.0, 3.5):
        seek(page, seconds)
        page.locator("#timing-mark").click()
    page.locator(".timing-line").nth(0).get_by_role("button", name="Replay line 1").click()
    page.wait_for_function("() => !document.getElementById('timing-video').paused")
    page.wait_for_function("() => document.getElementById('timing-video').paused", timeout=8000)
    stopped = page.evaluate("document.getElementById('timing-video').currentTime")
    assert 1.9 <= stopped < 2.4, stopped  # played line 1 (1.0 to 2.0) and stopped where line 2 begins

    page.locator("#timing-mark").focus()
    page.keyboard.press("Backspace")  # back to line 3
    assert page.locator("#timing-mark").inner_text() == "Mark line 3"
    assert page.locator(".timing-line").nth(2).get_attribute("aria-current") == "step"

    page.locator(".timing-line").nth(1).get_by_role("button", name="Mark again from line 2").click()
    assert page.evaluate("document.activeElement.id") == "timing-mark"
    seek(page, 5.0)
    page.keyboard.press("Space")  # line 2 now begins after line 3's old start, so line 3 must be marked again
    assert times(page) == ["0:01.0 – 0:05.0", "0:05.0 – –", "–"]
    assert "1 later line(s) to mark again" in page.locator("#timing-status").inner_text()
    assert page.locator("#timing-save").is_disabled()

    seek(page, 4.0)
    page.keyboard.press("Space")  # before line 2: refused with a message
    assert "must begin after 0:05.0" in page.locator("#timing-status").inner_text()
    assert times(page)[2] == "–"
