"""Password reset by e-mail: no account enumeration, single-use expiring links, other sessions ended."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import PasswordResetToken, User, utcnow
from tests.conftest import PASSWORD
from tests.security.smtp import SITE, body, link_path

NEW = "a-fresh-river-stone-7"
SENT = "If an account exists for that email, we have sent a link"


def _forgot(client, email):
    return client.post("/password/forgot", data={"email": email}, buffered=True)


def _reset(client, path, password=NEW, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def _link(client, mailbox, user) -> str:
    assert _forgot(client, user.email).status_code == 200
    return link_path(mailbox.to(user.email)[-1], "/password/reset/")


def test_the_sign_in_page_offers_a_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Forgot your password?" in page and 'href="/password/forgot"' in page


def test_the_same_answer_for_known_and_unknown_emails(client, mailbox, make_user):
    user = make_user("learner", email="known@example.test")
    known = _forgot(client, user.email)
    unknown = _forgot(client, "unknown@example.test")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert SENT in known.get_data(as_text=True)
    assert len(mailbox.to(user.email)) == 1 and mailbox.to("unknown@example.test") == []


def test_the_mail_carries_a_link_to_the_configured_site(client, mailbox, make_user):
    user = make_user("learner", name="Ana")
    client.post("/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"}, buffered=True)
    (mail,) = mailbox.to(user.email)
    assert mail["Subject"] == "Reset your password"
    text = body(mail)
    assert "Hello Ana" in text and "60 minutes" in text
    assert f"{SITE}/password/reset/" in text and "evil.example" not in text


def test_only_a_hash_of_the_token_is_stored(app, client, mailbox, make_user):
    user = make_user("learner")
    path = _link(client, mailbox, user)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(PasswordResetToken.token_hash))
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored


def test_reset_sets_the_password_and_signs_in(app, client, auth, mailbox, make_user):
    user = make_user("learner")
    path = _link(client, mailbox, user)
    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    response = _reset(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200, "signed in"
    auth.logout()
    assert auth.login(user).status_code == 200, "the old password no longer works"
    assert auth.login(user, password=NEW).status_code == 302


def test_a_link_works_once(client, mailbox, make_user):
    user = make_user("learner")
    path = _link(client, mailbox, user)
    assert _reset(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "This link has already been used" in page and 'href="/password/forgot"' in page
    assert _reset(client, path, password="another-fresh-stone-8").status_code == 400


def test_a_link_expires(app, client, mailbox, make_user):
    user = make_user("learner")
    path = _link(client, mailbox, user)
    with app.app_context():
        record = db.session.scalar(select(PasswordResetToken))
        assert timedelta(minutes=59) < record.expires_at - utcnow() <= timedelta(minutes=60)
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 400 and "This link has expired" in response.get_data(as_text=True)
    assert _reset(client, path).status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD), "the password is unchanged"


def test_a_new_link_replaces_the_old(client, mailbox, make_user):
    user = make_user("learner")
    first = _link(client, mailbox, user)
    second = _link(client, mailbox, user)
    assert first != second
    refused = client.get(first)
    assert refused.status_code == 400 and "This link is not valid" in refused.get_data(as_text=True)
    assert client.get(second).status_code == 200


def test_unknown_and_tampered_links_are_refused(client, mailbox, make_user):
    path = _link(client, mailbox, make_user("learner"))
    for bad in ("/password/reset/nonsense", path[:-2] + ("AA" if not path.endswith("AA") else "BB")):
        response = client.get(bad)
        assert response.status_code == 400
        assert "This link is not valid" in response.get_data(as_text=True)
        assert "Ask for a new link" in response.get_data(as_text=True)


def test_other_sessions_end_after_a_reset(app, client, auth, mailbox, make_user):
    user = make_user("learner")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    assert elsewhere.get("/account").status_code == 200
    assert _reset(client, _link(client, mailbox, user)).status_code == 302
    assert elsewhere.get("/account").status_code == 302, "the other device must sign in again"
    assert client.get("/account").status_code == 200


def test_reset_refuses_weak_passwords_and_keeps_the_link(client, mailbox, make_user):
    user = make_user("learner", email="mo@example.test", name="Mo Said")
    path = _link(client, mailbox, user)
    common = _reset(client, path, password="iloveyou123")
    assert common.status_code == 200 and "This password is too common; choose another." in common.get_data(as_text=True)
    own = _reset(client, path, password="mo@example.test")
    assert "must not be your email address or your name" in own.get_data(as_text=True)
    short = _reset(client, path, password="short")
    assert "Field must be between 10 and 200 characters long." in short.get_data(as_text=True)
    assert _reset(client, path).status_code == 302, "the link still works after a refused password"


def test_no_link_for_an_inactive_account(client, mailbox, make_user):
    user = make_user("learner", active=False)
    assert SENT in _forgot(client, user.email).get_data(as_text=True)
    assert mailbox.to(user.email) == []


def test_a_reset_lifts_a_sign_in_lock(client, auth, mailbox, make_user):
    user = make_user("learner")
    for _ in range(5):
        auth.login(user, password="wrong-password-here")
    assert auth.login(user).status_code == 429
    assert _reset(client, _link(client, mailbox, user)).status_code == 302
    auth.logout()
    assert auth.login(user, password=NEW).status_code == 302


def test_mail_trouble_does_not_change_the_answer(app, client, make_user, monkeypatch):
    user = make_user("learner")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens there
    known = _forgot(client, user.email)
    unknown = _forgot(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)


def test_forgot_form_needs_the_csrf_token(client, csrf_on):
    assert client.post("/password/forgot", data={"email": "a@example.test"}).status_code == 400
