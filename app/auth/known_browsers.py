"""Browsers that have signed in to an account before, so a lock on the account does not keep them out.

Failed sign-ins are limited per account (app/auth/limits.py), so anyone who knows a person's address
could lock them out by typing wrong passwords. A successful sign-in leaves a signed cookie naming the
account (by a digest of its address); a browser that shows it for the address typed has failures
counted on a limit of its own instead of the account's, so it still signs in while strangers are
locked out. It changes nothing else: the password is checked as always, the cookie says nothing
about whether an account exists, and a stolen cookie only buys its holder the same few tries.
(OWASP's "device cookies" against online guessing.)
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "known_browser"
SALT = "known-browser"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _lifetime() -> timedelta:
    return timedelta(days=int(current_app.config["KNOWN_BROWSER_DAYS"]))


def _digest(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def is_known(email: str) -> bool:
    """Whether this browser signed in to ``email`` (normalised) before, within the cookie's lifetime."""
    token = request.cookies.get(COOKIE)
    if not token:
        return False
    try:
        named = _serializer().loads(token, max_age=int(_lifetime().total_seconds()))
    except BadData:
        return False
    return named == _digest(email)


def remember(response: Response, email: str) -> Response:
    """Mark the browser as one that signed in to ``email`` (normalised); the last account signed in wins."""
    config = current_app.config
    response.set_cookie(
        COOKIE,
        _serializer().dumps(_digest(email)),
        max_age=int(_lifetime().total_seconds()),
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/login",  # read only where it counts
    )
    return response
