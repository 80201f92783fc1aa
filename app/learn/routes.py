import os
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import or_, select
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from app.auth.forms import EmptyForm
from app.auth.person import signed_in
from app.course.states import ModuleState
from app.database import reads_first, write_transaction
from app.extensions import db
from app.kept_pages import KeptPage, can_keep_page
from app.learn import bp
from app.learn.forms import ReflectionForm
from app.learn.outline import LessonOutline, course_outline
from app.learn.player import SPEEDS, load_cues, watched_bar
from app.learn.progress import (
    ModuleView,
    can_bypass_locks,
    course_modules,
    learner_overview,
    next_step,
    progress_of,
    record_completed,
    record_started,
    upsert_into,
)
from app.learn.watching import BadReport, apply_report, note_opened, parse_report, served_token, watched_ratio
from app.markdown_render import render_markdown
from app.media_files import send_media
from app.models import Lesson, Module, Reflection, utcnow
from app.supervise.deadlines import is_overdue
from app.supervise.queries import learner_deadlines
from app.untrusted import loads_json
from app.watching import intervals


@bp.app_template_filter("markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("learn/welcome.html")
    overview = learner_overview(current_user)
    completed = progress_of([current_user.id])[current_user.id].completed
    done = sum(1 for v in overview if v.status.state is ModuleState.COMPLETE)
    due = learner_deadlines([current_user.id]).get(current_user.id, {})
    today = utcnow().date()
    return render_template(
        "learn/home.html",
        due=due,
        overdue={
            view.module.id
            for view in overview
            if is_overdue(due.get(view.module.id), view.status.state is ModuleState.COMPLETE, today)
        },
        overview=overview,
        next_step=next_step(overview, completed),
        done=done,
        completed=completed,
    )


@bp.route("/about")
def about():
    return render_template("learn/about.html")


def module_view(slug: str) -> tuple[ModuleView, list[ModuleView]]:
    person = signed_in()
    overview = learner_overview(person, course_modules(include_drafts=can_bypass_locks(person)))
    for view in overview:
        if view.module.slug == slug:
            return view, overview
    abort(404)


@bp.route("/modules/<slug>")
@login_required
def module(slug: str):
    person = signed_in()
    view, overview = module_view(slug)
    names = {v.module.id: v.module.title for v in overview}
    progress = progress_of([person.id])[person.id]
    watched = {
        lesson.id: intervals.coverage_ratio(progress.watched.get(lesson.id, []), lesson.duration_seconds or 0)
        for lesson in view.module.active_lessons
        if lesson.kind == "video"
    }
    return render_template(
        "learn/module.html",
        view=view,
        missing=[names[i] for i in view.status.missing_prerequisites if i in names],
        completed=progress.completed,
        watched=watched,
        bypass=can_bypass_locks(person),
    )


def _open_lesson(slug: str, lesson_slug: str) -> tuple[ModuleView, LessonOutline]:
    """The lesson, if this person may open it; otherwise 404 (unknown) or 403 (locked)."""
    person = signed_in()
    view, overview = module_view(slug)
    lesson = next((le for le in view.module.active_lessons if le.slug == lesson_slug), None)
    if lesson is None:
        abort(404)
    if view.locked and not can_bypass_locks(person):
        names = {v.module.id: v.module.title for v in overview}
        needed = ", ".join(f"“{names[i]}”" for i in sorted(view.status.missing_prerequisites))
        abort(403, f"This lesson opens when you complete {needed}.")
    return view, lesson


def _usable_lesson(slug: str, lesson_slug: str) -> LessonOutline:
    """The lesson, if this person may use it (a progress report, a media file), as ``_open_lesson`` decides,
    but without reading their progress when no prerequisite could lock its module."""
    person = signed_in()
    bypass = can_bypass_locks(person)
    modules = course_modules(include_drafts=bypass)
    module = next((m for m in modules if m.slug == slug), None)
    lesson = next((le for le in module.active_lessons if le.slug == lesson_slug), None) if module else None
    if lesson is None:
        abort(404)
    if bypass or not module.prerequisite_ids & {m.id for m in modules}:
        return lesson  # a module without (shown) prerequisites is open to everyone
    return _open_lesson(slug, lesson_slug)[1]


@bp.route("/modules/<slug>/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    person = signed_in()
    view, lesson = _open_lesson(slug, lesson_slug)
    reflection = _reflection(lesson) if lesson.kind == "reflection" else None
    form = ReflectionForm(obj=reflection) if lesson.kind == "reflection" else None
    page = _render_lesson(view, lesson, form, reflection)
    if lesson.id not in progress_of([person.id])[person.id].started:
        _note_started(lesson)  # only the first opening writes; the page carries a signed "served at" token
    return page


def _reflection(lesson: LessonOutline) -> Reflection | None:
    return db.session.scalar(
        select(Reflection).where(Reflection.user_id == current_user.id, Reflection.lesson_id == lesson.id)
    )


def _render_lesson(view: ModuleView, lesson: LessonOutline, form, reflection):
    person = signed_in()
    lessons = view.module.active_lessons
    index = lessons.index(lesson)
    mine = progress_of([person.id])[person.id]
    is_complete = lesson.id in mine.completed
    chapters_html = _cues_html(lesson, "chapter_links", lesson.chapters_src) if lesson.chapters_src else ""
    cues_html = _cues_html(lesson, "transcript_lines", lesson.captions_src) if lesson.kind == "video" else ""

    def context() -> dict:
        """What the page shows everyone who may open it (the same for a kept video page's key)."""
        return dict(
            chapters_html=chapters_html,
            cues_html=cues_html,
            speeds=SPEEDS,
            view=view,
            lesson=lesson,
            previous=lessons[index - 1] if index > 0 else None,
            following=lessons[index + 1] if index + 1 < len(lessons) else None,
            form=form,
            reflection=reflection,
            is_complete=is_complete,
            empty_form=EmptyForm() if lesson.kind == "reading" else None,
        )

    if lesson.kind != "video":
        return render_template("learn/lesson.html", **context())
    watched = mine.watched.get(lesson.id, [])
    position, speed = mine.positions.get(lesson.id, (None, None))
    values = {
        "resume": position or 0,
        "speed": speed or 1,
        "served": served_token(lesson),
        "watched_percent": int(round(watched_ratio(watched, lesson) * 100)),
        # the macro straight from its template module: an import in the page template costs every page
        "bar_html": get_template_attribute("learn/_watched.html", "watched_bar")(
            watched_bar(watched, lesson.duration_seconds)
        ),
    }
    if not can_keep_page():
        return render_template("learn/lesson.html", **context(), **values)
    values["csrf"] = current_app.jinja_env.globals["csrf_token"]()
    # Everything else on the page is the same for everyone with these roles, while the course's
    # version and the track files (their renderings are kept per file version) stay the same.
    key = (request.script_root, person.roles, lesson.id, is_complete, chapters_html, cues_html)
    return _VIDEO_PAGE.render(course_outline().version, key, values, context)


_VIDEO_PAGE = KeptPage("learn/lesson.html", slots=("resume", "speed", "served", "watched_percent", "bar_html"))


def _transcript(lesson: LessonOutline, src: str | None = None):
    """Cues of the lesson's captions (or another of its tracks); a broken file must not break the page."""
    try:
        return load_cues(Path(current_app.config["MEDIA_DIR"]), src or lesson.captions_src)
    except (OSError, ValueError) as error:
        current_app.logger.warning("track unavailable for lesson %s: %s", lesson.slug, error)
        return ()


_rendered_cues: dict[tuple, Markup] = {}


def _cues_html(lesson: LessonOutline, macro: str, src: str | None) -> Markup:
    """A track's cues as list items, rendered once per version of the file (the same for everyone).

    A version is the file's size and modification time: one ``stat`` per page tells whether the
    kept rendering is still the file's.
    """
    if not src:
        return Markup("")
    path = os.path.join(current_app.config["MEDIA_DIR"], src)
    try:
        found = os.stat(path)
    except OSError:
        found = None
    key = (macro, path, found and found.st_size, found and found.st_mtime_ns)
    html = _rendered_cues.get(key)
    if html is None:
        cues = _transcript(lesson, src)
        html = get_template_attribute("learn/_cues.html", macro)(cues) if cues else Markup("")
        if len(_rendered_cues) > 128:
            _rendered_cues.clear()
        if found is not None:  # a missing or broken file is looked at again next time
            _rendered_cues[key] = html
    return html


def _note_started(lesson: LessonOutline) -> None:
    user_id = current_user.id
    with write_transaction(db) as connection:  # BEGIN IMMEDIATE on its own connection
        if lesson.kind == "video":
            note_opened(connection, user_id, lesson)
        else:
            record_started(user_id, lesson, connection)


@bp.route("/modules/<slug>/<lesson_slug>/progress", methods=["POST"])
@reads_first
@login_required
def report_progress(slug: str, lesson_slug: str):
    """Played ranges from the player (fetch with JSON, or sendBeacon with a form field 'payload')."""
    person = signed_in()
    lesson = _usable_lesson(slug, lesson_slug)
    if lesson.kind != "video" or not lesson.duration_seconds:
        abort(404)
    data = request.get_json(silent=True) if request.is_json else _form_payload()
    try:
        report = parse_report(data)
    except BadReport as error:
        return jsonify(error="This progress report was not saved.", detail=str(error)), 400
    user_id = person.id
    with write_transaction(db) as connection:  # the write lock is held only while writing
        outcome = apply_report(connection, user_id, lesson, report)
    return jsonify(
        watched=outcome.watched,
        coverage=round(watched_ratio(outcome.watched, lesson), 4),
        complete=outcome.complete,
        position=outcome.position,
        credited=outcome.credit.credited_seconds,
        capped=outcome.credit.capped,
    )


@bp.route("/modules/<slug>/<lesson_slug>/transcript.<any(txt, vtt):fmt>")
@login_required
def transcript(slug: str, lesson_slug: str, fmt: str):
    """The transcript to keep or print: plain text (time, speaker, words) or the WebVTT file itself."""
    _view, lesson = _open_lesson(slug, lesson_slug)
    if not lesson.captions_src:
        abort(404)
    if fmt == "vtt":
        return send_from_directory(
            Path(current_app.config["MEDIA_DIR"]).resolve(),
            lesson.captions_src,
            as_attachment=True,
            download_name=f"{lesson.slug}.vtt",
            mimetype="text/vtt",
        )
    lines = [lesson.title, ""]
    lines += [
        f"[{cue.start_label}] {cue.speaker + ': ' if cue.speaker else ''}{cue.text}" for cue in _transcript(lesson)
    ]
    response = current_app.response_class("\n".join(lines) + "\n", mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{lesson.slug}-transcript.txt"'
    return response


def _accel_redirect(prefix: str, filename: str):
    """Let nginx stream the file (ranges and all) after Flask has checked who may see it."""
    safe = safe_join(str(Path(current_app.config["MEDIA_DIR"]).resolve()), filename)
    if safe is None or not Path(safe).is_file():
        abort(404)
    response = current_app.response_class(status=200)
    response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + filename
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers.pop("Content-Type", None)  # nginx sets it from the file
    return response


def _form_payload():
    try:
        return loads_json(request.form.get("payload", ""))
    except ValueError:
        return None


@bp.route("/modules/<slug>/<lesson_slug>/complete", methods=["POST"])
@login_required
def complete(slug: str, lesson_slug: str):
    view, lesson = _open_lesson(slug, lesson_slug)
    if lesson.kind != "reading":
        abort(400, "Only reading lessons are marked complete by hand.")
    if record_completed(current_user, lesson):
        flash(f"“{lesson.title}” is complete.", "success")
    db.session.commit()
    return redirect(_after(view, lesson))


@bp.route("/modules/<slug>/<lesson_slug>/reflection", methods=["POST"])
@login_required
def save_reflection(slug: str, lesson_slug: str):
    view, lesson = _open_lesson(slug, lesson_slug)
    if lesson.kind != "reflection":
        abort(404)
    form = ReflectionForm()
    if not form.validate_on_submit():
        # Show the page again with what was typed, so nothing is lost.
        flash(
            "Your answer was not saved yet: " + " ".join(e for errs in form.errors.values() for e in errs),
            "error",
        )
        return _render_lesson(view, lesson, form, None), 422
    # One statement whether or not there is an answer already: two saves at once (a double tap on a
    # slow phone) cannot both find none and both insert one.
    answer = {"text": form.text.data, "shared": form.shared.data, "updated_at": utcnow()}
    db.session.execute(
        upsert_into(Reflection.__table__)
        .values(user_id=current_user.id, lesson_id=lesson.id, **answer)
        .on_conflict_do_update(index_elements=["user_id", "lesson_id"], set_=answer)
    )
    record_completed(current_user, lesson)
    db.session.commit()
    flash(
        "Your answer is saved." + (" Your supervisor can read it." if answer["shared"] else " Only you can read it."),
        "success",
    )
    return redirect(url_for("learn.lesson", slug=slug, lesson_slug=lesson_slug))


def _after(view: ModuleView, lesson: LessonOutline) -> str:
    lessons = view.module.active_lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return url_for("learn.lesson", slug=view.module.slug, lesson_slug=lessons[index + 1].slug)
    return url_for("learn.module", slug=view.module.slug)


@bp.route("/media/<path:filename>")
@login_required
def media(filename: str):
    """Serve a lesson's video or captions to someone who may open that lesson.

    ``send_media`` refuses paths outside the media folder and answers range and conditional
    requests (206, ETag, If-None-Match), so seeking starts at once.
    """
    lessons = db.session.scalars(
        select(Lesson)
        .join(Module)
        .where(
            Lesson.archived.is_(False),
            or_(Lesson.media_src == filename, Lesson.captions_src == filename, Lesson.chapters_src == filename),
        )
    ).all()
    if not lessons:
        abort(404)
    allowed = False
    for candidate in lessons:
        try:
            _usable_lesson(candidate.module.slug, candidate.slug)
            allowed = True
            break
        except HTTPException:  # locked or unknown here; another lesson may allow it
            continue
    if not allowed:
        abort(403, "This file belongs to a lesson that is not open to you yet.")
    accel = current_app.config.get("MEDIA_ACCEL_PREFIX")
    if accel:
        return _accel_redirect(accel, filename)
    return send_media(Path(current_app.config["MEDIA_DIR"]), filename, max_age=3600)
