"""A supervisor follows real progress in a real browser, and cannot reach another team's learner."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Team
from tests.browser.conftest import _new_page, sign_in
from tests.conftest import PASSWORD


def test_grid_follows_what_learners_do(app, browser, live_server, course, make_user):
    supervisor = make_user("supervisor", name="Sam Supervisor", supervises="Team A")
    ana = make_user("learner", name="Ana Alvarez", team="Team A")
    outsider = make_user("learner", name="Olga Other", team="Team B")
    with app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.name == "Team A"))

    learner_context, learner = _new_page(browser, viewport={"width": 390, "height": 844})
    boss_context, boss = _new_page(browser, viewport={"width": 1024, "height": 768})  # a tablet
    try:
        sign_in(boss, live_server, supervisor.email, PASSWORD)
        boss.goto(f"{live_server}/supervise/teams/{team_id}")
        row = boss.locator("tr", has_text="Ana Alvarez")
        assert "Not started" in row.inner_text() and "Never" in row.inner_text()

        sign_in(learner, live_server, ana.email, PASSWORD)
        learner.goto(f"{live_server}/modules/what-is-infant-mental-health/key-ideas")
        learner.get_by_role("button", name="Mark as complete").click()

        boss.reload()
        row = boss.locator("tr", has_text="Ana Alvarez")
        assert "In progress" in row.inner_text() and "Never" not in row.inner_text()

        boss.get_by_role("link", name="Ana Alvarez").click()
        assert "Ana Alvarez" in boss.locator("h1").inner_text()
        assert boss.goto(f"{live_server}/supervise/learners/{outsider.id}").status == 404
        assert "Olga" not in boss.content()

        boss.goto(f"{live_server}/supervise/teams/{team_id}")
        with boss.expect_download() as download:
            boss.get_by_role("link", name="Download CSV").click()
        text = download.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][0] == "Name" and [r[0] for r in rows[1:]] == ["Ana Alvarez"]
        assert rows[1][3].startswith("In progress")
        assert boss.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        learner_context.close()
        boss_context.close()
