"""Reads that every page makes, run straight on the database driver.

A signed-in page asks the same few small questions on every request (the shared counters, the
person, their progress). SQLite answers each in a few microseconds, while SQLAlchemy's per-execution
work around it (execution context, result object, row set-up) costs five to ten times that. A
:class:`PrebuiltSelect` is compiled once per database dialect and then sent to the driver's cursor
on the request's own connection, inside its transaction; each column still goes through its type's
result processor, so rows hold the same Python values as through SQLAlchemy.

The hottest write, a progress report's update, is a :class:`PrebuiltWrite` for the same reason.
Parameters go through their type's bind processor (a date and time becomes text on SQLite, a list
JSON), as SQLAlchemy would send them; lists for ``IN`` (expanding parameters) are not supported.
Statement listeners (``before_cursor_execute``: tests that count queries, tracing) still see every
statement. A write's column defaults (``onupdate``) are not applied: give every value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    bind_names: tuple[str, ...] | None  # positional paramstyles (SQLite's "?"): names in order
    fixed: dict[str, Any]  # values written into the statement itself (``id == 1``), converted
    converters: dict[str, Processor]  # the parameters whose type converts them for the driver
    types: tuple  # each selected column's type
    # one result processor per column, found once the driver has described the columns
    processors: tuple[Processor, ...] | None = field(default=None)


class _Prebuilt:
    def __init__(self, statement: Select | Update) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _run(self, connection: Connection, params: dict[str, Any], fetch: bool) -> tuple[list, Any]:
        """Execute on the driver's cursor: (the raw rows if ``fetch``, the compiled entry or the row count)."""
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name) or self._compile(dialect)
        for name, convert in compiled.converters.items():
            if name in params:
                params[name] = convert(params[name])
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
            if not fetch:
                return [], cursor.rowcount
            raw = cursor.fetchall()
            if compiled.processors is None:
                compiled.processors = _processors(dialect, compiled.types, cursor.description)
            return raw, compiled
        except dialect.loaded_dbapi.Error as error:
            invalidated = dialect.is_disconnect(error, connection.connection, cursor)
            if invalidated:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql, parameters, error, dialect.loaded_dbapi.Error, connection_invalidated=invalidated
            ) from error
        finally:
            cursor.close()

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        defaults = [column.name for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if defaults:  # SQLAlchemy's execution would compute these; a prebuilt statement does not
            raise TypeError(f"a prebuilt statement needs every value given: {', '.join(defaults)}")
        converters = {}
        for name, bind in compiled.binds.items():
            if bind.expanding:
                raise TypeError(f"{name}: a prebuilt statement takes no lists for IN (expanding parameters)")
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if convert is not None:
                converters[name] = convert
        positional = dialect.paramstyle in ("qmark", "numeric", "format")
        fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        entry = _Compiled(
            sql=compiled.string,
            bind_names=tuple(compiled.positiontup or ()) if positional else None,
            fixed={name: converters[name](v) if name in converters else v for name, v in fixed.items()},
            converters={name: c for name, c in converters.items() if name not in fixed},
            types=tuple(column.type for column in getattr(self.statement, "selected_columns", ())),
        )
        self._by_dialect[dialect.name] = entry
        return entry


class PrebuiltSelect(_Prebuilt):
    """A ``select()`` built once at import and run on the driver: ``rows(connection, **params)``."""

    def rows(self, connection: Connection, **params: Any) -> list[tuple]:
        """All rows, as tuples of Python values, read in the connection's current transaction."""
        raw, compiled = self._run(connection, params, fetch=True)
        processors = compiled.processors
        if not any(processors):
            return [tuple(row) for row in raw]
        return [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True)) for row in raw]

    def first(self, connection: Connection, **params: Any) -> tuple | None:
        rows = self.rows(connection, **params)
        return rows[0] if rows else None


class PrebuiltWrite(_Prebuilt):
    """An ``update()`` built once at import and run on the driver: ``execute(connection, **params)``."""

    def execute(self, connection: Connection, **params: Any) -> int:
        """Run it in the connection's current transaction; the number of rows it changed."""
        _raw, count = self._run(connection, params, fetch=False)
        return count


def _processors(dialect: Dialect, types: tuple, description) -> tuple[Processor, ...]:
    """Each column's result processor, chosen as SQLAlchemy chooses it: by the column's type and the
    type code the driver reports for it (PostgreSQL's numbers depend on it)."""
    return tuple(
        column_type.dialect_impl(dialect).result_processor(dialect, described[1])
        for column_type, described in zip(types, description, strict=True)
    )
