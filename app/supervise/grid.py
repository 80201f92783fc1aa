"""The team grid: learners as rows, modules as columns (a fixed number of queries, any team size)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.course.states import ModuleState, ModuleStatus
from app.learn.progress import completed_on, module_facts, progress_of, statuses_for
from app.models import Module
from app.supervise.deadlines import is_overdue
from app.supervise.queries import Learner, last_activity, learner_deadlines

SORTS = {"name": "Name", "progress": "Least progress first", "activity": "Least recent activity first"}
# A page of the grid: enough to scan a team at once, few enough that a 2,000-person team's page
# stays quick to send and to read with a screen reader.
ROWS_PER_PAGE = 100


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    modules: list[Module]
    rows: list[Row]
    totals: dict[int, Totals] = field(default_factory=dict)


def build_grid(learners: list[Learner], modules: list[Module], today: date) -> Grid:
    ids = [learner.id for learner in learners]
    facts = module_facts(modules)
    progress = progress_of(ids)
    deadlines = learner_deadlines(ids)
    activity = last_activity(ids)
    rows = []
    totals = {m.id: Totals() for m in modules}
    for learner in learners:
        mine = progress[learner.id]
        statuses = statuses_for(facts, mine)
        cells = {}
        for fact in facts:
            status = statuses[fact.module_id]
            complete = status.state is ModuleState.COMPLETE
            due = deadlines.get(learner.id, {}).get(fact.module_id)
            cell = Cell(
                status=status,
                completed_on=completed_on(fact, mine) if complete else None,
                best_score=mine.best_score.get(fact.quiz_id) if fact.quiz_id else None,
                due=due,
                overdue=is_overdue(due, complete, today),
            )
            cells[fact.module_id] = cell
            total = totals[fact.module_id]
            total.complete += complete
            total.in_progress += status.state is ModuleState.IN_PROGRESS
            total.overdue += cell.overdue
        steps = sum(s.steps for s in statuses.values())
        done = sum(s.steps_done for s in statuses.values())
        rows.append(Row(learner, cells, activity.get(learner.id), round(100 * done / steps) if steps else 0))
    return Grid(modules, rows, totals)


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
