"""Rate limits for sign-in, sign-up and password reset, counted in the database.

Every worker (and every server behind a load balancer) shares one database, so the counts are
shared without another service. Each counted request adds one ``AuthEvent`` row per key, such as
``login:email:rosa@example.test`` and ``login:ip:192.0.2.1``; a key is over its limit when it has
that many rows inside its window. Counting and adding happen in one write transaction, with the
keys locked (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: transaction-scoped advisory locks), so two
workers can never both let the last allowed attempt through.

The keys depend only on what was typed and where it came from, never on whether an account
exists, so a refusal (HTTP 429) looks the same for every email address.

The client address is ``request.remote_addr``. Behind a reverse proxy that is the proxy's address
and everyone would share one limit: wrap the app in ``werkzeug.middleware.proxy_fix.ProxyFix``
(``x_for`` = the number of proxies you trust) so the address is read from ``X-Forwarded-For``.
Never trust that header without a proxy that sets it, or anyone could pick their own address.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete, select, text

from app.database import write_intent
from app.extensions import db
from app.models import AuthEvent, PasswordResetToken, utcnow

PRUNE_CHANCE = 0.02  # about one counted request in fifty also deletes old rows from every key


@dataclass(frozen=True)
class Rule:
    key: str
    limit: int
    window: timedelta


@dataclass(frozen=True)
class Blocked:
    """Over a limit: try again after ``retry_after`` seconds."""

    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        return f"Too many attempts. Try again in {self.minutes} minute{'' if self.minutes == 1 else 's'}."


@dataclass
class Attempt:
    """A request that was allowed and counted; its rows can be taken back (a successful sign-in)."""

    event_ids: list[int] = field(default_factory=list)


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def client_address() -> str:
    return request.remote_addr or "unknown"


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=int(current_app.config[name]))


def login_key(email: str) -> str:
    return f"login:email:{normalize_email(email)}"


def known_browser_key(email: str) -> str:
    return f"{login_key(email)}:known-browser"


def login_rules(email: str, address: str, known_browser: bool = False) -> list[Rule]:
    """Failures per account and per address. A browser that signed in to the account before counts
    its failures on a key of its own (app/auth/known_browsers.py), so strangers' failures do not
    lock the account's owner out of it."""
    config, window = current_app.config, _minutes("LOGIN_WINDOW_MINUTES")
    account = known_browser_key(email) if known_browser else login_key(email)
    return [
        Rule(account, int(config["LOGIN_FAILURES_PER_ACCOUNT"]), window),
        Rule(f"login:ip:{address}", int(config["LOGIN_FAILURES_PER_ADDRESS"]), window),
    ]


def signup_rules(email: str, address: str) -> list[Rule]:
    config, window = current_app.config, _minutes("SIGNUP_WINDOW_MINUTES")
    return [
        Rule(f"signup:ip:{address}", int(config["SIGNUP_ATTEMPTS_PER_ADDRESS"]), window),
        # Each sign-up sends a mail to the address typed: this keeps anyone from flooding one inbox.
        Rule(f"signup:email:{normalize_email(email)}", int(config["SIGNUP_ATTEMPTS_PER_EMAIL"]), window),
    ]


def reset_rules(email: str, address: str) -> list[Rule]:
    config, window = current_app.config, _minutes("RESET_WINDOW_MINUTES")
    return [
        Rule(f"reset:email:{normalize_email(email)}", int(config["RESET_REQUESTS_PER_ACCOUNT"]), window),
        Rule(f"reset:ip:{address}", int(config["RESET_REQUESTS_PER_ADDRESS"]), window),
    ]


def _longest_window() -> timedelta:
    names = ("LOGIN_WINDOW_MINUTES", "SIGNUP_WINDOW_MINUTES", "RESET_WINDOW_MINUTES")
    return max(_minutes(name) for name in names)


def _lock(keys: Iterable[str]) -> None:
    """Serialise counting per key across workers (SQLite's BEGIN IMMEDIATE already locks the database)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):  # always the same order, so two requests cannot deadlock
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _fresh_write_transaction() -> None:
    # A transaction begun earlier in this request may have started as a reader (BEGIN, not
    # BEGIN IMMEDIATE on SQLite); end it so the counting below begins as a writer.
    if db.session().in_transaction():
        db.session.commit()


def attempt(rules: list[Rule]) -> Attempt | Blocked:
    """Count one request against every rule; refuse it (uncounted) if any rule is already at its limit.

    Refused requests are not counted, so hammering a locked account does not keep it locked longer.
    """
    now = utcnow()
    with write_intent():
        _fresh_write_transaction()
        _lock(rule.key for rule in rules)
        waits: list[float] = []
        for rule in rules:
            db.session.execute(delete(AuthEvent).where(AuthEvent.key == rule.key, AuthEvent.at <= now - rule.window))
            times = db.session.scalars(
                select(AuthEvent.at).where(AuthEvent.key == rule.key).order_by(AuthEvent.at)
            ).all()
            if len(times) >= rule.limit:
                # Allowed again once enough of the counted requests have left the window.
                freed_at = times[len(times) - rule.limit] + rule.window
                waits.append((freed_at - now).total_seconds())
        if waits:
            db.session.commit()
            return Blocked(retry_after=max(1, math.ceil(max(waits))))
        events = [AuthEvent(key=rule.key, at=now) for rule in rules]
        db.session.add_all(events)
        db.session.flush()
        ids = [event.id for event in events]
        if random.random() < PRUNE_CHANCE:
            prune(now)
        db.session.commit()
    return Attempt(event_ids=ids)


def forgive(counted: Attempt, keys: Iterable[str] = ()) -> None:
    """Take back this request's rows and clear ``keys`` (a successful sign-in clears that account's failures)."""
    keys = list(keys)
    with write_intent():
        _fresh_write_transaction()
        if counted.event_ids:
            db.session.execute(delete(AuthEvent).where(AuthEvent.id.in_(counted.event_ids)))
        if keys:
            db.session.execute(delete(AuthEvent).where(AuthEvent.key.in_(keys)))
        db.session.commit()


def clear(keys: Iterable[str]) -> None:
    forgive(Attempt(), keys)


def prune(now: datetime | None = None) -> None:
    """Delete counted requests older than the longest window, and reset links a day past their expiry.

    Runs inside the caller's transaction (the caller commits).
    """
    now = now or utcnow()
    db.session.execute(delete(AuthEvent).where(AuthEvent.at <= now - _longest_window()))
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at <= now - timedelta(days=1)))
