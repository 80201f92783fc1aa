"""Database errors a person can act on: a lost connection or a locked SQLite file answers 503 with
Retry-After, a write that clashes with one made a moment ago 409; anything else stays a 500."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from app import create_app


def _lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)


def _locked() -> OperationalError:
    return OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))


def _clash() -> IntegrityError:
    return IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: teams.name"))


def _other() -> OperationalError:
    return OperationalError("SELECT nope", {}, sqlite3.OperationalError("no such column: nope"))


@pytest.fixture
def site(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}", "SECRET_KEY": "x" * 40, "TESTING": True,
         "INSTANCE_PATH": tmp_path}
    )  # fmt: skip
    for name, make in (("lost", _lost), ("locked", _locked), ("clash", _clash), ("other", _other)):
        app.add_url_rule(f"/fails/{name}", f"fails_{name}", _failing(make))
    return app.test_client()


def _failing(make):
    def view():
        raise make()

    return view


@pytest.mark.parametrize("cause", ["lost", "locked"])
def test_a_passing_database_failure_asks_the_client_to_try_again(site, cause):
    page = site.get(f"/fails/{cause}")
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "briefly unavailable" in page.get_data(as_text=True)
    answer = site.get(f"/fails/{cause}", headers={"Accept": "application/json"})
    assert answer.status_code == 503 and answer.get_json()["error"] == "The site is briefly unavailable"


def test_a_write_that_clashes_with_one_made_a_moment_ago_says_so(site):
    """Two requests inserting the same unique row at once (a form sent twice): the second is told."""
    page = site.get("/fails/clash")
    assert page.status_code == 409
    assert "The same form may have been sent twice" in page.get_data(as_text=True)


def test_any_other_database_error_is_an_error_on_our_side(site):
    page = site.get("/fails/other")
    assert page.status_code == 500 and "Retry-After" not in page.headers
    assert "Something went wrong on our side" in page.get_data(as_text=True)
