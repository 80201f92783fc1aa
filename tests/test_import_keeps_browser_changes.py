"""Importing the course files never silently undoes what an author changed in the browser."""

from __future__ import annotations

import html
import shutil

import pytest
from sqlalchemy import select

from app.author.export import write_module
from app.config import PROJECT_ROOT
from app.course_files import import_from_files
from app.extensions import db
from app.models import ContentChange, Lesson, Module

M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"


@pytest.fixture
def author(auth, make_user, course):
    user = make_user("author", name="Ada Author")
    auth.login(user)
    return user


@pytest.fixture
def modules_copy(tmp_path):
    target = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", target)
    return target


def _module(slug: str) -> Module:
    db.session.expire_all()
    return db.session.scalar(select(Module).where(Module.slug == slug))


def _rename_in_browser(client, app, slug: str, title: str) -> None:
    with app.app_context():
        module = _module(slug)
        module_id, prerequisites = module.id, [str(i) for i in module.prerequisite_ids]
        data = {
            "title": title,
            "slug": slug,
            "summary": module.summary,
            "estimated_minutes": str(module.estimated_minutes),
            "ce_hours": str(module.ce_hours),
            "prerequisites": prerequisites,
        }
    response = client.post(f"/author/modules/{module_id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _edit_module_file(modules_dir, slug: str, old: str, new: str) -> None:
    (path,) = modules_dir.glob(f"*-{slug}/module.yml")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_browser_change_marks_the_module_but_publishing_does_not(app, client, author):
    with app.app_context():
        assert not _module(M2).changed_in_browser, "a freshly imported module matches its files"
        module_id = _module(M1).id
    assert client.post(f"/author/modules/{module_id}/publish").status_code == 302
    with app.app_context():
        assert not _module(M1).changed_in_browser, "publishing is not in the files: an import never changes it"
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    with app.app_context():
        assert _module(M2).changed_in_browser


def test_import_keeps_a_module_changed_in_the_browser_and_imports_the_rest(app, client, author, modules_copy):
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    _edit_module_file(modules_copy, M2, "title:", "title: Files say")
    _edit_module_file(modules_copy, M1, "title:", "title: Files also say")
    with app.app_context():
        report, problems = import_from_files(modules_copy)
        assert not problems
        assert report.kept == [M2]
        summary = "0 created, 1 updated, 1 unchanged, 0 archived, 1 kept with changes made in the browser"
        assert report.summary() == summary
        assert _module(M2).title == "Signs, retitled in the browser" and _module(M2).changed_in_browser
        assert _module(M1).title.startswith("Files also say"), "the other modules are imported as usual"


def test_replacing_browser_changes_brings_the_module_back_to_its_files(app, client, author, modules_copy):
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).join(Module).where(Module.slug == M2))
    assert client.post(f"/author/lessons/{lesson_id}/archive").status_code == 302
    with app.app_context():
        report, _ = import_from_files(modules_copy, replace_browser_changes=True)
        assert report.kept == [] and f"module {M2}" in report.updated
        module = _module(M2)
        assert "retitled" not in module.title
        assert not module.changed_in_browser
        assert all(not lesson.archived for lesson in module.lessons), "the archived lesson is back, as its file says"


def test_files_that_match_the_browser_clear_the_mark(app, client, author, modules_copy):
    """After exporting the module into the files, importing finds nothing to change and forgets the mark,
    so a later change to the files is imported again."""
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    with app.app_context():
        write_module(db.session, _module(M2), modules_copy)
        report, _ = import_from_files(modules_copy)
        assert report.kept == [] and f"module {M2}" in report.unchanged
        assert not _module(M2).changed_in_browser
    _edit_module_file(modules_copy, M2, "Signs, retitled in the browser", "Signs, edited in the file")
    with app.app_context():
        report, _ = import_from_files(modules_copy)
        assert f"module {M2}" in report.updated and _module(M2).title == "Signs, edited in the file"


def test_a_kept_module_still_counts_as_a_prerequisite(app, client, author, modules_copy):
    """Module 3 requires module 2 in the files; keeping module 2 must not break that link."""
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    _edit_module_file(modules_copy, M2, "title:", "title: Files say")
    with app.app_context():
        before = {m.slug: m.prerequisite_ids for m in db.session.scalars(select(Module))}
        report, _ = import_from_files(modules_copy)
        assert report.kept == [M2]
        assert {m.slug: m.prerequisite_ids for m in db.session.scalars(select(Module))} == before


def test_cli_import_says_which_modules_it_kept_and_how_to_choose(app, client, author, runner, modules_copy):
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    _edit_module_file(modules_copy, M2, "title:", "title: Files say")
    kept = runner.invoke(args=["course", "import", str(modules_copy)])
    assert kept.exit_code == 0, kept.output
    assert "1 kept with changes made in the browser" in kept.output
    assert f"Kept {M2}: it was changed in the browser" in kept.output
    assert f"flask course export {M2} {modules_copy}" in kept.output and "--replace-browser-changes" in kept.output
    replaced = runner.invoke(args=["course", "import", str(modules_copy), "--replace-browser-changes"])
    assert replaced.exit_code == 0 and "1 updated" in replaced.output and "kept" not in replaced.output
    with app.app_context():
        assert _module(M2).title.startswith("Files say")


def test_author_page_shows_the_mark_and_asks_before_replacing(app, client, author):
    page = client.get("/author/").get_data(as_text=True)
    assert "Import and replace browser changes" not in page, "nothing to replace: no such button"
    _rename_in_browser(client, app, M2, "Signs, retitled in the browser")
    page = html.unescape(client.get("/author/").get_data(as_text=True))
    assert "Changed here, not in its files" in page
    assert "Import and replace browser changes" in page and "data-confirm=" in page

    # The files differ (they still have the old title): a plain import keeps the module and says so.
    response = client.post("/author/import", follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert "1 kept with changes made in the browser" in page
    assert "Kept as they are" in page and "“Signs, retitled in the browser”" in page
    with app.app_context():
        assert _module(M2).title == "Signs, retitled in the browser"

    response = client.post("/author/import", data={"replace_browser_changes": "1"}, follow_redirects=True)
    assert "Kept as they are" not in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert "retitled" not in _module(M2).title and not _module(M2).changed_in_browser
        whats = list(db.session.scalars(select(ContentChange.what).order_by(ContentChange.id.desc())))
        assert whats[0] == "imported the course files, replacing changes made in the browser"
    assert "Changed here, not in its files" not in client.get("/author/").get_data(as_text=True)


def test_a_module_written_in_the_browser_is_not_listed_as_differing_from_files(app, client, author):
    data = {"title": "Comforting a crying baby", "slug": "", "summary": "x", "estimated_minutes": "5", "ce_hours": "0"}
    assert client.post("/author/modules/new", data=data).status_code == 302
    page = client.get("/author/").get_data(as_text=True)
    assert "Changed here, not in its files" not in page and "Import and replace browser changes" not in page
