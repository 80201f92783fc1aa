"""Reading values a client sent, without letting odd ones raise where a clear 400 belongs (no Flask).

Python's own readers fail in ways a view does not expect: ``json.loads`` raises RecursionError on
arrays nested a few thousand deep, ``math.isfinite`` raises OverflowError on an integer too large for a
float, ``"²".isdigit()`` is true though ``int("²")`` fails, and a database refuses an id past its
column's range.
"""

from __future__ import annotations

import json
import math

# The largest value a plain INTEGER column holds on PostgreSQL: ids, and numbers stored like them.
LARGEST_ID = 2**31 - 1


def loads_json(text: str | bytes) -> object:
    """JSON from a client; ValueError for anything that is not JSON, nesting too deep included."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def finite_number(value: object) -> float | None:
    """``value`` as a finite float if it is a JSON number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if math.isfinite(number) else None


def database_id(text: str | None) -> int | None:
    """A row id typed into a form or a query string, or None if it cannot be one."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None
