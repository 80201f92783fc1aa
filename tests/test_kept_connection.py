"""The hot paths' connection: kept by each thread on SQLite, lent by the pool on a server database."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select, update

import app.database as database
from app.database import end_reads, read_connection, set_write_intent, write_transaction
from app.extensions import db
from app.models import User


@pytest.fixture
def person(ctx, make_user):
    set_write_intent(False)
    return make_user(name="Before")


def _kept_here() -> bool:
    return db.engine.dialect.name == "sqlite"


def _reading_connection():
    connection = read_connection(db)
    connection.execute(select(User.id)).all()
    end_reads()
    return connection


def test_each_request_reads_on_the_same_connection_on_sqlite_and_on_a_pooled_one_elsewhere(app, person):
    first = _reading_connection()
    with app.app_context():
        second = _reading_connection()
    if _kept_here():
        assert second is first and not first.closed
        assert not first.connection.driver_connection.in_transaction
    else:
        assert first.closed and second.closed  # back to the pool, whose ping checks it next time


def test_a_write_after_the_reads_uses_the_kept_connection_and_commits(person):
    reads = read_connection(db)
    with write_transaction(db) as connection:
        assert (connection is reads) == _kept_here()
        connection.execute(update(User).where(User.id == person.id).values(name="Written"))
    with db.engine.connect() as elsewhere:
        assert elsewhere.execute(select(User.name).where(User.id == person.id)).scalar_one() == "Written"


def test_a_failed_write_is_rolled_back_and_the_connection_still_serves(person):
    with pytest.raises(RuntimeError), write_transaction(db) as connection:
        connection.execute(update(User).where(User.id == person.id).values(name="Lost"))
        raise RuntimeError("a failed check")
    assert read_connection(db).execute(select(User.name).where(User.id == person.id)).scalar_one() == "Before"


def test_a_transaction_inside_another_gets_a_connection_of_its_own(person):
    reads = read_connection(db)
    inner = database._take(db.engine)
    try:
        assert inner is not reads
    finally:
        database._give_back(inner)
    assert inner.closed  # a lent one goes back to the pool


def test_disposing_of_the_engine_replaces_the_kept_connection(person):
    first = _reading_connection()
    db.engine.dispose()
    second = _reading_connection()
    assert second is not first
    assert first.closed


def test_an_invalidated_connection_is_replaced(person):
    first = _reading_connection()
    if not first.closed:
        first.invalidate()
    second = read_connection(db)
    assert second is not first
    assert second.execute(select(User.name).where(User.id == person.id)).scalar_one() == "Before"


def test_a_statement_sent_after_the_reads_ended_leaves_nothing_for_the_next_request(person):
    stale = _reading_connection()
    if not stale.closed:  # the kept one (SQLite): a statement on it begins a transaction
        stale.execute(select(User.id)).all()
    with db.engine.begin() as elsewhere:  # another worker
        elsewhere.execute(update(User).where(User.id == person.id).values(name="After"))
    assert read_connection(db).execute(select(User.name).where(User.id == person.id)).scalar_one() == "After"


def test_a_kept_connection_whose_rollback_fails_is_dropped_not_reused(person, monkeypatch, caplog):
    first = read_connection(db)
    first.execute(select(User.id)).all()

    def broken(_connection):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database, "_rollback", broken)
    end_reads()  # the request still ends normally
    monkeypatch.undo()
    second = _reading_connection()
    assert second is not first
    assert first.closed
    if _kept_here():
        assert "rollback failed" in caplog.text


def test_a_forked_worker_opens_its_own_and_never_closes_its_parents(person, monkeypatch):
    parents = _reading_connection()
    monkeypatch.setattr(database.os, "getpid", lambda: -1)  # as if this were a child process
    child = _reading_connection()
    assert child is not parents
    if _kept_here():
        assert not parents.closed  # the parent's, untouched
        assert parents in database._inherited
        database._inherited.remove(parents)
        monkeypatch.undo()
        database._forget_kept()  # this test's "child" connection: this process's own again
        parents.close()


def test_each_thread_keeps_its_own(app, person):
    here = _reading_connection()
    seen = []

    def other_thread():
        with app.app_context():
            seen.append(_reading_connection())
            database._forget_kept()  # the thread ends here: give its connection back

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen and seen[0] is not here
