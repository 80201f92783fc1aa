"""Database engine set-up that differs by backend.

Several gunicorn workers share one SQLite file, so SQLite runs in WAL mode with a busy
timeout and foreign keys on, and transactions that will write begin IMMEDIATE: a deferred
transaction that reads and then writes fails with "database is locked" when another
writer got there first, whatever the timeout. Reads stay deferred so readers never queue
behind writers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions begun inside this block as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(value: bool) -> None:
    """Per-request switch used by the app: unsafe HTTP methods write."""
    _write_intent.set(value)


def reads_first(view: Callable) -> Callable:
    """Mark a view that reads in a deferred transaction and opens its own short write transaction
    (with :func:`write_intent`), so the write lock is not held while it checks and computes."""
    view.reads_first = True  # type: ignore[attr-defined]
    return view


def read_connection(session: Session) -> Connection:
    """The session's own connection, for a Core read on a hot path (the ORM's per-statement work is
    skipped); pending changes are flushed first, as autoflush would, so the read sees them."""
    session.flush()
    return session.connection()


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Straight to the driver: every request begins a transaction, and SQLAlchemy's statement
        # machinery (compiled-statement lookup, execution context, events) costs more than BEGIN.
        connection.connection.driver_connection.execute(begin_statement())


def begin_statement() -> str:
    """How a SQLite transaction begins here: IMMEDIATE (take the write lock now) for a writer."""
    return "BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN"
