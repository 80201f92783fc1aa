"""The signed-in person of a request: who they are and which roles they hold, read once per request.

Every signed-in page needs this, so it is one prebuilt Core query into a small immutable value, not
an ORM ``User`` with its role rows (building those costs more than the rest of a simple page), and a
worker keeps the people it has read until any account or role changes (``app.shared_state``): a
page then learns who is asking without a query of its own.
Views that change the person's own account (password, sign-out) load the ``User`` row with
:func:`own_account`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_login import UserMixin, current_user
from sqlalchemy import bindparam, select

from app.database import read_connection
from app.extensions import db
from app.models import Role, User, UserRole
from app.prebuilt import PrebuiltSelect
from app.shared_state import current_versions

EXTENSION_KEY = "signed_in_people"
MAX_PEOPLE_KEPT = 10_000  # a worker forgets everyone past this (each is a few hundred bytes)

_PERSON = PrebuiltSelect(
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
    people = _people_seen()
    person = people.get(int(user_id))
    if person is None:
        person = _read_person(int(user_id))
        if person is None:
            return None
        if len(people) >= MAX_PEOPLE_KEPT:
            people.clear()
        people[person.id] = person
    return person if secrets.compare_digest(person.session_token, token) else None


def _people_seen() -> dict[int, SignedInPerson]:
    """This worker's people, while no account or role has changed anywhere since they were read."""
    version = current_versions().people
    held = current_app.extensions.get(EXTENSION_KEY)
    if held is None or held[0] != version or version is None:
        held = (version, {})
        if version is not None:  # no counter row: never reuse anyone
            current_app.extensions[EXTENSION_KEY] = held
    return held[1]


def _read_person(user_id: int) -> SignedInPerson | None:
    rows = _PERSON.rows(read_connection(db), id=user_id)
    if not rows:
        return None
    roles = frozenset(Role(row[-1]) for row in rows if row[-1] is not None)
    return SignedInPerson(*rows[0][:-1], roles)


def signed_in() -> SignedInPerson:
    """The request's person itself, for a view that asks about them several times: Flask-Login's
    ``current_user`` proxy finds them again on every use."""
    return current_user._get_current_object()


def own_account() -> User:
    """The signed-in person's ``User`` row, for a view that changes their own account."""
    return db.session.get_one(User, int(current_user.id))
