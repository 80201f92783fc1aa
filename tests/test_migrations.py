"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Base, Module, Quiz, QuizAttempt, User
from app.ops.scratch import scratch_postgres


def test_migrations_and_models_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.fixture
def empty_database(tmp_path, database_url):
    """A database of the suite's kind with nothing in it, for migrating step by step."""
    if make_url(database_url).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'steps.sqlite3'}"
        return
    with scratch_postgres(database_url, "imh_steps") as url:
        yield url


def test_attempt_seeds_become_text_and_old_attempts_keep_theirs(empty_database, tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x" * 40, "TESTING": True, "INSTANCE_PATH": tmp_path}
    )
    with app.app_context():
        upgrade(revision="e6b3c9d2a4f1")  # seeds were 31-bit numbers
        person = User(email="old@example.test", name="Old", password_hash="x")
        module = Module(slug="m", title="M")
        db.session.add_all([person, module])
        db.session.flush()
        quiz = Quiz(module_id=module.id)
        db.session.add(quiz)
        db.session.commit()
        db.session.execute(
            text(
                "INSERT INTO quiz_attempts (user_id, quiz_id, number, seed, questions, pass_mark, show_answers, "
                "started_at) VALUES (:user, :quiz, 1, 123456789, '[]', 80, 'never', :now)"
            ),
            {"user": person.id, "quiz": quiz.id, "now": datetime(2026, 1, 1)},
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(QuizAttempt.seed)) == "123456789"
        db.session.add(QuizAttempt(user_id=person.id, quiz_id=quiz.id, number=2, seed="f" * 32, questions=[],
                                   pass_mark=80, show_answers="never"))  # fmt: skip
        db.session.commit()
        downgrade(revision="e6b3c9d2a4f1")
        seeds = db.session.execute(text("SELECT number, seed FROM quiz_attempts ORDER BY number")).all()
        assert [tuple(row) for row in seeds] == [(1, 123456789), (2, 0)]  # a 128-bit seed does not fit
        db.session.remove()
        db.engine.dispose()
