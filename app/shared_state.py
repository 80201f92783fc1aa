"""Counters that tell a worker whether what it keeps in memory is still current.

Each worker keeps the course's structure (``app.learn.outline``) and the signed-in people it has seen
(``app.auth.person``), because nearly every page needs both. The database raises a counter on every
change to either (triggers, see the migrations), so one small query per transaction, shared by both
keepers, says whether they are still current: no write, from any worker, the command line or plain
SQL, can leave a worker serving stale content or a signed-out session.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.database import TRANSACTION_INFO_KEYS, read_connection
from app.extensions import db
from app.models import ContentState
from app.prebuilt import PrebuiltSelect

_KEY = "shared_state_versions"
TRANSACTION_INFO_KEYS.add(_KEY)
_VERSIONS = PrebuiltSelect(select(ContentState.version, ContentState.people_version).where(ContentState.id == 1))


@dataclass(frozen=True)
class Versions:
    content: int | None  # None: no counter row (a database restored without it), so keep nothing
    people: int | None


def current_versions() -> Versions:
    """The counters as this transaction sees them (read once per transaction)."""
    info = db.session().info
    versions = info.get(_KEY)
    if versions is None:
        row = _VERSIONS.first(read_connection(db.session()))
        versions = info[_KEY] = Versions(*row) if row else Versions(None, None)
    return versions


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_flush")
def _forget_versions(session, *_args) -> None:
    # The next transaction may see newer counters; a flush may have raised them itself.
    session.info.pop(_KEY, None)
