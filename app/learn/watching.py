"""Store what a learner actually watched; the rules live in ``app.watching.intervals``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import Connection, bindparam, select, update

from app.learn.outline import LessonOutline
from app.learn.progress import record_started
from app.models import LessonProgress, utcnow
from app.prebuilt import PrebuiltSelect, PrebuiltWrite
from app.untrusted import finite_number
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


def served_token(lesson: LessonOutline) -> str:
    """Signed into the lesson page: when it was served, without writing anything on a page view.

    The stamp counts whole seconds, so pages of one lesson served in the same second carry the same
    token: it is signed once per second and lesson, not on every page.
    """
    now = int(time.time())  # the stamp's own resolution
    if _served_this_second[0] != now:
        _served_this_second[:] = [now, {}]
    tokens = _served_this_second[1]
    key = (current_app.secret_key, lesson.id)
    token = tokens.get(key)
    if token is None:
        token = tokens[key] = _served_serializer().dumps(lesson.id)
    return token


_served_this_second: list = [0, {}]  # [the second, {(secret key, lesson id): token}]
_serializers: dict[object, URLSafeTimedSerializer] = {}


def _served_serializer() -> URLSafeTimedSerializer:
    serializer = _serializers.get(current_app.secret_key)
    if serializer is None:
        serializer = _serializers[current_app.secret_key] = URLSafeTimedSerializer(
            current_app.secret_key, salt=SERVED_SALT
        )
    return serializer


def served_at(token: str | None, lesson: LessonOutline) -> datetime | None:
    """When this lesson's page was served to the sender, if the token is genuine and recent.

    A player sends its page's token with every report (one every few seconds while playing), so a
    worker checks each token's signature once and keeps what it says; its age is checked every time.
    """
    if not token:
        return None
    key = (current_app.secret_key, token)
    signed = _verified_served.get(key)
    if signed is None:
        try:
            lesson_id, signed_at = _served_serializer().loads(token, max_age=SERVED_MAX_AGE, return_timestamp=True)
        except BadData:
            return None
        if len(_verified_served) >= 4096:
            _verified_served.clear()
        signed = _verified_served[key] = (lesson_id, signed_at.replace(tzinfo=None), signed_at.timestamp())
    lesson_id, signed_at, stamp = signed
    if not 0 <= time.time() - stamp <= SERVED_MAX_AGE:  # as the serializer's own max_age check
        return None
    return signed_at if lesson_id == lesson.id else None


# Genuine tokens only (a forged one is never kept): (secret key, token) -> (lesson id, when, its stamp).
_verified_served: dict[tuple, tuple[object, datetime, float]] = {}


def parse_report(data: object) -> Report:
    if not isinstance(data, dict):
        raise BadReport("Send a JSON object with 'ranges', 'position' and 'speed'.")
    ranges = data.get("ranges", [])
    if not isinstance(ranges, list) or len(ranges) > 500:
        raise BadReport("'ranges' must be a list of [start, end] pairs (at most 500).")
    position, speed = finite_number(data.get("position", 0)), finite_number(data.get("speed", 1.0))
    for name, value in (("position", position), ("speed", speed)):
        if value is None:
            raise BadReport(f"'{name}' must be a number.")
    if not 0.25 <= speed <= 4:
        raise BadReport("'speed' must be between 0.25 and 4.")
    served = data.get("served")
    return Report(ranges, max(0.0, position), speed, served if isinstance(served, str) else None)


@dataclass(frozen=True)
class Outcome:
    """What a report left stored, for the player's answer."""

    watched: list
    position: float
    complete: bool
    credit: intervals.CreditResult


class _StoredProgress(NamedTuple):
    id: int
    watched: list | None
    started_at: datetime | None
    opened_at: datetime | None
    last_report_at: datetime | None
    completed_at: datetime | None


# Built once: progress reports are the most frequent request of all.
_ROW = PrebuiltSelect(
    select(
        LessonProgress.id,
        LessonProgress.watched,
        LessonProgress.started_at,
        LessonProgress.opened_at,
        LessonProgress.last_report_at,
        LessonProgress.completed_at,
    )
    .where(LessonProgress.user_id == bindparam("user_id"), LessonProgress.lesson_id == bindparam("lesson_id"))
    .with_for_update()  # PostgreSQL: concurrent reports for one lesson queue; SQLite: BEGIN IMMEDIATE does it
)
_UPDATE = update(LessonProgress.__table__).where(LessonProgress.__table__.c.id == bindparam("row_id"))
_columns = LessonProgress.__table__.c
# What every report stores, every column each time (a prebuilt write applies no ``onupdate``, so the
# update time is given too).
_REPORTED = PrebuiltWrite(
    update(LessonProgress.__table__)
    .where(_columns.id == bindparam("row_id"))
    .values(
        {
            name: bindparam(name, type_=_columns[name].type)
            for name in ("watched", "position_seconds", "speed", "last_report_at", "completed_at", "updated_at")
        }
    )  # fmt: skip
)


def _locked_row(connection: Connection, user_id: int, lesson: LessonOutline) -> _StoredProgress:
    row = _ROW.first(connection, user_id=user_id, lesson_id=lesson.id)
    if row is None:  # no row yet: made here, safe under races
        record_started(user_id, lesson, connection)
        row = _ROW.first(connection, user_id=user_id, lesson_id=lesson.id)
    return _StoredProgress(*row)


def note_opened(connection: Connection, user_id: int, lesson: LessonOutline) -> None:
    """The lesson page was served: the clock for the next report starts now."""
    row = _locked_row(connection, user_id, lesson)
    connection.execute(_UPDATE, {"row_id": row.id, "opened_at": utcnow()})


def apply_report(connection: Connection, user_id: int, lesson: LessonOutline, report: Report) -> Outcome:
    """Credit the played ranges no faster than real time allows; repeated reports change nothing.

    ``connection`` is in a write transaction (see ``app.database.write_transaction``)."""
    duration = lesson.duration_seconds or 0
    row = _locked_row(connection, user_id, lesson)
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
    watched = [list(i) for i in result.intervals]
    completed_at = row.completed_at
    if completed_at is None and intervals.is_complete(
        result.intervals, duration, lesson.complete_at, lesson.end_at_seconds
    ):
        completed_at = now
    position = min(report.position, duration)
    _REPORTED.execute(
        connection,
        row_id=row.id,
        watched=watched,
        position_seconds=position,
        speed=report.speed,
        last_report_at=now,
        completed_at=completed_at,
        updated_at=now,
    )
    return Outcome(watched, position, completed_at is not None, result)


def watched_ratio(watched: list | None, lesson: LessonOutline) -> float:
    """The share of the lesson's video watched (up to where it counts as ended)."""
    if not lesson.duration_seconds:
        return 0.0
    return intervals.coverage_ratio(watched or [], lesson.duration_seconds, lesson.end_at_seconds)
