"""An author writes a module in the browser, previews a lesson, publishes it, and a learner sees it."""

from __future__ import annotations

import re

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

TITLE = "Comforting a crying baby"
BODY = "Crying is how a young baby **communicates**.\n\n<script>window.authorScriptRan = true</script>\n"


def test_author_writes_previews_and_publishes_a_module(page, live_server, make_user, course):
    author = make_user("author", name="Ada Author")
    learner = make_user("learner", name="Lena Learner")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, live_server, author.email, PASSWORD)
    page.goto(f"{live_server}/author/")
    page.get_by_role("link", name="New module").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("What crying tells us, and how to support a caregiver.")
    page.get_by_label("Estimated minutes").fill("25")
    page.get_by_label("CE hours").fill("0.5")
    page.get_by_label(re.compile(r"Trauma and resilience")).uncheck()  # open from the start
    page.get_by_role("button", name="Save module").click()
    page.get_by_role("heading", name=re.compile(TITLE)).wait_for()
    assert page.get_by_text("Draft", exact=True).is_visible()

    page.get_by_role("link", name="Add a reading lesson").click()
    page.get_by_label("Title").fill("What crying tells us")
    page.get_by_label("Text (Markdown)").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#lesson-preview")
    preview.wait_for()
    assert preview.locator("strong").inner_text() == "communicates"
    assert page.evaluate("window.authorScriptRan") is None, "an author's script never runs"
    assert page.get_by_label("Text (Markdown)").input_value().startswith("Crying is how"), "the text is kept"
    page.get_by_role("button", name="Save lesson").click()
    page.get_by_text("Lesson “What crying tells us” is saved.").wait_for()
    assert page.get_by_role("link", name="What crying tells us", exact=True).is_visible()
    assert page.get_by_role("cell", name="added lesson 'what-crying-tells-us' (a reading lesson)").is_visible()

    page.get_by_role("button", name="Publish").click()
    page.get_by_text(f"“{TITLE}” is published").wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, learner.email, PASSWORD)
    page.goto(f"{live_server}/")
    page.get_by_role("link", name=TITLE).first.click()
    page.get_by_role("link", name="What crying tells us", exact=True).click()
    assert page.locator(".prose strong").inner_text() == "communicates"
    assert page.evaluate("window.authorScriptRan") is None
    assert not errors, errors
