"""Prebuilt selects: the same rows as through SQLAlchemy, in the request's transaction, still visible to listeners."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, column, func, select, table
from sqlalchemy.exc import DBAPIError

from app.database import read_connection
from app.extensions import db
from app.models import Lesson, LessonProgress, QuizAttempt, User
from app.prebuilt import PrebuiltSelect
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
    connection = read_connection(db.session())
    expected = [tuple(row) for row in connection.execute(EVERY_KIND, {"user_id": progress_rows})]
    got = PrebuiltSelect(EVERY_KIND).rows(connection, user_id=progress_rows)
    assert got == expected
    assert len(got) == 3
    assert isinstance(got[0][1], datetime) and got[0][2] == [[0, 12.5], [30, 41]] and got[0][4] is True


def test_a_value_written_into_the_statement_is_sent_with_it(progress_rows):
    statement = PrebuiltSelect(select(User.email).where(User.id == progress_rows, User.active.is_(True)))
    assert statement.first(read_connection(db.session())) == (db.session.get(User, progress_rows).email,)


def test_no_row_gives_none_and_an_empty_list(ctx):
    statement = PrebuiltSelect(select(User.id).where(User.id == bindparam("id")))
    connection = read_connection(db.session())
    assert statement.first(connection, id=424242) is None
    assert statement.rows(connection, id=424242) == []


def test_it_reads_inside_the_sessions_transaction(ctx, make_user):
    """A change not yet committed is seen, as any read in the same transaction sees it."""
    learner = make_user()
    db.session.get(User, learner.id).name = "Renamed, not committed"
    statement = PrebuiltSelect(select(User.name).where(User.id == bindparam("id")))
    assert statement.first(read_connection(db.session()), id=learner.id) == ("Renamed, not committed",)
    db.session.rollback()


def test_statement_listeners_see_it(app, ctx, make_user):
    learner = make_user()
    statement = PrebuiltSelect(select(User.email).where(User.id == bindparam("id")))
    connection = read_connection(db.session())
    with recorded_statements(app) as statements:
        statement.rows(connection, id=learner.id)
    assert any("FROM users" in sql for sql in statements)


def test_parameters_that_need_converting_are_refused_when_built(ctx):
    with pytest.raises(TypeError, match="plain integer or text"):
        PrebuiltSelect(select(User.id).where(User.id.in_(bindparam("ids", expanding=True)))).rows(
            read_connection(db.session()), ids=[1]
        )
    with pytest.raises(TypeError, match="plain integer or text"):
        PrebuiltSelect(select(QuizAttempt.id).where(QuizAttempt.submitted_at > bindparam("at"))).rows(
            read_connection(db.session()), at="2026-01-01"
        )


def test_a_database_error_is_raised_as_sqlalchemys(ctx):
    missing = PrebuiltSelect(select(table("no_such_table", column("x"))))
    with pytest.raises(DBAPIError, match="no_such_table"):
        missing.rows(read_connection(db.session()))
    db.session.rollback()
