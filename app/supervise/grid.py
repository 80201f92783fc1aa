"""The team grid: learners as rows, modules as columns (a fixed number of queries, any team size)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from app.course.states import ModuleFacts, ModuleState, ModuleStatus
from app.learn.outline import ModuleOutline
from app.learn.progress import LearnerProgress, completed_on, statuses_for
from app.supervise.deadlines import is_overdue
from app.supervise.queries import Learner

SORTS = {"name": "Name", "progress": "Least progress first", "activity": "Least recent activity first"}
# A page of the grid: enough to scan a team at once, few enough that a 2,000-person team's page
# stays quick to send and to read with a screen reader.
ROWS_PER_PAGE = 100


@dataclass(frozen=True, slots=True)  # slots: a worker keeps thousands of these (app.supervise.kept_grids)
class Cell:
    status: ModuleStatus
    completed_on: datetime | None
    best_score: float | None
    due: date | None
    overdue: bool

    @property
    def label(self) -> str:
        """The cell as words, for the page's text, screen readers and the CSV."""
        if self.status.state is ModuleState.COMPLETE:
            text = f"Complete {self.completed_on:%Y-%m-%d}" if self.completed_on else "Complete"
        elif self.status.state is ModuleState.IN_PROGRESS:
            text = f"In progress {self.status.percent}%"
        elif self.status.state is ModuleState.LOCKED:
            text = "Not started (locked)"
        else:
            text = "Not started"
        return f"{text}, overdue (due {self.due:%Y-%m-%d})" if self.overdue else text


@dataclass(frozen=True, slots=True)
class Row:
    learner: Learner
    cells: dict[int, Cell]
    last_activity: datetime | None
    progress: int  # share of all modules' steps done, 0-100

    @property
    def behind(self) -> bool:
        return any(cell.overdue for cell in self.cells.values())


@dataclass
class Totals:
    complete: int = 0
    in_progress: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class Grid:
    modules: list[ModuleOutline]
    rows: list[Row]
    totals: dict[int, Totals] = field(default_factory=dict)
    # Sorted and filtered views of ``rows``, made on first use: a kept grid is paged through again and again.
    _arranged: dict[tuple[str, bool], list[Row]] = field(default_factory=dict, compare=False, repr=False)

    def arranged(self, sort: str, behind_only: bool) -> list[Row]:
        """The rows filtered and sorted as the supervisor asked (see :func:`arrange`)."""
        key = (sort, behind_only)
        if key not in self._arranged:
            self._arranged[key] = arrange(self.rows, sort, behind_only)
        return self._arranged[key]


def build_rows(
    learners: list[Learner],
    facts: list[ModuleFacts],
    progress: dict[int, LearnerProgress],
    deadlines: dict[int, dict[int, date]],
    last_activity: dict[int, datetime | None],
    today: date,
) -> list[Row]:
    """One row per learner, from what was read about them (no queries)."""
    rows = []
    # Most learners are at one of a few points of the course: their module states are worked out once
    # per point, and alike cells are one object (a worker keeps thousands of rows).
    by_point: dict[tuple, tuple[dict[int, ModuleStatus], int]] = {}
    statuses_made: dict[ModuleStatus, ModuleStatus] = {}
    cells_made: dict[tuple, Cell] = {}
    for learner in learners:
        mine = progress[learner.id]
        due_dates = deadlines.get(learner.id, {})
        point = (
            frozenset(mine.started),
            frozenset(mine.completed),
            frozenset(mine.passed_quizzes),
            frozenset(mine.attempted_quizzes),
        )
        if point not in by_point:
            statuses = {i: statuses_made.setdefault(s, s) for i, s in statuses_for(facts, mine).items()}
            steps = sum(s.steps for s in statuses.values())
            done = sum(s.steps_done for s in statuses.values())
            by_point[point] = statuses, round(100 * done / steps) if steps else 0
        statuses, share_done = by_point[point]
        cells = {}
        for fact in facts:
            status = statuses[fact.module_id]
            complete = status.state is ModuleState.COMPLETE
            due = due_dates.get(fact.module_id)
            finished = completed_on(fact, mine) if complete else None
            best = mine.best_score.get(fact.quiz_id) if fact.quiz_id else None
            overdue = is_overdue(due, complete, today)
            key = (id(status), finished, best, due, overdue)  # statuses_made keeps each status alive
            cell = cells_made.get(key)
            if cell is None:
                cell = cells_made[key] = Cell(status, finished, best, due, overdue)
            cells[fact.module_id] = cell
        rows.append(Row(learner, cells, last_activity.get(learner.id), share_done))
    return rows


def copy_totals(totals: dict[int, Totals]) -> dict[int, Totals]:
    return {module_id: replace(total) for module_id, total in totals.items()}


def count_into(totals: dict[int, Totals], rows: Iterable[Row], sign: int = 1) -> None:
    """Count ``rows`` into the per-module ``totals`` (complete, in progress, overdue), or out of them
    with ``sign`` -1: a grid where a few rows changed counts those rows only."""
    for row in rows:
        for module_id, cell in row.cells.items():
            total = totals[module_id]
            state = cell.status.state
            total.complete += sign * (state is ModuleState.COMPLETE)
            total.in_progress += sign * (state is ModuleState.IN_PROGRESS)
            total.overdue += sign * cell.overdue


@dataclass(frozen=True)
class Page:
    """Which slice of the sorted rows is shown: rows ``first`` to ``last - 1`` (0-based) of ``total``."""

    number: int
    count: int
    first: int
    last: int
    total: int

    @classmethod
    def of(cls, rows: list, number: int | None, size: int) -> Page:
        count = max(1, -(-len(rows) // size))
        number = min(max(number or 1, 1), count)  # a page past the end shows the last one
        first = (number - 1) * size
        return cls(number, count, first, min(first + size, len(rows)), len(rows))


def arrange(rows: list[Row], sort: str, behind_only: bool) -> list[Row]:
    """Filter and sort the rows as the supervisor asked."""
    if behind_only:
        rows = [row for row in rows if row.behind]
    if sort == "progress":
        return sorted(rows, key=lambda r: (r.progress, r.learner.name.lower()))
    if sort == "activity":
        return sorted(rows, key=lambda r: (r.last_activity or datetime.min, r.learner.name.lower()))
    return sorted(rows, key=lambda r: r.learner.name.lower())
