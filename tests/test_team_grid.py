"""The supervisor's team grid and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Assignment, Lesson, LessonProgress, Module, Role, Team, TeamMember, User, utcnow
from tests.conftest import recorded_statements
from tests.test_quiz_pages import M1


def _team_id(app, name="Team A") -> int:
    with app.app_context():
        return db.session.scalar(select(Team.id).where(Team.name == name))


def _complete_lessons(app, user, slug=M1) -> None:
    with app.app_context():
        for lesson in db.session.scalars(select(Lesson).join(Module).where(Module.slug == slug)):
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()


@pytest.fixture
def team(app, make_user, course):
    supervisor = make_user("supervisor", name="Sam Supervisor", supervises="Team A")
    ana = make_user("learner", name="Ana", team="Team A")
    ben = make_user("learner", name="Ben", team="Team A")
    make_user("learner", name="Cy Other", team="Team B")
    return supervisor, ana, ben


def test_grid_matches_progress_and_flags_overdue(app, client, auth, team):
    supervisor, ana, ben = team
    _complete_lessons(app, ana)
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == M1))
        db.session.add(Assignment(module_id=module_id, team_id=_team_id(app), due_on=date.today() - timedelta(days=2)))
        db.session.commit()
    auth.login(supervisor)
    page = client.get(f"/supervise/teams/{_team_id(app)}").get_data(as_text=True)
    assert "Ana" in page and "Ben" in page and "Cy Other" not in page
    assert "Overdue since" in page and "Behind" in page
    assert "2 complete" not in page  # nobody has passed the quiz yet
    behind = client.get(f"/supervise/teams/{_team_id(app)}?behind=1").get_data(as_text=True)
    assert "Ana" in behind and "Ben" in behind
    by_module = client.get(f"/supervise/teams/{_team_id(app)}?module={module_id}").get_data(as_text=True)
    header = by_module.split("<thead>")[1].split("</thead>")[0]
    assert "What is Infant Mental Health?" in header and "Signs of good infant mental health" not in header


def test_grid_sorts_by_least_progress(app, client, auth, team):
    supervisor, ana, ben = team
    _complete_lessons(app, ana)
    auth.login(supervisor)
    page = client.get(f"/supervise/teams/{_team_id(app)}?sort=progress").get_data(as_text=True)
    assert page.index("Ben") < page.index("Ana")


def test_grid_uses_a_fixed_number_of_queries(app, client, auth, team, make_user):
    supervisor, ana, _ben = team
    auth.login(supervisor)
    url = f"/supervise/teams/{_team_id(app)}"

    def count() -> int:
        with recorded_statements(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    count()  # warm: each worker keeps the course structure once read
    small = count()
    for n in range(8):
        learner = make_user("learner", name=f"Extra {n}", team="Team A")
        _complete_lessons(app, learner)
    count()  # warm again: new accounts make each worker read the signed-in person afresh, once
    assert count() == small


def test_csv_export_has_header_rows_and_no_live_formulas(app, client, auth, team, make_user):
    supervisor, _ana, _ben = team
    make_user("learner", name='=HYPERLINK("http://evil.example")', team="Team A")
    auth.login(supervisor)
    response = client.get(f"/supervise/teams/{_team_id(app)}/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Name", "Email", "Last activity"]
    assert "What is Infant Mental Health?: status" in rows[0]
    names = [row[0] for row in rows[1:]]
    assert "Ana" in names and "Ben" in names and "Cy Other" not in names
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_other_supervisor_cannot_export_my_team(app, client, auth, team, make_user):
    auth.login(make_user("supervisor", supervises="Team B"))
    assert client.get(f"/supervise/teams/{_team_id(app)}/export.csv").status_code == 404


def test_learner_home_page_flags_overdue_work(app, client, auth, team):
    _supervisor, ana, _ben = team
    with app.app_context():
        module_id = db.session.scalar(select(Module.id).where(Module.slug == M1))
        db.session.add(Assignment(module_id=module_id, user_id=ana.id, due_on=date.today() - timedelta(days=1)))
        other = db.session.scalar(select(Module.id).where(Module.slug == "signs-of-good-infant-mental-health"))
        db.session.add(Assignment(module_id=other, team_id=_team_id(app), within_days=30))
        db.session.commit()
    auth.login(ana)
    page = client.get("/").get_data(as_text=True)
    assert "Overdue: due" in page
    assert f"Due {(date.today() + timedelta(days=30)):%d %b %Y}" in page


def test_supervisor_downloads_one_learners_record(app, client, auth, team, make_user):
    supervisor, ana, _ben = team
    outsider = make_user("learner", name="Olga", team="Team B")
    auth.login(supervisor)
    response = client.get(f"/supervise/learners/{ana.id}/record.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Module" and len(rows) == 4
    assert client.get(f"/supervise/learners/{outsider.id}/record.csv").status_code == 404


def _many_learners(app, count: int, team="Team A") -> None:
    """People added straight to the database: a password hash per person would only slow the test."""
    with app.app_context():
        team_row = db.session.scalar(select(Team).where(Team.name == team))
        for n in range(count):
            user = User(email=f"bulk{n:03d}@example.test", name=f"Bulk {n:03d}", password_hash="-")
            user.set_roles({Role.LEARNER})
            db.session.add_all([user, TeamMember(team=team_row, user=user)])
        db.session.commit()


def test_a_large_team_is_shown_a_page_at_a_time(app, client, auth, team):
    supervisor, ana, _ben = team
    _complete_lessons(app, ana)
    _many_learners(app, 203)  # with Ana and Ben: 205 people, three pages
    auth.login(supervisor)
    url = f"/supervise/teams/{_team_id(app)}"
    first = client.get(url, query_string={"sort": "progress"}).text
    assert "Progress of 205 people in 3 modules: people 1 to 100" in first
    assert first.count('<th scope="row"><a href="/supervise/learners/') == 100
    assert "Page 1 of 3" in first and 'rel="prev"' not in first
    next_link = first.split('rel="next" href="')[1].split('"')[0]
    assert "page=2" in next_link and "sort=progress" in next_link  # the next page keeps the order
    last = client.get(url, query_string={"page": 3}).text
    assert "people 201 to 205" in last and "Page 3 of 3" in last and 'rel="next"' not in last
    assert last.count('<th scope="row"><a href="/supervise/learners/') == 5

    def totals(page: str) -> str:
        return page.split("<tfoot>")[1].split("</tfoot>")[0]

    assert totals(last) == totals(first) and "1 in progress" in totals(first)  # the totals count everyone
    # out of range or not a number: the nearest page, never an error
    assert "Page 3 of 3" in client.get(url, query_string={"page": 99}).text
    assert "Page 1 of 3" in client.get(url, query_string={"page": "x"}).text
    assert "Page 1 of 3" in client.get(url, query_string={"page": -4}).text


def test_a_small_team_has_no_pager(app, client, auth, team):
    supervisor, _ana, _ben = team
    auth.login(supervisor)
    page = client.get(f"/supervise/teams/{_team_id(app)}").text
    assert "Progress of 2 people" in page and "Page 1 of" not in page
