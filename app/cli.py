"""Command-line tools: ``flask course ...``, ``flask users ...``, ``flask demo ...``, ``flask reminders ...``."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.auth.passwords import password_problem
from app.course_files import check_course, import_from_files
from app.database import write_intent
from app.extensions import db
from app.models import Role, Team, TeamMember, User
from app.ops.cli import backup_cli, data_cli
from app.supervise.reminders import send_reminders

course_cli = AppGroup("course", help="Check and import the course files in modules/.")
users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the app.")
reminders_cli = AppGroup("reminders", help="E-mail reminders about due training (run daily, e.g. from cron).")

# After the groups it adds commands to (flask course export).
import app.author.cli  # noqa: E402,F401

DEMO_TEAM = "Demo team"
DEMO_ACCOUNTS = [
    ("learner@demo.test", "Demo Learner", {Role.LEARNER}),
    ("supervisor@demo.test", "Demo Supervisor", {Role.SUPERVISOR}),
    ("author@demo.test", "Demo Author", {Role.AUTHOR}),
    ("admin@demo.test", "Demo Admin", {Role.ADMIN}),
]


def _directory(path: str | None) -> Path | None:
    return Path(path) if path else None


@course_cli.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def course_validate(directory: str | None) -> None:
    """Check every module; print each problem as path:line: message."""
    course, problems = check_course(_directory(directory))
    for problem in sorted(problems):
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found.")
    lessons = sum(len(m.lessons) for m in course.modules)
    click.echo(f"OK: {len(course.modules)} module(s), {lessons} lesson(s), no problems.")


@course_cli.command("import")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option(
    "--replace-browser-changes",
    is_flag=True,
    help="Also bring modules changed in the browser since their last import back to their files.",
)
def course_import(directory: str | None, replace_browser_changes: bool) -> None:
    """Validate, then upsert every module by slug in one transaction.

    A module changed in the browser since its files were imported is kept as it is when its files
    differ, unless --replace-browser-changes is given.
    """
    report, problems = import_from_files(_directory(directory), replace_browser_changes=replace_browser_changes)
    if report is None:
        for problem in sorted(problems):
            click.echo(str(problem))
        raise click.ClickException(f"Nothing imported: {len(problems)} problem(s) found.")
    click.echo(f"Imported: {report.summary()}.")
    for slug in report.kept:
        click.echo(
            f"Kept {slug}: it was changed in the browser since its files were imported, and its files differ. "
            f"To keep the browser's changes in the files: flask course export {slug} {directory or 'modules'}; "
            f"to undo them: flask course import --replace-browser-changes."
        )


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), default=["learner"])
@click.option("--team", help="Team name; created if it does not exist.")
def users_create(email: str, name: str, roles: tuple[str, ...], team: str | None) -> None:
    """Create an account. The password is read from a prompt (or stdin), never from arguments,
    so it stays out of shell history and process lists."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password must have at least 10 characters.")
    if problem := password_problem(password, email, name):
        raise click.ClickException(problem)
    email = email.strip().lower()
    with write_intent():
        if _find(email):
            raise click.ClickException(f"An account with the email {email} already exists.")
        user = User(email=email, name=name.strip(), password_hash="")
        user.set_password(password)
        user.set_roles({Role(r) for r in roles})
        db.session.add(user)
        if team:
            db.session.add(TeamMember(team=_team(team), user=user))
        db.session.commit()
    click.echo(f"Created {email} ({', '.join(sorted(roles))}).")


def _find(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _team(name: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
    return team


@demo_cli.command("setup")
def demo_setup() -> None:
    """Create the demo team and accounts where missing; existing ones are left untouched."""
    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    created: list[str] = []
    with write_intent():
        team = _team(DEMO_TEAM)
        for email, name, roles in DEMO_ACCOUNTS:
            user = _find(email)
            if user is None:
                user = User(email=email, name=name, password_hash="")
                user.set_password(password)
                user.set_roles(roles)
                db.session.add(user)
                created.append(email)
            if Role.LEARNER in roles and not any(m.team is team for m in user.memberships):
                db.session.add(TeamMember(team=team, user=user))
            if Role.SUPERVISOR in roles and team.supervisor is None:
                team.supervisor = user
        db.session.commit()
    if created:
        click.echo("Demo accounts created: " + ", ".join(created))
        source = "DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else "generated; shown only this once"
        click.echo(f"Demo password ({source}): {password}")
    else:
        click.echo("Demo accounts already exist; their passwords are unchanged.")
    click.echo(f"Demo team join code: {team.join_code}")


@reminders_cli.command("send")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to send for, YYYY-MM-DD (default: today).",
)
def reminders_send(on) -> None:
    """Mail each learner with work overdue or due within 7 days, and each supervisor a digest.

    Safe to run again the same day: nobody gets the same reminder twice. Failed sends are listed,
    retried by the next run, and make the exit status non-zero."""
    report = send_reminders(on.date() if on else date.today(), current_app.config)
    for email, error in report.failed:
        click.echo(f"Failed: {email}: {error}", err=True)
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


def register_commands(app: Flask) -> None:
    app.cli.add_command(course_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(data_cli)
