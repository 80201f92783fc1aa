"""Reads that every page makes, run straight on the database driver.

A signed-in page asks the same few small questions on every request (the shared counters, the
person, their progress). SQLite answers each in a few microseconds, while SQLAlchemy's per-execution
work around it (execution context, result object, row set-up) costs five to ten times that. A
:class:`PrebuiltSelect` is compiled once per database dialect and then sent to the driver's cursor
on the request's own connection, inside its transaction; each column still goes through its type's
result processor, so rows hold the same Python values as through SQLAlchemy.

Only statements whose parameters need no conversion (integers, text) qualify, and statement
listeners (``before_cursor_execute``: tests that count queries, tracing) still see every statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, Select, String
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    bind_names: tuple[str, ...] | None  # positional paramstyles (SQLite's "?"): names in order
    fixed: dict[str, Any]  # values written into the statement itself (``id == 1``)
    types: tuple  # each selected column's type
    # one result processor per column, found once the driver has described the columns
    processors: tuple[Processor, ...] | None = field(default=None)


class PrebuiltSelect:
    """A ``select()`` built once at import and run on the driver: ``rows(connection, **params)``."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, connection: Connection, **params: int | str) -> list[tuple]:
        """All rows, as tuples of Python values, read in the connection's current transaction."""
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name) or self._compile(dialect)
        if compiled.fixed:
            params = {**compiled.fixed, **params}
        parameters: Sequence | dict = (
            tuple(params[name] for name in compiled.bind_names) if compiled.bind_names is not None else params
        )
        cursor = connection.connection.cursor()
        try:
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, cursor, compiled.sql, parameters, None, False)
            cursor.execute(compiled.sql, parameters)
            raw = cursor.fetchall()
            processors = compiled.processors
            if processors is None:
                processors = compiled.processors = _processors(dialect, compiled.types, cursor.description)
        except dialect.loaded_dbapi.Error as error:
            invalidated = dialect.is_disconnect(error, connection.connection, cursor)
            if invalidated:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql, parameters, error, dialect.loaded_dbapi.Error, connection_invalidated=invalidated
            ) from error
        finally:
            cursor.close()
        if not any(processors):
            return [tuple(row) for row in raw]
        return [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True)) for row in raw]

    def first(self, connection: Connection, **params: int | str) -> tuple | None:
        rows = self.rows(connection, **params)
        return rows[0] if rows else None

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        for name, bind in compiled.binds.items():
            plain = isinstance(bind.type, Integer | String) and not bind.expanding
            if not plain or bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"{name}: a prebuilt select takes only plain integer or text parameters")
        positional = dialect.paramstyle in ("qmark", "numeric", "format")
        entry = _Compiled(
            sql=compiled.string,
            bind_names=tuple(compiled.positiontup or ()) if positional else None,
            fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
            types=tuple(column.type for column in self.statement.selected_columns),
        )
        self._by_dialect[dialect.name] = entry
        return entry


def _processors(dialect: Dialect, types: tuple, description) -> tuple[Processor, ...]:
    """Each column's result processor, chosen as SQLAlchemy chooses it: by the column's type and the
    type code the driver reports for it (PostgreSQL's numbers depend on it)."""
    return tuple(
        column_type.dialect_impl(dialect).result_processor(dialect, described[1])
        for column_type, described in zip(types, description, strict=True)
    )
