"""Values a client sent: read without raising where a clear 400 belongs."""

from __future__ import annotations

import pytest

from app.untrusted import LARGEST_ID, database_id, finite_number, loads_json


def test_json_nested_too_deeply_is_not_json():
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_json("[" * 100_000 + "]" * 100_000)
    assert loads_json('{"a": [1, 2.5]}') == {"a": [1, 2.5]}
    with pytest.raises(ValueError):
        loads_json("{")


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3.0), (2.5, 2.5), (10**400, None), (-(10**400), None), (float("nan"), None), (float("inf"), None),
     (True, None), ("3", None), (None, None), ([1], None)],
)  # fmt: skip
def test_finite_number(value, number):
    assert finite_number(value) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), (" 12 ", 12), (str(LARGEST_ID), LARGEST_ID), (str(LARGEST_ID + 1), None), ("9" * 30, None),
     ("0", None), ("-1", None), ("²", None), ("١٢", None), ("1e3", None), ("", None), (None, None)],
)  # fmt: skip
def test_database_id(text, number):
    assert database_id(text) == number
