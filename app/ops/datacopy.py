"""Copy every table from one database to another (e.g. SQLite to PostgreSQL), verified by row counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import MetaData, create_engine, func, select, text

CHUNK = 1000
# Rows the migrations themselves write; the source's copy replaces the target's.
SEEDED_BY_MIGRATIONS = {"content_state"}


@dataclass(frozen=True)
class CopyReport:
    counts: dict[str, tuple[int, int]]  # table -> (source rows, target rows)

    @property
    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values())


def copy_data(
    source_url: str, target_url: str, metadata: MetaData, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy all rows, parents before children, into a target whose schema is already migrated and empty.

    Runs in one transaction on the target, so a failure leaves it as it was.
    """
    source = create_engine(source_url)
    target = create_engine(target_url)
    counts: dict[str, tuple[int, int]] = {}
    try:
        with source.connect() as src, target.begin() as dst:
            for table in metadata.sorted_tables:
                if table.name in SEEDED_BY_MIGRATIONS:
                    dst.execute(table.delete())
                elif dst.execute(select(func.count()).select_from(table)).scalar_one():
                    raise RuntimeError(f"the target table {table.name} is not empty; copy into a fresh database")
            for table in metadata.sorted_tables:
                copied = 0
                result = src.execution_options(stream_results=True).execute(select(table))
                while rows := result.fetchmany(CHUNK):
                    dst.execute(table.insert(), [dict(row._mapping) for row in rows])
                    copied += len(rows)
                if progress:
                    progress(table.name, copied)
            if target.dialect.name == "postgresql":
                _reset_sequences(dst, metadata)
            for table in metadata.sorted_tables:
                counts[table.name] = (
                    src.execute(select(func.count()).select_from(table)).scalar_one(),
                    dst.execute(select(func.count()).select_from(table)).scalar_one(),
                )
            if not all(a == b for a, b in counts.values()):
                raise RuntimeError(f"row counts differ after copying: {counts}")
    finally:
        source.dispose()
        target.dispose()
    return CopyReport(counts)


def _reset_sequences(conn, metadata: MetaData) -> None:
    """Explicit ids were copied; move each id sequence past them so new rows get fresh ids."""
    for table in metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not column.autoincrement:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
