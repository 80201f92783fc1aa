"""Writers to one SQLite file take turns through a lock on a file beside it.

SQLite lets one writer at a time hold its write lock, and a writer that finds it taken waits by
polling: its busy handler sleeps 1 ms, then 2, 5, 10 ms and more, while a progress report holds the
lock for about a tenth of a millisecond. Under load a third of the reports found the lock taken, and
each of those idled its worker for a millisecond or more: the workers served a fifth fewer reports
than they could (bench/README.md, item 30). So the hottest writers (``app.database.write_transaction``)
first take their turn on ``<database file>-writers``, an ``flock`` polled every few tens of
microseconds at first, and then SQLite's write lock, which is free by then. So do the ORM session's
write transactions (from BEGIN IMMEDIATE until their connection goes back to the pool): polling
SQLite's lock alone, with pauses that grow to 100 ms, they lost races to the queued writers, and quiz
answers sent during a full load of progress reports waited longer (item 32).

The turn is only a queue; SQLite's lock is still what keeps writes apart. A writer that does not
queue here (another program, such as the sqlite3 shell) is waited for as before, with SQLite's busy
timeout. A writer that waits longer than half that timeout for its turn goes ahead without it. The
kernel ends the turn of a worker that dies holding it. No Flask here.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

try:
    import fcntl
except ImportError:  # not a POSIX system: writers wait with SQLite's busy timeout alone
    fcntl = None  # type: ignore[assignment]

_log = logging.getLogger(__name__)

# The first pause is shorter than a report's write; pauses double up to the longest. SQLite's own
# first pause is 1 ms.
FIRST_PAUSE = 0.00002
LONGEST_PAUSE = 0.001


def lock_path(database_file: str) -> str:
    """The lock file's path, beside the database (as SQLite's own ``-wal`` and ``-shm`` files)."""
    return os.path.abspath(database_file) + "-writers"


class Turn:
    """An open lock file, and whether this thread holds the turn through it. An flock belongs to the
    open file, so each thread opens its own (threads sharing one would all hold the turn at once), and
    so does a forked worker (else it would share its parent's turn). Closed when its thread ends."""

    __slots__ = ("fd", "path", "pid", "held")

    def __init__(self, path: str) -> None:
        self.path, self.pid, self.fd, self.held = path, os.getpid(), -1, False
        self.fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)  # flock needs no write access

    def close(self) -> None:
        # Closing a forked worker's copy does not end its parent's turn: the lock lasts until every
        # copy of the open file is closed.
        fd, self.fd = self.fd, -1
        if fd >= 0:
            with suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()


class _ThisThread(threading.local):
    lock_file: Turn | None = None


_this_thread = _ThisThread()
_unusable: set[str] = set()  # lock files that could not be opened: warned about once, not tried again


def _lock_file(path: str) -> Turn | None:
    kept = _this_thread.lock_file
    if kept is not None and kept.path == path and kept.pid == os.getpid():
        return kept
    if kept is not None:
        kept.close()  # another database (tests make many), or a copy inherited from the parent process
        _this_thread.lock_file = None
    if path in _unusable:
        return None
    try:
        kept = _this_thread.lock_file = Turn(path)
    except OSError as error:
        _unusable.add(path)
        _log.warning("writers wait with SQLite's busy timeout alone: cannot open %s (%s)", path, error)
        return None
    return kept


def _wait_for_turn(fd: int, timeout: float) -> bool:
    """Take the turn, waiting at most ``timeout`` seconds; whether it was taken."""
    pause, deadline = FIRST_PAUSE, None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        now = time.monotonic()
        if deadline is None:
            deadline = now + timeout
        elif now >= deadline:
            _log.warning("a writer waited %.1f s for its turn and goes ahead without it", timeout)
            return False
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def take_turn(path: str | None, timeout: float) -> Turn | None:
    """Take this thread's turn to write to the database whose lock file is ``path``, waiting at most
    ``timeout`` seconds; :func:`end_turn` ends it. None, and no wait, when there is no queue (``path``
    None, or not a POSIX system), when the lock file cannot be opened, inside a turn this thread
    already holds (a nested turn neither waits nor ends the outer one), or when the wait timed out."""
    if path is None or fcntl is None:
        return None
    turn = _lock_file(path)
    if turn is None or turn.held or not _wait_for_turn(turn.fd, timeout):
        return None
    turn.held = True
    return turn


def end_turn(turn: Turn) -> None:
    """Let the next writer go."""
    if turn.held:
        turn.held = False
        if turn.fd >= 0:
            fcntl.flock(turn.fd, fcntl.LOCK_UN)


@contextmanager
def writers_turn(path: str | None, timeout: float) -> Iterator[bool]:
    """Hold this thread's turn (:func:`take_turn`) for the block; yields whether it was taken."""
    turn = take_turn(path, timeout)
    try:
        yield turn is not None
    finally:
        if turn is not None:
            end_turn(turn)
