"""Flask-Login's session protection, with the browser identifier kept per worker: same answers as its own."""

from __future__ import annotations

import pytest
from flask_login.signals import session_protected
from flask_login.utils import _create_identifier

from app.auth import sessions
from app.auth.sessions import browser_identifier
from app.models import Role

VISITS = [
    ({"User-Agent": "Phone"}, "10.0.0.1"),
    ({"User-Agent": "Tablet"}, "10.0.0.1"),
    ({"User-Agent": "Phone"}, "10.0.0.2"),
    ({"User-Agent": "Phone", "X-Forwarded-For": "192.0.2.7, 10.0.0.1"}, "10.0.0.1"),
    ({}, "10.0.0.1"),  # no browser name at all
]


@pytest.mark.parametrize("repeat", [1, 2])  # the second time round, every answer comes from what was kept
def test_the_kept_identifier_is_flask_logins_own(app, repeat):
    for headers, address in VISITS * repeat:
        with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": address}):
            assert browser_identifier() == _create_identifier()


def test_a_worker_forgets_them_all_past_its_limit(app, monkeypatch):
    monkeypatch.setattr(sessions, "MAX_BROWSERS_KEPT", 2)
    monkeypatch.setattr(sessions, "_browser_identifiers", {})
    for name in ("A", "B", "C"):
        with app.test_request_context("/", headers={"User-Agent": name}):
            browser_identifier()
    assert len(sessions._browser_identifiers) == 1


def test_a_session_used_from_another_browser_is_caught(app, client, auth, make_user):
    learner = make_user(Role.LEARNER)
    client.environ_base["HTTP_USER_AGENT"] = "Phone"
    auth.login(learner)
    caught = []
    session_protected.connect(caught.append, app, weak=False)
    try:
        assert client.get("/about").status_code == 200
        assert caught == []  # the browser it signed in from
        client.environ_base["HTTP_USER_AGENT"] = "Some other browser"
        client.get("/about")
        assert caught == [app]
    finally:
        session_protected.disconnect(caught.append, app)
