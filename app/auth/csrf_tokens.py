"""The page's CSRF token, signed once per session and worker rather than on every page.

Flask-WTF keeps a random token in the session and puts a signed, time-stamped copy of it in each
page; signing costs a fair share of a light page. With no time limit on tokens (``WTF_CSRF_TIME_LIMIT
= None``, see ``app.config``) the time stamp is never checked, so a copy signed earlier for the same
session token is exactly as valid: a worker keeps the copy it signed for each session token. With a
time limit, every page signs afresh, as Flask-WTF does.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

MAX_KEPT = 4096  # session tokens; a worker forgets them all past this


def register_kept_csrf_tokens(app: Flask) -> None:
    """Replace Flask-WTF's ``csrf_token()`` template global (call after ``CSRFProtect.init_app``)."""
    kept: dict[tuple[object, str], str] = {}

    @app.template_global()
    def csrf_token() -> str:
        config = current_app.config
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        raw = session.get(field)
        if field in g or not isinstance(raw, str) or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
            return generate_csrf()  # this request's own copy, a new session, or tokens that expire
        key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
        token = kept.get(key)
        if token is None:
            if len(kept) >= MAX_KEPT:
                kept.clear()
            token = kept[key] = generate_csrf()
        else:
            setattr(g, field, token)  # forms on the page (``hidden_tag``) carry the same copy
        return token
