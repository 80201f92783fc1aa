"""How the app's URLs carry numbers."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest value a plain INTEGER column holds on PostgreSQL: every <int:...> in a URL is a row's id
# or a number stored in one.
LARGEST_ID = 2**31 - 1


class DatabaseNumber(IntegerConverter):
    """``<int:...>`` in the app's routes. A number larger than any id names nothing, so the URL is not
    found (404), where the database would fail on it: SQLite cannot bind an integer past 64 bits,
    and PostgreSQL refuses one past its column's range."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
