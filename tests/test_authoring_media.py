"""Author media pages: uploads checked by content, caption errors and warnings, attaching, timing a transcript."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.author.uploads import media_path
from app.course.captions import check_caption_text
from app.course.transcript import read_cues
from app.extensions import db
from app.models import ContentChange, Lesson
from tests.conftest import PASSWORD
from tests.unit.test_caption_checks import seed_turns

STANDIN = "what-is-infant-mental-health/standin.webm"
GOOD_VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>Hello there.\n\n00:00:02.500 --> 00:00:05.000\nNo voice.\n"
BROKEN_VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nFine.\n\n00:00:04,000 --> 00:00:05.000\nComma.\n"
SRT = "1\n00:00:01,000 --> 00:00:02,500\nHello & <i>welcome</i>\n\n2\n00:00:03,000 --> 00:00:06,000\nSecond cue\n"


@pytest.fixture
def media_dir(app, tmp_path):
    """A copy of media/ for the test to write in; the real folder must be left as it was."""
    real = Path(app.config["MEDIA_DIR"])
    before = sorted(real.rglob("*"))
    copy = tmp_path / "media"
    shutil.copytree(real, copy)
    saved = dict(app.config)
    app.config["MEDIA_DIR"] = copy
    yield copy
    for key in ("MEDIA_DIR", "MAX_UPLOAD_MB", "CAPTION_MAX_GAP_SECONDS"):
        app.config[key] = saved[key]
    assert sorted(real.rglob("*")) == before, "a test wrote into the real media/ folder"


@pytest.fixture
def author(client, auth, make_user, course, media_dir):
    user = make_user("author")
    assert auth.login(user).status_code == 302
    return user


def uploads(media_dir: Path) -> list[str]:
    folder = media_dir / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def post_file(client, url: str, field: str, data: bytes, name: str, **form):
    # Encoded here in memory: the test client spools bodies over 500 KB to a temporary file it never closes.
    boundary, body = encode_multipart({field: FileStorage(io.BytesIO(data), filename=name), **form})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def changes(app) -> list[ContentChange]:
    with app.app_context():
        return list(db.session.scalars(select(ContentChange).order_by(ContentChange.id)))


def test_media_page_lists_files_with_size_and_lessons(client, author):
    page = client.get("/author/media").get_data(as_text=True)
    row = page[page.index("standin.webm</code>") :]
    row = row[: row.index("</tr>")]
    assert "844.5 KB" in row and "Watch: What is Infant Mental Health?" in row and "(video)" in row
    assert 'enctype="multipart/form-data"' in page and "up to 200 MB" in page


# ------------------------------------------------------------------------------------------ videos


def test_the_stand_in_webm_is_accepted(app, client, author, media_dir):
    data = (media_dir / STANDIN).read_bytes()
    response = post_file(client, "/author/media/video", "video", data, "My clip (final).webm")
    assert response.status_code == 302
    assert (media_dir / "uploads" / "My_clip_final.webm").read_bytes() == data
    assert uploads(media_dir) == ["My_clip_final.webm"]
    assert [c.what for c in changes(app)] == ["uploaded the video uploads/My_clip_final.webm"]
    assert "uploads/My_clip_final.webm" in client.get("/author/media").get_data(as_text=True)


def test_the_contents_decide_the_suffix(client, author, media_dir):
    data = (media_dir / STANDIN).read_bytes()
    assert post_file(client, "/author/media/video", "video", data, "clip.mp4").status_code == 302
    assert uploads(media_dir) == ["clip.webm"]


def test_a_text_file_named_mp4_is_refused_and_nothing_is_written(app, client, author, media_dir):
    response = post_file(client, "/author/media/video", "video", b"just some notes\n" * 100, "video.mp4")
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "“video.mp4” was not saved: its contents are plain text" in page
    assert "not from its name" in page
    assert uploads(media_dir) == [] and changes(app) == []


def test_oversize_videos_are_refused(app, client, author, media_dir):
    app.config["MAX_UPLOAD_MB"] = 1
    head = (media_dir / STANDIN).read_bytes()[:4096]
    response = post_file(client, "/author/media/video", "video", head + b"\0" * (2 * 1024 * 1024), "big.webm")
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.get_data(as_text=True)
    app.config["MAX_UPLOAD_MB"] = 0.5  # the body fits the request limit; the file is caught while it streams
    response = post_file(client, "/author/media/video", "video", head + b"\0" * 560_000, "big.webm")
    assert response.status_code == 413 and "0.5 MB" in response.get_data(as_text=True)
    assert uploads(media_dir) == [] and changes(app) == []


def test_only_the_upload_route_takes_more_than_the_global_limit(app, client, author, media_dir):
    app.config["MAX_UPLOAD_MB"] = 4
    video = (media_dir / STANDIN).read_bytes()
    big = video + b"\0" * (3 * 1024 * 1024 - len(video))  # 3 MB: over the 2 MB every other route allows
    assert post_file(client, "/author/media/video", "video", big, "three.webm").status_code == 302
    assert (media_dir / "uploads" / "three.webm").stat().st_size == len(big)
    assert post_file(client, "/author/media/captions", "captions", big, "three.vtt").status_code == 413


def test_the_large_limit_needs_an_author_and_a_token(app, client, auth, make_user, course, media_dir, csrf_on):
    app.config["MAX_UPLOAD_MB"] = 4
    video = (media_dir / STANDIN).read_bytes()
    big = video + b"\0" * (3 * 1024 * 1024 - len(video))
    assert post_file(client, "/author/media/video", "video", big, "a.webm").status_code == 413  # signed out
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    user = make_user("author")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert post_file(client, "/author/media/video", "video", video, "a.webm").status_code == 400  # no token
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/author/media").get_data(as_text=True))
    response = post_file(client, "/author/media/video", "video", big, "a.webm", csrf_token=token.group(1))
    assert response.status_code == 302 and uploads(media_dir) == ["a.webm"]


# ---------------------------------------------------------------------------------------- captions


def test_a_broken_vtt_is_refused_with_its_line_numbers(app, client, author, media_dir):
    response = post_file(client, "/author/media/captions", "captions", BROKEN_VTT.encode(), "broken.vtt")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“broken.vtt” was not saved" in page
    assert "<code>line 6</code> malformed timing line" in page
    assert uploads(media_dir) == [] and changes(app) == []


@pytest.mark.parametrize(
    ("data", "name", "status", "words"),
    [
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\ncaf\xe9\n", "latin1.vtt", 400, "line 4</code> not UTF-8 text"),
        (b"", "empty.vtt", 415, "the file is empty"),
        ("WEBVTT\n".encode("utf-16"), "wide.vtt", 400, "line 1</code> UTF-16 text"),
        (b"\x89PNG\r\n\x1a\n\0\0", "image.srt", 415, "it is not a text file, not captions"),
        (GOOD_VTT.encode(), "captions.txt", 415, "must be WebVTT (.vtt) or SubRip (.srt)"),
        (b"1\n00:00:01,000 --> 00:00:00,500\nHi\n", "bad.srt", 400, "line 2</code> cue ends before it starts"),
    ],
)
def test_caption_files_that_fail_are_not_saved(app, client, author, media_dir, data, name, status, words):
    response = post_file(client, "/author/media/captions", "captions", data, name)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert uploads(media_dir) == [] and changes(app) == []


def test_a_video_is_not_a_caption_file(client, author, media_dir):
    data = (media_dir / STANDIN).read_bytes()
    response = post_file(client, "/author/media/captions", "captions", data, "sneaky.vtt")
    assert response.status_code == 415
    assert "“sneaky.vtt” was not saved: it is a WEBM video, not captions." in response.get_data(as_text=True)
    assert uploads(media_dir) == []


def test_a_good_vtt_is_saved_and_its_warnings_shown(app, client, author, media_dir):
    response = post_file(client, "/author/media/captions", "captions", GOOD_VTT.encode(), "mine.vtt", duration="4")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/author/media/check/uploads/mine.vtt?duration=4.0")
    assert (media_dir / "uploads" / "mine.vtt").read_text() == GOOD_VTT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<a href="#L6">6</a></td><td class="caption-time">00:02.500</td><td>overlaps the cue on line 3' in page
    assert "no speaker name" in page and "after the video ends (00:04.000)" in page
    assert [c.what for c in changes(app)] == ["uploaded the captions uploads/mine.vtt"]


def test_srt_is_converted_to_webvtt_with_the_same_times_and_text(client, author, media_dir):
    response = post_file(client, "/author/media/captions", "captions", SRT.encode(), "talk.srt")
    assert response.status_code == 302
    saved = media_dir / "uploads" / "talk.vtt"
    assert check_caption_text(saved.read_text()) == []
    assert [(c.start, c.end, c.text) for c in read_cues(saved)] == [
        (1.0, 2.5, "Hello & welcome"),
        (3.0, 6.0, "Second cue"),
    ]
    assert "Done:</strong> no problems" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_names_are_made_safe_and_files_never_replaced(client, author, media_dir):
    for _ in range(3):
        response = post_file(client, "/author/media/captions", "captions", GOOD_VTT.encode(), "Ça va?.vtt")
        assert response.status_code == 302
    assert uploads(media_dir) == ["Ca_va-2.vtt", "Ca_va-3.vtt", "Ca_va.vtt"]


@pytest.mark.parametrize("name", ["../../evil.vtt", "..\\evil.vtt", "uploads/../../evil.vtt", "/etc/evil.vtt"])
def test_names_with_folders_are_refused(client, author, media_dir, name):
    response = post_file(client, "/author/media/captions", "captions", GOOD_VTT.encode(), name)
    assert response.status_code == 400 and "must not contain folders" in response.get_data(as_text=True)
    assert uploads(media_dir) == [] and not (media_dir.parent / "evil.vtt").exists()


@pytest.mark.parametrize("path", ["../secret.txt", "uploads/../../secret.txt", ".hidden", "nothing.vtt"])
def test_reading_media_stays_inside_the_folder(client, author, media_dir, path):
    (media_dir.parent / "secret.txt").write_text("secret")
    assert client.get(f"/author/media/files/{path}").status_code == 404
    assert client.get(f"/author/media/check/{path}").status_code == 404
    assert media_path(media_dir, path) is None


def test_authors_can_open_any_media_file(client, author):
    response = client.get(f"/author/media/files/{STANDIN}", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206 and response.data == b"\x1a\x45\xdf\xa3"
    response.close()


# ---------------------------------------------------------------------------------- lesson's media


def _lesson(app) -> Lesson:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "watch-the-video"))
        db.session.expunge(lesson)
        return lesson


def test_attaching_files_to_a_video_lesson(app, client, author, media_dir):
    post_file(client, "/author/media/captions", "captions", SRT.encode(), "talk.srt")
    lesson = _lesson(app)
    response = client.post(
        "/author/media/attach",
        data={"lesson_id": lesson.id, "captions_src": "uploads/talk.vtt", "chapters_src": "-", "duration": "95.5"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Also update" in page and "01-watch-the-video.md" in page
    lesson = _lesson(app)
    assert (lesson.media_src, lesson.captions_src, lesson.chapters_src, lesson.duration_seconds) == (
        STANDIN,
        "uploads/talk.vtt",
        None,
        95.5,
    )
    change = changes(app)[-1]
    assert change.what == "set the media of lesson 'watch-the-video'" and change.module_id == lesson.module_id
    assert "uploads/talk.vtt" in change.details


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"media_src": "what-is-infant-mental-health/captions.vtt"}, "is not an MP4 or WebM video"),
        ({"captions_src": "uploads/broken.vtt"}, "line 6: malformed timing line"),
        ({"captions_src": "../outside.vtt"}, "There is no WebVTT file"),
        ({"duration": "-3"}, "must be a number of seconds"),
        ({}, "Nothing to change"),
    ],
)
def test_attaching_bad_files_changes_nothing(app, client, author, media_dir, form, words):
    (media_dir / "uploads").mkdir()
    (media_dir / "uploads" / "broken.vtt").write_text(BROKEN_VTT)
    lesson = _lesson(app)
    response = client.post("/author/media/attach", data={"lesson_id": lesson.id, **form})
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert _lesson(app).captions_src == lesson.captions_src and changes(app) == []


# ----------------------------------------------------------------------------------------- timing


def test_the_timing_tool_lists_the_transcript_lines(client, author):
    page = client.get("/author/timing").get_data(as_text=True)
    assert f'<option value="{STANDIN}"' in page
    response = client.post("/author/timing/lines", data={"video": STANDIN, "transcript": seed_turns(3)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count('class="timing-line"') == 3
    assert 'data-speaker="Heidi Maderia"' in page and "js/timing.js" in page
    assert f'src="/author/media/files/{STANDIN}"' in page


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"video": "nope.webm", "transcript": "Hi"}, "Choose a video from media/"),
        ({"video": STANDIN, "transcript": "  \n\n"}, "Paste the transcript"),
        ({"video": STANDIN, "transcript": "Hi", "lesson_id": "999999"}, "Choose a video lesson, or none"),
        ({"video": STANDIN, "transcript": "Hi", "lesson_id": "²"}, "Choose a video lesson, or none"),  # isdigit()
        ({"video": STANDIN, "transcript": "Hi", "lesson_id": "9" * 30}, "Choose a video lesson, or none"),
    ],
)
def test_the_timing_tool_needs_a_video_and_lines(client, author, form, words):
    response = client.post("/author/timing/lines", data=form)
    assert response.status_code == 400 and words in response.get_data(as_text=True)


def _timing(starts, duration=95.0):
    speakers = ["Denise Webb", "Heidi Maderia", "Anne Giordano"]
    lines = [{"start": s, "speaker": p, "text": f"Words of {p} & co."} for s, p in zip(starts, speakers, strict=False)]
    return json.dumps({"duration": duration, "lines": lines})


def test_saving_timed_lines_writes_a_webvtt_file_and_sets_the_lesson(app, client, author, media_dir):
    lesson = _lesson(app)
    response = client.post(
        "/author/timing/save",
        data={"video": STANDIN, "lesson_id": lesson.id, "name": "timed.vtt", "timing": _timing([1, 18.4, 31.3])},
    )
    assert response.status_code == 302 and "/author/media/check/uploads/timed.vtt" in response.headers["Location"]
    cues = read_cues(media_dir / "uploads" / "timed.vtt")
    assert [(c.identifier, c.start, c.end, c.speaker) for c in cues] == [
        ("c001", 1.0, 18.4, "Denise Webb"),
        ("c002", 18.4, 31.3, "Heidi Maderia"),
        ("c003", 31.3, 95.0, "Anne Giordano"),
    ]
    assert cues[0].text == "Words of Denise Webb & co."
    lesson = _lesson(app)
    assert (lesson.media_src, lesson.captions_src, lesson.duration_seconds) == (STANDIN, "uploads/timed.vtt", 95.0)
    assert changes(app)[-1].what == "timed a transcript into uploads/timed.vtt for lesson 'watch-the-video'"


def test_saving_bad_timing_keeps_the_marks_and_saves_nothing(app, client, author, media_dir):
    response = client.post("/author/timing/save", data={"video": STANDIN, "timing": _timing([1, 30, 20])})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "line 2 starts at 00:00:30.000, not before line 3" in page and 'data-start="30"' in page
    assert uploads(media_dir) == [] and changes(app) == []
    response = client.post("/author/timing/save", data={"video": STANDIN, "timing": "{}"})
    assert response.status_code == 400 and "has no lines" in response.get_data(as_text=True)
    response = client.post("/author/timing/save", data={"video": STANDIN, "timing": "[" * 5000 + "]" * 5000})
    assert response.status_code == 400 and "not readable" in response.get_data(as_text=True)
    response = client.post("/author/timing/save", data={"video": STANDIN, "timing": _timing([1, 10**400, 20])})
    assert response.status_code == 400 and "line 2 has no time yet" in response.get_data(as_text=True)
    assert uploads(media_dir) == [] and changes(app) == []
