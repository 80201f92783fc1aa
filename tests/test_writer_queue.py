"""The hot writes on a SQLite file wait for their turn (app.writer_turns) before SQLite's write lock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

import app.database as database
from app.database import sqlite_file, write_transaction
from app.extensions import db
from app.models import User
from app.writer_turns import writers_turn


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


def test_a_write_waits_for_the_turn_another_worker_holds(app, ctx, make_user):
    person = make_user(name="Before")
    queue = database._writer_queues.get(db.engine)
    if db.engine.dialect.name != "sqlite":
        assert queue is None  # a server database queues writers itself
        return
    lock, timeout = queue
    assert lock == str(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database) + "-writers"
    assert timeout == app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    order: list[str] = []
    taken, release = threading.Event(), threading.Event()

    def other_worker():
        with writers_turn(lock, timeout=10):
            taken.set()
            release.wait(10)
            order.append("other worker's write")

    def report():
        with app.app_context(), write_transaction(db) as connection:
            connection.execute(update(User).where(User.id == person.id).values(name="After"))
            order.append("this report")

    holder = threading.Thread(target=other_worker)
    holder.start()
    assert taken.wait(10)
    writer = threading.Thread(target=report)
    writer.start()
    writer.join(0.2)
    assert writer.is_alive() and order == []  # waiting for its turn
    release.set()
    holder.join(10)
    writer.join(10)
    assert order == ["other worker's write", "this report"]
    db.session.rollback()
    assert db.session.scalar(select(User.name).where(User.id == person.id)) == "After"
