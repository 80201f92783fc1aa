"""Who may do what: every view asks here, so the rules live in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from app.extensions import db
from app.models import Person, Role, Team, TeamMember, User


def role_required(*roles: Role) -> Callable:
    """Require sign-in and at least one of ``roles`` (admins pass every role check)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(Role.ADMIN, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_teams(viewer: Person) -> Select[tuple[Team]]:
    """Teams whose people ``viewer`` may follow: all for an admin, their own for a supervisor."""
    query = select(Team).order_by(Team.name)
    if viewer.has_role(Role.ADMIN):
        return query
    if viewer.has_role(Role.SUPERVISOR):
        return query.where(Team.supervisor_id == viewer.id)
    return query.where(False)


def visible_team(viewer: Person, team_id: int) -> Team:
    """The team, if ``viewer`` may follow it; 404 otherwise (another team's id reveals nothing)."""
    team = db.session.scalar(visible_teams(viewer).where(Team.id == team_id))
    if team is None:
        abort(404)
    return team


def visible_learners(viewer: Person) -> Select[tuple[User]]:
    """People whose training record ``viewer`` may see (never including other teams')."""
    team_ids = visible_teams(viewer).with_only_columns(Team.id)
    return (
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id.in_(team_ids))
        .distinct()
        .order_by(User.name)
    )
