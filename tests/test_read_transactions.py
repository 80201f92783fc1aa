"""Hot reads run in a read-only transaction of their own, unless the session is writing or mid-transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.database import read_connection, set_write_intent, write_intent
from app.extensions import db
from app.models import User


@pytest.fixture
def person(ctx, make_user):
    set_write_intent(False)
    return make_user(name="Before")


def _name(connection, user_id: int) -> str:
    return connection.execute(select(User.name).where(User.id == user_id)).scalar_one()


def test_a_light_read_leaves_the_session_untouched(person):
    connection = read_connection(db.session())
    assert _name(connection, person.id) == "Before"
    assert not db.session().in_transaction()
    assert read_connection(db.session()) is connection  # one read transaction per request


def test_reads_inside_a_session_transaction_use_its_connection_and_see_its_changes(person):
    db.session.get(User, person.id).name = "Pending"
    connection = read_connection(db.session())
    assert connection is db.session.connection()
    assert _name(connection, person.id) == "Pending"
    db.session.rollback()


def test_a_writer_reads_on_its_own_connection(person):
    with write_intent():
        assert read_connection(db.session()) is db.session.connection()
        db.session.rollback()


def test_a_commit_ends_the_read_transaction(person):
    first = read_connection(db.session())
    assert _name(first, person.id) == "Before"
    with db.engine.begin() as elsewhere:  # another worker
        elsewhere.execute(update(User).where(User.id == person.id).values(name="After"))
    db.session.commit()
    assert first.closed
    assert _name(read_connection(db.session()), person.id) == "After"


def test_a_read_transaction_never_holds_the_write_lock(person):
    """A writer in the same request must not wait behind the request's own reads (SQLite: BEGIN, never IMMEDIATE)."""
    read_connection(db.session()).execute(select(User.id)).all()
    with write_intent():
        db.session.execute(update(User).where(User.id == person.id).values(name="Written"))
        db.session.commit()
    assert db.session.get(User, person.id).name == "Written"


def test_closing_the_session_gives_the_connection_back(person):
    pool = db.engine.pool
    db.session.remove()
    before = pool.checkedout()
    read_connection(db.session()).execute(select(User.id)).all()
    assert pool.checkedout() == before + 1
    db.session.remove()
    assert pool.checkedout() == before
