"""Prebuilt selects: the same rows as through SQLAlchemy, in the request's transaction, still visible to listeners."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, column, func, select, table, update
from sqlalchemy.exc import DBAPIError

from app.database import read_connection, write_transaction
from app.extensions import db
from app.models import Lesson, LessonProgress, User
from app.prebuilt import PrebuiltSelect, PrebuiltWrite
from tests.conftest import recorded_statements

EVERY_KIND = (
    select(
        LessonProgress.id,
        LessonProgress.completed_at,  # datetime (text on SQLite)
        LessonProgress.watched,  # JSON
        LessonProgress.position_seconds,  # float
        User.active,  # boolean (an integer on SQLite)
        User.email,
        func.max(LessonProgress.started_at),  # an aggregate keeps its argument's type
    )
    .join(User, User.id == LessonProgress.user_id)
    .where(LessonProgress.user_id == bindparam("user_id"))
    .group_by(LessonProgress.id, User.active, User.email)
    .order_by(LessonProgress.id)
)


@pytest.fixture
def progress_rows(ctx, course, make_user):
    learner = make_user()
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.id)).all()[:3]
    db.session.add_all(
        [
            LessonProgress(user_id=learner.id, lesson_id=lessons[0].id, watched=[[0, 12.5], [30, 41]],
                           completed_at=datetime(2026, 3, 4, 5, 6, 7, 890), position_seconds=41.0),
            LessonProgress(user_id=learner.id, lesson_id=lessons[1].id, watched=None, position_seconds=0.0),
            LessonProgress(user_id=learner.id, lesson_id=lessons[2].id, watched=[], completed_at=None),
        ]
    )  # fmt: skip
    db.session.commit()
    return learner.id


def test_rows_hold_the_same_values_as_through_sqlalchemy(progress_rows):
    connection = read_connection(db)
    expected = [tuple(row) for row in connection.execute(EVERY_KIND, {"user_id": progress_rows})]
    got = PrebuiltSelect(EVERY_KIND).rows(connection, user_id=progress_rows)
    assert got == expected
    assert len(got) == 3
    assert isinstance(got[0][1], datetime) and got[0][2] == [[0, 12.5], [30, 41]] and got[0][4] is True


def test_a_value_written_into_the_statement_is_sent_with_it(progress_rows):
    statement = PrebuiltSelect(select(User.email).where(User.id == progress_rows, User.active.is_(True)))
    assert statement.first(read_connection(db)) == (db.session.get(User, progress_rows).email,)


def test_no_row_gives_none_and_an_empty_list(ctx):
    statement = PrebuiltSelect(select(User.id).where(User.id == bindparam("id")))
    connection = read_connection(db)
    assert statement.first(connection, id=424242) is None
    assert statement.rows(connection, id=424242) == []


def test_it_reads_inside_the_sessions_transaction(ctx, make_user):
    """A change not yet committed is seen, as any read in the same transaction sees it."""
    learner = make_user()
    db.session.get(User, learner.id).name = "Renamed, not committed"
    statement = PrebuiltSelect(select(User.name).where(User.id == bindparam("id")))
    assert statement.first(read_connection(db), id=learner.id) == ("Renamed, not committed",)
    db.session.rollback()


def test_statement_listeners_see_it(app, ctx, make_user):
    learner = make_user()
    statement = PrebuiltSelect(select(User.email).where(User.id == bindparam("id")))
    connection = read_connection(db)
    with recorded_statements(app) as statements:
        statement.rows(connection, id=learner.id)
    assert any("FROM users" in sql for sql in statements)


def test_lists_for_in_are_refused_when_built(ctx):
    with pytest.raises(TypeError, match="no lists for IN"):
        PrebuiltSelect(select(User.id).where(User.id.in_(bindparam("ids", expanding=True)))).rows(
            read_connection(db), ids=[1]
        )


def test_parameters_are_converted_by_their_type(progress_rows):
    """A date and time is sent as SQLAlchemy sends it (text on SQLite), so comparisons find the same rows."""
    statement = (
        select(LessonProgress.id).where(LessonProgress.completed_at > bindparam("at")).order_by(LessonProgress.id)
    )
    connection = read_connection(db)
    for at in (datetime(2026, 3, 4, 5, 6, 7), datetime(2026, 3, 4, 5, 6, 8)):
        expected = [tuple(row) for row in connection.execute(statement, {"at": at})]
        assert PrebuiltSelect(statement).rows(connection, at=at) == expected
    assert len(PrebuiltSelect(statement).rows(connection, at=datetime(2026, 3, 4, 5, 6, 7))) == 1


_COLUMNS = LessonProgress.__table__.c
_WRITE = PrebuiltWrite(
    update(LessonProgress.__table__)
    .where(_COLUMNS.id == bindparam("row_id"))
    .values(
        {
            name: bindparam(name, type_=_COLUMNS[name].type)
            for name in ("watched", "completed_at", "speed", "updated_at")
        }
    )
)


def test_a_write_stores_what_sqlalchemy_would_store(app, progress_rows):
    ids = db.session.scalars(select(LessonProgress.id).where(LessonProgress.user_id == progress_rows)).all()
    at = datetime(2026, 5, 6, 7, 8, 9, 123456)
    values = {"watched": [[1.5, 9.25]], "completed_at": at, "speed": 1.25, "updated_at": at}
    db.session.commit()
    with write_transaction(db) as connection:
        with recorded_statements(app) as statements:
            assert _WRITE.execute(connection, row_id=ids[0], **values) == 1
        assert any(sql.startswith("UPDATE lesson_progress") for sql in statements)
        connection.execute(update(LessonProgress).where(LessonProgress.id == ids[1]).values(**values))
        assert _WRITE.execute(connection, row_id=ids[2], watched=[], completed_at=None, speed=1.0, updated_at=at) == 1
    first, second, third = (db.session.get(LessonProgress, i) for i in ids)
    assert (first.watched, first.completed_at, first.speed) == (second.watched, second.completed_at, second.speed)
    assert (first.watched, first.completed_at, first.speed) == ([[1.5, 9.25]], values["completed_at"], 1.25)
    assert (third.watched, third.completed_at) == ([], None)
    raw = db.engine.raw_connection()
    try:  # stored alike, byte for byte, not just read back alike
        cursor = raw.cursor()
        cursor.execute(f"SELECT watched, completed_at FROM lesson_progress WHERE id IN ({first.id}, {second.id})")
        stored = cursor.fetchall()
    finally:
        raw.close()
    assert stored[0] == stored[1]


def test_a_write_that_leaves_a_column_default_to_sqlalchemy_is_refused(ctx):
    """``updated_at`` has an ``onupdate`` default, which only SQLAlchemy's own execution computes."""
    write = PrebuiltWrite(update(LessonProgress.__table__).values(speed=bindparam("speed")))
    with pytest.raises(TypeError, match="every value given: updated_at"):
        write.execute(read_connection(db), speed=1.0)


def test_a_database_error_is_raised_as_sqlalchemys(ctx):
    missing = PrebuiltSelect(select(table("no_such_table", column("x"))))
    with pytest.raises(DBAPIError, match="no_such_table"):
        missing.rows(read_connection(db))
    db.session.rollback()
