"""Rate limits on sign-in, sign-up and reset requests, and the idle and absolute session limits."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from app import create_app
from app.auth import limits
from app.auth.sessions import ENDED_MESSAGE, SEEN_AT, SIGNED_IN_AT
from app.config import TestConfig
from app.extensions import db
from app.models import AuthEvent, PasswordResetToken, Team, utcnow
from tests.conftest import PASSWORD

LOCKED = "Too many attempts. Try again in 15 minutes."
WRONG = "That email and password do not match an active account."


def _login(client, email, password="not-the-password", address="192.0.2.10"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _age(app, delta: timedelta) -> None:
    """Move every counted request ``delta`` into the past (in Python: SQLite has no date arithmetic)."""
    with app.app_context():
        for event in db.session.scalars(select(AuthEvent)):
            event.at -= delta
        db.session.commit()


def _count(app, key_prefix: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuthEvent).where(AuthEvent.key.like(key_prefix + "%"))
        )


# --- sign-in ----------------------------------------------------------------------------------


def test_an_account_is_locked_after_five_failures(client, make_user):
    user = make_user("learner")
    for _ in range(5):
        response = _login(client, user.email)
        assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    locked = _login(client, user.email)
    assert locked.status_code == 429
    assert LOCKED in locked.get_data(as_text=True)
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    right = _login(client, user.email, PASSWORD)
    assert right.status_code == 429, "while locked, even the right password is not checked"
    assert _login(client, user.email.upper(), PASSWORD).status_code == 429, "the email is normalised"


def test_an_unknown_email_is_locked_the_same_way(client, make_user):
    user = make_user("learner", email="known@example.test")
    answers = {}
    for email in (user.email, "unknown@example.test"):
        statuses = [_login(client, email).status_code for _ in range(5)]
        locked = _login(client, email)
        answers[email] = (
            statuses,
            locked.status_code,
            locked.headers["Retry-After"],
            locked.get_data(as_text=True).replace(email, "EMAIL"),
        )
    known, unknown = answers.values()
    assert known[:2] == unknown[:2] == ([200] * 5, 429)
    assert abs(int(known[2]) - int(unknown[2])) <= 2
    assert known[3] == unknown[3], "the page must not tell whether the account exists"


def test_counts_are_shared_between_workers(app, make_user):
    """Two app instances on one database stand for two gunicorn workers."""
    user = make_user("learner")
    worker = type(
        "SecondWorker",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": Path(app.instance_path)},
    )
    second = create_app(worker)
    try:
        clients = [app.test_client(), second.test_client()]
        for n in range(5):
            assert _login(clients[n % 2], user.email).status_code == 200
        assert _login(clients[0], user.email).status_code == 429
        assert _login(clients[1], user.email).status_code == 429
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_address_is_limited_across_accounts(client, make_user):
    user = make_user("learner")
    for n in range(20):
        assert _login(client, f"guess{n}@example.test").status_code == 200
    assert _login(client, "guess-more@example.test").status_code == 429
    assert _login(client, user.email, PASSWORD).status_code == 429, "this address is locked out for now"
    assert _login(client, user.email, PASSWORD, address="198.51.100.7").status_code == 302, "others are not"


def test_a_successful_sign_in_clears_the_account_failures(client, auth, make_user):
    user = make_user("learner")
    for _ in range(4):
        _login(client, user.email)
    assert _login(client, user.email, PASSWORD).status_code == 302
    auth.logout()
    assert _count(client.application, "login:email:") == 0
    for _ in range(4):
        assert _login(client, user.email).status_code == 200
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_address_limit(app, client, auth, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", 2)
    people = [make_user("learner") for _ in range(4)]
    for person in people:  # an office behind one address, everyone signing in
        assert _login(client, person.email, PASSWORD).status_code == 302
        auth.logout()
    assert _count(app, "login:ip:") == 0


def test_the_lock_lifts_when_the_window_has_passed(app, client, make_user):
    user = make_user("learner")
    for _ in range(5):
        _login(client, user.email)
    assert _login(client, user.email, PASSWORD).status_code == 429
    _age(app, timedelta(minutes=15, seconds=1))
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_refused_attempts_are_not_counted(app, client, make_user):
    user = make_user("learner")
    for _ in range(12):
        _login(client, user.email)
    assert _count(app, f"login:email:{user.email}") == 5


def test_old_rows_are_pruned(app, make_user):
    user = make_user("learner")
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                AuthEvent(key="login:ip:192.0.2.1", at=now - timedelta(hours=2)),
                AuthEvent(key="login:ip:192.0.2.1", at=now - timedelta(minutes=1)),
                PasswordResetToken(user_id=user.id, token_hash="a" * 64, expires_at=now - timedelta(days=2)),
                PasswordResetToken(user_id=user.id, token_hash="b" * 64, expires_at=now + timedelta(minutes=5)),
            ]
        )
        db.session.commit()
        limits.prune()
        db.session.commit()
        assert len(db.session.scalars(select(AuthEvent)).all()) == 1
        assert db.session.scalars(select(PasswordResetToken.token_hash)).all() == ["b" * 64]


def test_rows_outside_the_window_are_pruned_when_a_key_is_counted(app, client):
    with app.app_context():
        db.session.add(AuthEvent(key="login:email:old@example.test", at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    _login(client, "old@example.test")
    assert _count(app, "login:email:old@example.test") == 1


# --- sign-up and reset requests ---------------------------------------------------------------


def _signup(client, email="rosa@example.test", code="NOSUCHCODE", address="192.0.2.20"):
    data = {"join_code": code, "name": "Rosa", "email": email}
    return client.post("/signup", data=data, environ_base={"REMOTE_ADDR": address})


def test_sign_up_is_limited_per_address(client):
    for n in range(10):
        assert _signup(client, email=f"p{n}@example.test").status_code == 200
    refused = _signup(client, email="p10@example.test")
    assert refused.status_code == 429 and "Too many attempts. Try again in 60 minutes." in refused.get_data(
        as_text=True
    )
    assert "Retry-After" in refused.headers
    assert _signup(client, email="p10@example.test", address="198.51.100.9").status_code == 200


def test_sign_up_is_limited_per_email(client):
    for n in range(5):
        assert _signup(client, address=f"192.0.2.{n + 30}").status_code == 200
    assert _signup(client, address="192.0.2.99").status_code == 429


def test_join_codes_cannot_be_guessed_quickly(app, client):
    with app.app_context():
        team = Team(name="North")
        db.session.add(team)
        db.session.commit()
        code = team.join_code
    for n in range(10):
        _signup(client, email=f"g{n}@example.test", code=f"GUESS{n:03d}")
    assert _signup(client, email="g@example.test", code=code).status_code == 429


def _forgot(client, email, address="192.0.2.40"):
    return client.post("/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def test_reset_requests_are_limited_per_account_the_same_for_unknown_emails(client, make_user):
    user = make_user("learner", email="known@example.test")
    for email in (user.email, "unknown@example.test"):
        assert [_forgot(client, email).status_code for _ in range(3)] == [200] * 3
        refused = _forgot(client, email)
        assert refused.status_code == 429
        assert "Too many attempts. Try again in 60 minutes." in refused.get_data(as_text=True)


def test_reset_requests_are_limited_per_address(client):
    for n in range(10):
        assert _forgot(client, f"r{n}@example.test").status_code == 200
    assert _forgot(client, "r10@example.test").status_code == 429
    assert _forgot(client, "r10@example.test", address="198.51.100.3").status_code == 200


# --- idle and absolute session limits ---------------------------------------------------------


def _shift(client, **seconds_ago):
    now = int(time.time())
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[key] = now - ago


def test_a_session_ends_after_two_idle_hours(client, auth, make_user):
    auth.login(make_user("learner"))
    _shift(client, auth_seen_at=2 * 3600 + 5)
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ENDED_MESSAGE in page
    assert client.get("/account").status_code == 302, "the session is gone, not only refused once"


def test_a_busy_session_stays_and_is_marked_seen(client, auth, make_user):
    auth.login(make_user("learner"))
    _shift(client, auth_seen_at=2 * 3600 - 60)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < 5


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, auth, make_user):
    auth.login(make_user("learner"))
    _shift(client, auth_signed_in_at=12 * 3600 + 5, auth_seen_at=10)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert ENDED_MESSAGE in client.get("/login").get_data(as_text=True)


def test_an_ended_session_answers_json_clients_with_401(client, auth, make_user, course):
    auth.login(make_user("learner"))
    _shift(client, auth_seen_at=3 * 3600)
    url = "/modules/what-is-infant-mental-health/watch-the-video/progress"
    response = client.post(url, json={"ranges": [[0, 5]], "position": 5, "speed": 1})
    assert response.status_code == 401
    assert response.get_json()["error"] == ENDED_MESSAGE


def test_a_session_without_sign_in_times_is_not_trusted(client, auth, make_user):
    auth.login(make_user("learner"))
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    assert client.get("/account").status_code == 302


def test_signing_in_from_a_stale_tab_still_works(client, auth, make_user):
    user = make_user("learner")
    auth.login(user)
    _shift(client, auth_seen_at=5 * 3600)
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_no_remember_me_cookie_is_offered_or_honoured(app, client, auth, make_user):
    user = make_user("learner")
    assert "Keep me signed in" not in client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert "remember_token" not in " ".join(response.headers.getlist("Set-Cookie"))
    other = app.test_client()
    with app.test_request_context():
        forged = encode_cookie(user.get_id())  # as an older version would have set it
    other.set_cookie("remember_token", forged)
    answer = other.get("/account")
    assert answer.status_code == 302, "a remember cookie never brings a session back"
    assert any(c.startswith("remember_token=;") for c in answer.headers.getlist("Set-Cookie")), "and is deleted"


def test_session_cookie_is_httponly_and_lax(client, auth, make_user):
    cookie = auth.login(make_user("learner")).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure():
    from app.config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
    assert ProductionConfig.REMEMBER_COOKIE_HTTPONLY and ProductionConfig.REMEMBER_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize("name", ["SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "LOGIN_FAILURES_PER_ACCOUNT"])
def test_limits_are_settings(app, name):
    assert isinstance(app.config[name], int)


def test_retry_after_counts_down_from_the_oldest_counted_failure(app, client, make_user):
    user = make_user("learner")
    for _ in range(5):
        _login(client, user.email)
    _age(app, timedelta(minutes=10))
    locked = _login(client, user.email)
    assert 240 <= int(locked.headers["Retry-After"]) <= 300
    assert re.search(r"Try again in 5 minutes\.", locked.get_data(as_text=True))


# --- browsers that signed in before -------------------------------------------------------------


def test_strangers_failures_do_not_lock_the_owner_out_of_a_browser_they_signed_in_with(app, make_user):
    user = make_user("learner")
    owner = app.test_client()
    assert _login(owner, user.email, PASSWORD, address="198.51.100.7").status_code == 302
    owner.post("/logout")
    stranger = app.test_client()
    for n in range(5):  # from five addresses, so no address limit is near
        assert _login(stranger, user.email, address=f"203.0.113.{n}").status_code == 200
    assert _login(stranger, user.email, PASSWORD, address="203.0.113.9").status_code == 429
    assert _login(app.test_client(), user.email, PASSWORD, address="198.51.100.7").status_code == 429
    signed_in = _login(owner, user.email, PASSWORD, address="198.51.100.7")
    assert signed_in.status_code == 302, "the browser that signed in before still gets in"
    assert _login(stranger, user.email, PASSWORD, address="203.0.113.9").status_code == 429, "still locked for them"


def test_a_known_browser_has_the_same_few_tries_of_its_own(app, make_user):
    user = make_user("learner")
    browser = app.test_client()
    assert _login(browser, user.email, PASSWORD).status_code == 302
    browser.post("/logout")
    for _ in range(5):
        assert _login(browser, user.email).status_code == 200
    assert _login(browser, user.email, PASSWORD).status_code == 429
    assert _count(app, limits.known_browser_key(user.email)) == 5, "its failures are its own, not the account's"
    assert _login(app.test_client(), user.email, PASSWORD, address="198.51.100.8").status_code == 302


def test_the_known_browser_cookie_is_signed_names_one_account_and_stays_on_the_sign_in_page(app, make_user):
    rosa, sam = make_user("learner"), make_user("learner")
    browser = app.test_client()
    _login(browser, rosa.email, PASSWORD)
    cookie = browser.get_cookie("known_browser", path="/login")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/login"
    assert rosa.email not in cookie.value
    browser.post("/logout")
    for _ in range(5):
        _login(app.test_client(), sam.email, address="203.0.113.20")
    assert _login(browser, sam.email, PASSWORD, address="203.0.113.21").status_code == 429, "another account's"
    forged = app.test_client()
    forged.set_cookie("known_browser", cookie.value[:-4] + "AAAA", path="/login")
    for _ in range(5):
        _login(app.test_client(), rosa.email, address="203.0.113.30")
    assert _login(forged, rosa.email, PASSWORD, address="203.0.113.31").status_code == 429, "a forged one"


def test_the_known_browser_cookie_is_secure_in_production(tmp_path):
    from app.config import ProductionConfig

    config = type("P", (ProductionConfig,), {"SECRET_KEY": "x" * 40, "INSTANCE_PATH": tmp_path,
                                             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})  # fmt: skip
    app = create_app(config)
    with app.test_request_context():
        from flask import make_response

        from app.auth import known_browsers

        header = known_browsers.remember(make_response(""), "rosa@example.test").headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "Max-Age=15552000" in header
