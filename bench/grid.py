"""Benchmark: the supervisor grid and its CSV export for a team of 2,000 learners x 6 modules.

Run: .venv/bin/python bench/grid.py [--learners 2000] [--repeat 5] [--database POSTGRESQL_SERVER_URL]

Builds a fresh SQLite database through the migrations, imports the course plus three
generated modules (six in all), fills it with realistic progress and quiz attempts, then
times the grid page and the CSV export next to a trivial page of the same app (/about),
in the same process and run. A worker keeps a team's grid rows between views
(app/supervise/kept_grids.py), so the grid is timed as a worker's first view of the team,
as a view with nothing changed since the last, and as one after 1 or 20 learners' progress
changed. Prints absolute times and ratios.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from app.course_files import import_from_files  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    Team,
    TeamMember,
    User,
    UserRole,
    utcnow,
)
from app.ops.scratch import scratch_postgres  # noqa: E402
from app.supervise.kept_grids import KeptGrids  # noqa: E402

EXTRA_MODULE = """title: Practice module {n}
summary: A generated module for the benchmark.
estimated_minutes: 10
ce_hours: 0.25
"""
EXTRA_LESSON = """---
title: Reading {n}
kind: reading
---
Text.
"""


def build_course(workdir: Path) -> Path:
    modules = workdir / "modules"
    shutil.copytree(ROOT / "modules", modules)
    for n in range(4, 7):
        folder = modules / f"{n:02d}-practice-{n}"
        folder.mkdir()
        (folder / "module.yml").write_text(EXTRA_MODULE.format(n=n))
        for k in (1, 2):
            (folder / f"{k:02d}-reading-{k}.md").write_text(EXTRA_LESSON.format(n=k))
    return modules


def bench_database(stack: ExitStack, workdir: Path, server_url: str | None) -> str:
    """The benchmark's database: SQLite in its work folder, or, given a PostgreSQL server's URL, a
    scratch database there, dropped when ``stack`` closes."""
    if not server_url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    return stack.enter_context(scratch_postgres(server_url, "imh_bench"))


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="SERVER_URL",
        help="run on a scratch database on this PostgreSQL server, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres (default: SQLite)",
    )


def fill(learners: int, rng: random.Random) -> int:
    """Insert one supervisor, a team of ``learners`` and their progress; return the team id."""
    template = User(email="x", name="x", password_hash="")
    template.set_password("benchmark-password")
    now = utcnow()
    supervisor = User(email="sup@bench.test", name="Supervisor", password_hash=template.password_hash)
    supervisor.set_roles({"supervisor"})
    team = Team(name="Bench team", supervisor=supervisor)
    db.session.add_all([supervisor, team])
    db.session.flush()
    rows = [
        {
            "email": f"l{i}@bench.test",
            "name": f"Learner {i:04d}",
            "password_hash": template.password_hash,
            "active": True,
            "created_at": now,
        }
        for i in range(learners)
    ]
    db.session.execute(insert(User), rows)
    ids = db.session.scalars(select(User.id).where(User.email.like("l%@bench.test"))).all()
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "learner"} for i in ids])
    db.session.execute(insert(TeamMember), [{"team_id": team.id, "user_id": i, "joined_at": now} for i in ids])
    lessons = db.session.execute(select(Lesson.id, Lesson.module_id).order_by(Lesson.module_id, Lesson.position)).all()
    modules = db.session.scalars(select(Module).order_by(Module.position)).all()
    progress, attempts = [], []
    for user_id in ids:
        reached = rng.randint(0, len(lessons))  # how far this person got, in course order
        for lesson_id, _module_id in lessons[:reached]:
            done = now - timedelta(days=rng.randint(0, 60))
            progress.append(
                {
                    "user_id": user_id,
                    "lesson_id": lesson_id,
                    "started_at": done,
                    "updated_at": done,
                    "completed_at": done,
                    "watched": [],
                    "position_seconds": 0.0,
                    "speed": 1.0,
                }
            )
        for module in modules:
            if module.active_quiz and rng.random() < reached / len(lessons):
                for number in range(1, rng.randint(1, 3) + 1):
                    score = rng.choice([60.0, 70.0, 80.0, 90.0, 100.0])
                    attempts.append(
                        {
                            "user_id": user_id,
                            "quiz_id": module.active_quiz.id,
                            "number": number,
                            "seed": f"{rng.getrandbits(128):032x}",
                            "questions": [],
                            "pass_mark": 80.0,
                            "show_answers": "after_attempt",
                            "answers": {"given": {}, "results": []},
                            "score": score,
                            "passed": score >= 80,
                            "started_at": now,
                            "submitted_at": now,
                        }
                    )
    db.session.execute(insert(LessonProgress), progress)
    db.session.execute(insert(QuizAttempt), attempts)
    db.session.commit()
    print(f"filled: {learners} learners, {len(modules)} modules, {len(progress)} lesson rows, {len(attempts)} attempts")
    return team.id


def timed(client, url: str, repeat: int, before=None) -> float:
    """The median time of ``repeat`` requests for ``url``, each after ``before()`` (not timed)."""
    client.get(url)  # warm caches
    samples = []
    for n in range(repeat):
        if before is not None:
            before(n)
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        response.close()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    add_database_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        config = type(
            "BenchConfig",
            (Config,),
            {
                "SECRET_KEY": "bench-" + "x" * 40,
                "INSTANCE_PATH": workdir,
                "SQLALCHEMY_DATABASE_URI": bench_database(stack, workdir, args.database),
                "MODULES_DIR": build_course(workdir),
                "WTF_CSRF_ENABLED": False,
            },
        )
        app = create_app(config)
        with app.app_context():
            upgrade()
            import_from_files()
            team_id = fill(args.learners, random.Random(20261123))
        client = app.test_client()
        gc.freeze()  # as gunicorn does for its workers (gunicorn.conf.py): collections skip the loaded app
        client.post("/login", data={"email": "sup@bench.test", "password": "benchmark-password"})
        grid_url = f"/supervise/teams/{team_id}"
        with app.app_context():
            members = db.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)).all()

        def forget(_n: int) -> None:  # a worker that has kept nothing of the team
            app.extensions["kept_grids"] = KeptGrids()

        def learners_report(count: int):
            def before(n: int) -> None:  # ``count`` learners' progress changes between two views
                changed = members[n * count % len(members) :][:count]
                with app.app_context():
                    db.session.execute(
                        update(LessonProgress)
                        .where(LessonProgress.user_id.in_(changed))
                        .values(position_seconds=LessonProgress.position_seconds + 1)
                    )
                    db.session.commit()

            return before

        measured = [
            ("trivial page (/about)", timed(client, "/about", args.repeat)),
            ("team grid, first view", timed(client, grid_url, args.repeat, forget)),
            ("team grid, unchanged", timed(client, grid_url, args.repeat)),
            ("team grid, 1 changed", timed(client, grid_url, args.repeat, learners_report(1))),
            ("team grid, 20 changed", timed(client, grid_url, args.repeat, learners_report(20))),
            ("team CSV export", timed(client, f"{grid_url}/export.csv", args.repeat)),
        ]
        base = measured[0][1]
        print(f"{'page':<28}{'median ms':>12}{'x trivial page':>16}")
        for name, value in measured:
            print(f"{name:<28}{value * 1000:>12.1f}{value / base:>16.1f}")


if __name__ == "__main__":
    main()
