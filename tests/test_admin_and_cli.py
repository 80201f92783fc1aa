"""Admins manage people and teams; `flask users create` and `flask demo setup`."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Team, User
from tests.conftest import PASSWORD


def test_admin_creates_a_team_and_a_person(app, client, auth, make_user):
    auth.login(make_user("admin"))
    supervisor = make_user("supervisor", name="Sam Supervisor")
    response = client.post("/admin/teams/new", data={"name": "East", "supervisor_id": supervisor.id})
    assert response.status_code == 302
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "East"))
        assert team.supervisor_id == supervisor.id and len(team.join_code) == 8
    response = client.post(
        "/admin/people/new",
        data={
            "name": "Lee",
            "email": "LEE@example.test",
            "password": PASSWORD,
            "roles": ["learner", "author"],
            "team_id": team.id,
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        lee = db.session.scalar(select(User).where(User.email == "lee@example.test"))
        assert {r.value for r in lee.roles} == {"learner", "author"}
        assert [m.team.name for m in lee.memberships] == ["East"]


def test_admin_form_errors_are_explained(client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    make_user("learner", email="taken@example.test")
    page = client.post(
        "/admin/people/new", data={"name": "X", "email": "taken@example.test", "roles": ["learner"], "team_id": 0}
    ).get_data(as_text=True)
    assert "Another account already uses this email." in page
    page = client.post(
        "/admin/people/new", data={"name": "X", "email": "new@example.test", "roles": ["learner"], "team_id": 0}
    ).get_data(as_text=True)
    assert "A new person needs a password" in page
    page = client.post(
        f"/admin/people/{admin.id}",
        data={"name": "Me", "email": admin.email, "roles": ["learner"], "team_id": 0, "active": "y"},
    ).get_data(as_text=True)
    assert "You cannot remove your own admin role." in page


def test_new_join_code_replaces_the_old(app, client, auth, make_user):
    auth.login(make_user("admin"))
    make_user("supervisor", supervises="West")
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "West"))
        old = team.join_code
    client.post(f"/admin/teams/{team.id}/new-code")
    with app.app_context():
        assert db.session.get(Team, team.id).join_code != old


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Pat@Example.test",
            "--name",
            "Pat",
            "--role",
            "supervisor",
            "--team",
            "North",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        pat = db.session.scalar(select(User).where(User.email == "pat@example.test"))
        assert pat.check_password(PASSWORD)
        assert [m.team.name for m in pat.memberships] == ["North"]


def test_users_create_has_no_password_argument(runner):
    result = runner.invoke(args=["users", "create", "--help"])
    assert "--password" not in result.output


def test_users_create_refuses_duplicates_and_short_passwords(runner, make_user):
    make_user("learner", email="dup@example.test")
    dup = runner.invoke(
        args=["users", "create", "--email", "dup@example.test", "--name", "D"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    short = runner.invoke(args=["users", "create", "--email", "s@example.test", "--name", "S"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_demo_setup_creates_accounts_once(app, runner, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    first = runner.invoke(args=["demo", "setup"])
    assert "Demo accounts created" in first.output and "demo-password-123" in first.output
    monkeypatch.delenv("DEMO_PASSWORD")
    second = runner.invoke(args=["demo", "setup"])
    assert "already exist" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
        learner = db.session.scalar(select(User).where(User.email == "learner@demo.test"))
        assert learner.check_password("demo-password-123"), "an existing password is never changed"
        team = db.session.scalar(select(Team).where(Team.name == "Demo team"))
        assert team.supervisor.email == "supervisor@demo.test"
        assert [m.user.email for m in team.members] == ["learner@demo.test"]


def test_demo_setup_prints_a_random_password_when_none_given(runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["demo", "setup"])
    assert "generated; shown only this once" in result.output
