"""Store what a learner actually watched; the rules live in ``app.watching.intervals``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.learn.progress import record_started
from app.models import Lesson, LessonProgress, User, utcnow
from app.watching import intervals


class BadReport(ValueError):
    """A progress report that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Report:
    ranges: list
    position: float
    speed: float
    served: str | None = None  # the page's signed "served at" token


SERVED_SALT = "lesson-page-served"
SERVED_MAX_AGE = 12 * 3600


def served_token(lesson: Lesson) -> str:
    """Signed into the lesson page: when it was served, without writing anything on a page view."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=SERVED_SALT).dumps(lesson.id)


def served_at(token: str | None, lesson: Lesson) -> datetime | None:
    """When this lesson's page was served to the sender, if the token is genuine and recent."""
    if not token:
        return None
    try:
        lesson_id, signed_at = URLSafeTimedSerializer(current_app.secret_key, salt=SERVED_SALT).loads(
            token, max_age=SERVED_MAX_AGE, return_timestamp=True
        )
    except BadData:
        return None
    return signed_at.replace(tzinfo=None) if lesson_id == lesson.id else None


def parse_report(data: object) -> Report:
    if not isinstance(data, dict):
        raise BadReport("Send a JSON object with 'ranges', 'position' and 'speed'.")
    ranges = data.get("ranges", [])
    if not isinstance(ranges, list) or len(ranges) > 500:
        raise BadReport("'ranges' must be a list of [start, end] pairs (at most 500).")
    position, speed = data.get("position", 0), data.get("speed", 1.0)
    for name, value in (("position", position), ("speed", speed)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise BadReport(f"'{name}' must be a number.")
    if not 0.25 <= speed <= 4:
        raise BadReport("'speed' must be between 0.25 and 4.")
    served = data.get("served")
    return Report(ranges, max(0.0, float(position)), float(speed), served if isinstance(served, str) else None)


def _row(user: User, lesson: Lesson) -> LessonProgress:
    record_started(user, lesson)
    return db.session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        .with_for_update()  # PostgreSQL: concurrent reports for one lesson queue; SQLite: BEGIN IMMEDIATE does it
    )


def note_opened(user: User, lesson: Lesson) -> LessonProgress:
    """The lesson page was served: the clock for the next report starts now."""
    row = _row(user, lesson)
    row.opened_at = utcnow()
    return row


def apply_report(user: User, lesson: Lesson, report: Report) -> tuple[LessonProgress, intervals.CreditResult]:
    """Credit the played ranges no faster than real time allows; repeated reports change nothing."""
    duration = lesson.duration_seconds or 0
    row = _row(user, lesson)
    now = utcnow()
    # The latest moment we know the learner was here: the page they report from was served, their last
    # report, or (for a client that sends no token) when the lesson was opened. Real time since then
    # bounds what this report may add.
    moments = (served_at(report.served, lesson), row.opened_at, row.last_report_at, row.started_at)
    since = min(max(t for t in moments if t is not None), now)
    elapsed = max(0.0, (now - since).total_seconds())
    # The slack absorbs network jitter once per real second, so a flood of reports cannot add it up.
    slack = min(intervals.DEFAULT_SLACK_SECONDS, elapsed)
    result = intervals.credit(row.watched or [], report.ranges, duration, elapsed, slack_seconds=slack)
    if result.intervals != (row.watched or []):
        row.watched = [list(i) for i in result.intervals]
    row.position_seconds = min(report.position, duration)
    row.speed = report.speed
    row.last_report_at = now
    if row.completed_at is None and intervals.is_complete(
        result.intervals, duration, lesson.complete_at, lesson.end_at_seconds
    ):
        row.completed_at = now
    return row, result


def coverage(row: LessonProgress | None, lesson: Lesson) -> float:
    if row is None or not lesson.duration_seconds:
        return 0.0
    return intervals.coverage_ratio(row.watched or [], lesson.duration_seconds, lesson.end_at_seconds)
