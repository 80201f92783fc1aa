"""Supervisors assign modules to their team or one person, due on a date or within N days of joining."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Assignment, Module, Team, TeamMember
from app.supervise.queries import learner_deadlines

M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"


@pytest.fixture
def teams(app, make_user, course):
    people = {
        "supervisor": make_user("supervisor", supervises="Team A", name="Sam Supervisor"),
        "ana": make_user("learner", team="Team A", name="Ana Learner"),
        "other_supervisor": make_user("supervisor", supervises="Team B", name="Olga Other"),
        "bo": make_user("learner", team="Team B", name="Bo Elsewhere"),
    }
    with app.app_context():
        people["team_a"] = db.session.scalar(select(Team.id).where(Team.name == "Team A"))
        people["team_b"] = db.session.scalar(select(Team.id).where(Team.name == "Team B"))
        people["modules"] = dict(db.session.execute(select(Module.slug, Module.id)).all())
    return people


def _page(team_id: int) -> str:
    return f"/supervise/teams/{team_id}/assignments"


def _assignments(app) -> list[Assignment]:
    with app.app_context():
        found = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
        db.session.expunge_all()
        return list(found)


def _add(app, **fields) -> int:
    with app.app_context():
        assignment = Assignment(**fields)
        db.session.add(assignment)
        db.session.commit()
        return assignment.id


def test_supervisor_adds_team_wide_and_personal_assignments(app, client, auth, teams):
    auth.login(teams["supervisor"])
    page = client.get(_page(teams["team_a"])).get_data(as_text=True)
    assert "No modules are assigned in this team yet." in page
    assert "What is Infant Mental Health?" in page and "Ana Learner" in page
    assert "Bo Elsewhere" not in page, "only this team's people may be chosen"

    due = date.today() + timedelta(days=14)
    response = client.post(
        _page(teams["team_a"]), data={"module_id": teams["modules"][M1], "who": 0, "due_on": due.isoformat()}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(_page(teams["team_a"]))
    response = client.post(
        _page(teams["team_a"]),
        data={"module_id": teams["modules"][M2], "who": teams["ana"].id, "due_on": "", "within_days": "30"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "is assigned to Ana Learner, due 30 days after joining" in page
    assert "Whole team" in page and f"{due.day} {due:%B %Y}" in page and "30 days after joining" in page
    assert 'data-confirm="Remove the due date of' in page

    team_wide, personal = _assignments(app)
    assert (team_wide.team_id, team_wide.user_id, team_wide.due_on, team_wide.within_days) == (
        teams["team_a"],
        None,
        due,
        None,
    )
    assert (personal.team_id, personal.user_id, personal.due_on, personal.within_days) == (
        None,
        teams["ana"].id,
        None,
        30,
    )
    assert team_wide.created_by_id == personal.created_by_id == teams["supervisor"].id


def test_a_due_date_of_today_is_accepted(app, client, auth, teams):
    auth.login(teams["supervisor"])
    data = {"module_id": teams["modules"][M1], "who": 0, "due_on": date.today().isoformat()}
    assert client.post(_page(teams["team_a"]), data=data).status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due_on": "+7", "within_days": "10"}, "Give either a due date or a number of days after joining, not both."),
        ({}, "Give a due date, or a number of days after joining."),
        ({"due_on": "-1"}, "The due date cannot be in the past."),
        ({"due_on": "not a date"}, "Not a valid date value."),
        ({"within_days": "0"}, "Enter a number of days from 1 to 365."),
        ({"within_days": "366"}, "Enter a number of days from 1 to 365."),
        ({"within_days": "-3"}, "Enter a number of days from 1 to 365."),
        ({"within_days": "ten"}, "Not a valid integer value."),
        ({"within_days": "5", "who": "bo"}, "Choose the whole team or a member of this team."),
        ({"within_days": "5", "who": "nobody"}, "Choose the whole team or a member of this team."),
        ({"within_days": "5", "module_id": "999999"}, "Choose one of the published modules."),
        ({"within_days": "5", "module_id": "x"}, "Choose one of the published modules."),
    ],
)
def test_invalid_assignments_are_explained_and_nothing_is_saved(app, client, auth, teams, fields, message):
    auth.login(teams["supervisor"])
    data = {"module_id": teams["modules"][M1], "who": 0, "due_on": "", "within_days": ""}
    for key, value in fields.items():
        if key == "due_on" and value[0] in "+-":
            value = (date.today() + timedelta(days=int(value))).isoformat()
        if key == "who":
            value = {"bo": teams["bo"].id, "nobody": "abc"}[value]
        data[key] = value
    response = client.post(_page(teams["team_a"]), data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was assigned." in page
    assert _assignments(app) == []


def test_unpublished_modules_cannot_be_assigned(app, client, auth, teams):
    with app.app_context():
        db.session.get(Module, teams["modules"][M2]).published = False
        db.session.commit()
    auth.login(teams["supervisor"])
    page = client.get(_page(teams["team_a"])).get_data(as_text=True)
    assert "Signs of good infant mental health" not in page
    response = client.post(_page(teams["team_a"]), data={"module_id": teams["modules"][M2], "who": 0, "within_days": 3})
    assert response.status_code == 422 and "Choose one of the published modules." in response.get_data(as_text=True)


def test_the_same_module_twice_for_the_same_people_is_refused(app, client, auth, teams):
    auth.login(teams["supervisor"])
    data = {"module_id": teams["modules"][M1], "who": 0, "within_days": "10"}
    assert client.post(_page(teams["team_a"]), data=data).status_code == 302
    response = client.post(_page(teams["team_a"]), data=data)
    assert response.status_code == 422 and "already assigned to them here" in response.get_data(as_text=True)
    data["who"] = teams["ana"].id  # the same module for one person is a different assignment
    assert client.post(_page(teams["team_a"]), data=data).status_code == 302
    assert len(_assignments(app)) == 2


def test_delete_is_a_post_and_removes_only_this_teams_assignment(app, client, auth, teams):
    mine = _add(app, module_id=teams["modules"][M1], team_id=teams["team_a"], within_days=10)
    personal = _add(app, module_id=teams["modules"][M1], user_id=teams["ana"].id, within_days=5)
    theirs = _add(app, module_id=teams["modules"][M1], team_id=teams["team_b"], within_days=10)
    bos = _add(app, module_id=teams["modules"][M2], user_id=teams["bo"].id, within_days=10)
    auth.login(teams["supervisor"])
    page = client.get(_page(teams["team_a"])).get_data(as_text=True)
    assert "Bo Elsewhere" not in page, "another team's personal assignment is not listed"
    url = f"{_page(teams['team_a'])}/{mine}/delete"
    assert client.get(url).status_code == 405
    response = client.post(url, follow_redirects=True)
    assert "is removed" in response.get_data(as_text=True)
    assert client.post(f"{_page(teams['team_a'])}/{personal}/delete").status_code == 302
    for other in (theirs, bos, 999_999, mine):  # not in this team, or already gone
        assert client.post(f"{_page(teams['team_a'])}/{other}/delete").status_code == 404
    assert [a.id for a in _assignments(app)] == [theirs, bos]


def test_a_personal_due_date_another_supervisor_set_is_shown_but_only_they_remove_it(
    app, client, auth, teams, make_user
):
    """Ana is in Team A and in Team B: Team B's supervisor set her a due date, which Team A's sees."""
    with app.app_context():
        db.session.add(TeamMember(team_id=teams["team_b"], user_id=teams["ana"].id))
        db.session.commit()
    theirs = _add(app, module_id=teams["modules"][M2], user_id=teams["ana"].id, within_days=5,
                  created_by_id=teams["other_supervisor"].id)  # fmt: skip
    mine = _add(app, module_id=teams["modules"][M1], user_id=teams["ana"].id, within_days=5,
                created_by_id=teams["supervisor"].id)  # fmt: skip
    auth.login(teams["supervisor"])
    page = client.get(_page(teams["team_a"])).get_data(as_text=True)
    assert "Set by Olga Other" in page and page.count("Remove the due date of") == 1  # mine only
    refused = client.post(f"{_page(teams['team_a'])}/{theirs}/delete")
    assert refused.status_code == 403 and "Olga Other set this due date" in refused.get_data(as_text=True)
    assert client.post(f"{_page(teams['team_a'])}/{mine}/delete").status_code == 302
    auth.logout()
    auth.login(teams["other_supervisor"])
    assert client.post(f"{_page(teams['team_b'])}/{theirs}/delete").status_code == 302
    assert _assignments(app) == []
    theirs = _add(app, module_id=teams["modules"][M2], user_id=teams["ana"].id, within_days=5,
                  created_by_id=teams["other_supervisor"].id)  # fmt: skip
    auth.logout()
    auth.login(make_user("admin"))
    assert client.post(f"{_page(teams['team_a'])}/{theirs}/delete").status_code == 302


def test_delete_needs_the_csrf_token(app, client, auth, teams, csrf_on):
    mine = _add(app, module_id=teams["modules"][M1], team_id=teams["team_a"], within_days=10)
    auth.login(teams["supervisor"])
    assert client.post(f"{_page(teams['team_a'])}/{mine}/delete").status_code == 400
    assert client.post(_page(teams["team_a"]), data={"module_id": teams["modules"][M1], "who": 0}).status_code == 400
    assert len(_assignments(app)) == 1


def test_other_supervisors_get_404_and_learners_403(app, client, auth, teams):
    theirs = _add(app, module_id=teams["modules"][M1], team_id=teams["team_b"], within_days=10)
    auth.login(teams["supervisor"])
    assert client.get(_page(teams["team_b"])).status_code == 404
    data = {"module_id": teams["modules"][M1], "who": 0, "within_days": "5"}
    assert client.post(_page(teams["team_b"]), data=data).status_code == 404
    assert client.post(f"{_page(teams['team_b'])}/{theirs}/delete").status_code == 404
    assert client.get(_page(999_999)).status_code == 404
    auth.logout()
    auth.login(teams["ana"])
    assert client.get(_page(teams["team_a"])).status_code == 403
    assert client.post(_page(teams["team_a"]), data=data).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_admins_may_assign_in_any_team(app, client, auth, teams, make_user):
    auth.login(make_user("admin"))
    data = {"module_id": teams["modules"][M1], "who": teams["bo"].id, "due_on": date.today().isoformat()}
    assert client.post(_page(teams["team_b"]), data=data).status_code == 302
    assert "Bo Elsewhere" in client.get(_page(teams["team_b"])).get_data(as_text=True)
    data["who"] = teams["ana"].id  # a member, but of another team than this page's
    assert client.post(_page(teams["team_b"]), data=data).status_code == 422


def test_a_learners_due_dates_are_the_same_asked_alone_as_with_a_team(app, client, auth, teams, make_user):
    """One learner's home page reads their due dates by a path of its own; a team's grid and the
    reminders read many at once. Both give the same answer."""
    ana, bo, m1, m2 = teams["ana"].id, teams["bo"].id, teams["modules"][M1], teams["modules"][M2]
    cy = make_user("learner", team="Team A", name="Cy Colleague").id
    soon, later = date.today() + timedelta(days=7), date.today() + timedelta(days=21)
    _add(app, module_id=m1, team_id=teams["team_a"], due_on=later)
    _add(app, module_id=m1, user_id=ana, due_on=soon)  # the earlier of her two dates for module 1
    _add(app, module_id=m2, team_id=teams["team_b"], within_days=10)  # Team B's, and Ana joins it below
    _add(app, module_id=m2, user_id=bo, due_on=soon)
    _add(app, module_id=m1, user_id=cy, due_on=soon)  # a colleague's own date is not Ana's
    with app.app_context():
        db.session.add(TeamMember(team_id=teams["team_b"], user_id=ana))
        db.session.commit()
        joined_b = db.session.scalar(
            select(TeamMember.joined_at).where(TeamMember.team_id == teams["team_b"], TeamMember.user_id == ana)
        )
    with app.test_request_context():
        alone = {person: learner_deadlines([person]) for person in (ana, bo, cy)}
        together = learner_deadlines([ana, bo, cy])
    assert alone[ana] == {ana: {m1: soon, m2: joined_b.date() + timedelta(days=10)}}
    assert alone[cy] == {cy: {m1: soon}}
    assert {person: found[person] for person, found in alone.items()} == together

    auth.login(teams["ana"])
    page = client.get("/").get_data(as_text=True)
    assert f"Due {soon:%d %b %Y}" in page and f"Due {later:%d %b %Y}" not in page
