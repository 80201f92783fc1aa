"""Consistent backups: SQLite's online backup API, or pg_dump for PostgreSQL; and their verification."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.ops.scratch import scratch_postgres


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Verification:
    path: Path
    tables: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def libpq_url(url: str) -> str:
    """A URL pg_dump understands (no SQLAlchemy driver suffix)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def create_backup(database_url: str, directory: Path) -> Path:
    """Write a consistent copy of the database into ``directory`` and return its path.

    SQLite uses the online backup API, which copies a consistent snapshot while the app keeps
    running (WAL readers and writers are not blocked for long); PostgreSQL uses pg_dump.
    """
    directory.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source_path = url.database
        if not source_path or source_path == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        target = directory / f"imh-{_stamp()}.sqlite3"
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
        return target
    if url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
        target = directory / f"imh-{_stamp()}.pgdump"
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", libpq_url(database_url)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target
    raise BackupError(f"backups are not supported for {url.get_backend_name()}")


def _count_rows(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {name: conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in sorted(names)}
    finally:
        engine.dispose()


def verify_backup(path: Path, postgres_url: str | None = None) -> Verification:
    """Open a backup and count the rows of every table; raise BackupError if it is damaged.

    A PostgreSQL dump is restored into a throwaway database on the server at ``postgres_url``.
    """
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    if path.suffix == ".sqlite3":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            status = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from None
        finally:
            connection.close()
        if status != "ok":
            raise BackupError(f"{path} failed its integrity check: {status}")
        return Verification(path, _count_rows(f"sqlite:///{path}"))
    if path.suffix == ".pgdump":
        return _verify_pg_dump(path, postgres_url)
    raise BackupError(f"{path}: unknown backup type (expected .sqlite3 or .pgdump)")


def _verify_pg_dump(path: Path, postgres_url: str | None) -> Verification:
    if not postgres_url or make_url(postgres_url).get_backend_name() != "postgresql":
        raise BackupError("verifying a PostgreSQL dump needs DATABASE_URL to point at a PostgreSQL server")
    if not shutil.which("pg_restore"):
        raise BackupError("pg_restore is not installed (Debian: postgresql-client)")
    with scratch_postgres(postgres_url, "imh_verify") as scratch:
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_url(scratch)}", str(path)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TMPDIR": tempfile.gettempdir()},
        )
        if result.returncode != 0:
            raise BackupError(f"{path} does not restore: {result.stderr.strip()}")
        return Verification(path, _count_rows(scratch))
