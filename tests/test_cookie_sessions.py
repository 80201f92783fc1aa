"""The session cookie is checked once per worker, and what a worker keeps can never be misused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, session

from app.auth import cookie_sessions
from app.auth.cookie_sessions import VerifiedCookieSessions


@pytest.fixture
def site() -> Flask:
    app = Flask(__name__)
    app.secret_key = "k" * 40
    app.session_interface = VerifiedCookieSessions()

    @app.get("/put/<name>/<value>")
    def put(name: str, value: str):
        session[name] = value
        return "ok"

    @app.get("/flash")
    def add_list():
        session["items"] = ["mutable"]
        return "ok"

    @app.get("/read")
    def read():
        return dict(session)

    return app


def _cookie(site: Flask, path: str) -> str:
    client = site.test_client()
    client.get(path)
    return client.get_cookie("session").value


def _read(site: Flask, cookie: str) -> dict:
    client = site.test_client()
    client.set_cookie("session", cookie)
    return client.get("/read").get_json()


def test_a_cookie_is_verified_once_and_then_kept(site, monkeypatch):
    cookie = _cookie(site, "/put/who/ana")
    assert _read(site, cookie) == {"who": "ana"}
    monkeypatch.setattr(site.session_interface, "get_signing_serializer", _serializer_that_must_not_load(site))
    assert _read(site, cookie) == {"who": "ana"}  # kept: no second check


def test_changing_the_session_does_not_change_what_the_cookie_holds(site):
    cookie = _cookie(site, "/put/who/ana")
    _read(site, cookie)
    client = site.test_client()
    client.set_cookie("session", cookie)
    client.get("/put/who/mallory")  # this request changes its own session (and gets a new cookie)
    assert _read(site, cookie) == {"who": "ana"}


def test_a_tampered_or_foreign_cookie_is_an_empty_session(site):
    cookie = _cookie(site, "/put/who/ana")
    _read(site, cookie)
    assert _read(site, cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")) == {}
    other = Flask(__name__)
    other.secret_key = "o" * 40
    other.session_interface = site.session_interface  # the same keeper under another key
    other.add_url_rule("/read", view_func=site.view_functions["read"])
    assert _read(other, cookie) == {}


def test_a_kept_cookie_still_expires_with_the_session_lifetime(site, monkeypatch):
    site.permanent_session_lifetime = timedelta(minutes=10)
    cookie = _cookie(site, "/put/who/ana")
    assert _read(site, cookie) == {"who": "ana"}
    later = cookie_sessions.time.time() + 11 * 60
    monkeypatch.setattr(cookie_sessions.time, "time", lambda: later)
    assert _read(site, cookie) == {}


def test_sessions_holding_mutable_values_are_never_kept(site):
    cookie = _cookie(site, "/flash")
    assert _read(site, cookie) == {"items": ["mutable"]}
    assert not site.session_interface._verified


def test_the_keeper_forgets_everything_past_its_bound(site, monkeypatch):
    monkeypatch.setattr(VerifiedCookieSessions, "max_kept", 3)
    for n in range(5):
        _read(site, _cookie(site, f"/put/n/{n}"))
    assert 1 <= len(site.session_interface._verified) <= 3


def _serializer_that_must_not_load(site: Flask):
    real = site.session_interface.get_signing_serializer

    def serializer(app):
        signer = real(app)

        def refuse(*_args, **_kwargs):
            raise AssertionError("the cookie was checked again")

        signer.loads = refuse
        return signer

    return serializer


def test_the_signing_serializer_is_built_once_per_key(site):
    sessions = site.session_interface
    first = sessions.get_signing_serializer(site)
    assert sessions.get_signing_serializer(site) is first
    cookie = _cookie(site, "/put/name/Ana")
    site.secret_key = "n" * 40  # a new key: a new serializer, and the old key's cookies no longer open
    assert sessions.get_signing_serializer(site) is not first
    assert _read(site, cookie) == {}
