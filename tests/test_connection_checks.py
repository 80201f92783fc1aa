"""A server database's pooled connections are checked before use only after they sat idle.

These run on a scratch PostgreSQL database of their own, whichever database the suite runs on.
"""

from __future__ import annotations

import time

import pytest
from flask_migrate import upgrade
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.database import end_reads, read_connection
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, PG_SERVER, AuthActions, scratch_postgres_or_skip

IDLE = 0.3  # seconds: short, so the tests can wait it out


@pytest.fixture
def site(tmp_path, request):
    """The app on a scratch PostgreSQL database, its connections checked after ``idle`` seconds
    (the test's ``idle`` mark; IDLE by default)."""
    mark = request.node.get_closest_marker("idle")
    with scratch_postgres_or_skip(PG_SERVER, "imh_ping") as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "x" * 40,
                "TESTING": True,
                "INSTANCE_PATH": tmp_path,
                "DATABASE_PING_AFTER_IDLE_SECONDS": mark.args[0] if mark else IDLE,
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
            person = User(email="learner@example.test", name="Learner", password_hash="")
            person.set_password(PASSWORD)
            db.session.add(person)
            db.session.commit()
            db.session.remove()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def engine(site):
    with site.app_context():
        yield db.engine


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


def _drop_connections(site) -> int:
    """What a server restart does to the app's open connections."""
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": make_url(site.config["SQLALCHEMY_DATABASE_URI"]).database},
                ).all()
            )
    finally:
        admin.dispose()


@pytest.mark.idle(60)
def test_a_connection_lost_while_in_use_costs_one_answer_that_asks_to_try_again(site):
    client = site.test_client()
    AuthActions(client).login("learner@example.test")
    assert client.get("/about").status_code == 200  # signed in, it reads the site's counters
    assert _drop_connections(site) >= 1
    lost = client.get("/about")  # its connection was in use a moment ago, so it was not checked
    assert lost.status_code == 503 and lost.headers["Retry-After"] == "1"
    assert client.get("/about").status_code == 200  # the pool opened a new connection


def test_a_requests_reads_run_without_a_transaction_and_leave_none_behind(site, engine):
    """Under READ COMMITTED a read-only transaction adds only a BEGIN and a ROLLBACK (two round trips)
    to a page's reads: they run in autocommit mode, and the connection goes back to the pool ready
    for transactions."""
    with site.test_request_context("/about"):
        reading = read_connection(db)
        assert reading.execute(text("SELECT count(*) FROM content_state")).scalar_one() == 1
        driver = reading.connection.driver_connection
        assert driver.info.transaction_status == TransactionStatus.IDLE  # no BEGIN was sent
        end_reads()
    raw = engine.raw_connection()  # the same connection, back from the pool
    try:
        assert raw.driver_connection is driver and raw.driver_connection.autocommit is False
    finally:
        raw.close()
    with site.test_request_context("/about"):
        db.session.execute(text("SELECT 1"))
        assert db.session.connection().connection.driver_connection.info.transaction_status == TransactionStatus.INTRANS
        db.session.rollback()
