"""Backups and copying a site's data to another database."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Base
from app.ops.backup import BackupError, create_backup, verify_backup
from app.ops.datacopy import copy_data
from tests.conftest import PG_SERVER, scratch_postgres_or_skip


@pytest.fixture
def filled(app, course, make_user):
    make_user("learner", team="Team A")
    make_user("supervisor", supervises="Team A")
    return app


def test_backup_is_consistent_and_verified(filled, tmp_path, database_url):
    path = create_backup(database_url, tmp_path)
    result = verify_backup(path, database_url)
    assert result.tables["users"] == 2
    assert result.tables["modules"] == 3
    assert result.tables["lessons"] == 8


def test_a_damaged_backup_is_refused(tmp_path):
    broken = tmp_path / "imh-broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError):
        verify_backup(broken)
    archive = tmp_path / "x.zip"
    archive.write_text("x")
    with pytest.raises(BackupError, match="unknown backup type"):
        verify_backup(archive)


def test_cli_backup_create_and_verify(filled, runner, tmp_path):
    created = runner.invoke(args=["backup", "create", "--dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    assert "verified" in created.output
    backup = next(tmp_path.iterdir())
    verified = runner.invoke(args=["backup", "verify", str(backup)])
    assert verified.exit_code == 0, verified.output
    assert "users" in verified.output and "OK:" in verified.output


@pytest.fixture
def other_database(tmp_path, database_url):
    """An empty database of the other kind: PostgreSQL when the suite runs on SQLite, and the reverse."""
    if make_url(database_url).get_backend_name() == "postgresql":
        yield f"sqlite:///{tmp_path / 'copy.sqlite3'}"
        return
    with scratch_postgres_or_skip(PG_SERVER, "imh_copy") as url:
        yield url


def test_copy_to_the_other_database_keeps_every_row(filled, database_url, other_database):
    target_app = create_app({"SQLALCHEMY_DATABASE_URI": other_database, "SECRET_KEY": "x" * 40, "TESTING": True})
    with target_app.app_context():
        upgrade()
        db.engine.dispose()
    with filled.app_context():
        db.session.remove()
    report = copy_data(database_url, other_database, Base.metadata)
    assert report.ok
    assert report.counts["users"] == (2, 2) and report.counts["lessons"] == (8, 8)
    with pytest.raises(RuntimeError, match="not empty"):
        copy_data(database_url, other_database, Base.metadata)


def test_gunicorn_workers_leave_the_loaded_app_to_the_garbage_collector_frozen():
    """The config freezes what is loaded before a worker forks and after it loads the app itself."""
    import gc
    import runpy

    from tests.conftest import PROJECT_ROOT

    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
