"""Watched-time tracking for video lessons: plain domain logic, no Flask or database.

See :mod:`app.watching.intervals` for why it is built the way it is.
"""

from app.watching.intervals import (
    COMPLETE_EPSILON,
    DEFAULT_MAX_RATE,
    DEFAULT_SLACK_SECONDS,
    DEFAULT_THRESHOLD,
    TOUCH_TOLERANCE,
    CreditResult,
    Interval,
    coverage_ratio,
    covered,
    credit,
    gaps,
    is_complete,
    merge,
    normalize,
    subtract,
)

__all__ = [
    "COMPLETE_EPSILON",
    "DEFAULT_MAX_RATE",
    "DEFAULT_SLACK_SECONDS",
    "DEFAULT_THRESHOLD",
    "TOUCH_TOLERANCE",
    "CreditResult",
    "Interval",
    "coverage_ratio",
    "covered",
    "credit",
    "gaps",
    "is_complete",
    "merge",
    "normalize",
    "subtract",
]
