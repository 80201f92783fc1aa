"""Common passwords (and the person's own email or name) are refused everywhere a password is set."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.passwords import COMMON_MESSAGE, LIST_PATH, common_passwords, is_common, password_problem
from app.extensions import db
from app.models import Team, User
from tests.conftest import PASSWORD


def test_the_list_ships_with_the_app():
    lines = [line.strip() for line in LIST_PATH.read_text(encoding="utf-8").splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert len(entries) >= 5000
    assert len(entries) == len(set(entries)) == len(common_passwords())
    assert all(entry == entry.lower() for entry in entries)
    assert {"password", "123456789", "iloveyou", "1234567890", "qwertyuiop"} <= common_passwords()


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "Password123!",
        "PASSWORD1234",
        "iloveyou2024",
        "Sunshine2024!",
        "p@ssw0rd2024",
        "qwertyuiop",
        "1234567890",
        "0987654321",
        "abcdefghijk",
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "passwordpassword",
        "1q2w3e4r5t",
        "football2000",
    ],
)
def test_common_passwords_and_simple_patterns_are_refused(password):
    assert is_common(password)
    assert password_problem(password) == COMMON_MESSAGE


@pytest.mark.parametrize("password", [PASSWORD, "a-new-password-1", "tr0ub4dor&3x-river", "Mango Kite Lantern 42"])
def test_ordinary_passphrases_are_allowed(password):
    assert password_problem(password) is None


@pytest.mark.parametrize(
    "password", ["rosa@example.test", "ROSA@EXAMPLE.TEST", "rosadiaz", "Rosa Diaz", "rosadiaz2024"]
)
def test_the_email_or_name_is_refused(password):
    assert "must not be your email address or your name" in password_problem(password, "rosa@example.test", "Rosa Diaz")


def _team(app) -> str:
    with app.app_context():
        team = Team(name="North")
        db.session.add(team)
        db.session.commit()
        return team.join_code


def test_refused_at_sign_up(app, client):
    """The password is chosen on the page the sign-up link opens."""
    from app.auth.tokens import PendingSignup, make_signup_token

    code = _team(app)
    with app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.join_code == code))
    with app.test_request_context():
        link = "/signup/confirm/" + make_signup_token(PendingSignup("Rosa Diaz", "rosa@example.test", team_id))
    page = client.post(link, data={"password": "Password123!", "confirm": "Password123!"})
    assert page.status_code == 200 and COMMON_MESSAGE in page.get_data(as_text=True)
    page = client.post(link, data={"password": "Rosa Diaz 1", "confirm": "Rosa Diaz 1"})
    assert "must not be your email address or your name" in page.get_data(as_text=True)


def test_refused_at_password_change(client, auth, make_user):
    user = make_user("learner", email="sam@example.test", name="Sam Okafor")
    auth.login(user)
    for weak, message in (("qwertyuiop", COMMON_MESSAGE), ("samokafor1", "must not be your email")):
        page = client.post("/account", data={"current": PASSWORD, "password": weak, "confirm": weak})
        assert page.status_code == 200 and message in page.get_data(as_text=True)


def test_refused_when_an_admin_sets_a_password(app, client, auth, make_user):
    auth.login(make_user("admin"))
    data = {"name": "Lee", "email": "lee@example.test", "password": "1234567890", "roles": ["learner"], "team_id": 0}
    page = client.post("/admin/people/new", data=data | {"active": "y"})
    assert page.status_code == 200 and COMMON_MESSAGE in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "lee@example.test")) is None


def test_refused_by_flask_users_create(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "pat@example.test", "--name", "Pat"], input="iloveyou123\niloveyou123\n"
    )
    assert result.exit_code != 0 and COMMON_MESSAGE in result.output
    own = runner.invoke(
        args=["users", "create", "--email", "pat@example.test", "--name", "Pat"],
        input="pat@example.test\npat@example.test\n",
    )
    assert own.exit_code != 0 and "must not be your email" in own.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "pat@example.test")) is None
