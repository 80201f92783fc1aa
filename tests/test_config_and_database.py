"""Configuration defaults, production refusal, and SQLite settings for many workers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from app import create_app
from app.config import Config, ProductionConfig
from app.database import write_intent
from app.extensions import db


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    config = type("P", (ProductionConfig,), {"SECRET_KEY": None, "INSTANCE_PATH": tmp_path})
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app(config)
    weak = type("P", (ProductionConfig,), {"SECRET_KEY": "change-me", "INSTANCE_PATH": tmp_path})
    with pytest.raises(RuntimeError):
        create_app(weak)


def test_production_cookies_are_secure(tmp_path):
    config = type(
        "P",
        (ProductionConfig,),
        {"SECRET_KEY": "x" * 40, "INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"},
    )
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_works_with_no_environment_and_keeps_its_key(tmp_path):
    config = type(
        "D",
        (Config,),
        {"SECRET_KEY": None, "INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"},
    )
    first = create_app(config).config["SECRET_KEY"]
    assert len(first) >= 32
    assert create_app(config).config["SECRET_KEY"] == first, "the key survives a restart"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_settings_for_many_workers(app, ctx):
    """SQLite: WAL, foreign keys and a busy timeout. PostgreSQL needs none of these."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15_000


def test_concurrent_read_then_write_transactions_do_not_fail(app, ctx):
    """Writers begin IMMEDIATE, so a read-then-write never dies with 'database is locked'."""
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS counter_probe (n INTEGER NOT NULL)"))
        conn.execute(text("DELETE FROM counter_probe"))
        conn.execute(text("INSERT INTO counter_probe (n) VALUES (0)"))
    errors: list[Exception] = []

    def bump() -> None:
        try:
            with app.app_context():
                for _ in range(20):
                    with write_intent():
                        value = db.session.execute(text("SELECT n FROM counter_probe")).scalar()
                        db.session.execute(text("UPDATE counter_probe SET n = :n"), {"n": value + 1})
                        db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        if db.engine.dialect.name == "sqlite":  # PostgreSQL's READ COMMITTED would need row locks for this
            assert db.session.execute(text("SELECT n FROM counter_probe")).scalar() == 120
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE counter_probe"))


def test_production_sends_hsts(tmp_path):
    config = type(
        "P",
        (ProductionConfig,),
        {"SECRET_KEY": "x" * 40, "INSTANCE_PATH": tmp_path, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"},
    )
    response = create_app(config).test_client().get("/about")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/about").headers


@pytest.mark.parametrize(
    ("url", "pool", "size"),
    [
        ("sqlite:///{tmp}/file.sqlite3", "QueuePool", 10),  # a kept and a pooled connection per thread
        ("sqlite://", "StaticPool", None),  # in memory: one connection, no pool size to set
        ("sqlite:///:memory:", "StaticPool", None),
    ],
)
def test_the_sqlite_pool_has_room_for_each_threads_kept_connection(tmp_path, url, pool, size):
    config = type("C", (Config,), {"SECRET_KEY": "x" * 40, "INSTANCE_PATH": tmp_path,
                                   "SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path)})  # fmt: skip
    app = create_app(config)
    with app.app_context():
        assert type(db.engine.pool).__name__ == pool
        if size is not None:
            assert db.engine.pool.size() == size
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()
