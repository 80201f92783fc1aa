"""The signed-in person of a request: who they are and which roles they hold, read once per request.

Every signed-in page needs this, so it is one prebuilt Core query into a small immutable value, not
an ORM ``User`` with its role rows (building those costs more than the rest of a simple page).
Views that change the person's own account (password, sign-out) load the ``User`` row with
:func:`own_account`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_login import UserMixin, current_user
from sqlalchemy import bindparam, select

from app.database import read_connection
from app.extensions import db
from app.models import Role, User, UserRole

_PERSON = (
    select(User.id, User.name, User.email, User.active, User.session_token, UserRole.role)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("id"))
)


@dataclass(frozen=True, eq=False)  # eq=False: UserMixin compares people by their session id
class SignedInPerson(UserMixin):
    id: int
    name: str
    email: str
    active: bool
    session_token: str
    roles: frozenset[Role]

    @property
    def is_active(self) -> bool:  # Flask-Login treats an inactive person as signed out
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def has_role(self, *roles: Role | str) -> bool:
        return any(Role(r) in self.roles for r in roles)


def load_person(session_id: str) -> SignedInPerson | None:
    """The person a session names, or None when the session has ended (signed out elsewhere, or the
    password changed: either gives the account a new session token)."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    rows = read_connection(db.session()).execute(_PERSON, {"id": int(user_id)}).all()
    if not rows or not secrets.compare_digest(rows[0].session_token, token):
        return None
    first = rows[0]
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    return SignedInPerson(first.id, first.name, first.email, first.active, first.session_token, roles)


def own_account() -> User:
    """The signed-in person's ``User`` row, for a view that changes their own account."""
    return db.session.get_one(User, int(current_user.id))
