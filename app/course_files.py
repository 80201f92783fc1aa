"""Validate and import ``modules/`` against this app's database (used by the CLI and the author pages)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from app.course.importer import ImportReport, import_course
from app.course.loader import load_course
from app.course.problems import Problems
from app.course.spec import CourseSpec
from app.database import write_intent
from app.extensions import db


def check_course(modules_dir: Path | None = None) -> tuple[CourseSpec, Problems]:
    modules_dir, media_dir = _folders(modules_dir)
    return load_course(modules_dir, media_dir, root=_root(modules_dir, media_dir))


def _folders(modules_dir: Path | None) -> tuple[Path, Path]:
    """The modules folder and its media: a ``media/`` beside the folder given, else the app's."""
    if modules_dir is None:
        return Path(current_app.config["MODULES_DIR"]), Path(current_app.config["MEDIA_DIR"])
    beside = Path(modules_dir).parent / "media"
    return Path(modules_dir), beside if beside.is_dir() else Path(current_app.config["MEDIA_DIR"])


def import_from_files(modules_dir: Path | None = None) -> tuple[ImportReport | None, Problems]:
    """Validate first; import only a course with no problems, all in one transaction.

    Media are always checked against the app's own media folder, the one it serves from.
    """
    modules_dir = Path(modules_dir or current_app.config["MODULES_DIR"])
    media_dir = Path(current_app.config["MEDIA_DIR"])
    root = _root(modules_dir, media_dir)
    course, problems = load_course(modules_dir, media_dir, root=root)
    if problems:
        return None, problems
    db.session.commit()  # the import below must begin its own (writing) transaction
    with write_intent():
        try:
            report = import_course(db.session, course, root)
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
