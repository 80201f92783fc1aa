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


@dataclass(frozen=True)
class ModuleStatus:
    state: ModuleState
    completed_lessons: int
    required_lessons: int
    missing_prerequisites: frozenset[int] = frozenset()

    @property
    def percent(self) -> int:
        if not self.required_lessons:
            return 100 if self.state is ModuleState.COMPLETE else 0
        return round(100 * self.completed_lessons / self.required_lessons)


def module_statuses(modules: list[ModuleFacts], started: set[int], completed: set[int]) -> dict[int, ModuleStatus]:
    """State of every module for one learner.

    ``started`` and ``completed`` are lesson ids. A module is complete when all its required
    lessons are; it is locked while any prerequisite module is not complete.
    """
    complete_modules = {m.module_id for m in modules if m.required_lesson_ids and m.required_lesson_ids <= completed}
    statuses: dict[int, ModuleStatus] = {}
    for facts in modules:
        done = len(facts.required_lesson_ids & completed)
        total = len(facts.required_lesson_ids)
        missing = frozenset(facts.prerequisite_ids - complete_modules)
        if facts.module_id in complete_modules:
            state = ModuleState.COMPLETE
        elif missing:
            state = ModuleState.LOCKED
        elif (facts.lesson_ids | facts.required_lesson_ids) & (started | completed):
            state = ModuleState.IN_PROGRESS
        else:
            state = ModuleState.AVAILABLE
        statuses[facts.module_id] = ModuleStatus(state, done, total, missing)
    return statuses
