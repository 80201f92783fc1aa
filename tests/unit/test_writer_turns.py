"""Writers take turns through a lock file: threads and processes wait for each other, nobody waits
forever, and a turn ends with its holder."""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import threading

import pytest

from app import writer_turns
from app.writer_turns import lock_path, writers_turn

pytestmark = pytest.mark.skipif(writer_turns.fcntl is None, reason="no flock on this system")


@pytest.fixture
def lock(tmp_path) -> str:
    return lock_path(str(tmp_path / "app.sqlite3"))


def _holder(lock: str):
    """A thread that takes the turn and holds it until told to let go."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        with writers_turn(lock, timeout=10) as turn:
            assert turn
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    return thread, release


def test_the_lock_file_sits_beside_the_database(tmp_path, lock):
    assert lock == str(tmp_path / "app.sqlite3-writers")
    with writers_turn(lock, timeout=1) as turn:
        assert turn
    assert os.path.exists(lock)


def test_a_writer_waits_for_the_turn_another_thread_holds(lock):
    holder, release = _holder(lock)
    order: list[str] = []

    def write():
        with writers_turn(lock, timeout=10) as turn:
            order.append(f"second writer, turn {turn}")

    second = threading.Thread(target=write)
    second.start()
    second.join(0.2)
    assert second.is_alive() and order == []  # still waiting
    order.append("first writer done")
    release.set()
    holder.join(10)
    second.join(10)
    assert order == ["first writer done", "second writer, turn True"]


def test_a_writer_that_waits_longer_than_the_timeout_goes_ahead_without_its_turn(lock, caplog):
    holder, release = _holder(lock)
    try:
        with caplog.at_level(logging.WARNING, "app.writer_turns"), writers_turn(lock, timeout=0.05) as turn:
            assert turn is False
        assert "goes ahead without it" in caplog.text
    finally:
        release.set()
        holder.join(10)


def test_a_turn_inside_a_turn_neither_waits_nor_ends_the_outer_one(lock):
    with writers_turn(lock, timeout=1) as outer:
        with writers_turn(lock, timeout=1) as inner:
            assert outer and inner is False
        held_by_other: list[bool] = []
        other = threading.Thread(target=lambda: held_by_other.append(_try_turn(lock)))
        other.start()
        other.join(10)
        assert held_by_other == [False]  # the outer turn is still held


def _try_turn(lock: str) -> bool:
    with writers_turn(lock, timeout=0.02) as turn:
        return turn


def _child_tries(lock: str, answer) -> None:
    answer.put(_try_turn(lock))


def test_a_forked_process_takes_its_own_turn_not_its_parents(lock):
    forking = multiprocessing.get_context("fork")
    answer = forking.Queue()
    with writers_turn(lock, timeout=1) as turn:
        assert turn
        child = forking.Process(target=_child_tries, args=(lock, answer))
        child.start()
        assert answer.get(timeout=20) is False  # the parent's turn keeps the child waiting
        child.join(20)
    child = forking.Process(target=_child_tries, args=(lock, answer))
    child.start()
    assert answer.get(timeout=20) is True
    child.join(20)


def test_a_killed_holder_ends_its_turn(lock):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", lock],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _try_turn(lock) is False
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()
    assert _try_turn(lock) is True


def test_without_a_lock_file_writers_go_ahead(tmp_path, caplog):
    missing = lock_path(str(tmp_path / "no such folder" / "app.sqlite3"))
    with caplog.at_level(logging.WARNING, "app.writer_turns"):
        with writers_turn(missing, timeout=1) as turn:
            assert turn is False
        with writers_turn(missing, timeout=1) as again:
            assert again is False
    assert caplog.text.count("cannot open") == 1  # said once, not on every write
    with writers_turn(None, timeout=1) as turn:
        assert turn is False


def test_threads_that_end_close_their_lock_files(lock):
    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("no /proc/self/fd to count open files")
    before = open_files()
    for _ in range(20):
        thread = threading.Thread(target=_try_turn, args=(lock,))
        thread.start()
        thread.join(10)
    assert open_files() <= before + 1
