"""Hot reads run in a read-only transaction of their own, unless the session is writing or mid-transaction."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, update

from app.database import (
    end_reading,
    read_connection,
    set_write_intent,
    transaction_info,
    write_intent,
    write_transaction,
)
from app.extensions import db
from app.models import User
from app.shared_state import current_versions


@pytest.fixture
def person(ctx, make_user):
    set_write_intent(False)
    return make_user(name="Before")


def _name(connection, user_id: int) -> str:
    return connection.execute(select(User.name).where(User.id == user_id)).scalar_one()


def _ended(connection) -> bool:
    """Its transaction is over: the connection went back to the pool, or (SQLite, where a thread
    keeps its connection) it is out of any transaction."""
    if connection.closed:
        return True
    return not connection.in_transaction() and not connection.connection.driver_connection.in_transaction


def test_a_light_read_makes_no_orm_session(person):
    db.session.remove()
    connection = read_connection(db)
    assert _name(connection, person.id) == "Before"
    assert read_connection(db) is connection  # one read transaction per request
    assert not db.session.registry.has()


def test_a_light_read_leaves_an_existing_session_untouched(person):
    db.session()
    connection = read_connection(db)
    assert _name(connection, person.id) == "Before"
    assert not db.session().in_transaction()


def test_reads_inside_a_session_transaction_use_its_connection_and_see_its_changes(person):
    db.session.get(User, person.id).name = "Pending"
    connection = read_connection(db)
    assert connection is db.session.connection()
    assert _name(connection, person.id) == "Pending"
    db.session.rollback()


def test_a_writer_reads_on_its_own_connection(person):
    with write_intent():
        assert read_connection(db) is db.session.connection()
        db.session.rollback()


def test_a_commit_ends_the_read_transaction(person):
    first = read_connection(db)
    assert _name(first, person.id) == "Before"
    with db.engine.begin() as elsewhere:  # another worker
        elsewhere.execute(update(User).where(User.id == person.id).values(name="After"))
    db.session.commit()
    assert _ended(first)
    assert _name(read_connection(db), person.id) == "After"


def test_a_read_transaction_never_holds_the_write_lock(person):
    """A writer in the same request must not wait behind the request's own reads (SQLite: BEGIN, never IMMEDIATE)."""
    read_connection(db).execute(select(User.id)).all()
    with write_intent():
        db.session.execute(update(User).where(User.id == person.id).values(name="Written"))
        db.session.commit()
    assert db.session.get(User, person.id).name == "Written"


def test_closing_the_session_or_the_app_context_ends_the_read_transaction(app, person):
    db.session.remove()
    db.session()
    first = read_connection(db)
    first.execute(select(User.id)).all()
    db.session.remove()
    assert _ended(first)
    with app.app_context():  # a request's, which made no ORM session
        second = read_connection(db)
        second.execute(select(User.id)).all()
        assert not db.session.registry.has()
    assert _ended(second)


def test_ending_the_reading_ends_the_read_transaction_and_what_it_read(person):
    first = read_connection(db)
    current_versions()
    assert "shared_state_versions" in transaction_info()
    end_reading(db)
    assert _ended(first)
    assert "shared_state_versions" not in transaction_info()  # the next transaction reads the counters again
    assert not db.session().in_transaction()


def test_a_flush_forgets_what_was_read(person):
    current_versions()
    db.session.get(User, person.id).name = "Flushed"
    db.session.flush()
    assert "shared_state_versions" not in transaction_info()  # the flush may have raised the counters
    db.session.rollback()


def test_ending_the_reading_commits_a_session_transaction(person):
    db.session.get(User, person.id).name = "Kept"
    end_reading(db)
    assert not db.session().in_transaction()
    with db.engine.connect() as elsewhere:
        assert _name(elsewhere, person.id) == "Kept"


def test_a_write_transaction_commits_on_its_own_connection(person):
    with write_transaction(db) as connection:
        assert not db.session().in_transaction()
        connection.execute(update(User).where(User.id == person.id).values(name="Written"))
    db.session.remove()
    assert _name(read_connection(db), person.id) == "Written"


def test_a_write_transaction_rolls_back_when_its_block_fails(person):
    with pytest.raises(RuntimeError), write_transaction(db) as connection:
        connection.execute(update(User).where(User.id == person.id).values(name="Lost"))
        raise RuntimeError("a failed check")
    assert _name(read_connection(db), person.id) == "Before"


def test_a_write_transaction_is_seen_elsewhere_only_once_it_ends(person):
    """One transaction; on SQLite it holds the write lock from its start (BEGIN IMMEDIATE), so a
    read-then-write cannot fail with "database is locked" at its write."""
    with write_transaction(db) as connection:
        connection.execute(update(User).where(User.id == person.id).values(name="Written"))
        assert _name_elsewhere(person.id) == "Before"  # another worker's view
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    assert _name_elsewhere(person.id) == "Written"


def _name_elsewhere(user_id: int) -> str:
    """Read on a connection of its own straight through the driver (outside this request's write intent)."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT name FROM users WHERE id = {int(user_id)}")
        return cursor.fetchone()[0]
    finally:
        raw.close()


def test_a_write_transaction_ends_the_reads_before_it(person):
    """Its write lock must not wait behind the request's own read transaction, nor read older data."""
    first = read_connection(db)
    current_versions()
    with write_transaction(db) as connection:
        # the reads' connection went back to the pool, or (SQLite, kept) ended its reads to write
        assert first.closed or first is connection
        assert "shared_state_versions" not in transaction_info()
        connection.execute(update(User).where(User.id == person.id).values(name="Written"))
    assert _name(read_connection(db), person.id) == "Written"
