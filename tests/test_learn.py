"""A learner's home page, sequencing, reading and reflection lessons, and media."""

from __future__ import annotations

import threading
import time

from sqlalchemy import insert, select

from app import media_files
from app.database import write_intent
from app.extensions import db
from app.models import Lesson, LessonProgress, Quiz, QuizAttempt, Reflection, utcnow

M1 = "/modules/what-is-infant-mental-health"
M2 = "/modules/signs-of-good-infant-mental-health"
CAPTIONS = "/media/what-is-infant-mental-health/captions.vtt"
VIDEO = "/media/what-is-infant-mental-health/standin.webm"


def test_home_lists_the_three_modules_with_states(client, auth, make_user, course):
    auth.login(make_user("learner"))
    page = client.get("/").get_data(as_text=True)
    for title in (
        "What is Infant Mental Health?",
        "Signs of good infant mental health (birth to five)",
        "Trauma and resilience in infancy: using ourselves as tools",
    ):
        assert title in page
    assert page.count("Available") == 1 and page.count("Locked") == 2
    assert "Continue where you left off: Watch: What is Infant Mental Health?" in page
    assert "0 of 3 modules complete" in page


def test_home_with_no_course_says_so(client, auth, make_user):
    auth.login(make_user("learner"))
    assert "No modules yet" in client.get("/").get_data(as_text=True)


def test_locked_module_says_what_opens_it_and_refuses_its_lessons(client, auth, make_user, course):
    auth.login(make_user("learner"))
    module_page = client.get(M2).get_data(as_text=True)
    assert "opens when you complete “What is Infant Mental Health?”" in module_page
    assert f'href="{M2}/the-nine-signs"' not in module_page
    refused = client.get(f"{M2}/the-nine-signs")
    assert refused.status_code == 403
    assert "This lesson opens when you complete “What is Infant Mental Health?”." in refused.get_data(as_text=True)


def test_authors_may_open_locked_lessons_to_check_them(client, auth, make_user, course):
    auth.login(make_user("author"))
    assert client.get(f"{M2}/the-nine-signs").status_code == 200


def test_opening_a_lesson_marks_the_module_in_progress_once(app, client, auth, make_user, course):
    user = make_user("learner")
    auth.login(user)
    client.get(f"{M1}/key-ideas")
    client.get(f"{M1}/key-ideas")
    with app.app_context():
        rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)).all()
        assert len(rows) == 1 and rows[0].completed_at is None
    assert "In progress" in client.get("/").get_data(as_text=True)


def test_mark_reading_complete_is_idempotent(app, client, auth, make_user, course):
    user = make_user("learner")
    auth.login(user)
    first = client.post(f"{M1}/key-ideas/complete", follow_redirects=True).get_data(as_text=True)
    assert "is complete" in first
    client.post(f"{M1}/key-ideas/complete")
    with app.app_context():
        rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)).all()
        assert len(rows) == 1 and rows[0].completed_at is not None
    assert "You marked this lesson complete" in client.get(f"{M1}/key-ideas").get_data(as_text=True)


def test_video_lessons_are_not_completed_by_hand(client, auth, make_user, course):
    auth.login(make_user("learner"))
    assert client.post(f"{M1}/watch-the-video/complete").status_code == 400


def test_completing_module_one_opens_module_two(app, client, auth, make_user, course):
    user = make_user("learner")
    with app.app_context():
        lessons = db.session.scalars(select(Lesson).where(Lesson.slug.in_(["watch-the-video", "key-ideas"]))).all()
        for lesson in lessons:
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=lesson.module.updated_at))
        db.session.commit()
    auth.login(user)
    assert client.get(f"{M2}/the-nine-signs").status_code == 403, "the quiz must be passed too"
    with app.app_context():
        quiz = db.session.scalar(
            select(Quiz).join(Quiz.module).where(Quiz.module.has(slug="what-is-infant-mental-health"))
        )
        db.session.add(
            QuizAttempt(
                user_id=user.id,
                quiz=quiz,
                number=1,
                seed="1",
                questions=[],
                pass_mark=80,
                show_answers="after_attempt",
                answers={},
                score=100,
                passed=True,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "1 of 3 modules complete" in page
    assert client.get(f"{M2}/the-nine-signs").status_code == 200


def test_reflection_is_saved_private_and_editable(app, client, auth, make_user, course):
    user = make_user("author")  # authors may open the (locked) reflection lesson
    auth.login(user)
    url = f"{M2}/noticing-the-signs"
    response = client.post(url + "/reflection", data={"text": "The baby looked back at her mother.", "shared": ""})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "The baby looked back at her mother." in page and "Last saved" in page
    client.post(url + "/reflection", data={"text": "Edited answer.", "shared": "y"})
    with app.app_context():
        saved = db.session.scalars(select(Reflection).where(Reflection.user_id == user.id)).all()
        assert [(r.text, r.shared) for r in saved] == [("Edited answer.", True)]


def test_a_reflection_saved_twice_at_once_is_saved_once(app, client, auth, make_user, course):
    """A double tap on a slow phone: the second save waits for the first, then updates the answer it
    made (on PostgreSQL both used to find none, and the second insert failed with a 500)."""
    user = make_user("author")
    auth.login(user)
    with app.app_context():
        engine = db.engine
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.slug == "noticing-the-signs"))
    first = engine.connect()  # the first save, part way through
    with write_intent():  # SQLite: a writer's turn and BEGIN IMMEDIATE, as the app's own writers
        first.begin()
    first.execute(insert(Reflection).values(user_id=user.id, lesson_id=lesson_id, text="First.", shared=False))
    answers: list = []
    second = threading.Thread(
        target=lambda: answers.append(client.post(f"{M2}/noticing-the-signs/reflection", data={"text": "Second."}))
    )
    second.start()
    time.sleep(0.5)
    first.commit()
    first.close()
    second.join(timeout=20)
    assert answers and answers[0].status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(Reflection).where(Reflection.user_id == user.id)).all()
        assert [r.text for r in saved] == ["Second."]


def test_failed_reflection_save_keeps_the_text(client, auth, make_user, course):
    auth.login(make_user("author"))
    long_text = "I noticed " + "x" * 10_001
    response = client.post(f"{M2}/noticing-the-signs/reflection", data={"text": long_text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Your answer was not saved yet" in page
    assert long_text in page


def test_lesson_page_renders_transcript_with_speakers(client, auth, make_user, course):
    auth.login(make_user("learner"))
    page = client.get(f"{M1}/watch-the-video").get_data(as_text=True)
    assert '<track kind="captions"' in page and "default" in page
    assert '<track kind="chapters"' in page
    assert "Denise Webb:" in page and "Mary Watson Avery:" in page
    assert "self-regulate" in page


def test_markdown_is_sanitized(app):
    from app.markdown_render import render_markdown

    html = str(render_markdown('Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">'))
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_media_needs_sign_in(client, course):
    response = client.get(CAPTIONS)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_media_supports_ranges_and_conditional_requests(client, auth, make_user, course):
    auth.login(make_user("learner"))
    full = client.get(VIDEO)
    assert full.status_code == 200 and full.headers["Accept-Ranges"] == "bytes"
    etag = full.headers["ETag"]
    size = len(full.data)
    full.close()
    part = client.get(VIDEO, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert len(part.data) == 100
    part.close()
    not_modified = client.get(VIDEO, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    not_modified.close()
    assert "private" in full.headers["Cache-Control"]


def test_media_answers_an_open_or_large_range_in_bounded_parts(client, auth, make_user, course, monkeypatch):
    """A player's "the rest of the file" gets at most MAX_RANGE_BYTES at a time, so no answer holds a
    worker for a whole video; small and suffix ranges and whole-file requests are answered as asked."""
    monkeypatch.setattr(media_files, "MAX_RANGE_BYTES", 1000)
    auth.login(make_user("learner"))
    head = client.head(VIDEO)
    size = int(head.headers["Content-Length"])
    head.close()
    for asked, answered in (("bytes=100-", "100-1099"), ("bytes=0-5000", "0-999"), ("bytes=100-199", "100-199")):
        part = client.get(VIDEO, headers={"Range": asked})
        assert part.status_code == 206, asked
        assert part.headers["Content-Range"] == f"bytes {answered}/{size}", asked
        first, last = (int(n) for n in answered.split("-"))
        assert len(part.data) == last - first + 1
        part.close()
    near_end = client.get(VIDEO, headers={"Range": f"bytes={size - 300}-"})
    assert near_end.headers["Content-Range"] == f"bytes {size - 300}-{size - 1}/{size}" and len(near_end.data) == 300
    near_end.close()
    tail = client.get(VIDEO, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and len(tail.data) == 50
    tail.close()
    whole = client.get(VIDEO)
    assert whole.status_code == 200 and len(whole.data) == size
    whole.close()


def test_media_refuses_unknown_and_traversal(client, auth, make_user, course):
    auth.login(make_user("learner"))
    for path in (
        "/media/../app/config.py",
        "/media/%2e%2e/app/config.py",
        "/media/what-is-infant-mental-health/../../app/config.py",
        "/media/what-is-infant-mental-health/standin.json",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        response.close()


def test_media_of_a_locked_lesson_is_refused(app, client, auth, make_user, course):
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "the-nine-signs"))
        lesson.kind, lesson.media_src = "video", "what-is-infant-mental-health/standin.webm"
        video = db.session.scalar(select(Lesson).where(Lesson.slug == "watch-the-video"))
        video.media_src = "elsewhere.webm"
        db.session.commit()
    auth.login(make_user("learner"))
    assert client.get(VIDEO).status_code == 403


def test_transcript_downloads(client, auth, make_user, course):
    auth.login(make_user("learner"))
    text = client.get(f"{M1}/watch-the-video/transcript.txt")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert "attachment" in text.headers["Content-Disposition"]
    body = text.get_data(as_text=True)
    assert body.startswith("Watch: What is Infant Mental Health?")
    assert "[0:01] Denise Webb: I think that infant mental health is sometimes," in body
    vtt = client.get(f"{M1}/watch-the-video/transcript.vtt")
    assert vtt.status_code == 200 and vtt.get_data(as_text=True).startswith("WEBVTT")
    vtt.close()
    assert client.get(f"{M1}/key-ideas/transcript.txt").status_code == 404
    assert client.get(f"{M2}/the-nine-signs/transcript.txt").status_code == 403


def test_media_can_be_handed_to_nginx(app, client, auth, make_user, course):
    auth.login(make_user("learner"))
    app.config["MEDIA_ACCEL_PREFIX"] = "/protected-media/"
    try:
        response = client.get(VIDEO)
        assert response.status_code == 200 and response.data == b""
        assert response.headers["X-Accel-Redirect"] == "/protected-media/what-is-infant-mental-health/standin.webm"
        assert client.get("/media/../app/config.py").status_code == 404
    finally:
        app.config["MEDIA_ACCEL_PREFIX"] = ""
