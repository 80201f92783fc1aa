"""Validate and import ``modules/`` against this app's database (used by the CLI and the author pages)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.course.importer import ImportReport, import_course
from app.course.loader import load_course
from app.course.problems import Problems
from app.course.spec import CourseSpec
from app.database import write_intent
from app.extensions import db
from app.models import Module


def check_course(modules_dir: Path | None = None) -> tuple[CourseSpec, Problems]:
    modules_dir, media_dir = _folders(modules_dir)
    return load_course(modules_dir, media_dir, root=_root(modules_dir, media_dir))


def _folders(modules_dir: Path | None) -> tuple[Path, Path]:
    """The modules folder and its media: a ``media/`` beside the folder given, else the app's."""
    if modules_dir is None:
        return Path(current_app.config["MODULES_DIR"]), Path(current_app.config["MEDIA_DIR"])
    beside = Path(modules_dir).parent / "media"
    return Path(modules_dir), beside if beside.is_dir() else Path(current_app.config["MEDIA_DIR"])


def import_from_files(
    modules_dir: Path | None = None, *, replace_browser_changes: bool = False
) -> tuple[ImportReport | None, Problems]:
    """Validate first; import only a course with no problems, all in one transaction.

    A module an author has changed in the browser since its files were imported is kept as it is
    when its files say something else (``report.kept``): importing would silently undo that work,
    and ``make run`` imports at every start. ``replace_browser_changes`` brings those modules back
    to their files too. Media are always checked against the app's own media folder, the one it
    serves from.
    """
    modules_dir = Path(modules_dir or current_app.config["MODULES_DIR"])
    media_dir = Path(current_app.config["MEDIA_DIR"])
    root = _root(modules_dir, media_dir)
    course, problems = load_course(modules_dir, media_dir, root=root)
    if problems:
        return None, problems
    db.session.commit()  # the import below must begin its own (writing) transaction
    keep: frozenset[str] = frozenset()
    with write_intent():
        try:
            while True:
                changed_in_browser = set(db.session.scalars(select(Module.slug).where(Module.changed_in_browser)))
                report = import_course(db.session, course, root, keep)
                clashes = set() if replace_browser_changes else changed_in_browser & report.updated_slugs()
                if not clashes:
                    break
                # Import again without them: the first pass is what tells which of them the files change.
                db.session.rollback()
                keep |= clashes
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return report, problems


def _root(modules_dir: Path, media_dir: Path) -> Path:
    """Paths in messages are shown relative to the folder holding ``modules/``.

    Media kept elsewhere (another ``MEDIA_DIR``) are then shown with their full path.
    """
    return modules_dir.resolve().parent
