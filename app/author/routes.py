from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.access import role_required
from app.auth.forms import EmptyForm
from app.author import bp
from app.author.history import record_change
from app.course_files import check_course, import_from_files
from app.extensions import db
from app.learn.progress import course_modules
from app.models import Module, Role


@bp.route("/")
@role_required(Role.AUTHOR)
def index():
    return render_template("author/index.html", modules=course_modules(include_drafts=True), form=EmptyForm())


@bp.route("/check")
@role_required(Role.AUTHOR)
def check():
    course, problems = check_course()
    return render_template("author/check.html", course=course, problems=problems, form=EmptyForm())


@bp.route("/import", methods=["POST"])
@role_required(Role.AUTHOR)
def run_import():
    report, problems = import_from_files()
    if report is None:
        flash(
            f"Nothing was imported: the course files have {len(problems)} problem(s). Fix them and try again.",
            "error",
        )
        return redirect(url_for("author.check"))
    record_change(None, current_user, "imported the course files", report.summary())
    db.session.commit()
    flash(f"Course imported: {report.summary()}.", "success")
    return redirect(url_for("author.index"))


@bp.route("/modules/<int:module_id>/publish", methods=["POST"])
@role_required(Role.AUTHOR)
def toggle_publish(module_id: int):
    module = db.session.get(Module, module_id) or abort(404)
    module.published = not module.published
    record_change(module, current_user, "published the module" if module.published else "unpublished the module")
    db.session.commit()
    state = "published: learners can see it" if module.published else "unpublished: learners no longer see it"
    flash(f"“{module.title}” is {state}.", "success")
    return redirect(url_for("author.index"))
