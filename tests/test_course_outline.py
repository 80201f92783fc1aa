"""The course structure each worker keeps in memory: reused while unchanged, never stale after a change."""

from __future__ import annotations

from dataclasses import fields

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.learn.outline import LessonOutline, ModuleOutline, QuizOutline, course_outline
from app.models import ContentState, Lesson, Module, ModulePrerequisite, Quiz
from tests.conftest import recorded_statements

M1 = "what-is-infant-mental-health"
VIDEO = f"/modules/{M1}/watch-the-video"


def version() -> int:
    return db.session.scalar(select(ContentState.version))


@pytest.mark.parametrize(("model", "outline"), [(Module, ModuleOutline), (Lesson, LessonOutline), (Quiz, QuizOutline)])
def test_outline_carries_every_column_of_its_model(model, outline):
    """Pages read outlines where they used to read models: a missing column would render as nothing."""
    columns = {attr.key for attr in model.__mapper__.column_attrs}
    assert columns <= {f.name for f in fields(outline)}


def _change_title_by_orm():
    db.session.scalars(select(Lesson)).first().title = "Renamed"


def _change_title_by_core():
    db.session.execute(update(Lesson).values(title="Renamed"))


def _change_title_by_sql():
    db.session.execute(text("UPDATE lessons SET title = 'Renamed'"))


def _add_prerequisite():
    first, second = db.session.scalars(select(Module).order_by(Module.position)).all()[:2]
    db.session.add(ModulePrerequisite(module_id=first.id, requires_id=second.id))


def _archive_quiz():
    db.session.execute(update(Quiz).values(archived=True))


def _delete_lessons_of_a_module():
    module = db.session.scalars(select(Module).order_by(Module.position.desc())).first()
    db.session.execute(Lesson.__table__.delete().where(Lesson.module_id == module.id))


@pytest.mark.parametrize(
    "change",
    [_change_title_by_orm, _change_title_by_core, _change_title_by_sql, _add_prerequisite, _archive_quiz,
     _delete_lessons_of_a_module],
)  # fmt: skip
def test_every_kind_of_write_raises_the_version(app, course, change):
    with app.app_context():
        before = version()
        change()
        db.session.commit()
        assert version() > before


def test_progress_writes_leave_the_version_alone(app, client, auth, make_user, course):
    with app.app_context():
        before = version()
    auth.login(make_user())
    client.get(VIDEO)  # opening a lesson writes its progress row
    client.post(VIDEO + "/progress", json={"ranges": [[0, 1]], "position": 1, "speed": 1})
    with app.app_context():
        assert version() == before


def test_the_snapshot_is_reused_until_the_course_changes(app, course):
    with app.app_context():
        first = course_outline()
        db.session.commit()  # a new transaction asks the database again
        assert course_outline() is first
        db.session.execute(update(Module).values(title="New title"))
        db.session.commit()
        fresh = course_outline()
        assert fresh is not first
        assert {m.title for m in fresh.modules} == {"New title"}


def test_a_learner_sees_an_authors_change_on_the_next_page(app, client, auth, make_user, course):
    auth.login(make_user())
    assert "Watch: What is Infant Mental Health?" in client.get(VIDEO).text
    with app.app_context():
        db.session.execute(update(Lesson).where(Lesson.slug == "watch-the-video").values(title="Watch it now"))
        db.session.commit()
    page = client.get(VIDEO).text
    assert "Watch it now" in page and "Watch: What is Infant Mental Health?" not in page


def test_an_unpublished_module_disappears_at_once(app, client, auth, make_user, course):
    auth.login(make_user())
    assert client.get(f"/modules/{M1}").status_code == 200
    with app.app_context():
        db.session.execute(update(Module).where(Module.slug == M1).values(published=False))
        db.session.commit()
    assert client.get(f"/modules/{M1}").status_code == 404


def warm_reads(app, client, url: str) -> list[str]:
    """The statements a page sends once warm (its second view): all reads, none from the course tables
    or the people, which the worker keeps while their version counters stay the same."""
    client.get(url).close()  # warm up (and a lesson's first opening writes)
    with recorded_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    tables = (" FROM modules", " FROM lessons", " FROM quizzes", " FROM users")
    assert not [s for s in reads if any(table in s for table in tables)]
    return reads


def test_a_lesson_page_reads_no_course_tables_once_warm(app, client, auth, make_user, course):
    """Warm, a lesson page asks: are the course and the people unchanged, and where does this learner stand."""
    auth.login(make_user())
    reads = warm_reads(app, client, VIDEO)
    assert len(reads) == 3, reads


def test_the_home_page_reads_a_fixed_few_rows_once_warm(app, client, auth, make_user, course):
    """Warm, a learner's home page asks: are the course and the people unchanged, where does this
    learner stand (attempts, lessons), and what is due (their teams, the assignments)."""
    auth.login(make_user(team="Team A"))
    reads = warm_reads(app, client, "/")
    assert len(reads) == 5, reads
