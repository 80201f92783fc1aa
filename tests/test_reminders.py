"""`flask reminders send`: learners and supervisors get mail through a real SMTP server on loopback."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from smtplib import SMTPRecipientsRefused

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, select

from app.extensions import db
from app.learn.outline import course_outline
from app.mail import send_mail
from app.models import (
    Assignment,
    Lesson,
    LessonProgress,
    Module,
    Quiz,
    QuizAttempt,
    ReminderLog,
    Team,
    TeamMember,
    User,
    utcnow,
)
from app.supervise.reminders import send_reminders

TODAY = date(2031, 5, 12)
SITE = "https://training.example.test"
M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"
M3 = "trauma-and-resilience-in-infancy"


class Mailbox:
    """An aiosmtpd handler that keeps what arrives and refuses the addresses in ``reject``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.reject: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _body(mail: EmailMessage) -> str:
    return mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def mail_config(app, mailbox):
    """Point the (session-wide) app at the test server for one test, then put the settings back."""
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "training@example.test",
        "MAIL_TIMEOUT": 5,
        "SITE_URL": SITE + "/",
    }
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield app.config
    app.config.update(saved)


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {slug: module_id for slug, module_id in db.session.execute(select(Module.slug, Module.id))}


def _assign(app, **fields) -> None:
    with app.app_context():
        db.session.add(Assignment(**fields))
        db.session.commit()


def _complete(app, user: User, slug: str) -> None:
    """Every required lesson done and the quiz passed: complete as `statuses_for` defines it."""
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        for lesson in db.session.scalars(select(Lesson).where(Lesson.module_id == module.id)):
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
        if quiz is not None:
            db.session.add(
                QuizAttempt(
                    user_id=user.id,
                    quiz_id=quiz.id,
                    number=1,
                    seed="1",
                    questions=[],
                    pass_mark=80,
                    show_answers="after_attempt",
                    answers={},
                    score=100,
                    passed=True,
                    submitted_at=utcnow(),
                )
            )
        db.session.commit()


def _send(app, today: date = TODAY):
    with app.app_context():
        report = send_reminders(today, app.config)
        db.session.remove()
        return report


def _logged(app) -> set[tuple[str, str, date]]:
    with app.app_context():
        rows = db.session.execute(
            select(User.email, ReminderLog.kind, ReminderLog.sent_on).join(User, User.id == ReminderLog.user_id)
        )
        return {(email, kind, sent_on) for email, kind, sent_on in rows}


@pytest.fixture
def scene(app, make_user, course, mail_config):
    """Team A: Ana has one module overdue, one due soon and one due later; Ben has nothing due."""
    people = {
        "sam": make_user("supervisor", supervises="Team A", name="Sam Supervisor", email="sam@example.test"),
        "ana": make_user("learner", team="Team A", name="Ana Learner", email="ana@example.test"),
        "ben": make_user("learner", team="Team A", name="Ben Learner", email="ben@example.test"),
    }
    ids = _ids(app)
    _assign(app, module_id=ids[M1], user_id=people["ana"].id, due_on=TODAY - timedelta(days=2))
    _assign(app, module_id=ids[M2], user_id=people["ana"].id, due_on=TODAY + timedelta(days=3))
    _assign(app, module_id=ids[M3], user_id=people["ana"].id, due_on=TODAY + timedelta(days=30))
    return people


def test_a_learner_gets_one_mail_listing_overdue_and_due_soon(app, scene, mailbox):
    report = _send(app)
    assert (report.sent, report.skipped_already_sent, report.failed) == (2, 0, [])
    (mail,) = mailbox.to("ana@example.test")
    body = _body(mail)
    assert mail["From"] == "training@example.test" and "1 module overdue, 1 module due soon" in mail["Subject"]
    assert "What is Infant Mental Health?: was due 10 May 2031 (OVERDUE)" in body
    assert "Signs of good infant mental health (birth to five): due 15 May 2031" in body
    assert "Trauma" not in body, "due in 30 days: not yet"
    assert f"Continue your training: {SITE}/\n" in body
    assert mailbox.to("ben@example.test") == [], "nothing due, no mail"


def test_the_supervisor_gets_a_digest_of_their_people_only(app, scene, make_user, mailbox):
    make_user("supervisor", supervises="Team B", email="olga@example.test")
    make_user("learner", team="Team B", email="bo@example.test")
    _send(app)
    (digest,) = mailbox.to("sam@example.test")
    body = _body(digest)
    assert digest["Subject"] == "Team training digest: 1 person with work due"
    assert "Ana Learner <ana@example.test>" in body and "(OVERDUE)" in body and "Ben" not in body
    with app.app_context():
        team_a = db.session.scalar(select(Team.id).where(Team.name == "Team A"))
    assert f"Team A ({SITE}/supervise/teams/{team_a})" in body
    assert mailbox.to("olga@example.test") == [], "nothing due in Team B: no digest"
    assert {m["To"] for m in mailbox.messages} == {"ana@example.test", "sam@example.test"}


def test_one_digest_for_a_supervisor_of_two_teams(app, scene, make_user, mailbox):
    cy = make_user("learner", team="Team C", name="Cy Learner")
    with app.app_context():
        db.session.scalar(select(Team).where(Team.name == "Team C")).supervisor_id = scene["sam"].id
        db.session.commit()
    _assign(app, module_id=_ids(app)[M1], user_id=cy.id, due_on=TODAY)
    _send(app)
    (digest,) = mailbox.to("sam@example.test")
    body = _body(digest)
    assert digest["Subject"] == "Team training digest: 2 people with work due"
    assert body.index("Team A (") < body.index("Ana Learner") < body.index("Team C (") < body.index("Cy Learner")
    assert "What is Infant Mental Health?: due today" in body


def test_completed_modules_are_not_listed(app, scene, mailbox):
    _complete(app, scene["ana"], M1)
    _send(app)
    body = _body(mailbox.to("ana@example.test")[0])
    assert "What is Infant Mental Health?" not in body and "Signs of good" in body
    _complete(app, scene["ana"], M2)
    mailbox.messages.clear()
    _send(app, TODAY + timedelta(days=1))
    assert mailbox.messages == [], "everything due is complete: no mail, no digest"


def test_team_wide_deadlines_within_days_of_joining(app, make_user, course, mail_config, mailbox):
    make_user("supervisor", supervises="Team A", email="sam@example.test")
    new = make_user("learner", team="Team A", email="new@example.test")
    old = make_user("learner", team="Team A", email="old@example.test")
    fresh = make_user("learner", team="Team A", email="fresh@example.test")
    gone = make_user("learner", team="Team A", email="gone@example.test", active=False)
    with app.app_context():
        joined = {new.id: 25, old.id: 40, fresh.id: 1, gone.id: 40}  # days before TODAY
        for member in db.session.scalars(select(TeamMember)):
            member.joined_at = datetime.combine(TODAY, datetime.min.time()) - timedelta(days=joined[member.user_id])
        team_id = db.session.scalar(select(Team.id).where(Team.name == "Team A"))
        db.session.commit()
    _assign(app, module_id=_ids(app)[M1], team_id=team_id, within_days=30)
    report = _send(app)
    assert "due 17 May 2031" in _body(mailbox.to("new@example.test")[0])
    assert "(OVERDUE)" in _body(mailbox.to("old@example.test")[0])
    assert mailbox.to("fresh@example.test") == [], "due in 29 days"
    assert mailbox.to("gone@example.test") == [], "inactive accounts get nothing"
    assert report.sent == 3  # two learners and the digest


def test_running_twice_the_same_day_sends_nothing_more(app, scene, mailbox):
    _send(app)
    assert len(mailbox.messages) == 2
    report = _send(app)
    assert (report.sent, report.skipped_already_sent, report.failed) == (0, 2, [])
    assert len(mailbox.messages) == 2
    assert _logged(app) == {("ana@example.test", "learner", TODAY), ("sam@example.test", "digest", TODAY)}
    report = _send(app, TODAY + timedelta(days=1))  # a new day, still due: reminded again
    assert report.sent == 2 and len(mailbox.messages) == 4


def test_a_refused_recipient_is_reported_not_logged_and_retried(app, scene, make_user, mailbox):
    cy = make_user("learner", team="Team A", email="cy@example.test")
    _assign(app, module_id=_ids(app)[M1], user_id=cy.id, due_on=TODAY)
    mailbox.reject = {"ana@example.test"}
    report = _send(app)
    assert [email for email, _ in report.failed] == ["ana@example.test"]
    assert "550" in report.failed[0][1]
    assert report.sent == 2 and {m["To"] for m in mailbox.messages} == {"cy@example.test", "sam@example.test"}
    assert ("ana@example.test", "learner", TODAY) not in _logged(app)

    mailbox.reject = set()
    report = _send(app)
    assert (report.sent, report.skipped_already_sent, report.failed) == (1, 2, [])
    assert len(mailbox.to("ana@example.test")) == 1 and len(mailbox.messages) == 3


def test_an_unreachable_server_fails_every_send_and_the_next_run_delivers(app, scene, mailbox):
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there (mail_config restores it)
    report = _send(app)
    assert report.sent == 0 and len(report.failed) == 2 and _logged(app) == set()
    assert all("ConnectionRefusedError" in error for _, error in report.failed)
    app.config["MAIL_PORT"] = mailbox.port
    report = _send(app)
    assert (report.sent, report.failed) == (2, []) and len(mailbox.messages) == 2


def _selects_during_send(app, today: date) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            send_reminders(today, app.config)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_number_of_people(app, make_user, course, mail_config):
    ids = _ids(app)
    make_user("supervisor", supervises="Team A")
    done = make_user("learner", team="Team A")
    _assign(app, module_id=ids[M1], user_id=done.id, due_on=TODAY)
    _complete(app, done, M1)
    due = make_user("learner", team="Team A")
    _assign(app, module_id=ids[M1], user_id=due.id, due_on=TODAY)
    with app.app_context():
        course_outline()  # each worker keeps the course structure: count what a warm worker asks
    few = _selects_during_send(app, TODAY)
    make_user("supervisor", supervises="Team B")
    for _ in range(4):
        learner = make_user("learner", team="Team B")
        _assign(app, module_id=ids[M2], user_id=learner.id, due_on=TODAY)
    _complete(app, learner, M1)
    assert _selects_during_send(app, TODAY + timedelta(days=1)) == few


def test_cli_prints_a_summary_and_exits_non_zero_on_failure(app, runner, scene, mailbox):
    result = runner.invoke(args=["reminders", "send", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Reminders: 2 sent, 0 skipped (already sent today), 0 failed." in result.output

    result = runner.invoke(args=["reminders", "send", "--date", TODAY.isoformat()])
    assert result.exit_code == 0 and "0 sent, 2 skipped" in result.output

    mailbox.reject = {"ana@example.test"}
    result = runner.invoke(args=["reminders", "send", "--date", (TODAY + timedelta(days=1)).isoformat()])
    assert result.exit_code == 1
    assert "Failed: ana@example.test: SMTPRecipientsRefused" in result.output
    assert "1 sent, 0 skipped (already sent today), 1 failed." in result.output

    result = runner.invoke(args=["reminders", "send", "--date", "12/05/2031"])
    assert result.exit_code == 2 and "Invalid value for '--date'" in result.output


def test_send_mail_delivers_and_raises_on_refusal(mailbox):
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": mailbox.port, "MAIL_FROM": "training@example.test"}
    send_mail(config, "someone@example.test", "Hello", "Plain text, with ünïcode.\n")
    (mail,) = mailbox.messages
    assert (mail["From"], mail["To"], mail["Subject"]) == ("training@example.test", "someone@example.test", "Hello")
    assert _body(mail) == "Plain text, with ünïcode.\n" and mail["Message-ID"] and mail["Date"]
    mailbox.reject = {"no@example.test"}
    with pytest.raises(SMTPRecipientsRefused):
        send_mail(config, "no@example.test", "Hello", "text")
    with pytest.raises(ValueError):
        send_mail(config, "someone@example.test", "Hello\nBcc: everyone@example.test", "text")
    assert len(mailbox.messages) == 1
