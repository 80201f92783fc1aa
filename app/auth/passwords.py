"""Refusing passwords that are easy to guess: common ones, simple patterns, and the person's own email or name.

The list in ``common_passwords.txt`` is shipped with the app (no look-up leaves the server). A password
is refused, ignoring case, when it is on the list, when it is on the list once leading and trailing
digits and symbols are taken off ("Sunshine2024!") or look-alike characters are read as letters
("p@ssw0rd"), when it is one short piece repeated ("abcabcabcabc"), or a run along the alphabet, the
digits or a keyboard row ("qwertyuiop", "0987654321").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from wtforms.validators import ValidationError

COMMON_MESSAGE = "This password is too common; choose another."
PERSONAL_MESSAGE = "Your password must not be your email address or your name; choose another."

LIST_PATH = Path(__file__).resolve().parent / "common_passwords.txt"
_MIN_BASE = 4  # "abc" + digits is judged by length alone; shorter words are too short to match fairly
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
    "azertyuiop",
    "qwertzuiop",
)
_LOOKALIKES = str.maketrans(
    {"@": "a", "4": "a", "8": "b", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with LIST_PATH.open(encoding="utf-8") as lines:
        return frozenset(s for line in lines if (s := line.strip()) and not s.startswith("#"))


def _is_run(text: str) -> bool:
    if len(text) < _MIN_BASE:
        return False
    return any(text in run or text in run[::-1] for run in _RUNS)


def _repeats_a_short_piece(text: str) -> bool:
    """ "abababab", "123123123123", "passwordpassword": one piece said over and over."""
    for size in range(1, len(text) // 2 + 1):
        piece = text[:size]
        if (piece * (len(text) // size + 1))[: len(text)] == text and (size <= 4 or piece in common_passwords()):
            return True
    return False


def is_common(password: str) -> bool:
    text = password.strip().lower()
    if not text:
        return True
    listed = common_passwords()
    if text in listed or _is_run(text) or _repeats_a_short_piece(text):
        return True
    base = _EDGES.sub("", text)
    if len(base) >= _MIN_BASE and base != text and (base in listed or _is_run(base)):
        return True
    readable = text.translate(_LOOKALIKES)
    readable_base = _EDGES.sub("", base).translate(_LOOKALIKES) if base else ""
    return any(len(c) >= _MIN_BASE and c in listed for c in {readable, readable_base})


def _personal_forms(email: str | None, name: str | None) -> set[str]:
    forms: set[str] = set()
    if email:
        email = email.strip().lower()
        forms |= {email, email.partition("@")[0]}
    if name:
        name = " ".join(name.lower().split())
        forms |= {name, name.replace(" ", ""), name.replace(" ", "."), name.replace(" ", "-"), name.replace(" ", "_")}
    return {f for f in forms if f}


def is_personal(password: str, email: str | None = None, name: str | None = None) -> bool:
    """True when the password is the email address, its local part or the name (ignoring case, edges)."""
    text = password.strip().lower()
    forms = _personal_forms(email, name)
    return text in forms or _EDGES.sub("", text) in forms


def password_problem(password: str, email: str | None = None, name: str | None = None) -> str | None:
    """The message to show for a password that is too easy to guess, or None when it may be used.

    Length is checked by the forms (and ``flask users create``) before this.
    """
    if is_personal(password, email, name):
        return PERSONAL_MESSAGE
    if is_common(password):
        return COMMON_MESSAGE
    return None


class NotCommonPassword:
    """WTForms validator: refuses common passwords and the person's own email or name.

    The email and name come from the form's own fields when it has them (sign-up, admin), else from
    ``form.password_owner`` (a User), which the view sets for password change and reset.
    """

    def __init__(self, email_field: str = "email", name_field: str = "name") -> None:
        self.email_field = email_field
        self.name_field = name_field

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        owner = getattr(form, "password_owner", None)
        email = form[self.email_field].data if self.email_field in form else getattr(owner, "email", None)
        name = form[self.name_field].data if self.name_field in form else getattr(owner, "name", None)
        problem = password_problem(field.data, email, name)
        if problem:
            raise ValidationError(problem)
