"""Sign-in, sign-up by join code and e-mailed link, sign-out, password change and the `next` parameter."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select, update
from werkzeug.security import generate_password_hash

from app.auth.safety import safe_next
from app.extensions import db
from app.models import ContentState, Role, Team, User
from tests.conftest import PASSWORD, recorded_statements
from tests.security.smtp import body, link_path, smtp_server


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


@pytest.fixture
def mailbox(app):
    with smtp_server(app) as box:
        yield box


def _signup(client, **overrides):
    data = {
        "join_code": "",
        "name": "Rosa Diaz",
        "email": "rosa@example.test",
    }
    data.update(overrides)
    return client.post("/signup", data=data, buffered=True)  # buffered: the mail goes once the response closes


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)


def _confirm(client, path: str, password: str = PASSWORD, **kwargs):
    """Open the e-mailed link (a page that changes nothing), choose a password and send it."""
    page = client.get(path)
    assert page.status_code == 200 and "Create my account and join" in page.get_data(as_text=True)
    return client.post(path, data={"password": password, "confirm": password}, **kwargs)


def _rosa(app) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == "rosa@example.test"))


def test_sign_up_mails_a_link_that_creates_the_account(app, client, mailbox):
    code = _team(app)
    response = _signup(client, join_code=code.lower())
    assert response.status_code == 200
    assert "Check your email to finish joining" in response.get_data(as_text=True)
    assert _rosa(app) is None, "nothing is created before the link is opened"
    (mail,) = mailbox.to("rosa@example.test")
    assert mail["Subject"] == "Finish joining Home Visitors North"
    assert PASSWORD not in body(mail)
    opened = client.get(link_path(mail, "/signup/confirm/")).get_data(as_text=True)
    assert "Finish joining Home Visitors North" in opened and "Rosa Diaz" in opened and "rosa@example.test" in opened
    assert _rosa(app) is None, "opening the link changes nothing"
    confirmed = _confirm(client, link_path(mail, "/signup/confirm/"))
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/"
    assert client.get("/account").status_code == 200, "signed in"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rosa@example.test"))
        assert user.name == "Rosa Diaz"
        assert [m.team.name for m in user.memberships] == ["Home Visitors North"]
        assert {r.value for r in user.roles} == {"learner"}
        assert user.password_hash.startswith("scrypt:"), "passwords are hashed with scrypt"
        assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)


def test_the_welcome_names_the_team(app, client, mailbox):
    _signup(client, join_code=_team(app))
    page = _confirm(client, link_path(mailbox.messages[0], "/signup/confirm/"), follow_redirects=True)
    assert "Welcome, Rosa Diaz. Your account is ready and you have joined Home Visitors North." in page.get_data(
        as_text=True
    )


def test_a_sign_up_link_works_once(app, client, mailbox):
    _signup(client, join_code=_team(app))
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    assert _confirm(client, path).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 200
    page = again.get_data(as_text=True)
    assert "This link has already been used" in page and "already confirmed" in page
    assert 'href="/login"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_sign_up_link_while_signed_in_goes_home(app, client, auth, make_user, mailbox):
    _signup(client, join_code=_team(app))
    auth.login(make_user("learner"))
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    assert client.get(path).status_code == 302
    assert client.post(path).status_code == 302
    assert _rosa(app) is None


def test_a_tampered_sign_up_link_is_refused(app, client, mailbox):
    _signup(client, join_code=_team(app))
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    token = path.rsplit("/", 1)[1]
    payload, _, rest = token.partition(".")
    forged = payload[:-3] + ("aaa" if not payload.endswith("aaa") else "bbb") + "." + rest
    for bad in (f"/signup/confirm/{forged}", "/signup/confirm/nonsense", path + "x"):
        for response in (client.get(bad), client.post(bad)):
            assert response.status_code == 400
            assert "This link is not valid" in response.get_data(as_text=True)
    assert _rosa(app) is None


def test_a_link_signed_for_something_else_is_refused(app, client):
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="not-signup")
    token = other.dumps({"n": "Eve", "e": "eve@example.test", "p": "scrypt:x", "t": 1})
    assert client.get(f"/signup/confirm/{token}").status_code == 400


def test_an_expired_sign_up_link_is_refused(app, client, monkeypatch):
    import time

    from app.auth.tokens import PendingSignup, make_signup_token

    team_code = _team(app)
    with app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.join_code == team_code))
    with app.test_request_context(), monkeypatch.context() as m:
        past = time.time() - 25 * 3600
        m.setattr(time, "time", lambda: past)
        token = make_signup_token(PendingSignup("Rosa", "rosa@example.test", team_id))
    response = client.get(f"/signup/confirm/{token}")
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)
    assert _rosa(app) is None


def test_a_sign_up_link_for_a_team_that_is_gone(app, client, mailbox):
    _signup(client, join_code=_team(app))
    with app.app_context():
        db.session.delete(db.session.scalar(select(Team)))
        db.session.commit()
    response = client.get(link_path(mailbox.messages[0], "/signup/confirm/"))
    assert response.status_code == 400 and "no longer exists" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"join_code": "WRONG123"}, "No team has this join code"),
        ({"email": "not-an-email"}, "Please enter a valid email address"),
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


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Field must be between 10 and 200 characters long."),
        (PASSWORD, "something-else-entirely", "The passwords do not match."),
        ("password123", "password123", "This password is too common; choose another."),
        ("Rosa Diaz 1", "Rosa Diaz 1", "must not be your email address or your name"),
    ],
)
def test_the_password_chosen_from_the_link_must_be_good(app, client, mailbox, password, confirm, message):
    _signup(client, join_code=_team(app))
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    page = client.post(path, data={"password": password, "confirm": confirm})
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert "Finish joining Home Visitors North" in page.get_data(as_text=True)
    assert _rosa(app) is None


def test_only_whoever_reads_the_mail_chooses_the_password(app, client, mailbox):
    """Someone who knows the join code signs up with a colleague's address: the colleague, opening the
    link, chooses the password. Nothing the first person typed can sign in to the account, and the
    link carries no password of theirs, not even hashed."""
    intruder = app.test_client()
    intruder.post(
        "/signup",
        data={"join_code": _team(app), "name": "Rosa Diaz", "email": "rosa@example.test",
              "password": "intruders-password-1", "confirm": "intruders-password-1"},
        buffered=True,  # the mail goes once the response closes
    )  # fmt: skip
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    assert "intruders-password-1" not in path
    with app.test_request_context():
        from app.auth.tokens import _serializer

        assert set(_serializer().loads(path.rsplit("/", 1)[1])) == {"n", "e", "t"}
    assert _confirm(client, path, password="rosas-own-password-1").status_code == 302
    user = _rosa(app)
    assert user.check_password("rosas-own-password-1") and not user.check_password("intruders-password-1")


def test_a_link_mailed_with_a_password_in_it_still_asks_for_one(app, client):
    """Links mailed before the password was chosen on the link's page carry a password hash: unused."""
    from itsdangerous import URLSafeTimedSerializer

    from app.auth.tokens import SIGNUP_SALT

    code = _team(app)
    with app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.join_code == code))
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SIGNUP_SALT)
    hashed = generate_password_hash("typed-on-the-old-form-1")
    token = old.dumps({"n": "Rosa Diaz", "e": "rosa@example.test", "p": hashed, "t": team_id})
    assert client.post(f"/signup/confirm/{token}").status_code == 200  # no password chosen: the form again
    assert _rosa(app) is None
    assert _confirm(client, f"/signup/confirm/{token}", password="rosas-own-password-1").status_code == 302
    assert _rosa(app).check_password("rosas-own-password-1")


def test_sign_up_with_a_taken_email_answers_the_same_and_says_so_only_by_mail(app, client, make_user, mailbox):
    code = _team(app)
    make_user("learner", email="taken@example.test", name="Tess Taken")
    new = _signup(client, join_code=code, email="new@example.test")
    taken = _signup(client, join_code=code, email="taken@example.test")
    assert new.status_code == taken.status_code == 200
    new_page = new.get_data(as_text=True).replace("new@example.test", "EMAIL")
    taken_page = taken.get_data(as_text=True).replace("taken@example.test", "EMAIL")
    assert new_page == taken_page, "the page must not tell whether the email has an account"
    (told,) = mailbox.to("taken@example.test")
    assert told["Subject"] == "You already have an account"
    text = body(told)
    assert "Hello Tess Taken" in text and "/login" in text and "/password/forgot" in text
    assert "/signup/confirm/" not in text
    (invited,) = mailbox.to("new@example.test")
    assert "/signup/confirm/" in body(invited)
    with app.app_context():
        taken_user = db.session.scalar(select(User).where(User.email == "taken@example.test"))
        assert taken_user.check_password(PASSWORD) and len(taken_user.memberships) == 0, "nothing changed"


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


def test_sign_in_page_links_to_password_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


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


def test_account_page_shows_the_person_their_roles_and_teams(client, auth, make_user):
    user = make_user("learner", "author", team="North <Team>", name="Ada Example")
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Ada Example" in page and user.email in page
    assert "author, learner" in page
    assert "North &lt;Team&gt;" in page, "team names are escaped"


def test_a_deactivated_account_is_signed_out_of_open_sessions(app, client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    assert client.get("/account").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_the_signed_in_person_and_roles_come_in_one_query(app, client, auth, make_user):
    auth.login(make_user("learner", "supervisor"))
    with app.app_context():
        db.session.execute(update(ContentState).values(people_version=ContentState.people_version + 1))
        db.session.commit()  # as if another worker had changed some account: read the person again
    with recorded_statements(app) as statements:
        page = client.get("/about")
    assert page.status_code == 200
    person_reads = [s for s in statements if "FROM users" in s]
    assert len(person_reads) == 1 and "user_roles" in person_reads[0]
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_a_worker_keeps_the_people_it_has_read_until_an_account_changes(app, client, auth, make_user):
    auth.login(make_user("learner"))
    client.get("/about").close()
    with recorded_statements(app) as statements:
        assert client.get("/about").status_code == 200
    assert not [s for s in statements if "FROM users" in s]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "FROM content_state" in reads[0]  # the counters, nothing else


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user: setattr(user, "active", False), id="deactivated"),
        pytest.param(lambda user: user.end_all_sessions(), id="signed-out-elsewhere"),
    ],
)
def test_a_change_to_an_account_ends_its_kept_session_at_once(app, client, auth, make_user, change):
    user = make_user("learner")
    auth.login(user)
    assert client.get("/account").status_code == 200  # this worker now keeps the person
    with app.app_context():
        row = db.session.get(User, user.id)
        change(row)
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_new_role_shows_on_the_next_page(app, client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    assert client.get("/author/").status_code == 403
    with app.app_context():
        row = db.session.get(User, user.id)
        row.set_roles({Role.LEARNER, Role.AUTHOR})
        db.session.commit()
    assert client.get("/author/").status_code == 200


def test_accounts_and_roles_raise_the_people_version(app, make_user):
    def version() -> int:
        return db.session.scalar(select(ContentState.people_version))

    with app.app_context():
        user = make_user("learner")
        steps = [version()]
        db.session.get(User, user.id).name = "Renamed"
        db.session.commit()
        steps.append(version())
        db.session.get(User, user.id).set_roles({Role.SUPERVISOR})
        db.session.commit()
        steps.append(version())
        db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()
        steps.append(version())
    assert steps == sorted(set(steps)), steps  # every step raised it


def test_a_sign_up_link_needs_the_page_own_token_to_make_the_account(app, client, csrf_on, mailbox):
    """Another site cannot make a visitor's browser confirm someone else's sign-up (and so sign them in)."""
    app.config["WTF_CSRF_ENABLED"] = False
    _signup(client, join_code=_team(app))
    app.config["WTF_CSRF_ENABLED"] = True
    path = link_path(mailbox.messages[0], "/signup/confirm/")
    visitor = app.test_client()
    assert visitor.post(path).status_code == 400
    assert _rosa(app) is None
    page = visitor.get(path).get_data(as_text=True)
    form = {"csrf_token": _csrf_token(page), "password": PASSWORD, "confirm": PASSWORD}
    assert visitor.post(path, data=form).status_code == 302
    assert _rosa(app) is not None
