"""What a team's quiz answers and completions say: plain statistics over plain data.

No Flask and no database here, so every rule is unit-tested on its own. The views gather the
rows (in a fixed number of queries) and hand them over as the small records below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.course.states import ModuleFacts, ModuleState, module_statuses
from app.quiz.grading import normalize_text

# --------------------------------------------------------------------------------------------------
# Quiz attempts


@dataclass(frozen=True)
class AttemptFacts:
    """One submitted attempt, as stored: ``results`` are the ``result_view`` dicts kept with it."""

    user_id: int
    quiz_id: int
    number: int
    passed: bool = False
    submitted_at: datetime | None = None
    results: tuple[Mapping[str, Any], ...] = ()


def first_attempts(attempts: Iterable[AttemptFacts]) -> list[AttemptFacts]:
    """Each learner's first submitted attempt at each quiz (the lowest attempt number)."""
    first: dict[tuple[int, int], AttemptFacts] = {}
    for attempt in attempts:
        if attempt.submitted_at is None:
            continue
        key = (attempt.user_id, attempt.quiz_id)
        if key not in first or attempt.number < first[key].number:
            first[key] = attempt
    return list(first.values())


def first_passes(attempts: Iterable[AttemptFacts]) -> dict[tuple[int, int], datetime]:
    """When each (learner, quiz) was first passed."""
    passes: dict[tuple[int, int], datetime] = {}
    for attempt in attempts:
        if not attempt.passed or attempt.submitted_at is None:
            continue
        key = (attempt.user_id, attempt.quiz_id)
        if key not in passes or attempt.submitted_at < passes[key]:
            passes[key] = attempt.submitted_at
    return passes


def answer_text(given: Sequence[str]) -> str:
    """A whole answer as one line (several choices or matches are joined with '; ')."""
    return "; ".join(given)


def _answer_key(given: Sequence[str]) -> tuple[str, ...]:
    """Answers that mean the same are counted together: case, spacing and order do not matter."""
    return tuple(sorted(normalize_text(part) for part in given))


@dataclass(frozen=True)
class QuestionStats:
    quiz_id: int
    key: str
    answered: int  # learners whose first attempt asked this question
    correct: int  # of those, how many were right
    top_wrong: str | None = None  # the most chosen wrong answer, as first written
    top_wrong_count: int = 0

    @property
    def wrong(self) -> int:
        return self.answered - self.correct

    @property
    def share(self) -> float | None:
        """Share correct at first attempt, 0-1 (None when no one has answered yet)."""
        return self.correct / self.answered if self.answered else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(100 * self.share)


def question_stats(keys: Sequence[tuple[int, str]], attempts: Iterable[AttemptFacts]) -> list[QuestionStats]:
    """One entry per ``(quiz id, question key)`` in ``keys``, in that order, from first attempts only.

    Results for questions not in ``keys`` (removed from the quiz since) are left out. Among wrong
    answers the most frequent wins; a tie goes to the alphabetically first, so the page is stable.
    """
    wanted = set(keys)
    answered: Counter[tuple[int, str]] = Counter()
    correct: Counter[tuple[int, str]] = Counter()
    wrong: dict[tuple[int, str], Counter[tuple[str, ...]]] = {}
    wording: dict[tuple[str, ...], str] = {}
    for attempt in first_attempts(attempts):
        for result in attempt.results:
            key = (attempt.quiz_id, str(result.get("id")))
            if key not in wanted:
                continue
            answered[key] += 1
            if result.get("correct"):
                correct[key] += 1
                continue
            given = [str(part) for part in result.get("given") or [] if str(part).strip()]
            if not given:
                continue  # nothing chosen: wrong, but not a "wrong answer" anyone chose
            group = _answer_key(given)
            wording.setdefault(group, answer_text(given))
            wrong.setdefault(key, Counter())[group] += 1
    stats = []
    for key in keys:
        top, count = None, 0
        if key in wrong:
            group, count = min(wrong[key].items(), key=lambda item: (-item[1], wording[item[0]]))
            top = wording[group]
        stats.append(QuestionStats(key[0], key[1], answered[key], correct[key], top, count))
    return stats


def hardest_first(stats: Iterable[QuestionStats]) -> list[QuestionStats]:
    """Lowest share correct first; on a tie, the question more people answered; then the order given.

    Questions no one has answered yet come last.
    """
    items = list(stats)
    return sorted(items, key=lambda s: (s.share is None, s.share if s.share is not None else 0.0, -s.answered))


# --------------------------------------------------------------------------------------------------
# Module completions


def completion_times(
    facts: Sequence[ModuleFacts],
    lessons_done: Mapping[int, datetime],
    quizzes_passed: Mapping[int, datetime],
) -> dict[int, datetime]:
    """When each complete module was completed, for one learner.

    ``lessons_done``: lesson id -> when completed; ``quizzes_passed``: quiz id -> first pass.
    Whether a module is complete is decided by ``app.course.states`` (as everywhere); its date is
    the later of its last required lesson and its quiz's first pass.
    """
    statuses = module_statuses(facts, set(lessons_done), set(lessons_done), set(quizzes_passed), set(quizzes_passed))
    times: dict[int, datetime] = {}
    for module in facts:
        if statuses[module.module_id].state is not ModuleState.COMPLETE:
            continue
        moments = [lessons_done[i] for i in module.required_lesson_ids]
        if module.quiz_id is not None:
            moments.append(quizzes_passed[module.quiz_id])
        times[module.module_id] = max(moments)
    return times


@dataclass(frozen=True)
class DayCount:
    day: date
    new: int  # completions on that day
    total: int  # completions up to and including that day


def cumulative_by_day(moments: Iterable[datetime | date]) -> list[DayCount]:
    """One entry per day on which something was completed, with the running total (oldest first)."""
    per_day = Counter(m.date() if isinstance(m, datetime) else m for m in moments)
    result, total = [], 0
    for day in sorted(per_day):
        total += per_day[day]
        result.append(DayCount(day, per_day[day], total))
    return result
