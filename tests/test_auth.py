"""Sign-in, sign-up with a join code, sign-out, password change and the `next` parameter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.safety import safe_next
from app.extensions import db
from app.models import Team, User
from tests.conftest import PASSWORD


def test_sign_in_and_out(client, auth, make_user):
    user = make_user("learner")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hello" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, make_user):
    user = make_user("learner")
    wrong = auth.login(user, password="not-the-password").get_data(as_text=True)
    unknown = auth.login("nobody@example.test").get_data(as_text=True)
    message = "That email and password do not match an active account."
    assert message in wrong and message in unknown


def test_inactive_account_cannot_sign_in(auth, make_user):
    user = make_user("learner", active=False)
    assert auth.login(user).status_code == 200


def test_email_is_case_insensitive(auth, make_user):
    make_user("learner", email="casey@example.test")
    assert auth.login("Casey@Example.TEST").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/modules/x", "/modules/x"),
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("evil.example", None),
        ("/ok\r\nSet-Cookie: x", None),
        ("", None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_sign_in_never_redirects_off_site(auth, make_user, target):
    response = auth.login(make_user("learner"), next=target)
    assert response.headers["Location"] == "/"


def test_sign_in_follows_a_local_next(auth, make_user):
    response = auth.login(make_user("learner"), next="/about")
    assert response.headers["Location"] == "/about"


def test_sign_in_starts_a_new_session(client, auth, make_user):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login(make_user("learner"))
    with client.session_transaction() as session:
        assert "planted" not in session


def _team(app, name="Home Visitors North"):
    with app.app_context():
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
        return team.join_code


def _signup(client, **overrides):
    data = {
        "join_code": "",
        "name": "Rosa Diaz",
        "email": "rosa@example.test",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return client.post("/signup", data=data)


def test_sign_up_with_join_code_joins_the_team(app, client):
    code = _team(app)
    response = _signup(client, join_code=code.lower())
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rosa@example.test"))
        assert [m.team.name for m in user.memberships] == ["Home Visitors North"]
        assert {r.value for r in user.roles} == {"learner"}
        assert user.password_hash.startswith("scrypt:"), "passwords are hashed with scrypt"
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"join_code": "WRONG123"}, "No team has this join code"),
        ({"email": "not-an-email"}, "Please enter a valid email address"),
        ({"password": "short", "confirm": "short"}, "Field must be between 10 and 200 characters long."),
        ({"confirm": "something-else-entirely"}, "The passwords do not match."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_sign_up_rejects_bad_input_with_a_message(app, client, overrides, message):
    code = _team(app)
    response = _signup(client, **({"join_code": code} | overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Rosa Diaz"' in page or overrides.get("name") == "", "what was typed is kept"


def test_sign_up_with_taken_email(app, client, make_user):
    code = _team(app)
    make_user("learner", email="rosa@example.test")
    assert "already exists" in _signup(client, join_code=code).get_data(as_text=True)


def test_password_change(client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    bad = client.post(
        "/account", data={"current": "nope", "password": "a-new-password-1", "confirm": "a-new-password-1"}
    )
    assert "not correct" in bad.get_data(as_text=True)
    ok = client.post(
        "/account", data={"current": PASSWORD, "password": "a-new-password-1", "confirm": "a-new-password-1"}
    )
    assert ok.status_code == 302
    auth.logout()
    assert auth.login(user).status_code == 200
    assert auth.login(user, password="a-new-password-1").status_code == 302


def test_session_cookie_flags(client, auth, make_user):
    response = auth.login(make_user("learner"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_sign_out_ends_a_copied_session(app, client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    stolen = app.test_client()
    with client.session_transaction() as original, stolen.session_transaction() as copy:
        copy.update(dict(original))
    assert stolen.get("/account").status_code == 200
    auth.logout()
    assert stolen.get("/account").status_code == 302


def test_password_change_signs_out_other_devices(app, client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/account").status_code == 200
    client.post("/account", data={"current": PASSWORD, "password": "a-new-password-1", "confirm": "a-new-password-1"})
    assert client.get("/account").status_code == 200, "this device stays signed in"
    assert other.get("/account").status_code == 302, "the other device must sign in again"
