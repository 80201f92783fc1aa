"""Reading what requests carry: numbers in URLs and JSON bodies, refused cleanly when odd."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from app.untrusted import LARGEST_ID, loads_json


class DatabaseNumber(IntegerConverter):
    """``<int:...>`` in the app's routes, each a row's id or a number stored like one. A number
    larger than any id names nothing, so the URL is not found (404), where the database would fail
    on it: SQLite cannot bind an integer past 64 bits, and PostgreSQL refuses one past its column's
    range."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ClientJSON(DefaultJSONProvider):
    """``request.get_json``: JSON nested too deeply to parse is not JSON (a ValueError, so a 400, or
    None with ``silent=True``), not a RecursionError."""

    def loads(self, s: str | bytes, **kwargs) -> object:
        if kwargs:
            return super().loads(s, **kwargs)
        return loads_json(s)
