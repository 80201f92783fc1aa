"""Each team's grid rows, kept by the worker between views and rebuilt only where a learner changed.

Building a row costs far more than reading whether it could have changed: a 2,000-person team's grid
took a fifth of a second of CPU to build from every lesson row and quiz attempt, while the database
counts the team's stamp (how many lesson rows, how many complete, the latest change, how many quizzes
submitted and when last) in a few milliseconds. So a view checks, from the cheapest up:

- the people and teams counters (``app.shared_state``, read by every request anyway), raised by
  trigger whenever an account, a membership or an assignment changes: while they stand, the team's
  members and the sources of their due dates are those read before;
- the team's stamp, one row: while it stands, no member's progress changed, and the kept grid is shown;
- otherwise every member's stamp, and rows are built again only for the learners whose inputs differ.

A supervisor paging, sorting and filtering, or several supervisors watching one team, pay for the
changes since the last view, not for the whole team.

A row is kept under everything it is built from: the learner (name and e-mail), their stamp, their
due dates, the course's modules (the outline, which is replaced whenever the course changes) and the
day (for "overdue"). Every view reads the counters and the stamp from the database, so a worker never
shows less than what was committed when the view began. The stamps see every write the app makes (each
sets the row's update time); as a guard against one they cannot see (a clock set back between two
writes of one learner, a row edited by hand), a team's rows are trusted for ``trust_seconds`` at most
and then built afresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from app.learn.outline import ModuleOutline
from app.learn.progress import module_facts, progress_of
from app.shared_state import current_versions
from app.supervise.grid import Grid, Row, Totals, build_rows, copy_totals, count_into
from app.supervise.queries import (
    DeadlineSources,
    Learner,
    Stamp,
    deadlines_from,
    team_deadline_sources,
    team_learners,
    team_stamp,
    team_stamps,
)


@dataclass(frozen=True)
class _KeptTeam:
    modules: tuple[ModuleOutline, ...]
    today: date
    built_at: float
    roster: tuple[int, int] | None = None  # the people and teams counters the learners and sources were read at
    learners: list[Learner] = field(default_factory=list)
    sources: DeadlineSources | None = None
    stamp: Stamp | None = None  # the whole team's
    deadlines: dict = field(default_factory=dict)
    keys: dict[int, tuple] = field(default_factory=dict)  # learner id -> what their row was built from
    rows: dict[int, Row] = field(default_factory=dict)
    grid: Grid | None = None

    def fits(self, modules: list[ModuleOutline], today: date, now: float, trust_seconds: float) -> bool:
        same = len(modules) == len(self.modules) and all(a is b for a, b in zip(modules, self.modules, strict=True))
        return same and today == self.today and now - self.built_at <= trust_seconds


class KeptGrids:
    """Team grids of one worker, at most ``max_learners`` rows in all (the teams viewed least
    recently are forgotten first; a team larger than that is built on every view)."""

    def __init__(
        self, max_learners: int = 10_000, trust_seconds: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_learners = max_learners
        self.trust_seconds = trust_seconds
        self._clock = clock
        self._teams: OrderedDict[int, _KeptTeam] = OrderedDict()
        self._lock = threading.Lock()  # threaded workers: one view's update at a time

    def grid(self, team_id: int, modules: list[ModuleOutline], today: date) -> Grid:
        """The team's grid as of the current transaction. When nothing changed since the last view it
        costs one query (the team's stamp) beside the counters every request reads; when progress
        changed, one more (everyone's stamps) and two for the changed learners' progress; when the
        people or the teams changed, two more for the members and the sources of their due dates."""
        versions = current_versions()
        roster = None if None in (versions.people, versions.teams) else (versions.people, versions.teams)
        stamp = team_stamp(team_id)
        now = self._clock()
        with self._lock:
            kept = self._teams.get(team_id)
        if kept is None or not kept.fits(modules, today, now, self.trust_seconds):
            kept = _KeptTeam(tuple(modules), today, now)
        same_roster = roster is not None and roster == kept.roster
        if kept.grid is None or not same_roster or stamp != kept.stamp:
            if same_roster:  # no account, membership or assignment changed: the same people and due dates
                learners, sources = kept.learners, kept.sources
            else:
                learners, sources = team_learners(team_id), team_deadline_sources(team_id)
            kept = self._updated(team_id, kept, roster, learners, sources, stamp)
        self._keep(team_id, kept)
        return kept.grid

    def _updated(
        self,
        team_id: int,
        kept: _KeptTeam,
        roster: tuple[int, int] | None,
        learners: list[Learner],
        sources: DeadlineSources,
        stamp: Stamp,
    ) -> _KeptTeam:
        """``kept`` with the rows of everyone whose row's inputs changed built again."""
        stamps = team_stamps(team_id)
        ids = [learner.id for learner in learners]
        deadlines = kept.deadlines if sources == kept.sources else deadlines_from(ids, sources)
        keys = {learner.id: (learner, stamps.get(learner.id), deadlines.get(learner.id)) for learner in learners}
        changed = [learner for learner in learners if kept.keys.get(learner.id) != keys[learner.id]]
        built = self._built(changed, kept.modules, deadlines, stamps, kept.today)
        rows = {i: built.get(i) or kept.rows[i] for i in ids}  # those who left the team drop out here
        # The totals as kept, less the rows replaced or gone, plus the new ones.
        totals = copy_totals(kept.grid.totals) if kept.grid else {m.id: Totals() for m in kept.modules}
        count_into(totals, [row for i, row in kept.rows.items() if i in built or i not in rows], -1)
        count_into(totals, built.values())
        grid = Grid(list(kept.modules), list(rows.values()), totals)
        return _KeptTeam(
            kept.modules, kept.today, kept.built_at, roster, learners, sources, stamp, deadlines, keys, rows, grid
        )

    @staticmethod
    def _built(learners: list[Learner], modules, deadlines, stamps, today: date) -> dict[int, Row]:
        if not learners:
            return {}
        ids = [learner.id for learner in learners]
        activity = {i: stamps[i].last_activity for i in ids if i in stamps}
        rows = build_rows(learners, module_facts(modules), progress_of(ids), deadlines, activity, today)
        return {row.learner.id: row for row in rows}

    def _keep(self, team_id: int, kept: _KeptTeam) -> None:
        with self._lock:
            self._teams[team_id] = kept
            self._teams.move_to_end(team_id)
            while self._teams and sum(len(t.rows) for t in self._teams.values()) > self.max_learners:
                self._teams.popitem(last=False)  # the least recently viewed first, this one last
