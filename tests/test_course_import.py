"""Import is all-or-nothing, idempotent, and keeps learners' progress."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import event, func, select

from app.config import PROJECT_ROOT
from app.course_files import import_from_files
from app.extensions import db
from app.learn.progress import record_completed
from app.models import Lesson, LessonProgress, Module, User


@pytest.fixture
def modules_copy(tmp_path):
    target = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", target)
    return target


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Module)),
        db.session.scalar(select(func.count()).select_from(Lesson)),
    )


def test_import_creates_the_course(ctx):
    report, problems = import_from_files()
    assert not problems
    assert len(report.created) == 3
    assert _counts() == (3, 8)
    second, third = db.session.scalars(select(Module).order_by(Module.position)).all()[1:]
    first = db.session.scalar(select(Module).where(Module.position == 1))
    assert second.prerequisite_ids == {first.id}, "the default prerequisite is the module before"
    assert third.prerequisite_ids == {second.id}
    assert first.prerequisite_ids == set()


def test_importing_twice_changes_nothing(ctx):
    import_from_files()
    before = {m.slug: m.updated_at for m in db.session.scalars(select(Module))}
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        report, _ = import_from_files()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert report.created == [] and report.updated == [] and report.archived == []
    assert len(report.unchanged) == 3
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert {m.slug: m.updated_at for m in db.session.scalars(select(Module))} == before


def test_reimport_of_edited_module_keeps_progress(ctx, make_user, modules_copy):
    import_from_files(modules_copy)
    learner = db.session.get(User, make_user().id)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "key-ideas"))
    record_completed(learner, lesson)
    db.session.commit()

    folder = modules_copy / "01-what-is-infant-mental-health"
    text = (folder / "02-key-ideas.md").read_text().replace("title:", "title: Edited -", 1)
    (folder / "02-key-ideas.md").unlink()
    (folder / "05-key-ideas.md").write_text(text)  # moved and retitled, same slug
    (folder / "01-watch-the-video.md").rename(folder / "01-watch-again.md")  # a new slug
    quiz = folder / "quiz.yml"
    quiz.write_text(quiz.read_text().replace("review_lesson: watch-the-video", "review_lesson: watch-again"))

    report, problems = import_from_files(modules_copy)
    assert not problems
    assert "module what-is-infant-mental-health" in report.updated
    assert report.archived == ["lesson what-is-infant-mental-health/watch-the-video"]
    db.session.expire_all()
    kept = db.session.scalar(select(Lesson).where(Lesson.slug == "key-ideas"))
    assert kept.id == lesson.id and kept.title.startswith("Edited") and kept.position == 5
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert progress.completed_at is not None
    assert db.session.scalar(select(Lesson.archived).where(Lesson.slug == "watch-the-video")) is True


def test_nothing_is_imported_when_any_file_is_broken(ctx, modules_copy):
    import_from_files(modules_copy)
    (modules_copy / "01-what-is-infant-mental-health/module.yml").write_text(
        (modules_copy / "01-what-is-infant-mental-health/module.yml").read_text().replace("title:", "title: Changed", 1)
    )
    (modules_copy / "03-trauma-and-resilience-in-infancy/01-baby-steps.md").write_text("no front matter")
    report, problems = import_from_files(modules_copy)
    assert report is None
    assert [str(p) for p in problems] == [
        "modules/03-trauma-and-resilience-in-infancy/01-baby-steps.md:1: "
        "a lesson file must start with '---' and YAML front matter"
    ]
    title = db.session.scalar(select(Module.title).where(Module.slug == "what-is-infant-mental-health"))
    assert not title.startswith("Changed")


def test_cli_import_reports_and_is_repeatable(runner, ctx):
    first = runner.invoke(args=["course", "import"])
    assert first.exit_code == 0, first.output
    assert "3 created" in first.output
    second = runner.invoke(args=["course", "import"])
    assert "0 created, 0 updated, 3 unchanged, 0 archived" in second.output
