from datetime import date, datetime

import pytest

from app.supervise.deadlines import Deadline, due_dates, is_overdue, needs_reminder

JOINED = datetime(2026, 11, 1, 9, 30)


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (Deadline(1, due_on=date(2026, 12, 1)), date(2026, 12, 1)),
        (Deadline(1, within_days=30), date(2026, 12, 1)),
        (Deadline(1, within_days=0), date(2026, 11, 1)),
        (Deadline(1), None),
    ],
)
def test_due_date_for_a_learner(deadline, expected):
    assert deadline.for_learner(JOINED) == expected


def test_within_days_needs_a_joining_date():
    assert Deadline(1, within_days=5).for_learner(None) is None


def test_earliest_assignment_wins():
    deadlines = [Deadline(1, due_on=date(2026, 12, 20)), Deadline(1, within_days=10), Deadline(2, within_days=3)]
    assert due_dates(deadlines, JOINED) == {1: date(2026, 11, 11), 2: date(2026, 11, 4)}


@pytest.mark.parametrize(
    ("due", "complete", "today", "overdue", "remind"),
    [
        (date(2026, 11, 10), False, date(2026, 11, 11), True, True),
        (date(2026, 11, 11), False, date(2026, 11, 11), False, True),
        (date(2026, 11, 18), False, date(2026, 11, 11), False, True),
        (date(2026, 11, 19), False, date(2026, 11, 11), False, False),
        (date(2026, 11, 10), True, date(2026, 11, 11), False, False),
        (None, False, date(2026, 11, 11), False, False),
    ],
)
def test_overdue_and_reminder_window(due, complete, today, overdue, remind):
    assert is_overdue(due, complete, today) is overdue
    assert needs_reminder(due, complete, today) is remind
