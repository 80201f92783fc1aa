"""When each learner's modules are due (plain functions: no Flask, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

REMINDER_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Deadline:
    """One assignment as it applies to everyone: a fixed date, or N days after each person joined."""

    module_id: int
    due_on: date | None = None
    within_days: int | None = None

    def for_learner(self, joined_at: datetime | None) -> date | None:
        if self.due_on is not None:
            return self.due_on
        if self.within_days is not None and joined_at is not None:
            return joined_at.date() + timedelta(days=self.within_days)
        return None


def due_dates(deadlines: list[Deadline], joined_at: datetime | None) -> dict[int, date]:
    """Each module's due date for one learner; the earliest wins when several assignments apply."""
    result: dict[int, date] = {}
    for deadline in deadlines:
        due = deadline.for_learner(joined_at)
        if due is not None and (deadline.module_id not in result or due < result[deadline.module_id]):
            result[deadline.module_id] = due
    return result


def is_overdue(due: date | None, complete: bool, today: date) -> bool:
    return due is not None and not complete and due < today


def needs_reminder(due: date | None, complete: bool, today: date) -> bool:
    """Due within the reminder window, or already overdue, and not yet complete."""
    return due is not None and not complete and due <= today + timedelta(days=REMINDER_WINDOW_DAYS)
