"""The two kinds of link sent by e-mail: finishing a sign-up, and resetting a password.

Sign-up links are signed (itsdangerous, the app's SECRET_KEY, salt "signup") and carry what is
needed to create the account; nothing is stored until the link is opened. The payload is signed,
not encrypted, so it holds a scrypt hash of the password, never the password, and goes only to
the address it names.

Reset links carry a random token (``secrets``, 256 bits); the database stores only its SHA-256,
so a copy of the database cannot be used to reset anyone's password. A token works once, expires
(``PASSWORD_RESET_MINUTES``), and asking for a new link invalidates the older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update

from app.database import write_intent
from app.extensions import db
from app.models import PasswordResetToken, User, utcnow

SIGNUP_SALT = "signup"


# --- sign-up links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSignup:
    name: str
    email: str
    team_id: int


class LinkProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SIGNUP_SALT)


def signup_hours() -> int:
    return int(current_app.config["SIGNUP_LINK_HOURS"])


def make_signup_token(pending: PendingSignup) -> str:
    return _serializer().dumps({"n": pending.name, "e": pending.email, "t": pending.team_id})


def read_signup_token(token: str) -> PendingSignup | LinkProblem:
    try:
        data = _serializer().loads(token, max_age=signup_hours() * 3600)
    except SignatureExpired:
        return LinkProblem.EXPIRED
    except BadData:
        return LinkProblem.INVALID
    if not isinstance(data, dict):
        return LinkProblem.INVALID
    # Links mailed before the password moved to the link's page also carry one ("p"): it is not used.
    name, email, team_id = (data.get(k) for k in ("n", "e", "t"))
    if not all(isinstance(v, str) and v for v in (name, email)) or type(team_id) is not int:
        return LinkProblem.INVALID
    return PendingSignup(name=name, email=email, team_id=team_id)


# --- password reset links --------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"])


def issue_reset_token(user: User) -> str:
    """A new single-use token for ``user``; any older link of theirs stops working."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_intent():
        db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
        db.session.add(
            PasswordResetToken(
                user_id=user.id,
                token_hash=_digest(token),
                created_at=now,
                expires_at=now + timedelta(minutes=reset_minutes()),
            )
        )
        db.session.commit()
    return token


def find_reset_token(token: str) -> PasswordResetToken | LinkProblem:
    if not token or len(token) > 100:
        return LinkProblem.INVALID
    record = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token)))
    if record is None:
        return LinkProblem.INVALID
    if record.used_at is not None:
        return LinkProblem.USED
    if record.expires_at <= utcnow():
        return LinkProblem.EXPIRED
    return record


def use_reset_token(record: PasswordResetToken) -> bool:
    """Mark the token used, inside the caller's write transaction; False if another request got there first."""
    now = utcnow()
    result = db.session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.id == record.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
