"""Load and fault tests: 20 simulated learners against gunicorn with 2 workers, on the suite's database.

Every acknowledged write must be in the database afterwards; there must be no errors and no
"database is locked"; and killing a worker mid-run must lose nothing acknowledged.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Lesson, LessonProgress, Module, QuizAttempt, User, utcnow
from app.watching import intervals
from tests.conftest import PASSWORD
from tests.load.conftest import LOAD_SECONDS
from tests.load.learners import run_learners

pytestmark = pytest.mark.load
LEARNERS = 20


@pytest.fixture
def learners(app, course, make_user) -> list[str]:
    """Twenty learners who have finished module 1's lessons, so they can take its quiz."""
    users = [make_user("learner", team="Load team") for _ in range(LEARNERS)]
    with app.app_context():
        lessons = db.session.scalars(
            select(Lesson).join(Module).where(Module.slug == "what-is-infant-mental-health")
        ).all()
        for user in users:
            for lesson in lessons:
                db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers get the database to themselves
    return [user.email for user in users]


def check_nothing_acknowledged_was_lost(app, outcome) -> None:
    with app.app_context():
        emails = {email for email, _ in outcome.acknowledged_reports}
        users = {u.email: u.id for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
        stored = {
            user_id: watched
            for user_id, watched in db.session.execute(
                select(LessonProgress.user_id, LessonProgress.watched)
                .join(Lesson)
                .where(Lesson.slug == "watch-the-video", LessonProgress.user_id.in_(users.values()))
            )
        }
        for email, watched in outcome.acknowledged_reports:
            final = stored.get(users[email], [])
            assert intervals.merge(final, watched) == intervals.merge(final, []), (
                f"{email}: acknowledged {watched} lost"
            )
        submitted = set(
            db.session.execute(
                select(User.email, QuizAttempt.number)
                .join(QuizAttempt, QuizAttempt.user_id == User.id)
                .where(QuizAttempt.submitted_at.is_not(None))
            ).all()
        )
        missing = [a for a in outcome.acknowledged_attempts if tuple(a) not in submitted]
        assert not missing, f"acknowledged quiz submissions missing: {missing}"
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        else:
            assert db.session.execute(text("SELECT count(*) FROM quiz_attempts")).scalar() >= len(submitted)


def test_twenty_learners_for_thirty_seconds(app, gunicorn, learners):
    server = gunicorn()  # the production config: sync workers
    outcome = run_learners(server.url, learners, PASSWORD, LOAD_SECONDS)
    log = server.stop()
    assert outcome.errors == [], outcome.errors[:5]
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-2000:]
    assert len(outcome.acknowledged_reports) > LEARNERS * 5
    assert len(outcome.acknowledged_attempts) >= LEARNERS
    check_nothing_acknowledged_was_lost(app, outcome)
    print(
        f"\n{len(outcome.acknowledged_reports)} progress reports and {len(outcome.acknowledged_attempts)} "
        f"quiz submissions acknowledged in {LOAD_SECONDS:.0f} s, 0 errors"
    )


def test_a_worker_killed_midway_loses_nothing_acknowledged(app, gunicorn, learners):
    # Two threads per worker (gthread, the setting for a database across a network): the killed worker
    # may take two requests down with it, and threads of one worker write side by side as well.
    server = gunicorn(threads=2)
    seconds = max(10.0, LOAD_SECONDS / 2)
    killed: list[int] = []

    def kill_one_worker() -> None:
        time.sleep(seconds / 2)
        pid = server.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    outcome = run_learners(server.url, learners, PASSWORD, seconds)
    killer.join()
    log = server.stop()
    assert killed, "a worker was killed"
    assert "database is locked" not in log
    assert len(outcome.acknowledged_reports) > LEARNERS
    check_nothing_acknowledged_was_lost(app, outcome)
