"""An author, in a real browser: uploads a video and captions, attaches them to a lesson, imports GIFT questions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Lesson, Module
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.test_authoring_media import media_dir  # noqa: F401 - the fixture: a throwaway copy of media/

M1 = "what-is-infant-mental-health"
GIFT = """
::fine:: Infant mental health is about promoting good emotional development. {T
####Denise Webb says so at the start of the video.}

::broken:: Describe a home visit in your own words. {}
"""


def test_upload_attach_and_import(app, page, live_server, course, make_user, media_dir, tmp_path):  # noqa: F811
    author = make_user("author")
    sign_in(page, live_server, author.email, PASSWORD)

    page.goto(f"{live_server}/author/media")
    pretend = tmp_path / "clip.mp4"
    pretend.write_text("this is only text pretending to be a video")
    page.set_input_files("#video-file", str(pretend))
    page.get_by_role("button", name="Upload video").click()
    assert "not" in page.content().lower() and not (media_dir / "uploads" / "clip.mp4").exists()

    page.goto(f"{live_server}/author/media")
    page.set_input_files("#video-file", str(Path(media_dir / M1 / "standin.webm")))
    page.get_by_role("button", name="Upload video").click()
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,500\nHello there.\n\n2\n00:00:04,000 --> 00:00:06,000\nWelcome.\n")
    page.goto(f"{live_server}/author/media")
    page.set_input_files("#captions-file", str(srt))
    page.get_by_role("button", name="Upload captions").click()
    uploaded = sorted(p.name for p in (media_dir / "uploads").iterdir())
    assert "standin.webm" in uploaded and "talk.vtt" in uploaded
    assert (media_dir / "uploads" / "talk.vtt").read_text().startswith("WEBVTT")

    page.goto(f"{live_server}/author/media")
    page.select_option("#attach-video", value="uploads/standin.webm")
    page.select_option("#attach-captions", value="uploads/talk.vtt")
    page.fill("#attach-duration", "95")
    page.get_by_role("button", name="Save lesson media").click()
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.captions_src == "uploads/talk.vtt"))
        assert lesson is not None and lesson.media_src == "uploads/standin.webm"
        module_id = db.session.scalar(select(Module.id).where(Module.slug == M1))

    page.goto(f"{live_server}/author/modules/{module_id}/quiz/import")
    page.get_by_label("GIFT text").fill(GIFT)
    page.get_by_role("button", name="Import questions").click()
    content = page.content()
    assert "1 question(s) imported" in content
    assert "1 question(s) not imported" in content
