"""Author pages for media: upload videos and captions, check captions, attach them to a lesson, time a transcript.

Files go to media/uploads/ and nothing that fails a check is saved. Every saved change is recorded.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.access import role_required
from app.author import bp, uploads
from app.author.history import record_change
from app.author.uploads import UploadRefused, human_size, media_files, media_path
from app.course import timing as timed
from app.course.caption_checks import check_captions
from app.extensions import csrf, db
from app.media_files import send_media
from app.models import Lesson, Module, Role
from app.untrusted import database_id

VIDEO_SUFFIXES = (".webm", ".mp4")
SOURCES = (("video", "media_src"), ("captions", "captions_src"), ("chapters", "chapters_src"))
MB = 1024 * 1024


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _upload_limit() -> int:
    return int(float(current_app.config.get("MAX_UPLOAD_MB", 200)) * MB)


def _max_gap() -> float:
    return float(current_app.config.get("CAPTION_MAX_GAP_SECONDS", 10))


def _video_lessons() -> list[Lesson]:
    query = select(Lesson).join(Module).where(Lesson.kind == "video", Lesson.archived.is_(False))
    return list(db.session.scalars(query.order_by(Module.position, Lesson.position)))


def _usage() -> dict[str, list[tuple[Lesson, str]]]:
    """For each media path that lessons name: (lesson, "video" | "captions" | "chapters")."""
    usage: dict[str, list[tuple[Lesson, str]]] = {}
    named = or_(Lesson.media_src.is_not(None), Lesson.captions_src.is_not(None), Lesson.chapters_src.is_not(None))
    for lesson in db.session.scalars(select(Lesson).where(named)):
        for role, field in SOURCES:
            if src := getattr(lesson, field):
                usage.setdefault(src, []).append((lesson, role))
    return usage


def _media_page(errors=(), status: int = 200, heading: str | None = None):
    files = media_files(_media_dir())
    return render_template(
        "author/media.html",
        files=files,
        videos=[f for f in files if f.path.lower().endswith(VIDEO_SUFFIXES)],
        tracks=[f for f in files if f.path.lower().endswith(".vtt")],
        usage=_usage(),
        lessons=_video_lessons(),
        errors=errors,
        heading=heading,
        max_mb=_upload_limit() / MB,
        human_size=human_size,
    ), status


def _duration(value: str | None) -> tuple[float | None, str | None]:
    """(seconds or None when blank, None) or (None, message)."""
    try:
        return timed.parse_seconds(value), None
    except ValueError:
        return None, "The video's length must be a number of seconds, more than 0."


@bp.route("/media")
@role_required(Role.AUTHOR)
def media():
    return _media_page()


def _large_upload(view):
    """Let authors send up to MAX_UPLOAD_MB here; check the CSRF token once the limit is set.

    CSRFProtect reads the form (the whole upload) before any view runs, under the global MAX_CONTENT_LENGTH,
    so this view is exempt from it and checks the token itself. Who is sending is known from the session
    cookie first: anyone else keeps the global limit, so no stranger can make the server spool a big body.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        author = current_user.is_authenticated and current_user.has_role(Role.AUTHOR, Role.ADMIN)
        if author:
            request.max_content_length = _upload_limit() + 64 * 1024  # room for the form around the file
            if (request.content_length or 0) > request.max_content_length:
                return _media_page([f"The file is larger than the limit of {_upload_limit() / MB:g} MB."], 413)
        try:
            if current_app.config["WTF_CSRF_ENABLED"]:
                csrf.protect()
        except RequestEntityTooLarge:
            if not author:
                raise
            return _media_page([f"The file is larger than the limit of {_upload_limit() / MB:g} MB."], 413)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/media/video", methods=["POST"])
@csrf.exempt
@_large_upload
@role_required(Role.AUTHOR)
def upload_video():
    upload = request.files.get("video")
    if upload is None or not upload.filename:
        return _media_page(["Choose a video file (MP4 or WebM) to upload."], 400)
    try:
        saved, kind = uploads.save_video(upload.stream, upload.filename, _media_dir(), _upload_limit())
    except UploadRefused as error:
        return _media_page([str(error)], error.status)
    finally:
        upload.close()
    record_change(None, current_user, f"uploaded the video {saved.path}", f"{kind.upper()}, {saved.size} bytes")
    db.session.commit()
    flash(f"Saved {saved.path} ({kind.upper()}, {human_size(saved.size)}).", "success")
    return redirect(url_for("author.media", _anchor="files"))


@bp.route("/media/captions", methods=["POST"])
@role_required(Role.AUTHOR)
def upload_captions():
    upload = request.files.get("captions")
    if upload is None or not upload.filename:
        return _media_page(["Choose a caption file (.vtt or .srt) to upload."], 400)
    duration, problem = _duration(request.form.get("duration"))
    if problem:
        return _media_page([problem], 400)
    try:
        text, problems = uploads.caption_text(upload.read(), upload.filename)
        if not problems:
            problems, _ = check_captions(text)
        if problems:
            heading = f"“{upload.filename}” was not saved: fix these lines and upload it again."
            return _media_page(problems, 400, heading)
        saved = uploads.save_text(text, upload.filename, _media_dir())
    except UploadRefused as error:
        return _media_page([str(error)], error.status)
    converted = " (converted from SubRip to WebVTT)" if not upload.filename.lower().endswith(".vtt") else ""
    record_change(None, current_user, f"uploaded the captions {saved.path}", f"from “{upload.filename}”{converted}")
    db.session.commit()
    flash(f"Saved {saved.path}{converted}.", "success")
    return redirect(url_for("author.media_check", filename=saved.path, duration=duration))


@bp.route("/media/check/<path:filename>")
@role_required(Role.AUTHOR)
def media_check(filename: str):
    path = media_path(_media_dir(), filename)
    if path is None or path.suffix.lower() != ".vtt":
        abort(404)
    uses = _usage().get(filename, [])
    duration, _ = _duration(request.args.get("duration"))
    duration = duration or next((lesson.duration_seconds for lesson, _ in uses if lesson.duration_seconds), None)
    chapters = bool(uses) and all(role == "chapters" for _, role in uses)
    text = path.read_bytes().decode("utf-8", errors="replace")
    problems, warnings = check_captions(text, duration, max_gap=_max_gap(), chapters=chapters)
    return render_template(
        "author/media_check.html",
        filename=filename,
        problems=problems,
        warnings=warnings,
        duration=duration,
        chapters=chapters,
        uses=uses,
        lines=text.lstrip("\ufeff").splitlines(),
    )


@bp.route("/media/files/<path:filename>")
@role_required(Role.AUTHOR)
def media_file(filename: str):
    """Any file under media/, for authors (lessons' files reach learners through learn.media)."""
    if media_path(_media_dir(), filename) is None:
        abort(404)
    return send_media(_media_dir(), filename, max_age=0)


@bp.route("/media/attach", methods=["POST"])
@role_required(Role.AUTHOR)
def attach_media():
    lesson = db.session.get(Lesson, database_id(request.form.get("lesson_id")) or 0)
    if lesson is None or lesson.kind != "video" or lesson.archived:
        return _media_page(["Choose a video lesson."], 400)
    errors, changes = [], {}
    for field, label in (("media_src", "video"), ("captions_src", "captions"), ("chapters_src", "chapters")):
        name = request.form.get(field, "").strip()
        if name == "-" and field == "chapters_src":
            changes[field] = None
        elif name:
            problem = uploads.media_problem(_media_dir(), name, label)
            errors += [problem] if problem else []
            changes[field] = name
    duration, problem = _duration(request.form.get("duration"))
    errors += [problem] if problem else []
    if duration:
        changes["duration_seconds"] = duration
    if not errors and not changes:
        errors.append("Nothing to change: choose a file or enter the video's length.")
    if not errors and not (changes.get("duration_seconds") or lesson.duration_seconds):
        errors.append("Enter the video's length in seconds (the timing page shows it once the video loads).")
    if errors:
        return _media_page(errors, 400, f"“{lesson.title}” was not changed.")
    details = "; ".join(f"{field}: {getattr(lesson, field)} → {value}" for field, value in changes.items())
    for field, value in changes.items():
        setattr(lesson, field, value)
    record_change(lesson.module, current_user, f"set the media of lesson '{lesson.slug}'", details)
    db.session.commit()
    flash(f"“{lesson.title}” now uses: {details}.", "success")
    _front_matter_note(lesson)
    return redirect(url_for("author.media", _anchor="attach"))


def _front_matter_note(lesson: Lesson) -> None:
    """The course files still name the old media: say what to write there, or an import undoes this."""
    front = {"media": lesson.media_src, "captions": lesson.captions_src, "chapters": lesson.chapters_src}
    snippet = " ".join(f"{key}: {value}" for key, value in front.items() if value)
    flash(
        f"Also update {lesson.source_path or 'the lesson file'} ({snippet} duration: {lesson.duration_seconds:g}), "
        "or the next import of the course files puts the old media back.",
        "warning",
    )


def _timing_form(errors=(), status: int = 200):
    videos = [f for f in media_files(_media_dir()) if f.path.lower().endswith(VIDEO_SUFFIXES)]
    return render_template(
        "author/timing.html", videos=videos, lessons=_video_lessons(), errors=errors, form=request.form
    ), status


def _chosen_lesson() -> tuple[Lesson | None, bool]:
    """The optional lesson named in the form: (lesson or None, whether the choice was valid)."""
    raw = request.form.get("lesson_id", "").strip()
    if not raw:
        return None, True
    lesson = db.session.get(Lesson, lesson_id) if (lesson_id := database_id(raw)) else None
    return lesson, lesson is not None and lesson.kind == "video" and not lesson.archived


@bp.route("/timing")
@role_required(Role.AUTHOR)
def timing():
    return _timing_form()


@bp.route("/timing/lines", methods=["POST"])
@role_required(Role.AUTHOR)
def timing_tool():
    video = request.form.get("video", "")
    lesson, lesson_ok = _chosen_lesson()
    lines = timed.parse_transcript(request.form.get("transcript", ""))
    errors = [] if media_path(_media_dir(), video) else ["Choose a video from media/."]
    errors += [] if lesson_ok else ["Choose a video lesson, or none."]
    errors += [] if lines else ["Paste the transcript: each line becomes one caption."]
    errors += [] if len(lines) <= timed.MAX_LINES else [f"A transcript can have at most {timed.MAX_LINES} lines."]
    if errors:
        return _timing_form(errors, 400)
    rows = [{"speaker": line.speaker, "text": line.text, "start": None} for line in lines]
    return _tool_page(video, lesson, rows)


def _tool_page(video: str, lesson: Lesson | None, rows: list[dict], errors=(), status: int = 200):
    name = request.form.get("name") or f"{Path(video).stem}-captions.vtt"
    return render_template(
        "author/timing_tool.html", video=video, lesson=lesson, rows=rows, name=name, errors=errors
    ), status


@bp.route("/timing/save", methods=["POST"])
@role_required(Role.AUTHOR)
def save_timing():
    video, payload = request.form.get("video", ""), request.form.get("timing", "")
    lesson, lesson_ok = _chosen_lesson()
    if not media_path(_media_dir(), video) or not lesson_ok:
        return _timing_form(["Choose a video from media/ (and a video lesson, or none), then time it."], 400)
    try:
        duration, lines = timed.read_timed_lines(payload)
        note = f"Timed by hand in the course's timing tool against {video}."
        text = timed.build_vtt(lines, duration, split=request.form.get("split") == "1", note=note)
        problems, _ = check_captions(text)
        if problems:  # the builder's output always passes; this keeps "one set of rules" true if it ever does not
            raise timed.TimingError([f"line {p.line} of the file: {p.message}" for p in problems])
        saved = uploads.save_text(text, request.form.get("name") or f"{Path(video).stem}-captions.vtt", _media_dir())
    except (timed.TimingError, UploadRefused) as error:
        messages = getattr(error, "problems", None) or [str(error)]
        rows = timed.rows_for_retry(payload)
        if not rows:
            return _timing_form(messages, 400)
        return _tool_page(video, lesson, rows, messages, 400)
    if lesson is not None:
        lesson.media_src, lesson.captions_src, lesson.duration_seconds = video, saved.path, duration
    what = f"timed a transcript into {saved.path}" + (f" for lesson '{lesson.slug}'" if lesson else "")
    record_change(lesson.module if lesson else None, current_user, what, f"{len(lines)} lines against {video}")
    db.session.commit()
    flash(f"Saved {saved.path}: {len(lines)} lines timed against {video}.", "success")
    if lesson is not None:
        _front_matter_note(lesson)
    return redirect(url_for("author.media_check", filename=saved.path, duration=duration))
