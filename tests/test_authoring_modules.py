"""Writing modules in the browser: drafts, lessons, safe edits, preview, history, and the round trip with files."""

from __future__ import annotations

import html
import io
import shutil
import zipfile
from dataclasses import asdict

import pytest
from sqlalchemy import func, select

from app.author.export import module_files, write_module
from app.config import PROJECT_ROOT
from app.course.loader import check_lesson_values, load_course
from app.course_files import import_from_files
from app.extensions import db
from app.learn.quizzes import quiz_spec
from app.models import Base, ContentChange, Lesson, LessonProgress, Module, QuizAttempt, utcnow
from app.quiz import grading

M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"
MEDIA = PROJECT_ROOT / "media"
NEW_MODULE = {"title": "Comforting a crying baby", "slug": "", "summary": "What crying tells us."}
NEW_MODULE |= {"estimated_minutes": "25", "ce_hours": "0.5"}
VIDEO = dict(media=f"{M1}/standin.webm", captions=f"{M1}/captions.vtt", duration="95")


@pytest.fixture
def author(auth, make_user, course):
    user = make_user("author", name="Ada Author")
    auth.login(user)
    return user


def _module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def _lesson(module_slug: str, slug: str) -> Lesson:
    return db.session.scalar(select(Lesson).join(Module).where(Module.slug == module_slug, Lesson.slug == slug))


def _create_module(client, **fields) -> str:
    response = client.post("/author/modules/new", data={**NEW_MODULE, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_new_module_is_a_draft_that_learners_cannot_see(app, client, auth, author, make_user):
    location = _create_module(client)
    with app.app_context():
        module = _module("comforting-a-crying-baby")
        assert module.published is False and module.position == 4
        assert location.endswith(f"/author/modules/{module.id}")
        change = db.session.scalar(select(ContentChange).where(ContentChange.module_id == module.id))
        assert change.what == "created the module" and change.user_id == author.id
    assert "Comforting a crying baby" in client.get(location).get_data(as_text=True)
    auth.logout()
    auth.login(make_user("learner"))
    assert "Comforting a crying baby" not in client.get("/").get_data(as_text=True)
    assert client.get("/modules/comforting-a-crying-baby").status_code == 404
    assert client.get(location).status_code == 403
    assert client.post("/author/modules/new", data=NEW_MODULE).status_code == 403


def test_module_form_shows_the_validators_messages_and_saves_nothing(app, client, author):
    response = client.post(
        "/author/modules/new",
        data={**NEW_MODULE, "title": " ", "estimated_minutes": "-5", "ce_hours": "lots", "slug": "Not A Slug"},
    )
    assert response.status_code == 422
    page = _text(response)
    for message in ("'title' cannot be empty", "'estimated_minutes' cannot be negative", "a slug uses lowercase"):
        assert message in page
    assert "'ce_hours' must be a number" in page
    assert ":1:" not in page and "<form>" not in page
    taken = client.post("/author/modules/new", data={**NEW_MODULE, "slug": M1})
    assert taken.status_code == 422 and f"duplicate module slug '{M1}'" in _text(taken)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Module)) == 3


def test_a_prerequisite_cycle_is_refused_with_the_validators_message(app, client, author, tmp_path):
    with app.app_context():
        first_id, third_id = _module(M1).id, _module("trauma-and-resilience-in-infancy").id
    response = client.post(f"/author/modules/{first_id}/edit", data={**NEW_MODULE, "prerequisites": [str(third_id)]})
    assert response.status_code == 422
    # The same change made in the files: `flask course validate` says the same thing.
    copy = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", copy)
    meta = copy / f"01-{M1}" / "module.yml"
    meta.write_text(meta.read_text().replace("prerequisites: []", "prerequisites: [trauma-and-resilience-in-infancy]"))
    _course, problems = load_course(copy, MEDIA)
    assert problems and all(p.message.startswith("prerequisites form a cycle") for p in problems)
    assert problems[0].message in _text(response)
    with app.app_context():
        assert _module(M1).prerequisite_ids == set()


def test_slug_can_change_until_the_module_is_published(app, client, author):
    location = _create_module(client)
    module_id = int(location.rsplit("/", 1)[1])
    edit = {**NEW_MODULE, "slug": "crying-babies"}
    assert client.post(f"/author/modules/{module_id}/edit", data=edit).status_code == 302
    with app.app_context():
        assert db.session.get(Module, module_id).slug == "crying-babies"
    assert client.post(f"/author/modules/{module_id}/publish").status_code == 302
    assert client.post(f"/author/modules/{module_id}/publish").status_code == 302  # unpublished again
    page = client.get(f"/author/modules/{module_id}/edit").get_data(as_text=True)
    assert 'name="slug"' not in page
    client.post(f"/author/modules/{module_id}/edit", data={**edit, "slug": "another"})
    with app.app_context():
        assert db.session.get(Module, module_id).slug == "crying-babies"


def test_adding_lessons_uses_the_lesson_rules(app, client, author):
    module_id = int(_create_module(client).rsplit("/", 1)[1])
    new = f"/author/modules/{module_id}/lessons/new"
    reading = {"title": "What crying tells us", "minutes": "10", "required": "y", "body": "Crying *speaks*.\r\n"}
    optional = client.post(new + "?kind=reading", data={**reading, "required": ""})
    assert optional.status_code == 422 and "module needs at least one required lesson" in _text(optional)
    assert client.post(new + "?kind=reading", data=reading).status_code == 302
    refused = client.post(new + "?kind=reflection", data={"title": "Think", "required": "y", "minutes": "many"})
    assert refused.status_code == 422
    assert "a reflection lesson needs a 'prompt'" in _text(refused)
    assert "'minutes' must be a whole number" in _text(refused)
    video = {"title": "Watch", "required": "y", **VIDEO}
    missing = client.post(new + "?kind=video", data={**video, "media": "nowhere.webm"})
    assert missing.status_code == 422 and "media file not found: media/nowhere.webm" in _text(missing)
    assert client.post(new + "?kind=video", data=video).status_code == 302
    with app.app_context():
        lessons = db.session.get(Module, module_id).lessons
        found = [(le.slug, le.kind, le.position) for le in lessons]
        assert found == [("what-crying-tells-us", "reading", 1), ("watch", "video", 2)]
        assert lessons[0].body_md == "Crying *speaks*.\n" and lessons[1].duration_seconds == 95.0
        whats = db.session.scalars(select(ContentChange.what).where(ContentChange.module_id == module_id)).all()
        assert "added lesson 'what-crying-tells-us'" in whats and "added lesson 'watch'" in whats
    page = client.get(new + "?kind=video").get_data(as_text=True)
    assert "what-is-infant-mental-health/captions.vtt" in page  # files under media/ are offered


def test_the_form_rules_are_the_loaders_rules():
    video = {"title": "T", "kind": "video", "required": True, "media": "../x.webm", "captions": "", "duration": -1}
    problems = check_lesson_values(video, MEDIA)
    assert ("media", "'../x.webm' points outside the media folder") in problems
    assert ("captions", "'captions' cannot be empty") in problems
    assert ("duration", "'duration' must be a positive number of seconds") in problems
    reading = check_lesson_values({"title": "T", "kind": "reading", "prompt": "Why?"}, MEDIA)
    assert reading == [("prompt", "'prompt' is only for reflection lessons")]


def test_editing_a_published_module_keeps_progress_and_attempts(app, client, author, make_user):
    learner = make_user("learner")
    with app.app_context():
        module = _module(M1)
        lessons = {le.slug: le.id for le in module.lessons}
        for lesson_id in lessons.values():
            db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson_id, completed_at=utcnow()))
        questions = grading.snapshot_attempt(grading.compose_attempt(quiz_spec(module.quiz), 7))
        graded = dict(number=1, seed="7", pass_mark=80, show_answers="after_attempt", score=40.0, passed=False)
        attempt = QuizAttempt(user_id=learner.id, quiz_id=module.quiz.id, questions=questions, **graded)
        db.session.add(attempt)
        attempt.answers, attempt.submitted_at = {}, utcnow()
        db.session.commit()
        progress_query = select(LessonProgress.lesson_id, LessonProgress.completed_at)
        before_progress = db.session.execute(progress_query).all()
        before_attempt = db.session.execute(select(QuizAttempt.questions, QuizAttempt.score)).one()
        module_id = module.id
    data = {"title": "What is IMH? (edited)", "summary": "New summary.", "estimated_minutes": "20", "ce_hours": "1"}
    assert client.post(f"/author/modules/{module_id}/edit", data=data).status_code == 302
    edit = {"title": "Key ideas, edited", "minutes": "12", "required": "y", "body": "New text."}
    assert client.post(f"/author/lessons/{lessons['key-ideas']}/edit", data=edit).status_code == 302
    assert client.post(f"/author/lessons/{lessons['key-ideas']}/move/up").status_code == 302
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module.title == "What is IMH? (edited)" and module.ce_hours == 1.0 and module.published
        assert [le.slug for le in module.active_lessons] == ["key-ideas", "watch-the-video"]
        assert {le.slug: le.id for le in module.lessons} == lessons
        assert db.session.execute(progress_query).all() == before_progress
        assert db.session.execute(select(QuizAttempt.questions, QuizAttempt.score)).one() == before_attempt


def test_reorder_with_move_up_and_down(app, client, author):
    with app.app_context():
        ids = [le.id for le in _module(M2).active_lessons]
    assert client.post(f"/author/lessons/{ids[0]}/move/up").status_code == 302  # already first: nothing moves
    client.post(f"/author/lessons/{ids[0]}/move/down")
    client.post(f"/author/lessons/{ids[2]}/move/up")
    with app.app_context():
        module = _module(M2)
        assert [le.id for le in module.active_lessons] == [ids[1], ids[2], ids[0]]
        assert [le.position for le in module.active_lessons] == [1, 2, 3]
        whats = db.session.scalars(select(ContentChange.what).where(ContentChange.module_id == module.id)).all()
        assert sorted(whats) == ["moved lesson 'noticing-the-signs' up", "moved lesson 'the-nine-signs' down"]
    assert client.post(f"/author/lessons/{ids[0]}/move/sideways").status_code == 404


def test_remove_archives_the_lesson_and_keeps_progress(app, client, author, make_user):
    learner = make_user("learner")
    with app.app_context():
        lesson = _lesson(M2, "growing-in-relationships")
        db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()
        lesson_id, video_id = lesson.id, _lesson(M1, "watch-the-video").id
        module_id = lesson.module_id
    page = client.get(f"/author/modules/{module_id}").get_data(as_text=True)
    assert "data-confirm=" in page and "Remove" in page
    assert client.post(f"/author/lessons/{lesson_id}/archive").status_code == 302
    refused = client.post(f"/author/lessons/{video_id}/archive", follow_redirects=True)
    assert "was not removed" in _text(refused) and "review_lesson" in _text(refused)
    with app.app_context():
        assert _lesson(M2, "growing-in-relationships").archived
        assert not _lesson(M1, "watch-the-video").archived
        assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.lesson_id == lesson_id))
    assert client.get(f"/modules/{M2}/growing-in-relationships").status_code == 404
    assert client.post(f"/author/lessons/{lesson_id}/restore").status_code == 302
    with app.app_context():
        restored = _lesson(M2, "growing-in-relationships")
        assert not restored.archived and restored.position == 4


def test_preview_renders_sanitized_markdown_without_saving(app, client, author):
    with app.app_context():
        lesson = _lesson(M1, "key-ideas")
        lesson_id, body = lesson.id, lesson.body_md
    body_text = "**Bold** <script>alert('x')</script> <img src=x onerror=alert(1)> [a](javascript:alert(1))"
    data = {"title": "Key ideas", "required": "y", "preview": "Preview", "body": body_text}
    response = client.post(f"/author/lessons/{lesson_id}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page[page.index('id="lesson-preview"') :]
    assert "<strong>Bold</strong>" in preview
    assert "<script>alert" not in page and "onerror" not in preview and "javascript:" not in preview
    with app.app_context():
        assert db.session.get(Lesson, lesson_id).body_md == body


def test_history_shows_who_what_and_when_last_20(app, client, author):
    with app.app_context():
        module_id = _module(M2).id
        first = _module(M2).active_lessons[0].id
    for _ in range(11):
        client.post(f"/author/lessons/{first}/move/down")
        client.post(f"/author/lessons/{first}/move/up")
    page = client.get(f"/author/modules/{module_id}").get_data(as_text=True)
    assert page.count("Ada Author") == 20
    assert "moved lesson 'the-nine-signs' up" in html.unescape(page) and "UTC" in page


def test_export_round_trip_gives_the_same_course(app, tmp_path, course):
    target = tmp_path / "modules"
    with app.app_context():
        for module in db.session.scalars(select(Module)):
            write_module(db.session, module, target)
    original, _ = load_course(PROJECT_ROOT / "modules", MEDIA)
    exported, problems = load_course(target, MEDIA)
    assert not problems, [str(p) for p in problems]
    assert [m.slug for m in exported.modules] == [m.slug for m in original.modules]
    for old, new in zip(original.modules, exported.modules, strict=True):
        assert _facts(exported, new) == _facts(original, old)
    with app.app_context():
        report, problems = import_from_files(target)  # over the same content: nothing changes
        assert not problems and report.summary() == "0 created, 0 updated, 3 unchanged, 0 archived"


def _facts(course, module) -> tuple:
    """Everything a module spec says, but where its files are."""
    lessons = [{**asdict(lesson), "path": None} for lesson in module.lessons]
    quiz = (module.quiz.questions, module.quiz.settings, module.quiz.title, module.quiz.review_lesson)
    details = (module.title, module.summary, module.estimated_minutes, module.ce_hours, module.position)
    return details, course.resolved_prerequisites(module), lessons, quiz


def test_exported_files_import_into_a_fresh_database(app, runner, tmp_path, course):
    target = tmp_path / "modules"
    with app.app_context():
        for module in db.session.scalars(select(Module)):
            write_module(db.session, module, target)
        for table in ("quiz_questions", "quizzes", "lessons", "module_prerequisites", "modules"):
            db.session.execute(Base.metadata.tables[table].delete())
        db.session.commit()
    first = runner.invoke(args=["course", "import", str(target)])
    assert "3 created" in first.output, first.output
    again = runner.invoke(args=["course", "import"])  # the original files, over the imported copy
    assert "0 created, 0 updated, 3 unchanged, 0 archived" in again.output, again.output


def test_cli_export_writes_the_module_folder(app, runner, tmp_path, course):
    result = runner.invoke(args=["course", "export", M1, str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / f"01-{M1}"
    names = ["01-watch-the-video.md", "02-key-ideas.md", "module.yml", "quiz.yml"]
    assert sorted(p.name for p in folder.iterdir()) == names
    assert (folder / "02-key-ideas.md").read_text() == (PROJECT_ROOT / f"modules/01-{M1}/02-key-ideas.md").read_text()
    (folder / "09-stale.md").write_text("---\ntitle: Old\nkind: reading\n---\n")
    (folder / "README.md").write_text("notes")
    assert runner.invoke(args=["course", "export", M1, str(tmp_path)]).exit_code == 0
    assert not (folder / "09-stale.md").exists() and (folder / "README.md").exists()
    (tmp_path / f"07-{M1}").mkdir()
    clash = runner.invoke(args=["course", "export", M1, str(tmp_path)])
    assert clash.exit_code != 0 and "already holds the module" in clash.output
    unknown = runner.invoke(args=["course", "export", "no-such-module", str(tmp_path)])
    assert unknown.exit_code != 0 and "No module has the slug 'no-such-module'" in unknown.output


def test_download_is_the_same_files_as_a_zip(app, client, author):
    with app.app_context():
        module = _module(M2)
        module_id, expected = module.id, module_files(db.session, module)
    response = client.get(f"/author/modules/{module_id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"02-{M2}.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {name: archive.read(name).decode() for name in archive.namelist()} == expected


def test_a_browser_written_module_exports_to_valid_files(app, client, author, tmp_path):
    module_id = int(_create_module(client, prerequisites=[]).rsplit("/", 1)[1])
    new = f"/author/modules/{module_id}/lessons/new"
    client.post(new + "?kind=reading", data={"title": "Read: “crying”", "required": "y", "body": "# Hi\n\n- a\n"})
    client.post(new + "?kind=reflection", data={"title": "Think", "prompt": "What: did you try?", "body": ""})
    with app.app_context():
        write_module(db.session, db.session.get(Module, module_id), tmp_path / "modules")
    course, problems = load_course(tmp_path / "modules", MEDIA)
    assert not problems, [str(p) for p in problems]
    (spec,) = course.modules
    assert (spec.slug, spec.position, spec.prerequisites) == ("comforting-a-crying-baby", 4, [])
    lessons = [(le.slug, le.title, le.required, le.prompt) for le in spec.lessons]
    assert lessons == [("read-crying", "Read: “crying”", True, None), ("think", "Think", False, "What: did you try?")]


BAD_VIDEO = dict(title="V", duration="nan", complete_at="2", media="http://x/v.webm", captions="../../x.vtt")


def test_odd_input_is_refused_with_a_message_never_a_server_error(app, client, author):
    with app.app_context():
        module_id, video_id = _module(M1).id, _lesson(M1, "watch-the-video").id
        before = _lesson(M1, "watch-the-video").media_src
    cases = [
        ("/author/modules/new", {**NEW_MODULE, "prerequisites": "abc"}, None),
        ("/author/modules/new", {**NEW_MODULE, "estimated_minutes": "99999999999999999999"}, "is too large"),
        ("/author/modules/new", {**NEW_MODULE, "title": "x" * 300}, "'title' can be at most 200 characters"),
        ("/author/modules/new", {**NEW_MODULE, "slug": "y" * 100}, "'slug' can be at most 80 characters"),
        (f"/author/modules/{module_id}/lessons/new?kind=reading", {"title": "R", "minutes": "1.5"}, "whole number"),
        (f"/author/lessons/{video_id}/edit", BAD_VIDEO, "points outside the media folder"),
    ]
    for url, data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422, (url, data)
        assert message is None or message in _text(response), (message, _text(response))
    page = _text(client.post(cases[-1][0], data=cases[-1][1]))
    assert "'duration' must be a number" in page and "'http://x/v.webm' must be a path inside media/" in page
    assert "'complete_at' is a share of the video between 0 and 1" in page
    assert client.get(f"/author/modules/{module_id}/lessons/new?kind=quiz").status_code == 404
    assert client.get("/author/modules/999999").status_code == 404
    assert client.post("/author/lessons/999999/archive").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Module)) == 3
        assert _lesson(M1, "watch-the-video").media_src == before
