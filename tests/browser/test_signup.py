"""Join a team on a phone: the form, the e-mailed link, the page it opens, and the button that makes the account."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.extensions import db
from app.models import Team, User
from tests.security.smtp import link_path, smtp_server

PASSWORD = "a-long-new-password-7"


def test_join_a_team_on_a_phone(app, phone_page, live_server):
    with smtp_server(app) as mailbox:
        _join(app, phone_page, live_server, mailbox)


def _join(app, page, live_server, mailbox) -> None:
    with app.app_context():
        team = Team(name="Home Visitors East")
        db.session.add(team)
        db.session.commit()
        code = team.join_code
    page.goto(f"{live_server}/signup")
    page.get_by_label("Team join code").fill(code)
    page.get_by_label("Your name").fill("Rosa Diaz")
    page.get_by_label("Email").fill("rosa@example.test")
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_text("Check your email").wait_for()

    for _ in range(50):  # the mail leaves after the response has been sent
        if mailbox.to("rosa@example.test"):
            break
        time.sleep(0.1)
    (mail,) = mailbox.to("rosa@example.test")
    page.goto(live_server + link_path(mail, "/signup/confirm/"))
    assert page.get_by_role("heading", name="Finish joining Home Visitors East").is_visible()
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "rosa@example.test")) is None, "nothing made yet"
    assert page.get_by_label("Choose a password").evaluate("el => el === document.activeElement")
    page.keyboard.type(PASSWORD)  # by keyboard, as with a screen reader or a keyboard case
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    button = page.get_by_role("button", name="Create my account and join")
    assert button.bounding_box()["width"] <= 390, "the button fits a phone's screen"
    page.keyboard.press("Enter")
    page.get_by_text("Welcome, Rosa Diaz. Your account is ready and you have joined Home Visitors East.").wait_for()
    assert page.get_by_role("link", name="My training record").is_visible()
