from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

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
    modules = course_modules(include_drafts=True)
    # Modules written in the browser have no files for an import to change: only imported ones count.
    changed = {m.id for m in modules if m.changed_in_browser and m.source_path}
    return render_template("author/index.html", modules=modules, changed_in_browser=changed, form=EmptyForm())


@bp.route("/check")
@role_required(Role.AUTHOR)
def check():
    course, problems = check_course()
    return render_template("author/check.html", course=course, problems=problems, form=EmptyForm())


@bp.route("/import", methods=["POST"])
@role_required(Role.AUTHOR)
def run_import():
    replace = request.form.get("replace_browser_changes") == "1"
    report, problems = import_from_files(replace_browser_changes=replace)
    if report is None:
        flash(
            f"Nothing was imported: the course files have {len(problems)} problem(s). Fix them and try again.",
            "error",
        )
        return redirect(url_for("author.check"))
    what = "imported the course files" + (", replacing changes made in the browser" if replace else "")
    record_change(None, current_user, what, report.summary())
    db.session.commit()
    flash(f"Course imported: {report.summary()}.", "success")
    if report.kept:
        titles = db.session.scalars(select(Module.title).where(Module.slug.in_(report.kept)).order_by(Module.position))
        flash(
            "Kept as they are, because they were changed here since their files were imported and their files "
            f"differ: {', '.join(f'“{t}”' for t in titles)}. Download a module (its page has the .zip) to put those "
            "changes in its files, or use “Import and replace browser changes” to undo them.",
            "info",
        )
    return redirect(url_for("author.index"))


@bp.route("/modules/<int:module_id>/publish", methods=["POST"])
@role_required(Role.AUTHOR)
def toggle_publish(module_id: int):
    module = db.session.get(Module, module_id) or abort(404)
    module.published = not module.published
    what = "published the module" if module.published else "unpublished the module"
    record_change(module, current_user, what, in_files=False)  # an import never changes publishing
    db.session.commit()
    state = "published: learners can see it" if module.published else "unpublished: learners no longer see it"
    flash(f"“{module.title}” is {state}.", "success")
    return redirect(url_for("author.index"))
