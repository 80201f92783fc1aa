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

import flask_sqlalchemy.session
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
    """Where a read on a hot path runs (a Core or prebuilt statement, not the ORM).

    Inside a transaction of the session, or in a request that will write, it is the session's own
    connection: the read sees pending changes (flushed first, as autoflush would), and a writer reads
    under its own lock. Otherwise it is a read-only transaction of the session's own on a pooled
    connection, without the ORM session's bookkeeping, which costs more than a light page's queries
    together. That transaction ends when the session commits, rolls back or closes.
    """
    if _write_intent.get() or session.in_transaction():
        session.flush()
        return session.connection()
    reads = session.info.get(_READS_KEY)
    if reads is None:
        reads = session.get_bind().connect()
        reads.begin()  # without write intent (see above), so never SQLite's write lock
        session.info[_READS_KEY] = reads
    return reads


_READS_KEY = "read_only_connection"
# Keys of ``session.info`` that hold what one transaction read (``app.shared_state``): forgotten when
# the read-only transaction ends, as Session events forget them when the session's own one does.
TRANSACTION_INFO_KEYS: set[str] = set()


def end_reads(session: Session) -> None:
    """End the session's read-only transaction, if it has one (the next read starts a new one)."""
    reads = session.info.pop(_READS_KEY, None)
    if reads is not None:
        for key in TRANSACTION_INFO_KEYS:
            session.info.pop(key, None)
        reads.close()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A short write transaction on a pooled connection, outside the ORM session, for the hottest
    writes (a progress report): Core statements only, without the session's unit of work, which
    costs more than the write itself. It begins IMMEDIATE on SQLite and commits at the end of the
    block, or rolls back if the block raises. End the session's reads first (:meth:`RequestSession.end_reading`):
    on SQLite, a read transaction left open on another connection would keep the write waiting
    for nothing, and on any database it would read older data than the write sees.
    """
    with write_intent(), engine.begin() as connection:
        yield connection


class RequestSession(flask_sqlalchemy.session.Session):
    """The app's ORM session: committing, rolling back or closing it also ends its read-only
    transaction (see :func:`read_connection`), so a read after a commit sees what was committed."""

    def commit(self) -> None:
        end_reads(self)
        super().commit()

    def rollback(self) -> None:
        end_reads(self)
        super().rollback()

    def close(self) -> None:
        end_reads(self)
        super().close()

    def end_reading(self) -> None:
        """End what this request has read so far, before it writes in a new transaction: a commit
        when the session has a transaction of its own, else just the read-only one."""
        if self.in_transaction():
            self.commit()
        else:
            end_reads(self)


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
