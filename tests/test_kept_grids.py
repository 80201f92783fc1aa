"""A worker keeps each team's grid rows between views (app.supervise.kept_grids): every change shows on
the next view exactly as a grid built afresh shows it, and a view after no change reads no progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.learn.progress import course_modules
from app.models import Assignment, ContentState, Lesson, LessonProgress, Module, TeamMember, User, utcnow
from app.supervise import kept_grids
from app.supervise.kept_grids import KeptGrids
from tests.conftest import PASSWORD, recorded_statements
from tests.test_quiz_pages import M1, _attempt, answers_for
from tests.test_team_grid import _complete_lessons, _team_id
from tests.test_watching import LESSON, REPORT, _rewind

M2 = "signs-of-good-infant-mental-health"


class Scene:
    """Team A (Ana and Ben) and its supervisor, signed in on ``client``; Ana signed in on ``ana_client``."""

    def __init__(self, app, client, auth, make_user):
        self.app, self.client, self.make_user = app, client, make_user
        self.supervisor = make_user("supervisor", name="Sam Supervisor", supervises="Team A")
        self.ana = make_user("learner", name="Ana", team="Team A")
        self.ben = make_user("learner", name="Ben", team="Team A")
        self.team_id = _team_id(app)
        auth.login(self.supervisor)
        self.ana_client = app.test_client()
        self.ana_client.post("/login", data={"email": self.ana.email, "password": PASSWORD})

    def views(self) -> str:
        """What the supervisor sees of the team: the grid's table and the whole CSV export."""
        page = self.client.get(f"/supervise/teams/{self.team_id}").text
        csv = self.client.get(f"/supervise/teams/{self.team_id}/export.csv").text
        return page.split('<table class="grid">')[1].split("</table>")[0] + csv

    def fresh_views(self) -> str:
        """The same, from a worker that has kept nothing."""
        kept = self.app.extensions["kept_grids"]
        self.app.extensions["kept_grids"] = KeptGrids()
        try:
            return self.views()
        finally:
            self.app.extensions["kept_grids"] = kept

    def write(self, *statements) -> None:
        with self.app.app_context():
            for statement in statements:
                db.session.execute(statement)
            db.session.commit()

    def module_id(self, slug: str) -> int:
        with self.app.app_context():
            return db.session.scalar(select(Module.id).where(Module.slug == slug))


@pytest.fixture
def scene(app, client, auth, make_user, course):
    app.extensions["kept_grids"] = KeptGrids()
    return Scene(app, client, auth, make_user)


def _pass_quiz(scene: Scene) -> None:
    started = scene.ana_client.post(f"/modules/{M1}/quiz/start")
    attempt = _attempt(scene.app, scene.ana)
    assert scene.ana_client.post(started.headers["Location"], data=answers_for(attempt)).status_code == 302


def _due(scene: Scene, **whose) -> None:
    past = date.today() - timedelta(days=3)
    with scene.app.app_context():
        db.session.add(Assignment(module_id=scene.module_id(M1), due_on=past, **whose))
        db.session.commit()


def _join_team_c_first(scene: Scene) -> None:
    scene.make_user("supervisor", supervises="Team C")
    with scene.app.app_context():
        team_c = _team_id(scene.app, "Team C")
        db.session.add(TeamMember(team_id=team_c, user_id=scene.ana.id))
        db.session.commit()


# Each change: (what is done before the first view, the change itself). Every one of them must show.
CHANGES = {
    "lesson opened": (None, lambda s: s.ana_client.get(LESSON)),
    "video report completes a lesson": (
        lambda s: (s.ana_client.get(LESSON), _rewind(s.app, s.ana, 200)),
        lambda s: s.ana_client.post(REPORT, json={"ranges": [[0, 95]], "position": 95, "speed": 1}),
    ),
    "lessons completed": (None, lambda s: _complete_lessons(s.app, s.ana)),
    "quiz passed": (lambda s: _complete_lessons(s.app, s.ana), _pass_quiz),
    "renamed": (None, lambda s: s.write(update(User).where(User.id == s.ana.id).values(name="Ana Maria"))),
    "new member": (None, lambda s: s.make_user("learner", name="Cy", team="Team A")),
    "member left": (None, lambda s: s.write(delete(TeamMember).where(TeamMember.user_id == s.ben.id))),
    "team assignment": (None, lambda s: _due(s, team_id=s.team_id)),
    "personal assignment": (None, lambda s: _due(s, user_id=s.ana.id)),
    "assignment to another team of hers": (
        _join_team_c_first,
        lambda s: _due(s, team_id=_team_id(s.app, "Team C")),
    ),
    "module unpublished": (
        None,
        lambda s: s.write(update(Module).where(Module.slug == M2).values(published=False)),
    ),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_shows_on_the_next_view_as_on_a_fresh_grid(scene, change):
    prepare, make = CHANGES[change]
    if prepare:
        prepare(scene)
    before = scene.views()
    assert scene.views() == before == scene.fresh_views()
    make(scene)
    after = scene.views()
    assert after != before, "the change does not show"
    assert after == scene.fresh_views()


def test_a_view_after_no_change_reads_only_the_teams_stamp(scene):
    _complete_lessons(scene.app, scene.ana)
    scene.views()
    with recorded_statements(scene.app) as statements:
        assert scene.client.get(f"/supervise/teams/{scene.team_id}").status_code == 200
    about_the_team = [s for s in statements if "lesson_progress" in s or "team_members" in s or "users.email" in s]
    assert len(about_the_team) == 1  # its stamp, counted by the database
    assert not any("lesson_progress.lesson_id" in s or "GROUP BY" in s or "joined_at" in s for s in statements)


def test_memberships_and_assignments_raise_the_teams_version(scene):
    def version() -> int:
        with scene.app.app_context():
            return db.session.scalar(select(ContentState.teams_version))

    steps = [version()]
    scene.make_user("learner", team="Team A")
    steps.append(version())
    _due(scene, team_id=scene.team_id)
    steps.append(version())
    scene.write(update(Assignment).values(within_days=3, due_on=None))
    steps.append(version())
    scene.write(delete(Assignment))
    steps.append(version())
    scene.write(delete(TeamMember).where(TeamMember.user_id == scene.ben.id))
    steps.append(version())
    assert steps == sorted(set(steps)), steps  # every step raised it


def test_only_the_learners_who_changed_are_built_again(scene, monkeypatch):
    asked = []
    real = kept_grids.progress_of
    monkeypatch.setattr(kept_grids, "progress_of", lambda ids: asked.append(sorted(ids)) or real(ids))
    scene.views()
    assert asked == [sorted([scene.ana.id, scene.ben.id])]
    _complete_lessons(scene.app, scene.ana)
    scene.views()
    assert asked[1:] == [[scene.ana.id]]
    scene.views()
    assert len(asked) == 2


def _grid(app, kept: KeptGrids, team_id: int, today: date):
    with app.test_request_context():
        return kept.grid(team_id, course_modules(), today)


def test_a_new_day_builds_the_rows_again(app, scene):
    with app.app_context():
        db.session.add(Assignment(module_id=scene.module_id(M1), team_id=scene.team_id, due_on=date(2030, 1, 10)))
        db.session.commit()
    kept = KeptGrids()
    on_time = _grid(app, kept, scene.team_id, date(2030, 1, 10))
    late = _grid(app, kept, scene.team_id, date(2030, 1, 11))
    assert not any(row.behind for row in on_time.rows)
    assert all(row.behind for row in late.rows)
    assert late == _grid(app, KeptGrids(), scene.team_id, date(2030, 1, 11))


def test_rows_are_trusted_for_a_while_only(app, scene):
    """A change the stamps cannot see (a row moved to another lesson by hand, keeping its update
    time) shows once the team's rows have been kept for ``trust_seconds``."""
    _complete_lessons(app, scene.ana)
    now = [0.0]
    kept = KeptGrids(trust_seconds=60, clock=lambda: now[0])
    today = date.today()
    before = _grid(app, kept, scene.team_id, today)
    with app.app_context():
        one_row = db.session.scalar(select(LessonProgress.id).where(LessonProgress.user_id == scene.ana.id))
        elsewhere = db.session.scalar(select(Lesson.id).join(Module).where(Module.slug == M2))
    scene.write(
        update(LessonProgress)
        .where(LessonProgress.id == one_row)
        .values(lesson_id=elsewhere, updated_at=LessonProgress.updated_at)  # no onupdate
    )
    now[0] = 59
    assert _grid(app, kept, scene.team_id, today) == before
    now[0] = 61
    after = _grid(app, kept, scene.team_id, today)
    assert after != before and after == _grid(app, KeptGrids(), scene.team_id, today)


def test_a_worker_keeps_a_bounded_number_of_rows(app, scene, make_user, monkeypatch):
    make_user("supervisor", supervises="Team B")
    make_user("learner", team="Team B")
    make_user("learner", team="Team B")
    team_b = _team_id(app, "Team B")
    built = []
    real = kept_grids.progress_of
    monkeypatch.setattr(kept_grids, "progress_of", lambda ids: built.append(len(ids)) or real(ids))
    kept = KeptGrids(max_learners=3)
    today = utcnow().date()
    _grid(app, kept, scene.team_id, today)
    _grid(app, kept, scene.team_id, today)
    assert built == [2]  # kept
    _grid(app, kept, team_b, today)  # 4 rows in all: Team A, viewed least recently, is forgotten
    _grid(app, kept, team_b, today)
    _grid(app, kept, scene.team_id, today)
    assert built == [2, 2, 2]
    alone = KeptGrids(max_learners=1)  # a team larger than the bound is built on every view
    _grid(app, alone, scene.team_id, today)
    _grid(app, alone, scene.team_id, today)
    assert built[3:] == [2, 2]
