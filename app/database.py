"""Database engine set-up that differs by backend.

Several gunicorn workers share one SQLite file, so SQLite runs in WAL mode with a busy
timeout and foreign keys on, and transactions that will write begin IMMEDIATE: a deferred
transaction that reads and then writes fails with "database is locked" when another
writer got there first, whatever the timeout. Reads stay deferred so readers never queue
behind writers. A server database's connections are checked before use only after they sat idle.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

import flask_sqlalchemy.session
from flask import g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import URL, Connection, Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from app.writer_turns import end_turn, lock_path, take_turn, writers_turn

_log = logging.getLogger(__name__)
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


_READS_KEY = "_request_reads"  # the app context's _RequestReads, on ``flask.g``


class _RequestReads:
    """What one app context (a request, a command) reads outside the ORM session."""

    __slots__ = ("connection", "info")

    def __init__(self) -> None:
        self.connection: Connection | None = None  # the read-only transaction's, once begun
        self.info: dict = {}  # see transaction_info()


def _request_reads() -> _RequestReads:
    reads = g.get(_READS_KEY)
    if reads is None:
        reads = _RequestReads()
        setattr(g, _READS_KEY, reads)
    return reads


def read_connection(db: SQLAlchemy) -> Connection:
    """Where a read on a hot path runs (a Core or prebuilt statement, not the ORM).

    Inside a transaction of the ORM session, or in a request that will write, it is the session's
    own connection: the read sees pending changes (flushed first, as autoflush would), and a writer
    reads under its own lock. Otherwise it is a read-only transaction on a connection of its own
    (:func:`_take`), kept for the rest of the request, without an ORM session at all: making one,
    and its bookkeeping, cost more than a light page's queries together. That transaction ends when
    the ORM session commits, rolls back or closes, or with the app context (:func:`end_reads`).
    """
    if _write_intent.get() or _session_in_transaction(db):
        session = db.session()
        session.flush()
        return session.connection()
    reads = _request_reads()
    if reads.connection is None:
        reads.connection = _begin_reading(db.engine)
    return reads.connection


def _session_in_transaction(db: SQLAlchemy) -> bool:
    """Whether the request's ORM session exists and has begun a transaction (without making one)."""
    return db.session.registry.has() and db.session().in_transaction()


def _begin_reading(engine: Engine) -> Connection:
    """A connection (see :func:`_take`) for a request's reads, set up on the driver itself:
    SQLAlchemy's own transaction around it (its object, events and the rollback through them) costs
    more than the page's queries. :func:`_give_back` ends it.

    On SQLite, a read-only transaction: the page's reads see one snapshot. On a server database the
    reads run in autocommit mode. Under READ COMMITTED (PostgreSQL's default, and the app's: see
    tests/test_config_and_database.py) each statement reads from a snapshot of its own, in a
    transaction or not, so a transaction would add only its BEGIN and its ROLLBACK: two of a lesson
    page's five round trips to the server."""
    connection = _take(engine)
    driver = connection.connection.driver_connection
    if engine.dialect.name == "sqlite":
        driver.execute("BEGIN")  # deferred: never the write lock
    else:
        driver.autocommit = True
    return connection


class _KeptConnection(threading.local):
    """This thread's own connection to a SQLite database, kept from one request to the next."""

    connection: Connection | None = None
    pool: object = None  # the engine's pool when it was taken: disposing of the engine replaces it
    pid: int = 0  # the process it was opened in: a forked worker opens its own
    busy: bool = False  # in use by a transaction now


_kept = _KeptConnection()
# Connections a forked worker inherited from its parent: never used or closed in the worker (closing
# one would release the parent's locks on the file), just held.
_inherited: list[Connection] = []


def _take(engine: Engine) -> Connection:
    """A connection for one of the hot paths' transactions; :func:`_give_back` ends it.

    On SQLite each thread keeps one connection from request to request: a pool checkout and check-in
    (SQLAlchemy's connection object, the pool's bookkeeping and its events) cost more than a page's
    queries, and a connection to a file cannot be dropped the way a server drops one. Any other
    database lends one from the pool, which checks one that sat idle (:func:`_ping_when_idle`). A second
    transaction while the kept connection is busy (one inside another) gets a pooled one too.
    """
    if engine.dialect.name != "sqlite" or _kept.busy:
        return engine.connect()
    kept = _kept.connection
    usable = (
        kept is not None
        and _kept.pid == os.getpid()
        and _kept.pool is engine.pool
        and kept.engine is engine
        and not kept.closed
        and not kept.invalidated
    )
    if usable:
        # A statement sent on it after its transaction was given back (a reference kept too long)
        # would have begun another: end that rather than build on it.
        _rollback(kept)
    else:
        _forget_kept()
        kept = _kept.connection = engine.connect()
        _kept.pool, _kept.pid = engine.pool, os.getpid()
    _kept.busy = True
    return kept


def _rollback(connection: Connection) -> None:
    """End the connection's transaction: SQLAlchemy's, if a statement through it began one, and the
    driver's (a read-only transaction begun on the driver)."""
    if connection.in_transaction():
        connection.rollback()
    driver = connection.connection.driver_connection
    if driver.in_transaction:
        driver.rollback()


def _forget_kept() -> None:
    kept, _kept.connection = _kept.connection, None
    if kept is None:
        return
    if _kept.pid != os.getpid():
        _inherited.append(kept)
    else:
        kept.close()  # back to its pool, which closes it if the engine was disposed of


def _give_back(connection: Connection) -> None:
    """Roll back what is left of the connection's transaction and return it: to the thread that
    keeps it, else to the pool. A kept connection that was invalidated, or whose rollback fails, is
    dropped, as the pool drops one whose reset fails, and the next transaction opens another."""
    if connection is not _kept.connection:
        _end_autocommit(connection)
        connection.close()
        return
    _kept.busy = False
    if not connection.invalidated:
        try:
            _rollback(connection)
            return
        except Exception:
            _log.warning("dropping this thread's database connection: its rollback failed", exc_info=True)
    _kept.connection = None
    with suppress(Exception):  # it is broken already; what matters is that it is not used again
        connection.invalidate()
        connection.close()


def _end_autocommit(connection: Connection) -> None:
    """Back to transactions on a connection read from in autocommit mode (:func:`_begin_reading`),
    before it goes back to the pool: whoever takes it next expects them. One that cannot be switched
    back is broken, and invalidated so that the pool drops it."""
    if connection.invalidated or connection.closed or connection.dialect.name == "sqlite":
        return
    driver = connection.connection.driver_connection
    if not driver.autocommit:
        return
    try:
        driver.autocommit = False
    except Exception:
        _log.warning("dropping a database connection: it could not leave autocommit mode", exc_info=True)
        connection.invalidate()


def transaction_info() -> dict:
    """What this request has read in its current transaction and may reuse while it lasts (the shared
    counters, the learner's progress, the course outline): emptied when the read-only transaction
    ends and whenever an ORM session commits, rolls back or flushes (its writes may change them)."""
    return _request_reads().info


def end_reads() -> None:
    """End the request's read-only transaction, if it has one, and forget what it read (the next read
    starts a new one)."""
    if not has_app_context():
        return
    reads = g.get(_READS_KEY)
    if reads is None:
        return
    reads.info.clear()
    if reads.connection is not None:
        connection, reads.connection = reads.connection, None
        _give_back(connection)


def end_reading(db: SQLAlchemy) -> None:
    """End what this request has read so far, before it writes in a new transaction: a commit when
    the ORM session has a transaction of its own, else just the read-only one."""
    if _session_in_transaction(db):
        db.session.commit()
    else:
        end_reads()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_flush")
def _forget_what_was_read(_session, *_args) -> None:
    # The next transaction may see other values; a flush may have changed them itself.
    if has_app_context() and (reads := g.get(_READS_KEY)) is not None:
        reads.info.clear()


@contextmanager
def write_transaction(db: SQLAlchemy) -> Iterator[Connection]:
    """A short write transaction on a connection of its own (:func:`_take`), outside the ORM
    session, for the hottest writes (a progress report): Core statements only, without the session's
    unit of work, which costs more than the write itself. It ends what the request has read first
    (:func:`end_reading`): on SQLite, a read transaction left open on another connection would keep
    the write waiting for nothing, and on any database it would read older data than the write sees.
    It begins IMMEDIATE on SQLite and commits at the end of the block, or rolls back if the block
    raises. On a SQLite file, it takes its turn among the writers first (:mod:`app.writer_turns`),
    and holds it until the connection is given back.
    """
    end_reading(db)
    engine = db.engine
    with write_intent(), writers_turn(*_writer_queues.get(engine, (None, 0))):
        connection = _take(engine)
        try:
            with connection.begin():  # the "begin" event below sends BEGIN IMMEDIATE on SQLite
                yield connection
        finally:
            _give_back(connection)


# A SQLite file's engine -> (its writers' lock file, how long a writer waits for its turn)
_writer_queues: weakref.WeakKeyDictionary[Engine, tuple[str, float]] = weakref.WeakKeyDictionary()


def sqlite_file(url: URL) -> str | None:
    """The database file of a SQLite URL; None for another database or one in memory."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return None if url.query.get("mode") == "memory" else url.database


class RequestSession(flask_sqlalchemy.session.Session):
    """The app's ORM session: committing, rolling back or closing it also ends the request's read-only
    transaction (see :func:`read_connection`), so a read after a commit sees what was committed."""

    def commit(self) -> None:
        end_reads()
        super().commit()

    def rollback(self) -> None:
        end_reads()
        super().rollback()

    def close(self) -> None:
        end_reads()
        super().close()


def configure_engine(engine: Engine, busy_timeout_ms: int, ping_after_idle_seconds: float) -> None:
    if engine.dialect.name != "sqlite":
        _ping_when_idle(engine, ping_after_idle_seconds)
        return
    queue = None
    if (database := sqlite_file(engine.url)) is not None:
        # A writer waits for its turn at most half the busy timeout, then goes ahead and may wait the
        # busy timeout again for SQLite's lock (held by whoever holds the turn): the worst case, 22.5 s
        # with the defaults, stays under gunicorn's 30 s worker timeout, so the writer gets its error
        # ("database is locked") rather than a killed worker.
        queue = _writer_queues[engine] = (lock_path(database), busy_timeout_ms / 2000)

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
        driver = connection.connection.driver_connection
        if driver.in_transaction:  # a read-only transaction begun on the driver (see above)
            return
        statement = begin_statement()
        if queue is not None and statement == "BEGIN IMMEDIATE":
            # A writer takes its turn first (app.writer_turns), which lasts until its connection goes
            # back to the pool, after the commit or rollback. Inside write_transaction the turn is held
            # already, and this takes none.
            turn = take_turn(*queue)
            if turn is not None:
                connection.connection.info[_TURN_KEY] = turn
        driver.execute(statement)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        turn = record.info.pop(_TURN_KEY, None)
        if turn is not None:
            end_turn(turn)


_TURN_KEY = "writers_turn"  # in a pooled connection's info: the writers' turn it holds
_CHECKED_IN_KEY = "checked_in"  # in a pooled connection's info: when it last went back to the pool


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection to the server before use only if it sat idle ``idle_seconds`` or
    more; one that fails the check is replaced before the request sees it.

    A connection the server or a firewall dropped has always sat idle first (a restarted server
    breaks every connection, in use or not, and those in use fail whatever is checked). Pinging on
    every checkout (SQLAlchemy's pool_pre_ping) cost a round trip to the server per request: on
    PostgreSQL, a fifth of a lesson page's time. Under load a worker's connection comes back within
    milliseconds and is not pinged; on a quiet site nearly every request pings, which costs nothing
    that matters there.
    """

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection, record):
        record.info[_CHECKED_IN_KEY] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        checked_in = record.info.get(_CHECKED_IN_KEY)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return  # just opened, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another (a new one if need be).
            raise DisconnectionError(f"an idle database connection failed its check: {error}") from error


def begin_statement() -> str:
    """How a SQLite transaction begins here: IMMEDIATE (take the write lock now) for a writer."""
    return "BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN"
