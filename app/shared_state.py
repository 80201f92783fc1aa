"""Counters that tell a worker whether what it keeps in memory is still current.

Each worker keeps the course's structure (``app.learn.outline``) and the signed-in people it has seen
(``app.auth.person``), because nearly every page needs both, and the team grids it has shown
(``app.supervise.kept_grids``). The database raises a counter on every change to the course, to the
people and to the teams' members and assignments (triggers, see the migrations), so one small query
per transaction, shared by the keepers, says whether they are still current: no write, from any
worker, the command line or plain SQL, can leave a worker serving stale content or a signed-out session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.database import read_connection, transaction_info
from app.extensions import db
from app.models import ContentState
from app.prebuilt import PrebuiltSelect

_KEY = "shared_state_versions"
_VERSIONS = PrebuiltSelect(
    select(ContentState.version, ContentState.people_version, ContentState.teams_version).where(ContentState.id == 1)
)


@dataclass(frozen=True)
class Versions:
    content: int | None  # None: no counter row (a database restored without it), so keep nothing
    people: int | None
    teams: int | None  # team memberships and assignments (app.supervise.kept_grids)


def current_versions() -> Versions:
    """The counters as this transaction sees them (read once per transaction)."""
    info = transaction_info()
    versions = info.get(_KEY)
    if versions is None:
        row = _VERSIONS.first(read_connection(db))
        versions = info[_KEY] = Versions(*row) if row else Versions(None, None, None)
    return versions
