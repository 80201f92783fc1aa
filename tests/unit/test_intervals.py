"""Unit and property tests for the watched-interval domain logic (no app, no database)."""

from __future__ import annotations

import math
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.watching import intervals as intervals_module
from app.watching.intervals import (
    TOUCH_TOLERANCE,
    CreditResult,
    _take_earliest,
    coverage_ratio,
    covered,
    credit,
    gaps,
    is_complete,
    merge,
    normalize,
    subtract,
)

NAN = float("nan")
INF = float("inf")

# --------------------------------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize(
    ("ranges", "duration", "expected"),
    [
        pytest.param([], 100, [], id="empty"),
        pytest.param([[10, 20]], 100, [(10.0, 20.0)], id="plain"),
        pytest.param([(10, 20)], 100, [(10.0, 20.0)], id="tuples"),
        pytest.param([[30, 40], [10, 20]], 100, [(10.0, 20.0), (30.0, 40.0)], id="sorted"),
        pytest.param([[10, 30], [20, 40]], 100, [(10.0, 40.0)], id="overlap"),
        pytest.param([[10, 20], [12, 15]], 100, [(10.0, 20.0)], id="contained"),
        pytest.param([[10, 20], [20, 30]], 100, [(10.0, 30.0)], id="touching"),
        pytest.param([[10, 20], [20.2, 30]], 100, [(10.0, 30.0)], id="gap-below-tolerance"),
        pytest.param([[10, 20], [20.249, 30]], 100, [(10.0, 30.0)], id="gap-just-below-tolerance"),
        pytest.param([[10, 20], [20.25, 30]], 100, [(10.0, 20.0), (20.25, 30.0)], id="gap-at-tolerance"),
        pytest.param([[10, 20], [20.3, 30]], 100, [(10.0, 20.0), (20.3, 30.0)], id="gap-above-tolerance"),
        pytest.param([[-5, 10]], 100, [(0.0, 10.0)], id="clip-start"),
        pytest.param([[90, 120]], 100, [(90.0, 100.0)], id="clip-end"),
        pytest.param([[-50, 500]], 100, [(0.0, 100.0)], id="clip-both"),
        pytest.param([[-20, -10], [150, 200]], 100, [], id="entirely-outside"),
        pytest.param([[100, 110]], 100, [], id="starts-at-end"),
        pytest.param([[1.23456, 2.98765]], 100, [(1.235, 2.988)], id="rounded"),
        pytest.param([[5.0001, 5.0004]], 100, [], id="empty-after-rounding"),
        pytest.param([[0, 10.0004]], 10.0004, [(0.0, 10.0004)], id="end-at-duration-not-rounded"),
        pytest.param([[0, 11]], 10.0006, [(0.0, 10.0006)], id="clipped-end-is-exact-duration"),
        pytest.param([[0, 10.0003]], 10.0006, [(0.0, 10.0)], id="end-before-duration-rounded"),
        pytest.param([[0, 10.0005]], 10.00051, [(0.0, 10.00051)], id="rounding-never-passes-duration"),
        pytest.param([[-0.0001, 1]], 100, [(0.0, 1.0)], id="no-negative-zero"),
    ],
)
def test_normalize(ranges: object, duration: float, expected: list[tuple[float, float]]) -> None:
    assert normalize(ranges, duration) == expected


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param([NAN, 10], id="nan-start"),
        pytest.param([0, NAN], id="nan-end"),
        pytest.param([0, INF], id="infinite-end"),
        pytest.param([-INF, 5], id="infinite-start"),
        pytest.param([20, 10], id="reversed"),
        pytest.param([10, 10], id="empty"),
        pytest.param([1, 2, 3], id="three-numbers"),
        pytest.param([1], id="one-number"),
        pytest.param([], id="no-numbers"),
        pytest.param(["1", "2"], id="strings"),
        pytest.param("12", id="two-char-string"),
        pytest.param([True, 5], id="bool"),
        pytest.param([None, 5], id="none"),
        pytest.param({"start": 0, "end": 5}, id="dict"),
        pytest.param([10**400, 10**401], id="huge-int"),
        pytest.param(5, id="scalar"),
        pytest.param(None, id="null"),
    ],
)
def test_normalize_drops_malformed_ranges_but_keeps_good_ones(bad: object) -> None:
    assert normalize([bad, [1, 2]], 100) == [(1.0, 2.0)]


@pytest.mark.parametrize(
    "ranges",
    [None, "0,100", b"0,100", 42, {"0": 100}, object()],
)
def test_normalize_tolerates_non_list_payloads(ranges: object) -> None:
    assert normalize(ranges, 100) == []


def test_normalize_accepts_any_iterable() -> None:
    assert normalize(iter([[0, 1], [1, 2]]), 10) == [(0.0, 2.0)]


@pytest.mark.parametrize("duration", [0, -1, NAN, INF, None, "100", True])
def test_normalize_rejects_unusable_duration(duration: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        normalize([[0, 1]], duration)  # type: ignore[arg-type]


def test_touch_tolerance_is_a_quarter_second() -> None:
    assert TOUCH_TOLERANCE == 0.25


# --------------------------------------------------------------------------------------------------
# merge


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param([], [], [], id="empty"),
        pytest.param([(0, 10)], [], [(0.0, 10.0)], id="one-side"),
        pytest.param([(0, 10)], [(20, 30)], [(0.0, 10.0), (20.0, 30.0)], id="disjoint"),
        pytest.param([(0, 10)], [(5, 30)], [(0.0, 30.0)], id="overlap"),
        pytest.param([(0, 10)], [(10.1, 30)], [(0.0, 30.0)], id="within-tolerance"),
        pytest.param([(0, 10), (20, 30)], [(9, 21)], [(0.0, 30.0)], id="bridges"),
        pytest.param([(0, 10)], [(0, 10)], [(0.0, 10.0)], id="same"),
        pytest.param([(0, 10)], [(NAN, 20), (5, 1)], [(0.0, 10.0)], id="drops-malformed"),
    ],
)
def test_merge(a: list, b: list, expected: list[tuple[float, float]]) -> None:
    assert merge(a, b) == expected
    assert merge(b, a) == expected


# --------------------------------------------------------------------------------------------------
# covered


@pytest.mark.parametrize(
    ("intervals", "start", "end", "expected"),
    [
        pytest.param([], 0, None, 0.0, id="nothing"),
        pytest.param([(0, 10), (20, 25)], 0, None, 15.0, id="all"),
        pytest.param([(0, 10), (20, 25)], 5, None, 10.0, id="from-start"),
        pytest.param([(0, 10), (20, 25)], 0, 22, 12.0, id="up-to-end"),
        pytest.param([(0, 10), (20, 25)], 8, 21, 3.0, id="window"),
        pytest.param([(0, 10), (20, 25)], 12, 18, 0.0, id="window-in-gap"),
        pytest.param([(0, 10)], 10, 5, 0.0, id="empty-window"),
        pytest.param([(0, 10), (5, 15)], 0, None, 15.0, id="overlap-counted-once"),
    ],
)
def test_covered(intervals: list, start: float, end: float | None, expected: float) -> None:
    assert covered(intervals, start, end) == pytest.approx(expected)


# --------------------------------------------------------------------------------------------------
# subtract


@pytest.mark.parametrize(
    ("new", "existing", "expected"),
    [
        pytest.param([(0, 10)], [], [(0.0, 10.0)], id="nothing-watched"),
        pytest.param([], [(0, 10)], [], id="nothing-new"),
        pytest.param([(0, 10)], [(0, 10)], [], id="same"),
        pytest.param([(0, 10)], [(-5, 20)], [], id="inside-existing"),
        pytest.param([(0, 10)], [(5, 20)], [(0.0, 5.0)], id="head"),
        pytest.param([(0, 10)], [(-5, 5)], [(5.0, 10.0)], id="tail"),
        pytest.param([(0, 10)], [(3, 4), (6, 7)], [(0.0, 3.0), (4.0, 6.0), (7.0, 10.0)], id="holes"),
        pytest.param([(0, 10), (20, 30)], [(5, 25)], [(0.0, 5.0), (25.0, 30.0)], id="existing-spans-two"),
        pytest.param([(0, 10)], [(20, 30)], [(0.0, 10.0)], id="disjoint"),
        pytest.param([(0, 10)], [(10, 20)], [(0.0, 10.0)], id="touching-is-exact"),
    ],
)
def test_subtract(new: list, existing: list, expected: list[tuple[float, float]]) -> None:
    assert subtract(new, existing) == expected


# --------------------------------------------------------------------------------------------------
# gaps and coverage_ratio


@pytest.mark.parametrize(
    ("intervals", "duration", "expected"),
    [
        pytest.param([], 60, [(0.0, 60.0)], id="nothing-watched"),
        pytest.param([(0, 60)], 60, [], id="all-watched"),
        pytest.param([(10, 20), (30, 60)], 60, [(0.0, 10.0), (20.0, 30.0)], id="skips"),
        pytest.param([(0, 100)], 60, [], id="beyond-duration"),
        pytest.param([(0, 10)], 0, [], id="no-duration"),
        pytest.param([(0, 10)], NAN, [], id="nan-duration"),
    ],
)
def test_gaps(intervals: list, duration: float, expected: list[tuple[float, float]]) -> None:
    assert gaps(intervals, duration) == expected


@pytest.mark.parametrize(
    ("intervals", "duration", "end_at", "expected"),
    [
        pytest.param([], 100, None, 0.0, id="nothing"),
        pytest.param([(0, 50)], 100, None, 0.5, id="half"),
        pytest.param([(0, 50)], 100, 50, 1.0, id="end-at"),
        pytest.param([(0, 50), (80, 100)], 100, 60, 50 / 60, id="credits-ignored"),
        pytest.param([(0, 150)], 100, None, 1.0, id="never-above-one"),
        pytest.param([(0, 50)], 100, 500, 0.5, id="end-at-past-duration"),
        pytest.param([(0, 50)], 100, 0, 0.5, id="end-at-zero-ignored"),
        pytest.param([(0, 50)], 100, NAN, 0.5, id="end-at-nan-ignored"),
        pytest.param([(0, 50)], 0, None, 0.0, id="no-duration"),
    ],
)
def test_coverage_ratio(intervals: list, duration: float, end_at: float | None, expected: float) -> None:
    assert coverage_ratio(intervals, duration, end_at) == pytest.approx(expected)


# --------------------------------------------------------------------------------------------------
# is_complete


@pytest.mark.parametrize(
    ("intervals", "duration", "threshold", "end_at", "expected"),
    [
        pytest.param([], 100, 0.95, None, False, id="nothing"),
        pytest.param([(0, 100)], 100, 0.95, None, True, id="everything"),
        pytest.param([(0, 95)], 100, 0.95, None, True, id="exactly-threshold"),
        pytest.param([(0, 94.999)], 100, 0.95, None, False, id="just-below-threshold"),
        pytest.param([(5, 100)], 100, 0.95, None, True, id="skipped-intro"),
        pytest.param([(0, 50), (51, 95)], 100, 0.95, None, False, id="one-second-hole-too-many"),
        pytest.param([(0, 7)], 10, 0.7, None, True, id="float-error-guard"),
        pytest.param([(0, 57)], 100, 0.95, 60, True, id="end-at-reached"),
        pytest.param([(0, 57)], 100, 0.95, None, False, id="same-without-end-at"),
        pytest.param([(3, 100)], 100, 0.95, 60, True, id="end-at-exact-threshold"),
        pytest.param([(10, 100)], 100, 0.95, 60, False, id="end-at-credits-dont-count"),
        pytest.param([(0, 95)], 100, 0.95, 500, True, id="end-at-past-duration-clipped"),
        pytest.param([(0, 99)], 100, 1.0, None, False, id="threshold-one"),
        pytest.param([(0, 100)], 100, 1.0, None, True, id="threshold-one-full"),
        pytest.param([(0, 100)], 0, 0.95, None, False, id="no-duration"),
    ],
)
def test_is_complete(intervals: list, duration: float, threshold: float, end_at: float | None, expected: bool) -> None:
    assert is_complete(intervals, duration, threshold, end_at) is expected


@pytest.mark.parametrize("threshold", [0, -0.5, 1.01, NAN])
def test_is_complete_rejects_nonsense_threshold(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        is_complete([(0, 10)], 10, threshold)


# --------------------------------------------------------------------------------------------------
# credit


def test_credit_within_allowance_credits_everything() -> None:
    result = credit([], [[0, 10]], 95, elapsed_seconds=10)
    assert result == CreditResult(intervals=[(0.0, 10.0)], credited_seconds=10.0, rejected_seconds=0.0, capped=False)


def test_credit_at_double_speed_is_allowed() -> None:
    result = credit([(0, 10)], [[10, 30]], 95, elapsed_seconds=10)
    assert result.intervals == [(0.0, 30.0)]
    assert result.credited_seconds == 20.0
    assert not result.capped


def test_credit_repeated_report_changes_nothing() -> None:
    first = credit([], [[0, 10], [20, 25]], 95, elapsed_seconds=15)
    again = credit(first.intervals, [[0, 10], [20, 25]], 95, elapsed_seconds=0)
    assert again == CreditResult(intervals=first.intervals, credited_seconds=0.0, rejected_seconds=0.0, capped=False)


@pytest.mark.parametrize(
    ("existing", "reported", "elapsed", "expected_intervals", "credited", "rejected"),
    [
        pytest.param([], [[0, 95]], 1, [(0.0, 7.0)], 7.0, 88.0, id="forged-whole-video"),
        pytest.param([(0, 10), (30, 40)], [[0, 95]], 5, [(0.0, 25.0), (30.0, 40.0)], 15.0, 60.0, id="earliest-first"),
        pytest.param([(0, 10), (20, 30)], [[0, 95]], 5, [(0.0, 35.0)], 15.0, 60.0, id="spans-watched-part"),
        pytest.param([], [[50, 60], [0, 40]], 0, [(0.0, 5.0)], 5.0, 45.0, id="slack-only"),
        pytest.param([], [[0, 95]], -30, [(0.0, 5.0)], 5.0, 90.0, id="negative-elapsed"),
        pytest.param([], [[0, 95]], NAN, [(0.0, 5.0)], 5.0, 90.0, id="nan-elapsed"),
        pytest.param([], [[0, 10.5]], 2.75, [(0.0, 10.5)], 10.5, 0.0, id="exactly-allowance"),
        pytest.param([], [[0, 3.3333]], 0, [(0.0, 3.333)], 3.333, 0.0, id="rounded-report"),
    ],
)
def test_credit_caps_new_seconds(
    existing: list,
    reported: list,
    elapsed: float,
    expected_intervals: list[tuple[float, float]],
    credited: float,
    rejected: float,
) -> None:
    result = credit(existing, reported, 95, elapsed_seconds=elapsed)
    assert result.intervals == expected_intervals
    assert result.credited_seconds == pytest.approx(credited)
    assert result.rejected_seconds == pytest.approx(rejected)
    assert result.capped is (rejected > 0)


def test_credit_cut_never_bridges_into_watched_part() -> None:
    # The allowance (5 s) would end the new part at 14.9, 0.1 s before the watched (15, 30):
    # closing that gap would credit 5.1 s, so the cut is pulled back to 14.75.
    result = credit([(0, 9.9), (15, 30)], [[9.9, 15]], 95, elapsed_seconds=0)
    assert result.credited_seconds <= 5.0
    assert result.intervals == [(0.0, 14.75), (15.0, 30.0)]


def test_credit_ignores_ranges_outside_the_video() -> None:
    result = credit([], [[-100, -1], [95, 500], [NAN, 3], [80, 200]], 95, elapsed_seconds=100)
    assert result.intervals == [(80.0, 95.0)]
    assert result.credited_seconds == 15.0
    assert not result.capped


def test_credit_with_garbage_report_keeps_existing() -> None:
    result = credit([(0, 10)], {"evil": True}, 95, elapsed_seconds=10)
    assert result.intervals == [(0.0, 10.0)]
    assert result.credited_seconds == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"duration": 0}, "duration", id="duration"),
        pytest.param({"max_rate": 0}, "max_rate", id="rate"),
        pytest.param({"max_rate": INF}, "max_rate", id="infinite-rate"),
        pytest.param({"slack_seconds": -1}, "slack", id="slack"),
    ],
)
def test_credit_rejects_bad_parameters(kwargs: dict, message: str) -> None:
    arguments = {"existing": [], "reported": [[0, 1]], "duration": 95, "elapsed_seconds": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        credit(**arguments)


def test_forged_whole_video_report_does_not_complete_95_second_video() -> None:
    result = credit([], [[0, 95]], 95, elapsed_seconds=1)
    assert result.capped
    assert result.credited_seconds <= 1 * 2.0 + 5.0
    assert not is_complete(result.intervals, 95)


# --------------------------------------------------------------------------------------------------
# Properties

PROPERTY_SETTINGS = settings(deadline=None)

# Arbitrary floats, plus a coarse 0.05 s grid that often lands right on the touching tolerance.
seconds = st.one_of(
    st.floats(min_value=-50, max_value=700, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-100, max_value=14_000).map(lambda n: n / 20),
)
durations = st.floats(min_value=1, max_value=600, allow_nan=False, allow_infinity=False)
ranges = st.lists(st.tuples(seconds, seconds).map(sorted), max_size=8)
reports = st.lists(ranges, max_size=6)
garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.floats(),
    st.lists(st.one_of(st.floats(), st.integers(), st.none(), st.text(max_size=2)), max_size=3),
)
messy_ranges = st.lists(st.one_of(st.tuples(seconds, seconds).map(list), garbage), max_size=8)


def _is_canonical(intervals: list[tuple[float, float]], duration: float) -> bool:
    in_order = all(b[0] - a[1] >= TOUCH_TOLERANCE for a, b in zip(intervals, intervals[1:], strict=False))
    in_range = all(0 <= s < e <= duration for s, e in intervals)
    return in_order and in_range


@PROPERTY_SETTINGS
@given(messy_ranges, durations)
def test_normalize_output_is_canonical_and_stable(report: list, duration: float) -> None:
    result = normalize(report, duration)
    assert _is_canonical(result, duration)
    assert normalize(result, duration) == result


@PROPERTY_SETTINGS
@given(reports, durations, st.data())
def test_merge_is_order_independent(all_reports: list, duration: float, data: st.DataObject) -> None:
    normalized = [normalize(report, duration) for report in all_reports]
    shuffled = data.draw(st.permutations(normalized))
    assert reduce(merge, shuffled, []) == reduce(merge, normalized, [])
    # Same as normalizing everything at once.
    assert reduce(merge, normalized, []) == normalize([r for report in all_reports for r in report], duration)


@PROPERTY_SETTINGS
@given(ranges, ranges, ranges, durations)
def test_merge_is_commutative_and_associative(a: list, b: list, c: list, duration: float) -> None:
    a, b, c = (normalize(x, duration) for x in (a, b, c))
    assert merge(a, b) == merge(b, a)
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@PROPERTY_SETTINGS
@given(reports, durations)
def test_merge_is_idempotent(all_reports: list, duration: float) -> None:
    merged = reduce(merge, (normalize(r, duration) for r in all_reports), [])
    assert merge(merged, merged) == merged
    for report in all_reports:
        assert merge(merged, normalize(report, duration)) == merged  # re-sending changes nothing


@PROPERTY_SETTINGS
@given(reports, durations)
def test_coverage_is_bounded_and_monotonic(all_reports: list, duration: float) -> None:
    merged: list[tuple[float, float]] = []
    previous = 0.0
    for report in all_reports:
        merged = merge(merged, normalize(report, duration))
        now = covered(merged)
        assert now <= duration + 1e-9
        assert now >= previous - 1e-9
        assert 0.0 <= coverage_ratio(merged, duration) <= 1.0
        previous = now


@PROPERTY_SETTINGS
@given(ranges, ranges)
def test_subtract_is_the_exact_difference(new: list, existing: list) -> None:
    difference = subtract(new, existing)
    overlap = sum(covered(new, s, e) for s, e in merge(existing, []))
    assert sum(e - s for s, e in difference) == pytest.approx(covered(new, -math.inf) - overlap, abs=1e-6)
    assert subtract(difference, existing) == difference
    for s, e in difference:
        assert covered(existing, s, e) == pytest.approx(0.0, abs=1e-9)


@PROPERTY_SETTINGS
@given(ranges, durations)
def test_gaps_and_intervals_partition_the_video(watched: list, duration: float) -> None:
    merged = normalize(watched, duration)
    # The gaps are measured piece by piece: as "watched" intervals, two gaps either side of a watched
    # piece shorter than the touching tolerance would count as one.
    unwatched = sum(end - start for start, end in gaps(merged, duration))
    assert covered(merged) + unwatched == pytest.approx(duration)


@PROPERTY_SETTINGS
@given(
    reports,
    durations,
    st.lists(st.floats(min_value=-5, max_value=60, allow_nan=False), min_size=6, max_size=6),
    st.sampled_from([1.0, 1.5, 2.0]),
    st.sampled_from([0.0, 5.0]),
)
def test_credit_never_exceeds_allowance(
    all_reports: list, duration: float, elapsed: list[float], max_rate: float, slack: float
) -> None:
    intervals: list[tuple[float, float]] = []
    for report, seconds_elapsed in zip(all_reports, elapsed, strict=False):
        allowance = max(seconds_elapsed, 0.0) * max_rate + slack
        result = credit(intervals, report, duration, seconds_elapsed, max_rate=max_rate, slack_seconds=slack)
        growth = covered(result.intervals) - covered(intervals)
        assert result.credited_seconds <= allowance + 1e-6
        assert growth <= allowance + 1e-6
        assert result.credited_seconds == pytest.approx(growth, abs=1e-6)
        assert result.rejected_seconds >= 0.0
        assert result.capped or result.rejected_seconds == 0.0
        assert _is_canonical(result.intervals, duration)
        assert merge(result.intervals, intervals) == result.intervals  # nothing watched is ever lost
        intervals = result.intervals


@PROPERTY_SETTINGS
@given(reports, durations, st.data())
def test_credit_is_order_independent_when_not_capped(all_reports: list, duration: float, data: st.DataObject) -> None:
    def replay(sequence: list) -> list[tuple[float, float]]:
        intervals: list[tuple[float, float]] = []
        for report in sequence:
            intervals = credit(intervals, report, duration, elapsed_seconds=10_000).intervals
        return intervals

    shuffled = data.draw(st.permutations(all_reports))
    assert replay(shuffled) == replay(all_reports)


@PROPERTY_SETTINGS
@given(ranges, durations, st.floats(min_value=0, max_value=100, allow_nan=False))
def test_credit_resending_a_credited_report_is_a_no_op(report: list, duration: float, elapsed: float) -> None:
    first = credit([], report, duration, elapsed_seconds=10_000)
    again = credit(first.intervals, report, duration, elapsed_seconds=elapsed)
    assert again.intervals == first.intervals
    assert again.credited_seconds == 0.0
    assert not again.capped


@PROPERTY_SETTINGS
@given(st.floats(min_value=10, max_value=10_000, allow_nan=False))
def test_forged_whole_video_claim_is_never_complete(duration: float) -> None:
    result = credit([], [[0, duration]], duration, elapsed_seconds=1)
    assert result.credited_seconds <= 7.0 + 1e-6
    assert not is_complete(result.intervals, duration)


@PROPERTY_SETTINGS
@given(
    st.floats(min_value=20, max_value=900, allow_nan=False),
    st.sampled_from([1.0, 1.25, 1.5, 2.0]),
    st.floats(min_value=0, max_value=0.2, allow_nan=False),
)
def test_honest_ten_second_reports_reach_completion(duration: float, speed: float, jitter: float) -> None:
    intervals: list[tuple[float, float]] = []
    position = 0.0
    reports_sent = 0
    while position < duration:
        # Ten real seconds of playback at ``speed``; timeupdate granularity leaves small gaps.
        end = min(position + 10 * speed, duration)
        result = credit(intervals, [[position + jitter, end]], duration, elapsed_seconds=10)
        assert not result.capped
        assert covered(result.intervals) >= covered(intervals)
        intervals, position = result.intervals, end
        reports_sent += 1
    assert reports_sent <= math.ceil(duration / (10 * speed))
    assert is_complete(intervals, duration)
    # Only the sub-tolerance jitter at the very start (and maybe the very end) stays unwatched.
    assert all(end - start <= 0.2 + 1e-9 for start, end in gaps(intervals, duration))
    assert len(gaps(intervals, duration)) <= 2


def _credit_by_definition(existing, reported, duration, elapsed, max_rate=2.0, slack=5.0) -> CreditResult:
    """credit() spelled out with the public operations, each checking its input again."""
    budget = max(elapsed, 0.0) * max_rate + slack
    watched = normalize(existing, duration)
    before = covered(watched)
    claimed = merge(watched, normalize(reported, duration))
    new_parts = subtract(claimed, watched)
    claimed_new = covered(claimed) - before
    capped = claimed_new > budget
    granted = _take_earliest(new_parts, budget, watched) if capped else new_parts
    result = merge(watched, granted)
    credited = max(0.0, round(covered(result) - before, 6))
    rejected = max(0.0, round(claimed_new - credited, 6)) if capped else 0.0
    return CreditResult(intervals=result, credited_seconds=credited, rejected_seconds=rejected, capped=capped)


@PROPERTY_SETTINGS
@given(reports, durations, st.lists(st.floats(min_value=-5, max_value=60, allow_nan=False), min_size=6, max_size=6))
def test_credit_agrees_with_its_definition(all_reports: list, duration: float, elapsed: list[float]) -> None:
    intervals: list = []
    for report, seconds_elapsed in zip(all_reports, elapsed, strict=False):
        result = credit(intervals, report, duration, seconds_elapsed)
        assert result == _credit_by_definition(intervals, report, duration, seconds_elapsed)
        intervals = result.intervals


def test_credit_checks_the_stored_list_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A learner (or a forger) can leave thousands of slivers; a report must not re-check them at every step."""
    stored = [[n * 0.5, n * 0.5 + 0.2] for n in range(2000)]
    checked: list[int] = []
    real_parse = intervals_module._parse
    monkeypatch.setattr(intervals_module, "_parse", lambda ranges: checked.append(1) or real_parse(ranges))
    result = credit(stored, [[1000.0, 1010.0]], 1200.0, elapsed_seconds=10)
    assert result.credited_seconds == 10.0
    assert len(checked) == 2  # the stored list and the report, once each
