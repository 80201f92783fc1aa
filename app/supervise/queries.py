"""Database reads behind the supervisor pages and reminders, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select

from app.database import read_connection
from app.extensions import db
from app.models import Assignment, LessonProgress, QuizAttempt, TeamMember, User
from app.prebuilt import PrebuiltSelect
from app.supervise.deadlines import Deadline, due_dates


class Learner(NamedTuple):  # a tuple: made, kept and compared by the thousand (app.supervise.kept_grids)
    """A team member as the grid and its CSV show them."""

    id: int
    name: str
    email: str


# A team's members inside the grid's reads: a subquery, where a list of 2,000 ids would be expanded
# into 2,000 parameters on every view.
_IN_TEAM = select(TeamMember.user_id).where(TeamMember.team_id == bindparam("team_id")).scalar_subquery()

# A team's people as plain rows: the grid needs three columns of each, and building a User (with its
# roles) for each of 2,000 people cost more than the rest of the grid's queries together.
_TEAM_LEARNERS = PrebuiltSelect(
    select(User.id, User.name, User.email)
    .join(TeamMember, TeamMember.user_id == User.id)
    .where(TeamMember.team_id == bindparam("team_id"))
    .order_by(User.name, User.id)
)
_MEMBER_COUNTS = (
    select(TeamMember.team_id, func.count())
    .where(TeamMember.team_id.in_(bindparam("team_ids", expanding=True)))
    .group_by(TeamMember.team_id)
)


def team_learners(team_id: int) -> list[Learner]:
    return [Learner(*row) for row in _TEAM_LEARNERS.rows(read_connection(db), team_id=team_id)]


def member_counts(team_ids: list[int]) -> dict[int, int]:
    """How many people each team has (one query, however large the teams)."""
    return dict(db.session.execute(_MEMBER_COUNTS, {"team_ids": team_ids}).all()) if team_ids else {}


def _memberships(who):
    return select(TeamMember.user_id, TeamMember.team_id, TeamMember.joined_at).where(who)


def _assignments(team_ids, who):
    """Assignments to any of ``team_ids`` (a list or a subquery) and those matching ``who`` (personal ones)."""
    columns = (Assignment.module_id, Assignment.due_on, Assignment.within_days, Assignment.team_id, Assignment.user_id)
    return select(*columns).where(or_(Assignment.team_id.in_(team_ids), who))


_MEMBERSHIPS = _memberships(TeamMember.user_id.in_(bindparam("user_ids", expanding=True)))
_ASSIGNMENTS = _assignments(
    bindparam("team_ids", expanding=True), Assignment.user_id.in_(bindparam("user_ids", expanding=True))
)
# For one learner (every learner's home page): "=" and a subquery instead of IN lists, run straight
# on the driver (app.prebuilt); through SQLAlchemy's execution, expanding the lists included, these two
# small reads cost a sixth of the home page.
_MEMBERSHIPS_ONE = PrebuiltSelect(_memberships(TeamMember.user_id == bindparam("user_id")))
_ASSIGNMENTS_ONE = PrebuiltSelect(
    _assignments(
        select(TeamMember.team_id).where(TeamMember.user_id == bindparam("user_id")),
        Assignment.user_id == bindparam("user_id"),
    )
)


_MEMBERSHIPS_OF_TEAM = PrebuiltSelect(
    _memberships(TeamMember.user_id.in_(_IN_TEAM)).order_by(TeamMember.user_id, TeamMember.team_id)
)
_ASSIGNMENTS_OF_TEAM = PrebuiltSelect(
    _assignments(
        select(TeamMember.team_id).where(TeamMember.user_id.in_(_IN_TEAM)), Assignment.user_id.in_(_IN_TEAM)
    ).order_by(Assignment.id)
)


@dataclass(frozen=True)
class DeadlineSources:
    """What due dates are worked out from: the learners' memberships (of every team they are in) and
    the assignments to those teams and to the learners themselves, as rows."""

    memberships: list[tuple]
    assignments: list[tuple]


def team_deadline_sources(team_id: int) -> DeadlineSources:
    """The due dates' sources for every member of a team (2 queries), in a fixed order, so that two
    reads of unchanged data compare equal."""
    connection = read_connection(db)
    return DeadlineSources(
        _MEMBERSHIPS_OF_TEAM.rows(connection, team_id=team_id), _ASSIGNMENTS_OF_TEAM.rows(connection, team_id=team_id)
    )


def learner_deadlines(user_ids: list[int]) -> dict[int, dict[int, date]]:
    """Each learner's due date per module, from their teams' assignments and their own (2 queries)."""
    if not user_ids:
        return {}
    connection = read_connection(db)  # every learner's home page asks this
    if len(user_ids) == 1:
        memberships = _MEMBERSHIPS_ONE.rows(connection, user_id=user_ids[0])
        assignments = _ASSIGNMENTS_ONE.rows(connection, user_id=user_ids[0])
    else:
        memberships = connection.execute(_MEMBERSHIPS, {"user_ids": user_ids}).all()
        team_ids = list({team_id for _, team_id, _ in memberships})
        assignments = connection.execute(_ASSIGNMENTS, {"team_ids": team_ids, "user_ids": user_ids}).all()
    return deadlines_from(user_ids, DeadlineSources(memberships, assignments))


def deadlines_from(user_ids: list[int], sources: DeadlineSources) -> dict[int, dict[int, date]]:
    """Each of ``user_ids``' due date per module: the earliest any of their assignments gives."""
    by_team: dict[int, list[Deadline]] = defaultdict(list)
    by_user: dict[int, list[Deadline]] = defaultdict(list)
    for module_id, due_on, within_days, team_id, user_id in sources.assignments:
        deadline = Deadline(module_id, due_on, within_days)
        (by_team[team_id] if team_id is not None else by_user[user_id]).append(deadline)
    joined: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for user_id, team_id, joined_at in sources.memberships:
        joined[user_id].append((team_id, joined_at))
    result: dict[int, dict[int, date]] = {}
    for user_id in user_ids:
        dates: dict[int, date] = {}
        first_joined = min((j for _, j in joined[user_id]), default=None)
        sources_of_user = [(by_team[team_id], joined_at) for team_id, joined_at in joined[user_id]]
        sources_of_user.append((by_user[user_id], first_joined))
        for deadlines, joined_at in sources_of_user:
            for module_id, due in due_dates(deadlines, joined_at).items():
                if module_id not in dates or due < dates[module_id]:
                    dates[module_id] = due
        result[user_id] = dates
    return result


class Stamp(NamedTuple):
    """A summary of what a learner's grid row is built from, which changes whenever that does: a lesson
    opened, reported or completed changes the lesson rows' count or latest change (every write to a
    lesson row sets its ``updated_at``), a quiz submitted the count of submitted attempts. A tuple,
    as :class:`Learner`: thousands are made and compared on a view."""

    lessons: int = 0
    lessons_completed: int = 0
    lessons_changed: datetime | None = None
    submissions: int = 0
    last_submitted: datetime | None = None

    @property
    def last_activity(self) -> datetime | None:
        """When the learner last did something: a lesson opened or reported, or a quiz submitted."""
        moments = [m for m in (self.lessons_changed, self.last_submitted) if m is not None]
        return max(moments, default=None)


# The stamps' counts over a team's members: the whole team's, or each member's with their id as the
# first column and grouped by it.
def _lesson_counts(*columns):
    return select(
        *columns, func.count(), func.count(LessonProgress.completed_at), func.max(LessonProgress.updated_at)
    ).where(LessonProgress.user_id.in_(_IN_TEAM))


def _submission_counts(*columns):
    return select(*columns, func.count(), func.max(QuizAttempt.submitted_at)).where(
        QuizAttempt.user_id.in_(_IN_TEAM), QuizAttempt.submitted_at.is_not(None)
    )


_LESSON_STAMPS = PrebuiltSelect(_lesson_counts(LessonProgress.user_id).group_by(LessonProgress.user_id))
_SUBMISSION_STAMPS = PrebuiltSelect(_submission_counts(QuizAttempt.user_id).group_by(QuizAttempt.user_id))
_TEAM_STAMP = PrebuiltSelect(select(_lesson_counts().subquery(), _submission_counts().subquery()))


def team_stamp(team_id: int) -> Stamp:
    """The whole team's :class:`Stamp` (1 query, one row back): it changes whenever any member's does,
    since every write to a lesson row or a submission sets a time no earlier than those before it."""
    return Stamp._make(_TEAM_STAMP.rows(read_connection(db), team_id=team_id)[0])


def team_stamps(team_id: int) -> dict[int, Stamp]:
    """Each member's :class:`Stamp`, for those who have done anything (2 aggregate queries, counted by
    the database: a few thousand rows back, not every lesson row of the team)."""
    connection = read_connection(db)
    lessons = {row[0]: row[1:] for row in _LESSON_STAMPS.rows(connection, team_id=team_id)}
    submissions = {row[0]: row[1:] for row in _SUBMISSION_STAMPS.rows(connection, team_id=team_id)}
    no_lessons, no_submissions = (0, 0, None), (0, None)
    return {
        user_id: Stamp._make(lessons.get(user_id, no_lessons) + submissions.get(user_id, no_submissions))
        for user_id in lessons.keys() | submissions.keys()
    }


def best_scores(user_ids: list[int]) -> dict[tuple[int, int], float]:
    """Best submitted score per (learner, quiz) (1 query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.score))
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    )
    return {(user_id, quiz_id): score for user_id, quiz_id, score in rows}
