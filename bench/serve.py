"""Benchmark over HTTP: the app under gunicorn (2 workers) next to a bare Flask route under the same server.

Run: make bench-http   (or .venv/bin/python bench/serve.py [--seconds 6] [--slice 2] [--rounds 3]
[--connections 8] [--database POSTGRESQL_SERVER_URL])

For each page: capacity (closed loop, N connections) as a ratio of the bare route's, the two measured
in turn a slice at a time (the median of the rounds' ratios, so the machine's drift within a minute
does not favour one row), then p50/p95/p99 and errors at a constant rate of half that page's
capacity; finally the resident memory of each app worker after the run. Both servers use
gunicorn.conf.py (sync workers, which close the connection after each answer, as behind nginx;
GUNICORN_WORKER_CLASS=gthread measures the keep-alive worker instead). Goals: lesson page >= 40% of
the bare route's throughput, progress report >= 30%, p95 under 50 ms at half of capacity, 0 errors,
workers under 150 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import wrk  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from grid import add_database_option, bench_database, build_course, fill  # noqa: E402
from load import capacity, constant_rate  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from app.course_files import import_from_files  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Lesson, LessonProgress, Module, User, utcnow  # noqa: E402

LESSON = "/modules/what-is-infant-mental-health/watch-the-video"
QUIZ = "/modules/what-is-infant-mental-health/quiz"
MATCH_SELECT = re.compile(r'name="([^"]+)">\s*<option value="">[^<]*</option>\s*<option value="([^"]+)"')
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
# One browser name for sign-in and every measured request: Flask-Login ties a session to the browser
# it began in and rewrites the cookie on each request that comes from another (wrk sends none).
USER_AGENT = "Mozilla/5.0 (bench)"


# Both servers run the production config with two changes. No access log. No worker recycling: the
# memory figure is then the worst case, with nothing reset during the run (and, with keep-alive
# workers, the benchmark's few connections would all reconnect to the surviving worker when one is
# recycled, leaving the other idle).
BENCH_GUNICORN = {"GUNICORN_ACCESSLOG": "", "GUNICORN_MAX_REQUESTS": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, env: dict[str, str], log: Path, connections: int) -> tuple[subprocess.Popen, str]:
    """Two workers. With keep-alive workers (GUNICORN_WORKER_CLASS=gthread) each takes at most half of
    the benchmark's connections: otherwise whichever worker wins the race to accept them can hold all
    of them for the whole run while the other idles, and a round measures one core instead of two
    (rounds differed by 2-3x). Sync workers close every connection after its answer, so each new one
    goes to whichever worker is free."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "2",
         "--worker-connections", str(-(-connections // 2)), "--bind", f"127.0.0.1:{port}", target],
        cwd=ROOT, env={**os.environ, **env, **BENCH_GUNICORN}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=1).close()
            return process, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(log.read_text())


class Session:
    """A signed-in person: their cookie, and the CSRF token of their pages."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base, self.jar = base, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]
        token = TOKEN.search(self.get("/login")).group(1)
        self.post("/login", {"email": email, "password": password, "csrf_token": token})
        page = self.get(LESSON)
        self.csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        self.served = re.search(r'data-served="([^"]+)"', page).group(1)  # the player sends it back

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        with self.opener.open(self.base + path, urlencode(data, doseq=True).encode()) as response:
            return response.read().decode()

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def headers(self, **more: str) -> dict[str, str]:
        """Headers for a request as this person's browser: their cookie, and the same browser name."""
        return {"Cookie": self.cookie, "User-Agent": USER_AGENT, **more}


def get_maker(path: str, session: Session | None = None):
    return lambda: ("GET", path, None, session.headers() if session else {})


def rotating(makers: list) -> Callable:
    turn = itertools.cycle(makers)
    return lambda: next(turn)()


def fixed_gets(path: str, sessions: list[Session]) -> list:
    return [("GET", path, None, s.headers()) for s in sessions]


# Each report claims the next REPORTED_SECONDS of video, right after the previous one, as a player does
# for a learner watching straight through (it sends what was played since its last report). A learner
# comes round again well within that much real time at the rates measured here (200 learners,
# at most ~2,000 reports a second), so the server credits each report in full and the watched
# list stays one interval. Claiming more than real time allows (as an earlier version of this
# benchmark did, one second per report) gets each report capped to a sliver: the lists fill with
# slivers no real player produces, and every report and lesson page grows dearer run after run.
REPORTED_SECONDS = 0.1


def _progress_request(session: Session, step: int) -> tuple:
    start = round(step * REPORTED_SECONDS, 3)
    end = round(start + REPORTED_SECONDS, 3)
    body = json.dumps({"ranges": [[start, end]], "position": end, "speed": 1, "served": session.served}).encode()
    headers = session.headers(**{"Content-Type": "application/json", "X-CSRFToken": session.csrf})
    return ("POST", LESSON + "/progress", body, headers)


def fixed_progress(sessions: list[Session]) -> list:
    """Each learner reports the next part of the video in turn, as progress_maker does (when wrk starts
    the list again, the first reports re-send parts already watched, as a retried report would)."""
    return [_progress_request(s, step) for step in range(30) for s in sessions]


def progress_maker(session: Session):
    step = [random.randint(0, 200)]

    def make():
        step[0] += 1
        return _progress_request(session, step[0])

    return make


def quiz_maker(session: Session):
    """A learner taking the quiz over and over on one client connection (kept alive if the server does),
    as their browser would: start an attempt (its answer redirects to the attempt's form), open the
    form, submit answers."""
    state = {"next": "start", "path": None, "answers": None}
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    def make():
        if state["next"] == "form":
            return ("GET", state["path"], None, session.headers())
        if state["next"] == "submit":
            return (
                "POST",
                state["path"],
                urlencode(state["answers"], doseq=True).encode(),
                session.headers(**form_type),
            )
        return ("POST", QUIZ + "/start", urlencode({"csrf_token": session.csrf}).encode(), session.headers(**form_type))

    def seen(status: int, location: str | None, body: bytes) -> None:
        if state["next"] == "start" and status == 302 and location and "/attempts/" in location:
            state["next"], state["path"] = "form", urlsplit(location).path
        elif state["next"] == "form" and status == 200:
            state["next"], state["answers"] = "submit", _answers(session, body.decode())
        else:  # submitted (or refused): start again
            state["next"] = "start"

    make.seen = seen
    return make


def _answers(session: Session, form: str) -> dict[str, list[str]]:
    """Some answer to every question of an attempt's form (right or wrong does not matter here)."""
    answers = {"csrf_token": [session.csrf]}
    for name, value in re.findall(r'<input type="(?:radio|checkbox)" name="([^"]+)" value="([^"]+)"', form):
        answers.setdefault(name, [value])
    for name in re.findall(r'<input type="text" id="[^"]+" name="([^"]+)"', form):
        answers[name] = ["an answer"]
    for name, value in MATCH_SELECT.findall(form):
        answers[name] = [value]
    return answers


@dataclass
class Tally:
    """One row's run in a round: its slices added up."""

    requests: float = 0.0
    seconds: float = 0.0
    errors: int = 0
    cpu: float = 0.0  # seconds of CPU the server's workers used

    def add(self, requests: float, seconds: float, errors: int, cpu: float) -> None:
        self.requests += requests
        self.seconds += seconds
        self.errors += errors
        self.cpu += cpu

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.requests * 1000 if self.requests else float("nan")


def cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time used so far by a gunicorn server's workers (user + system), counting workers that
    were recycled (max_requests) and reaped by the master: their time is in its children's total."""

    def stat(pid: str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    master = stat(str(server.pid))
    ticks = int(master[13]) + int(master[14])  # cutime + cstime: children that have exited
    for pid in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split():
        try:
            fields = stat(pid)
        except FileNotFoundError:  # exited between the listing and the read
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# Each benchmark request is a new TCP connection (sync workers close it after the answer), and each
# closed one waits out a minute in TIME_WAIT. With tens of thousands of them, against about 28,000
# local ports, new connections on the loopback stall for tens to hundreds of milliseconds: the latency
# rows measured right after the capacity runs showed the loopback rather than the server. Production
# has no ports to use up between nginx and gunicorn (a Unix socket, docs/deploy.md).
SETTLED_TIME_WAIT = 8000
SETTLE_SECONDS = 65


def time_wait_connections() -> int | None:
    try:
        found = re.search(r"\btw (\d+)", Path("/proc/net/sockstat").read_text())
    except OSError:
        return None
    return int(found.group(1)) if found else None


def settle_loopback() -> None:
    """Wait (a minute at most) until few closed connections are left in TIME_WAIT."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (waiting := time_wait_connections()) is not None and waiting > SETTLED_TIME_WAIT:
        if time.monotonic() > deadline:
            print(f"  (still {waiting} connections in TIME_WAIT; measuring anyway)")
            return
        time.sleep(1)


def machine_ticks() -> tuple[int, int]:
    """CPU time stolen from this virtual machine by its neighbours, and all CPU time, in ticks so far."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    steal = fields[7] if len(fields) > 7 else 0
    return steal, sum(fields[:8])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--learners", type=int, default=200, help="signed-in learners the requests rotate through")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--slice", type=float, default=2, help="seconds of one turn; rows alternate with the bare route"
    )
    parser.add_argument("--python-only", action="store_true", help="measure capacity without wrk")
    parser.add_argument(
        "--only", default="", help="comma-separated words: only the rows whose name has one (and the bare route)"
    )
    add_database_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        url = bench_database(stack, workdir, args.database)
        modules = build_course(workdir)
        config = type("B", (Config,), {"SECRET_KEY": "b" * 40, "INSTANCE_PATH": workdir,
                                       "SQLALCHEMY_DATABASE_URI": url, "MODULES_DIR": modules})  # fmt: skip
        app = create_app(config)
        with app.app_context():
            upgrade()
            import_from_files()
            team_id = fill(2000, random.Random(7))
            learners = db.session.scalars(select_learners()).all()[: args.learners]
            lessons = db.session.scalars(select_module_one_lessons()).all()
            ids = [user.id for user in learners]
            db.session.execute(delete(LessonProgress).where(LessonProgress.user_id.in_(ids)))
            for user_id in ids:  # they may take module 1's quiz
                for lesson in lessons:
                    db.session.add(LessonProgress(user_id=user_id, lesson_id=lesson.id, completed_at=utcnow()))
            db.session.commit()
            emails = [u.email for u in learners]
            db.engine.dispose()
        env = {"DATABASE_URL": url, "SECRET_KEY": "b" * 40, "MODULES_DIR": str(modules), "INSTANCE_PATH": tmp}
        app_proc, app_base = start_gunicorn("wsgi:app", env, workdir / "app.log", args.connections)
        bare_proc, bare_base = start_gunicorn("bench.bare:app", {}, workdir / "bare.log", args.connections)
        try:
            with ThreadPoolExecutor(args.connections) as pool:
                sessions = list(pool.map(lambda e: Session(app_base, e, "benchmark-password"), emails))
            boss = Session(app_base, "sup@bench.test", "benchmark-password")
            # Each connection rotates through its share of the learners, as many people's phones would.
            shares = [sessions[i :: args.connections] for i in range(args.connections)]
            team = f"/supervise/teams/{team_id}"
            # name: (server, one request maker per connection, the same requests as a fixed list for wrk)
            pages = {
                "bare Flask route": (bare_base, [get_maker("/") for _ in shares], lambda: [("GET", "/", None, {})]),
                # the floor: a signed-in page with no query of its own (session, person, menu, template)
                "about page, signed in": (
                    app_base,
                    [rotating([get_maker("/about", s) for s in share]) for share in shares],
                    lambda: fixed_gets("/about", sessions),
                ),
                "lesson page": (
                    app_base,
                    [rotating([get_maker(LESSON, s) for s in share]) for share in shares],
                    lambda: fixed_gets(LESSON, sessions),
                ),
                "home page": (
                    app_base,
                    [rotating([get_maker("/", s) for s in share]) for share in shares],
                    lambda: fixed_gets("/", sessions),
                ),
                "progress report": (
                    app_base,
                    [rotating([progress_maker(s) for s in share]) for share in shares],
                    lambda: fixed_progress(sessions),
                ),
                # an attempt is started and answered on one connection, by one learner
                "quiz: start, form, submit": (app_base, [quiz_maker(share[0]) for share in shares], None),
                "supervisor grid (2,000)": (app_base, [get_maker(team, boss)], lambda: fixed_gets(team, [boss])),
            }
            bare = "bare Flask route"
            if args.only:
                words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
                pages = {n: p for n, p in pages.items() if n == bare or any(w in n.lower() for w in words)}
            use_wrk = wrk.available() and not args.python_only
            print(f"database: {'PostgreSQL' if args.database else 'SQLite'}")
            print(f"capacity: {'wrk' if use_wrk else 'the Python generator'}, {args.connections} "
                  f"connections rotating through {len(sessions)} learners, {args.seconds:g} s, {args.rounds} "
                  f"rounds; each row's ratio is the median over the rounds of its throughput to the bare "
                  f"route's, the two measured in turn {args.slice:g} s at a time (this machine's speed "
                  f"drifts within a minute); latency: "
                  f"the Python constant-rate generator at half that capacity")  # fmt: skip

            server_of = {app_base: app_proc, bare_base: bare_proc}

            def renew_cookies():
                """A browser keeps the session cookie the app renews once a minute; wrk replays what it
                was given, so renew every cookie before each run (a run is shorter than a minute)."""
                with ThreadPoolExecutor(args.connections) as pool:
                    list(pool.map(lambda s: s.get("/about"), [*sessions, boss]))

            def measure_pair(page, into_bare: Tally, into_page: Tally) -> None:
                """The bare route and the page in turn, a slice of each at a time, so both meet the
                same moods of the machine (its speed drifts within a minute)."""
                renew_cookies()
                jobs = []
                for base, makers, fixed in (pages[bare], page):
                    requests = fixed() if use_wrk and fixed is not None else None
                    jobs.append((base, makers, requests))
                slices = max(1, round(args.seconds / args.slice))
                seconds = args.seconds / slices
                if use_wrk:
                    seconds = max(1, round(seconds))  # wrk runs whole seconds
                for _ in range(slices):
                    for (base, makers, requests), tally in zip(jobs, (into_bare, into_page), strict=True):
                        before = cpu_seconds(server_of[base])
                        if requests is not None:
                            result = wrk.capacity(base, requests, seconds, len(makers))
                        else:
                            result = capacity(base, makers, seconds)
                        tally.add(result.throughput * seconds, seconds, result.errors,
                                  cpu_seconds(server_of[base]) - before)  # fmt: skip

            rounds: dict[str, list[Tally]] = {name: [] for name in pages}
            ratios = {name: [] for name in pages}
            for _ in range(args.rounds):
                for name, page in pages.items():
                    if name == bare:
                        continue
                    rounds[bare].append(Tally())
                    rounds[name].append(Tally())
                    measure_pair(page, rounds[bare][-1], rounds[name][-1])
                    ratios[name].append(rounds[name][-1].throughput / rounds[bare][-1].throughput)
            ratios[bare] = [1.0]
            for name, results in rounds.items():
                print(
                    f"  {name}: "
                    + ", ".join(f"{r.throughput:.0f} req/s ({r.cpu_ms:.2f} CPU ms per request)" for r in results)
                )
            # late: the generator's own delay behind its schedule (p95), counted only for connections that
            # were idle when due; steal: the share of the machine's CPU time its neighbours took. A p95
            # spike with either high is the machine's, not the server's.
            columns = ("req/s", "x bare", "rate", "p50 ms", "p95 ms", "p99 ms", "errors", "late ms", "steal %")
            print(f"{'request':<26}" + "".join(f"{c:>9}" for c in columns))
            for name, (base, makers, _fixed) in pages.items():
                rps = statistics.median(r.throughput for r in rounds[name])
                ratio = statistics.median(ratios[name])
                errors = sum(r.errors for r in rounds[name])
                renew_cookies()
                settle_loopback()
                steal_before, ticks_before = machine_ticks()
                half = constant_rate(base, makers, max(1.0, rps / 2), args.seconds)
                steal_after, ticks_after = machine_ticks()
                steal = 100 * (steal_after - steal_before) / max(1, ticks_after - ticks_before)
                print(
                    f"{name:<26}{rps:>9.0f}{ratio:>9.2f}{rps / 2:>8.0f}"
                    f"{half.p50 * 1000:>9.1f}{half.percentile(95) * 1000:>9.1f}{half.percentile(99) * 1000:>9.1f}"
                    f"{errors + half.errors:>8}{half.lag_percentile(95) * 1000:>9.1f}{steal:>9.1f}"
                )
            workers = subprocess.run(["pgrep", "-P", str(app_proc.pid)], capture_output=True, text=True).stdout.split()
            print("app worker memory after the run: " + ", ".join(f"{rss_mb(int(p)):.0f} MB" for p in workers))
        finally:
            for proc in (app_proc, bare_proc):
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)


def select_learners():
    from sqlalchemy import select

    return select(User).where(User.email.like("l%@bench.test")).order_by(User.id)


def select_module_one_lessons():
    from sqlalchemy import select

    return select(Lesson).join(Module).where(Module.slug == "what-is-infant-mental-health")


if __name__ == "__main__":
    main()
