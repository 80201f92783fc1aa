"""Where a learner stands in each module, from plain facts (no database, no Flask).

One definition of "complete" for pages, supervisor views and the CLI alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ModuleState(StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"


@dataclass(frozen=True)
class ModuleFacts:
    """What the state of one module depends on."""

    module_id: int
    prerequisite_ids: frozenset[int]
    required_lesson_ids: frozenset[int]
    lesson_ids: frozenset[int] = field(default_factory=frozenset)
    quiz_id: int | None = None


@dataclass(frozen=True)
class ModuleStatus:
    state: ModuleState
    completed_lessons: int
    required_lessons: int
    missing_prerequisites: frozenset[int] = frozenset()
    has_quiz: bool = False
    quiz_passed: bool = False

    @property
    def lessons_done(self) -> bool:
        return self.completed_lessons >= self.required_lessons

    @property
    def quiz_open(self) -> bool:
        """The quiz opens once the module is open and its required lessons are complete."""
        return self.has_quiz and self.lessons_done and self.state is not ModuleState.LOCKED

    @property
    def steps(self) -> int:
        return self.required_lessons + (1 if self.has_quiz else 0)

    @property
    def steps_done(self) -> int:
        return self.completed_lessons + (1 if self.quiz_passed else 0)

    @property
    def percent(self) -> int:
        if not self.steps:
            return 100 if self.state is ModuleState.COMPLETE else 0
        return round(100 * self.steps_done / self.steps)


def module_statuses(
    modules: list[ModuleFacts],
    started: set[int],
    completed: set[int],
    passed_quizzes: set[int] | frozenset[int] = frozenset(),
    attempted_quizzes: set[int] | frozenset[int] = frozenset(),
) -> dict[int, ModuleStatus]:
    """State of every module for one learner.

    ``started`` and ``completed`` are lesson ids; the quiz sets are quiz ids. A module is complete
    when all its required lessons are and its quiz (if any) is passed; it is locked while any
    prerequisite module is not complete.
    """
    complete_modules = {
        m.module_id
        for m in modules
        if m.required_lesson_ids
        and m.required_lesson_ids <= completed
        and (m.quiz_id is None or m.quiz_id in passed_quizzes)
    }
    touched = started | completed
    statuses: dict[int, ModuleStatus] = {}
    for facts in modules:
        done = len(facts.required_lesson_ids & completed)
        total = len(facts.required_lesson_ids)
        missing = frozenset(facts.prerequisite_ids - complete_modules)
        if facts.module_id in complete_modules:
            state = ModuleState.COMPLETE
        elif missing:
            state = ModuleState.LOCKED
        elif (
            not touched.isdisjoint(facts.lesson_ids)
            or not touched.isdisjoint(facts.required_lesson_ids)
            or facts.quiz_id in attempted_quizzes
        ):
            state = ModuleState.IN_PROGRESS
        else:
            state = ModuleState.AVAILABLE
        statuses[facts.module_id] = ModuleStatus(
            state,
            done,
            total,
            missing,
            has_quiz=facts.quiz_id is not None,
            quiz_passed=facts.quiz_id is not None and facts.quiz_id in passed_quizzes,
        )
    return statuses
