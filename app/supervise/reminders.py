"""E-mail reminders about due training, sent by ``flask reminders send`` (daily, from cron).

Each learner with a module not yet complete that is overdue or due within
``REMINDER_WINDOW_DAYS`` gets one mail listing those modules; each team supervisor gets one
digest of their people with such work (nothing to report, no digest).

Idempotent per day: a ``ReminderLog`` row (person, kind, day) is written only after the SMTP
server accepted the mail, each in its own transaction, and anyone with a row for today is
skipped. So a failed send leaves no row and is retried by the next run, while the others are
still sent and recorded. The row is written *after* sending (not claimed before) on purpose:
if the process dies between the server accepting a mail and the commit, the next run sends
that one mail again. A duplicate reminder is a small nuisance; a reminder claimed but never
delivered would be silently lost until the next day.

All the data is read up front in a fixed number of queries, whatever the number of people;
the database is not held open while talking to the SMTP server.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.course.states import ModuleState
from app.database import write_intent
from app.extensions import db
from app.learn.progress import course_modules, module_facts, progress_of, statuses_for
from app.mail import send_mail
from app.models import Assignment, ReminderLog, Team, TeamMember, User
from app.supervise.deadlines import REMINDER_WINDOW_DAYS, is_overdue, needs_reminder
from app.supervise.queries import learner_deadlines

LEARNER = "learner"
DIGEST = "digest"
DEFAULT_SITE_URL = "http://127.0.0.1:5000"


@dataclass
class ReminderReport:
    sent: int = 0
    skipped_already_sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (email, error)

    def summary(self) -> str:
        skipped = self.skipped_already_sent
        return f"Reminders: {self.sent} sent, {skipped} skipped (already sent today), {len(self.failed)} failed."


@dataclass(frozen=True)
class DueItem:
    title: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class Outgoing:
    person: Person
    kind: str
    subject: str
    text: str


def due_work(today: date) -> tuple[dict[int, Person], dict[int, list[DueItem]]]:
    """Active learners, and for each one the modules they should be reminded of (fixed query count).

    A learner is an active account that belongs to a team or has a personal assignment.
    Only published modules count, with completion as ``statuses_for`` defines it.
    """
    members = select(TeamMember.user_id)
    personally_assigned = select(Assignment.user_id).where(Assignment.user_id.is_not(None))
    rows = db.session.execute(
        select(User.id, User.email, User.name)
        .where(User.active.is_(True), or_(User.id.in_(members), User.id.in_(personally_assigned)))
        .order_by(User.id)
    ).all()
    people = {row.id: Person(row.id, row.email, row.name) for row in rows}
    deadlines = learner_deadlines(list(people))
    with_deadlines = [user_id for user_id, dates in deadlines.items() if dates]
    if not with_deadlines:
        return people, {}
    modules = course_modules()
    titles = {m.id: m.title for m in modules}
    facts = module_facts(modules)
    progress = progress_of(with_deadlines)
    work: dict[int, list[DueItem]] = {}
    for user_id in with_deadlines:
        statuses = statuses_for(facts, progress[user_id])
        items = []
        for module_id, due in deadlines[user_id].items():
            if module_id not in statuses:  # a draft, or a module since removed
                continue
            complete = statuses[module_id].state is ModuleState.COMPLETE
            if needs_reminder(due, complete, today):
                items.append(DueItem(titles[module_id], due, is_overdue(due, complete, today)))
        if items:
            work[user_id] = sorted(items, key=lambda item: (item.due, item.title))
    return people, work


def _supervised_teams() -> list[tuple[int, str, Person, list[int]]]:
    """(team id, team name, active supervisor, member ids) for every team with one (2 queries)."""
    rows = db.session.execute(
        select(Team.id, Team.name, User.id.label("sid"), User.email, User.name.label("sname"))
        .join(User, User.id == Team.supervisor_id)
        .where(User.active.is_(True))
        .order_by(Team.name)
    ).all()
    if not rows:
        return []
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in db.session.execute(
        select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.team_id.in_([r.id for r in rows]))
    ):
        members[team_id].append(user_id)
    return [(r.id, r.name, Person(r.sid, r.email, r.sname), members[r.id]) for r in rows]


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _item_line(item: DueItem, today: date) -> str:
    if item.overdue:
        when = f"was due {_day(item.due)} (OVERDUE)"
    elif item.due == today:
        when = "due today"
    else:
        when = f"due {_day(item.due)}"
    return f"- {item.title}: {when}"


def _counts(items: list[DueItem]) -> str:
    overdue = sum(item.overdue for item in items)
    soon = len(items) - overdue
    parts = []
    if overdue:
        parts.append(f"{overdue} module{'s' if overdue != 1 else ''} overdue")
    if soon:
        parts.append(f"{soon} module{'s' if soon != 1 else ''} due soon")
    return ", ".join(parts)


def learner_mail(person: Person, items: list[DueItem], today: date, site_url: str) -> Outgoing:
    lines = [
        f"Hello {person.name},",
        "",
        "This is a reminder about your infant mental health training. These modules are overdue",
        f"or due in the next {REMINDER_WINDOW_DAYS} days:",
        "",
        *(_item_line(item, today) for item in items),
        "",
        f"Continue your training: {site_url}/",
        "",
        "You receive this reminder because your supervisor set due dates for these modules.",
        "Questions about a due date? Please ask your supervisor.",
    ]
    return Outgoing(person, LEARNER, f"Training reminder: {_counts(items)}", "\n".join(lines) + "\n")


def digest_mail(
    supervisor: Person, teams: list[tuple[int, str, list[tuple[Person, list[DueItem]]]]], today: date, site_url: str
) -> Outgoing:
    people = sum(len(learners) for _, _, learners in teams)
    lines = [
        f"Hello {supervisor.name},",
        "",
        f"People in your teams with training overdue or due in the next {REMINDER_WINDOW_DAYS} days,"
        f" as of {_day(today)}:",
    ]
    for team_id, team_name, learners in teams:
        lines += ["", f"{team_name} ({site_url}/supervise/teams/{team_id})"]
        for person, items in learners:
            lines += ["", f"{person.name} <{person.email}>", *(_item_line(item, today) for item in items)]
    lines += ["", f"Your teams: {site_url}/supervise/"]
    subject = f"Team training digest: {people} {'person' if people == 1 else 'people'} with work due"
    return Outgoing(supervisor, DIGEST, subject, "\n".join(lines) + "\n")


def plan_reminders(today: date, site_url: str) -> list[Outgoing]:
    """Every mail due today, learners first, built from one read of the database."""
    people, work = due_work(today)
    outgoing = [learner_mail(people[user_id], items, today, site_url) for user_id, items in work.items()]
    by_supervisor: dict[int, tuple[Person, list]] = {}
    for team_id, team_name, supervisor, member_ids in _supervised_teams():
        learners = sorted(
            ((people[uid], work[uid]) for uid in member_ids if uid in work), key=lambda pair: pair[0].name.lower()
        )
        if learners:
            by_supervisor.setdefault(supervisor.id, (supervisor, []))[1].append((team_id, team_name, learners))
    outgoing += [digest_mail(supervisor, teams, today, site_url) for supervisor, teams in by_supervisor.values()]
    return outgoing


def send_reminders(today: date, config: Mapping[str, Any]) -> ReminderReport:
    """Send today's learner reminders and supervisor digests; see the module docstring."""
    site_url = str(config.get("SITE_URL") or DEFAULT_SITE_URL).rstrip("/")
    outgoing = plan_reminders(today, site_url)
    logged = db.session.execute(select(ReminderLog.user_id, ReminderLog.kind).where(ReminderLog.sent_on == today))
    already = {(user_id, kind) for user_id, kind in logged}
    db.session.rollback()  # end the read-only transaction: no lock held while the SMTP server answers
    report = ReminderReport()
    for mail in outgoing:
        if (mail.person.id, mail.kind) in already:
            report.skipped_already_sent += 1
            continue
        try:
            send_mail(config, mail.person.email, mail.subject, mail.text)
        except (smtplib.SMTPException, OSError, ValueError) as error:
            report.failed.append((mail.person.email, f"{type(error).__name__}: {error}"))
            continue
        problem = _record(mail.person.id, mail.kind, today)
        if problem:  # sent but not recorded: the next run sends it again, so say so
            report.failed.append((mail.person.email, f"sent, but not recorded ({problem}); will be sent again"))
        else:
            report.sent += 1
    return report


def _record(user_id: int, kind: str, today: date) -> str | None:
    """Note one sent reminder in its own transaction; return an error text if that failed."""
    try:
        with write_intent():
            db.session.add(ReminderLog(user_id=user_id, kind=kind, sent_on=today))
            db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a run in parallel recorded it first: it is recorded either way
    except SQLAlchemyError as error:
        db.session.rollback()
        return f"{type(error).__name__}: {error}"
    return None
