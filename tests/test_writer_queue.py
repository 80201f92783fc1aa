"""The hot writes on a SQLite file wait for their turn (app.writer_turns) before SQLite's write lock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

import app.database as database
from app.database import sqlite_file, write_intent, write_transaction
from app.extensions import db
from app.models import User
from app.writer_turns import end_turn, take_turn, writers_turn


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("sqlite:///instance/imh.sqlite3", "instance/imh.sqlite3"),
        ("sqlite:////srv/imh/imh.sqlite3", "/srv/imh/imh.sqlite3"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
        ("postgresql+psycopg://imh@db.internal/imh", None),
    ],
)
def test_which_databases_are_files(url, file):
    assert sqlite_file(make_url(url)) == file


def _behind_another_worker(lock: str, write, order: list[str]) -> threading.Thread:
    """Start ``write`` in a thread of its own while another worker holds the turn, check that it waits,
    then let the other worker write and go; the writer's thread is returned running."""
    taken, release = threading.Event(), threading.Event()

    def other_worker():
        with writers_turn(lock, timeout=10):
            taken.set()
            release.wait(10)
            order.append("other worker's write")

    holder = threading.Thread(target=other_worker)
    holder.start()
    assert taken.wait(10)
    writer = threading.Thread(target=write)
    writer.start()
    writer.join(0.2)
    assert writer.is_alive() and order == []  # waiting for its turn
    release.set()
    holder.join(10)
    return writer


def test_a_write_waits_for_the_turn_another_worker_holds(app, ctx, make_user):
    person = make_user(name="Before")
    queue = database._writer_queues.get(db.engine)
    if db.engine.dialect.name != "sqlite":
        assert queue is None  # a server database queues writers itself
        return
    lock, timeout = queue
    assert lock == str(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database) + "-writers"
    assert timeout == app.config["SQLITE_BUSY_TIMEOUT_MS"] / 2000  # then SQLite's own wait, under 30 s in all
    order: list[str] = []

    def report():
        with app.app_context(), write_transaction(db) as connection:
            connection.execute(update(User).where(User.id == person.id).values(name="After"))
            order.append("this report")

    _behind_another_worker(lock, report, order).join(10)
    assert order == ["other worker's write", "this report"]
    db.session.rollback()
    assert db.session.scalar(select(User.name).where(User.id == person.id)) == "After"


def _sqlite_queue() -> tuple[str, float] | None:
    """The SQLite file's queue; None on a server database, which queues writers itself."""
    queue = database._writer_queues.get(db.engine)
    assert (queue is None) == (db.engine.dialect.name != "sqlite")
    return queue


def _turn_is_free(lock: str) -> bool:
    """Whether another thread could take the turn now."""
    found = []

    def probe():
        turn = take_turn(lock, timeout=0)
        found.append(turn is not None)
        if turn is not None:
            end_turn(turn)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return found == [True]


def test_an_orm_write_transaction_waits_for_its_turn_and_holds_it_until_it_ends(app, ctx, make_user):
    person = make_user(name="Before")
    if (queue := _sqlite_queue()) is None:
        return
    lock = queue[0]
    db.session.close()
    order: list[str] = []
    writing, committed = threading.Event(), threading.Event()

    def quiz_submission():
        with app.app_context(), write_intent():
            db.session.execute(update(User).where(User.id == person.id).values(name="After"))
            order.append("this submission")
            writing.set()
            committed.wait(10)
            db.session.commit()

    writer = _behind_another_worker(lock, quiz_submission, order)
    assert writing.wait(10)
    assert order == ["other worker's write", "this submission"]
    assert not _turn_is_free(lock)  # held while the transaction lasts
    committed.set()
    writer.join(10)
    assert _turn_is_free(lock)
    assert db.session.scalar(select(User.name).where(User.id == person.id)) == "After"


@pytest.mark.parametrize("ending", ["rollback", "close", "error"])
def test_an_orm_write_transaction_ends_its_turn_however_it_ends(app, ctx, make_user, ending):
    person = make_user(name="Before")
    if (queue := _sqlite_queue()) is None:
        return
    lock = queue[0]
    db.session.close()
    with write_intent():
        db.session.execute(update(User).where(User.id == person.id).values(name="After"))
    assert not _turn_is_free(lock)
    if ending == "rollback":
        db.session.rollback()
    elif ending == "close":
        db.session.close()
    else:  # the database refuses a statement: the request's error handling rolls back
        with pytest.raises(IntegrityError):
            db.session.execute(update(User).where(User.id == person.id).values(email=None))
        db.session.rollback()
    assert _turn_is_free(lock)
    assert db.session.scalar(select(User.name).where(User.id == person.id)) == "Before"


def test_a_read_takes_no_turn(app, ctx, make_user):
    person = make_user(name="Reader")
    if (queue := _sqlite_queue()) is None:
        return
    lock = queue[0]
    with writers_turn(lock, timeout=1):  # even with the turn taken elsewhere, a read goes ahead
        db.session.close()
        assert db.session.scalar(select(User.name).where(User.id == person.id)) == "Reader"
    assert _turn_is_free(lock)
