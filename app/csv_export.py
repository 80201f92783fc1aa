"""CSV downloads that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> str:
    """Text a spreadsheet shows as text: a leading quote stops formula injection from author or learner input."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return buffer.getvalue()


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename)
    # A byte order mark lets spreadsheet programs read the UTF-8 correctly.
    response = Response("\ufeff" + csv_text(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
