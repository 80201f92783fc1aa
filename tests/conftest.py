"""Fixtures: one fresh database per test run, built by the migrations; clean tables per test.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (a database of its own is
created and dropped). In CI (CI=true) a database that cannot be reached fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from app.config import PROJECT_ROOT, TestConfig
from app.course_files import import_from_files
from app.database import begin_statement
from app.extensions import db
from app.models import Base, Role, Team, TeamMember, User
from app.ops.scratch import scratch_postgres

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.exit(f"CI requires this to run: {reason}", returncode=1)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    with scratch_postgres_or_skip(server_url, "imh_test") as url:
        yield url


# A PostgreSQL server for the tests that need one whichever database the suite runs on.
PG_SERVER = os.environ.get("PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgres_or_skip(server_url: str, prefix: str) -> Iterator[str]:
    """A scratch database on the server (app.ops.scratch); without a server, the test skips here and
    fails in CI."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_postgres(server_url, prefix))
        except OperationalError as error:
            _unavailable(f"PostgreSQL not reachable at {make_url(server_url).render_as_string()}: {error.orig}")
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    config = type(
        "RunConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": instance,
            "MODULES_DIR": PROJECT_ROOT / "modules",
            "MEDIA_DIR": PROJECT_ROOT / "media",
        },
    )
    app = create_app(config)
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test starts with empty tables (tests that need no database skip this cheaply)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "content_state":  # one row kept by the migrations; its triggers count on it
                    conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def course(app):
    """The real course from modules/ and media/, imported as `flask course import` does."""
    with app.app_context():
        report, problems = import_from_files()
        assert report is not None, [str(p) for p in problems]
        db.session.remove()


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def factory(*roles: Role | str, team: str | None = None, supervises: str | None = None, **fields) -> User:
        n = next(counter)
        with app.app_context():
            user = User(
                email=fields.pop("email", f"person{n}@example.test"),
                name=fields.pop("name", f"Person {n}"),
                password_hash="",
                **fields,
            )
            user.set_password(PASSWORD)
            user.set_roles({Role(r) for r in roles} or {Role.LEARNER})
            db.session.add(user)
            if team:
                db.session.add(TeamMember(team=_team(team), user=user))
            if supervises:
                _team(supervises).supervisor = user
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def _team(name: str) -> Team:
        found = db.session.query(Team).filter_by(name=name).one_or_none()
        if found is None:
            found = Team(name=name)
            db.session.add(found)
            db.session.flush()
        return found

    return factory


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD, follow_redirects: bool = False, **query):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post(
            "/login",
            query_string=query,
            data={"email": email, "password": password},
            follow_redirects=follow_redirects,
        )

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def seed_dir() -> Path:
    return PROJECT_ROOT.parent / "shared" / "seeds"


@contextmanager
def recorded_statements(app) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs, in order."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    def record_begin(_conn) -> None:  # SQLite's BEGIN goes to the driver directly (app/database.py)
        statements.append(begin_statement())

    event.listen(engine, "before_cursor_execute", record)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "begin", record_begin)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        if engine.dialect.name == "sqlite":
            event.remove(engine, "begin", record_begin)
