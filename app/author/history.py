"""Every change an author makes is recorded: who, what and when (shown as a short history)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ContentChange, Module, Person, User


def record_change(
    module: Module | None, user: Person | None, what: str, details: str = "", *, in_files: bool = True
) -> ContentChange:
    """Add a history entry in the caller's transaction (it commits with the change itself).

    A change to what the module's files hold (``in_files``; publishing is not) marks the module as
    changed in the browser, so the next import of the files keeps it instead of undoing the change.
    """
    if module is not None and in_files:
        module.changed_in_browser = True
    change = ContentChange(
        module_id=module.id if module is not None else None,
        user_id=user.id if user is not None else None,
        what=what[:300],
        details=details,
    )
    db.session.add(change)
    return change


def recent_changes(module: Module | None = None, limit: int = 20) -> list[tuple[ContentChange, User | None]]:
    query = (
        select(ContentChange, User)
        .outerjoin(User, User.id == ContentChange.user_id)
        .order_by(ContentChange.at.desc(), ContentChange.id.desc())
        .limit(limit)
    )
    if module is not None:
        query = query.where(ContentChange.module_id == module.id)
    return [(change, user) for change, user in db.session.execute(query)]
