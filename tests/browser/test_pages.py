"""End-to-end checks in headless Chromium against the live app and the real course."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from app.config import PROJECT_ROOT
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

VIDEO = "/modules/what-is-infant-mental-health/watch-the-video"
READING = "/modules/what-is-infant-mental-health/key-ideas"
FIRST_MODULE = "/modules/what-is-infant-mental-health"
LOCKED_LESSON = "/modules/signs-of-good-infant-mental-health/the-nine-signs"
MAX_PAGES = 80
PHONE_WIDTH = 390  # the phone_page viewport
ERROR_LINE = re.compile(r"Error \d{3}")


def module_titles() -> list[str]:
    """Titles in course order, straight from the course files."""
    files = sorted((PROJECT_ROOT / "modules").glob("*/module.yml"))
    return [yaml.safe_load(f.read_text(encoding="utf-8"))["title"] for f in files]


def error_lines(page) -> list[str]:
    return [t.strip() for t in page.locator("p.muted").all_inner_texts() if ERROR_LINE.fullmatch(t.strip())]


def people(make_user):
    """Everyone the role crawls need, so team and people pages have something to show."""
    return {
        "learner": make_user("learner", team="Team A", name="Lena Learner"),
        "supervisor": make_user("supervisor", supervises="Team A", name="Sam Supervisor"),
        "author": make_user("author", name="Ada Author"),
        "admin": make_user("admin", name="Alex Admin"),
    }


def crawl(page, base_url: str, start: str = "/") -> tuple[list[str], list[str]]:
    """Breadth-first over every same-origin link; returns (pages visited, problems found)."""
    origin = urlsplit(base_url)[:2]
    problems: list[str] = []
    current = {"path": start}

    def on_response(response):
        if response.status >= 400 and urlsplit(response.url).path != "/favicon.ico":
            problems.append(f"{response.status} for {response.url} (loaded by {current['path']})")

    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"script error on {current['path']}: {error}"))

    seen: set[str] = set()
    queue = deque([start])
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        current["path"] = path
        response = page.goto(base_url + path)
        visited.append(path)
        assert response is not None, f"no response for {path}"
        if response.status >= 400:
            continue  # already recorded by on_response
        if urlsplit(page.url).path == "/login":
            problems.append(f"{path} sent a signed-in person to the sign-in page")
        if found := error_lines(page):
            problems.append(f"{path} shows an error page: {found}")
        # Files to download (transcripts) are not pages; the HTTP tests cover them.
        for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)"):
            scheme, netloc, link_path, query, _fragment = urlsplit(href)
            if (scheme, netloc) != origin:
                continue
            if link_path == "/logout" or link_path.startswith("/media/"):
                continue
            target = urlunsplit(("", "", link_path or "/", query, ""))
            if target not in seen:
                queue.append(target)
    page.remove_listener("response", on_response)
    return visited, problems


@pytest.mark.parametrize("role", ["learner", "supervisor", "author", "admin"])
def test_every_linked_page_opens_for_each_role(page, live_server, course, make_user, role):
    user = people(make_user)[role]
    sign_in(page, live_server, user.email, PASSWORD)

    if role == "learner":
        home = page.locator("main").inner_text()
        for title in module_titles():
            assert title in home, f"module {title!r} is missing from the learner's home page"

    visited, problems = crawl(page, live_server)
    assert not problems, "\n".join(problems)
    assert "/" in visited and "/account" in visited and "/about" in visited
    assert FIRST_MODULE in visited
    expected = {
        "learner": [VIDEO, READING],
        "supervisor": ["/supervise/"],
        "author": ["/author/", "/author/check"],
        "admin": ["/admin/", "/supervise/", "/author/"],
    }[role]
    for path in expected:
        assert path in visited, f"{role} never reached {path}; visited {visited}"
    if role == "learner":
        assert not any(p.startswith(("/admin", "/author", "/supervise")) for p in visited), visited


def test_sign_in_with_the_keyboard_alone(page, live_server, make_user):
    user = make_user("learner", team="Team A")
    page.goto(f"{live_server}/login")
    # The email field has autofocus; move the keyboard's starting point back to the top of the
    # document (the body), as when a page without autofocus has just loaded.
    page.evaluate(
        """() => { const body = document.body; body.setAttribute('tabindex', '-1'); body.focus();
                   body.removeAttribute('tabindex'); window.scrollTo(0, 0); }"""
    )

    def focused() -> dict:
        return page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {tag: el.tagName.toLowerCase(), text: el.textContent.trim(), id: el.id,
                        cls: el.className, outline: style.outlineStyle, width: style.outlineWidth};
            }"""
        )

    page.keyboard.press("Tab")
    first = focused()
    assert first["cls"] == "skip-link" and first["text"] == "Skip to content", first
    assert first["outline"] != "none", f"focus is not visible on the skip link: {first}"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0, "the focused skip link stays off screen"

    # Onwards through the header links to the form fields.
    reached: list[dict] = []
    for _ in range(15):
        page.keyboard.press("Tab")
        reached.append(focused())
        if reached[-1]["id"] == "email":
            break
    assert reached[-1]["id"] == "email", f"Tab never reached the email field: {reached}"
    assert reached[-1]["outline"] != "none", f"focus is not visible on the email field: {reached[-1]}"
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert focused()["id"] == "password"
    assert focused()["outline"] != "none", "focus is not visible on the password field"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("heading", level=1).inner_text() == f"Hello, {user.name}"

    # Focus stays visible on an ordinary link and button too.
    page.keyboard.press("Tab")
    assert focused()["outline"] != "none", focused()


@pytest.mark.parametrize("path", ["/", FIRST_MODULE, READING, VIDEO], ids=["home", "module", "reading", "video"])
def test_no_sideways_scrolling_on_a_phone(phone_page, live_server, course, make_user, path):
    user = make_user("learner", team="Team A")
    sign_in(phone_page, live_server, user.email, PASSWORD)
    response = phone_page.goto(live_server + path)
    assert response.status == 200
    sizes = phone_page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                   client: document.documentElement.clientWidth})"""
    )
    wide = phone_page.evaluate(
        """() => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                                      + ' right=' + Math.round(el.getBoundingClientRect().right))"""
    )
    # In mobile emulation an overflowing page zooms out, which widens innerWidth to the content;
    # so innerWidth itself must still be the phone's width.
    fits = sizes["scroll"] <= sizes["inner"] and sizes["inner"] <= PHONE_WIDTH
    assert fits, f"{path} scrolls sideways on a {PHONE_WIDTH}px phone: {sizes}; too wide: {wide}"


def test_video_plays_from_the_media_route_and_captions_match_the_transcript(page, live_server, course, make_user):
    user = make_user("learner", team="Team A")
    sign_in(page, live_server, user.email, PASSWORD)
    media_statuses: list[int] = []
    page.on("response", lambda r: media_statuses.append(r.status) if "/media/" in r.url else None)
    assert page.goto(live_server + VIDEO).status == 200

    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.readyState >= 1 && isFinite(v.duration); }"
    )
    duration = page.evaluate("document.querySelector('video').duration")
    assert duration == pytest.approx(95, abs=1.5)

    track_mode = page.evaluate("document.querySelector('video').textTracks[0].mode")
    assert track_mode == "showing"  # the captions track is marked default
    page.evaluate(
        """() => { const t = document.querySelector('video').textTracks[0];
                   if (t.mode === 'disabled') t.mode = 'hidden'; }"""
    )
    page.wait_for_function(
        """() => { const v = document.querySelector('video'); const t = v.textTracks[0];
                   const el = v.querySelector('track[kind=captions]');
                   return el.readyState === 2 && t.cues && t.cues.length > 0; }"""
    )
    in_browser = page.evaluate(
        """() => [...document.querySelector('video').textTracks[0].cues].map(c => [
                   Math.round(c.startTime * 1000) / 1000,
                   c.getCueAsHTML().textContent.replace(/\\s+/g, ' ').trim()])"""
    )
    on_page = page.evaluate(
        """() => [...document.querySelectorAll('li.cue')].map(li => [
                   Math.round(parseFloat(li.dataset.start) * 1000) / 1000,
                   li.querySelector('.cue-text').textContent.replace(/\\s+/g, ' ').trim()])"""
    )
    assert len(in_browser) > 10
    assert in_browser == on_page
    assert media_statuses and all(s in (200, 206, 304) for s in media_statuses), media_statuses
    assert 206 in media_statuses, f"the video was not fetched with a range request: {media_statuses}"


def test_locked_lesson_shows_a_friendly_page(page, live_server, course, make_user):
    user = make_user("learner", team="Team A")
    sign_in(page, live_server, user.email, PASSWORD)
    response = page.goto(live_server + LOCKED_LESSON)
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You don't have access to this page"
    assert error_lines(page) == ["Error 403"]
    first_title = module_titles()[0]
    message = page.locator("main .panel p").first.inner_text()
    assert "opens when you complete" in message and first_title in message, message
    page.get_by_role("link", name="Go to my course").click()
    page.wait_for_url(f"{live_server}/")


def test_mark_a_reading_lesson_complete(page, live_server, course, make_user):
    user = make_user("learner", team="Team A")
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(live_server + READING)
    assert page.locator(".badge.state-complete").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Mark as complete").click()
    assert page.locator(".flash").filter(has_text="is complete").count() == 1

    assert page.goto(live_server + READING).status == 200
    badge = page.locator("article .badge.state-complete")
    assert badge.inner_text().strip().endswith("Complete")
    assert page.get_by_text("You marked this lesson complete.").is_visible()
    assert page.get_by_role("button", name="Mark as complete").count() == 0
