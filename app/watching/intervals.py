"""Watched-time intervals for video lessons: merge what the learner played, and credit it honestly.

The player reports the time ranges it actually *played* (not where the playhead is), as lists of
``[start, end]`` seconds, every ~10 s and on pause/seek/end/page-hidden.  The server keeps one merged
set of watched intervals per learner and lesson and calls a lesson complete once enough of it is
covered.

Everything here is pure and deterministic so that it can be tested without a database, and so that
reports can be replayed: merging is a set union, hence repeated or reordered reports change nothing.
The only non-idempotent step is :func:`credit`, which caps how many *new* seconds one report may add,
because the client is not trusted: a forged request claiming the whole video must not complete it.

Representation: a sorted list of disjoint ``(start, end)`` tuples with ``start < end``, rounded to
milliseconds (except an end equal to the duration), and no two intervals closer than
:data:`TOUCH_TOLERANCE` (such gaps are closed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.untrusted import finite_number

Interval = tuple[float, float]

#: Gaps shorter than this (seconds) are treated as touching.  ``timeupdate`` events fire only every
#: 15-250 ms, so two consecutive reports of continuous playback rarely meet exactly; without this the
#: watched bar would be full of slivers and coverage would fall a little short for honest learners.
TOUCH_TOLERANCE = 0.25

#: Interval ends are rounded to milliseconds: finer precision is noise, and rounding keeps stored
#: JSON small and comparisons stable.
DECIMALS = 3

#: Absorbs floating-point error when comparing coverage with ``threshold * length``
#: (``0.7 * 10`` is ``7.000000000000001``).
COMPLETE_EPSILON = 1e-6

DEFAULT_THRESHOLD = 0.95
#: Fastest playback speed the player offers; nobody can genuinely watch faster than this.
DEFAULT_MAX_RATE = 2.0
#: Absorbs network latency and timer jitter between the client's clock and the server's.
DEFAULT_SLACK_SECONDS = 5.0

_STEP = 10.0**-DECIMALS


@dataclass(frozen=True)
class CreditResult:
    """Outcome of one progress report.

    ``intervals`` is the new merged set to store.  ``credited_seconds`` is how much watched coverage
    grew; ``rejected_seconds`` is how many newly claimed seconds were refused by the rate cap (ranges
    outside the video or malformed ones are silently dropped and not counted here); ``capped`` says
    whether the cap was applied, which the caller may log as a sign of a forged or buggy client.
    """

    intervals: list[Interval]
    credited_seconds: float
    rejected_seconds: float
    capped: bool


# --------------------------------------------------------------------------------------------------
# Parsing and merging


def _as_seconds(value: object) -> float | None:
    """Return ``value`` as a finite float, or None: untrusted JSON may hold anything."""
    if type(value) is float:  # the common case, checked first: stored lists hold nothing else
        return value if math.isfinite(value) else None
    return finite_number(value)


def _parse(ranges: object) -> list[Interval]:
    """Keep the well-formed ``[start, end]`` pairs of finite numbers, unclipped and unrounded.

    Anything else (a dict, a string, ``None``, pairs of three numbers, NaN, ...) is dropped rather
    than raising, because the input comes straight from a client request.
    """
    if ranges is None or isinstance(ranges, str | bytes | dict):
        return []
    try:
        items = list(ranges)  # type: ignore[call-overload]
    except TypeError:
        return []
    parsed: list[Interval] = []
    for item in items:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        start, end = _as_seconds(item[0]), _as_seconds(item[1])
        if start is None or end is None or end <= start:
            continue
        parsed.append((start, end))
    return parsed


def _round(value: float) -> float:
    """Round to milliseconds; ``+ 0.0`` turns ``-0.0`` into ``0.0`` so it never shows up in JSON."""
    return round(value, DECIMALS) + 0.0


def _floor(value: float) -> float:
    """The largest millisecond value not above ``value``, so a capped credit never exceeds its budget."""
    rounded = _round(value)
    return _round(rounded - _STEP) if rounded > value else rounded


def _coalesce(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join intervals that overlap, touch, or are separated by less than the tolerance.

    The result depends only on the *set* of input intervals (never on their order or on duplicates),
    which is what makes :func:`merge` commutative, associative and idempotent.
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start - merged[-1][1] < TOUCH_TOLERANCE:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _union(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Drop malformed intervals and coalesce the rest, without clipping or rounding.

    No rounding here: endpoints come out exactly as they went in, so an end equal to a duration with
    sub-millisecond precision is never rounded past it, and merging never moves a boundary.
    """
    return _coalesce(_parse(intervals))


def _check_duration(duration: float) -> float:
    """Reject an unusable duration loudly: it is a server-side data error, not a client one."""
    value = _as_seconds(duration)
    if value is None or value <= 0:
        raise ValueError(f"duration must be a positive finite number of seconds, got {duration!r}")
    return value


def normalize(ranges: object, duration: float) -> list[Interval]:
    """Turn a client report into the canonical interval list for a video of ``duration`` seconds.

    Malformed ranges (not two numbers, NaN/infinite, ``end <= start``) are dropped, the rest are
    clipped to ``[0, duration]`` (a player may report slightly past the end, and a forger anything),
    rounded to milliseconds, sorted, and merged when they overlap or are less than
    :data:`TOUCH_TOLERANCE` apart.  An end at or past the duration becomes exactly the duration, not
    rounded, so that watching to the end covers the whole video and coverage never exceeds it.

    Raises ValueError if ``duration`` itself is not a positive finite number.
    """
    limit = _check_duration(duration)
    clipped: list[Interval] = []
    for start, end in _parse(ranges):
        low = _round(max(start, 0.0))
        high = limit if end >= limit else min(_round(end), limit)
        if high > low:
            clipped.append((low, high))
    return _coalesce(clipped)


def merge(a: Iterable[Sequence[float]], b: Iterable[Sequence[float]]) -> list[Interval]:
    """Union of two interval sets.

    Commutative, associative and idempotent, so the stored set does not depend on the order in which
    reports arrive nor on how often one is re-sent (retries, ``sendBeacon`` on page hide, ...).
    Inputs are expected to come from :func:`normalize` (clipped and rounded); they are not rounded
    again, so boundaries never move.  Malformed items are dropped.
    """
    return _union([*a, *b])


# --------------------------------------------------------------------------------------------------
# Measuring


def _total(intervals: Iterable[Interval]) -> float:
    return math.fsum(end - start for start, end in intervals)


def covered(intervals: Iterable[Sequence[float]], start: float = 0, end: float | None = None) -> float:
    """Seconds of ``[start, end]`` covered by ``intervals`` (``end=None`` means no upper bound).

    The intervals are merged first (with the same touching tolerance as every other function here),
    so overlapping input is never counted twice.
    """
    high = math.inf if end is None else end
    if high <= start:
        return 0.0
    return math.fsum(max(0.0, min(e, high) - max(s, start)) for s, e in _union(intervals) if e > start and s < high)


def subtract(new: Iterable[Sequence[float]], existing: Iterable[Sequence[float]]) -> list[Interval]:
    """The parts of ``new`` not covered by ``existing``: what a report adds that was not watched yet.

    This is an exact set difference (no touching tolerance), so pieces can be very short.
    """
    return _difference(_union(new), _union(existing))


def _difference(new: list[Interval], holes: list[Interval]) -> list[Interval]:
    """:func:`subtract` for lists that are already sorted, disjoint and well-formed."""
    result: list[Interval] = []
    index = 0
    for start, end in new:
        cursor = start
        # Holes ending before this interval can't matter for it nor for later (sorted) ones.
        while index < len(holes) and holes[index][1] <= cursor:
            index += 1
        probe = index
        while probe < len(holes) and holes[probe][0] < end:
            hole_start, hole_end = holes[probe]
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
            probe += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _target_length(duration: float, end_at: float | None) -> float:
    """Length of ``[0, end_at or duration]``; 0 when the duration is unusable.

    ``end_at`` lets authors leave out credits; an ``end_at`` that is missing, not positive or not
    finite is ignored, and one past the end of the video is clipped to the duration.
    """
    length = _as_seconds(duration)
    if length is None or length <= 0:
        return 0.0
    cut = _as_seconds(end_at)
    if cut is not None and cut > 0:
        return min(cut, length)
    return length


def coverage_ratio(intervals: Iterable[Sequence[float]], duration: float, end_at: float | None = None) -> float:
    """Fraction in ``[0, 1]`` of ``[0, end_at or duration]`` that was watched, for progress bars.

    Returns 0.0 for an unusable duration rather than raising, since this is used for display.
    """
    length = _target_length(duration, end_at)
    if length <= 0:
        return 0.0
    return min(1.0, max(0.0, covered(intervals, 0.0, length) / length))


def is_complete(
    intervals: Iterable[Sequence[float]],
    duration: float,
    threshold: float = DEFAULT_THRESHOLD,
    end_at: float | None = None,
) -> bool:
    """Whether at least ``threshold`` of ``[0, end_at or duration]`` was watched.

    A threshold below 1 forgives the last moments a learner skips and small coverage lost to
    rounding.  Never complete when the duration is unusable.  Raises ValueError for a threshold
    outside ``(0, 1]``, which would make every (or no) lesson complete.
    """
    if not (0 < threshold <= 1):
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    length = _target_length(duration, end_at)
    if length <= 0:
        return False
    return covered(intervals, 0.0, length) >= threshold * length - COMPLETE_EPSILON


def gaps(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    """The unwatched parts of ``[0, duration]``, for drawing a watched/skipped bar.

    Empty for an unusable duration (display code should not crash on a lesson without a video).
    """
    length = _as_seconds(duration)
    if length is None or length <= 0:
        return []
    return subtract([(0.0, length)], intervals)


# --------------------------------------------------------------------------------------------------
# Crediting a report


def _allowance(elapsed_seconds: float, max_rate: float, slack_seconds: float) -> float:
    """New seconds a report may add: real time elapsed at the fastest speed, plus slack.

    A negative or NaN ``elapsed_seconds`` (clock trouble) counts as 0, so only the slack is allowed.
    """
    if not (max_rate > 0 and math.isfinite(max_rate)):
        raise ValueError(f"max_rate must be a positive finite number, got {max_rate!r}")
    if not (slack_seconds >= 0 and math.isfinite(slack_seconds)):
        raise ValueError(f"slack_seconds must be a non-negative finite number, got {slack_seconds!r}")
    elapsed = elapsed_seconds if elapsed_seconds > 0 else 0.0  # NaN > 0 is False
    return elapsed * max_rate + slack_seconds


def _take_earliest(new_parts: list[Interval], budget: float, watched: list[Interval]) -> list[Interval]:
    """The earliest ``budget`` seconds of ``new_parts`` (which are sorted and outside ``watched``).

    Earliest-first makes the outcome deterministic and matches how people watch.  The cut point is
    rounded down, and pulled back so that it does not end up closer than the touching tolerance to the
    next watched interval: merging would otherwise close that gap and credit more than the budget.
    """
    granted: list[Interval] = []
    remaining = budget
    for start, end in new_parts:
        if end - start <= remaining:
            granted.append((start, end))
            remaining -= end - start
            continue
        cut = _floor(start + remaining)
        following = next((s for s, _ in watched if s > cut), None)
        if following is not None:
            while following - cut < TOUCH_TOLERANCE and cut > start:
                cut = min(_floor(following - TOUCH_TOLERANCE), _round(cut - _STEP))
        if cut > start:
            granted.append((start, cut))
        break
    return granted


def credit(
    existing: Iterable[Sequence[float]],
    reported: object,
    duration: float,
    elapsed_seconds: float,
    max_rate: float = DEFAULT_MAX_RATE,
    slack_seconds: float = DEFAULT_SLACK_SECONDS,
) -> CreditResult:
    """Merge one progress report into the stored intervals, crediting at most what real time allows.

    ``elapsed_seconds`` must be measured by the *server*: the time since the previous accepted report
    for this learner and lesson, or, for the first report, the time since the lesson page was served
    to the learner.  Nobody can watch more than ``elapsed_seconds * max_rate`` seconds of video in
    that time, so at most that plus ``slack_seconds`` *new* (not yet watched) seconds are credited;
    the report is otherwise untrusted and may claim anything.  When the claim exceeds that
    allowance, only the earliest new seconds are credited - never the whole claim - so a forged
    ``[[0, duration]]`` moves progress by a few seconds, not to complete.

    Re-sending a report that was fully credited changes nothing and credits 0 seconds.  The slack is
    granted per call, so the caller should not let one client multiply it by flooding reports (e.g.
    rate-limit the endpoint, or pass a smaller slack when reports arrive much faster than every ~10 s).

    Raises ValueError for an unusable ``duration``, ``max_rate`` or ``slack_seconds``.
    """
    limit = _check_duration(duration)
    budget = _allowance(elapsed_seconds, max_rate, slack_seconds)
    # The untrusted inputs are checked once, here. What follows works on canonical lists (sorted,
    # disjoint, clipped to the video), where a union is a coalesce and coverage a plain sum: the
    # stored list can hold thousands of slivers, and checking it again at every step made a
    # report's cost grow several times faster than the list.
    watched = normalize(existing, limit)
    before = _total(watched)
    claimed = _coalesce(watched + normalize(reported, limit))
    new_parts = _difference(claimed, watched)
    claimed_new = _total(claimed) - before
    capped = claimed_new > budget
    granted = _take_earliest(new_parts, budget, watched) if capped else new_parts
    intervals = _coalesce(watched + granted)
    credited = max(0.0, round(_total(intervals) - before, 6))
    rejected = max(0.0, round(claimed_new - credited, 6)) if capped else 0.0
    return CreditResult(intervals=intervals, credited_seconds=credited, rejected_seconds=rejected, capped=capped)
