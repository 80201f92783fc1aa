"""A server database's pooled connections are checked before use only after they sat idle.

These run on a scratch PostgreSQL database of their own, whichever database the suite runs on.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from app.ops.scratch import scratch_postgres
from tests.conftest import _unavailable

PG_SERVER = os.environ.get("PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IDLE = 0.3  # seconds: short, so the tests can wait it out


@pytest.fixture
def engine(tmp_path):
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres(PG_SERVER, "imh_ping"))
        except OperationalError as error:
            _unavailable(f"PostgreSQL not reachable for the connection checks: {error.orig}")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "x" * 40,
                "TESTING": True,
                "INSTANCE_PATH": tmp_path,
                "DATABASE_PING_AFTER_IDLE_SECONDS": IDLE,
            }
        )
        with app.app_context():
            yield db.engine
            db.engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch):
    """How many times the engine's connections have been checked."""
    count = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: count.append(1) or ping(connection))
    return count


def backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_back_from_use_a_moment_ago_is_not_checked(engine, pings):
    first = backend(engine)
    assert [backend(engine) for _ in range(5)] == [first] * 5  # the same pooled connection
    assert pings == []  # no round trip to the server before each use
    time.sleep(IDLE + 0.1)
    assert backend(engine) == first
    assert len(pings) == 1  # idle long enough to be checked


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_use(engine, pings):
    dropped = backend(engine)
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar_one()
    finally:
        admin.dispose()
    time.sleep(IDLE + 0.1)
    with engine.connect() as conn:  # the request would see no error
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped
    assert len(pings) == 1
