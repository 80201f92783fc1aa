"""CSRF tokens signed, and sent tokens checked, once per session and worker rather than on every request.

Flask-WTF keeps a random token in the session and puts a signed, time-stamped copy of it in each
page; signing costs a fair share of a light page. With no time limit on tokens (``WTF_CSRF_TIME_LIMIT
= None``, see ``app.config``) the time stamp is never checked, so a copy signed earlier for the same
session token is exactly as valid: a worker keeps the copy it signed for each session token. With a
time limit, every page signs afresh, as Flask-WTF does.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf, same_origin

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
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

    @app.context_processor
    def _kept_csrf_token() -> dict:
        # Flask-WTF also puts its own csrf_token in every template's context, which would hide the
        # global above; registered after it, this one wins.
        return {"csrf_token": csrf_token}


class CSRFProtectKeepingChecks(CSRFProtect):
    """Flask-WTF's protection, checking each (session token, sent token) pair's signature once per worker.

    Checking a sent token means unsigning it, which costs as much as signing; the lesson player sends
    the same token with every progress report. With no time limit, a pair that checked out once
    always does under the same key, so a worker keeps the pairs that did. The checks that depend on
    the request rather than the pair (exempt views, the referrer over HTTPS) run every time.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._checked: set[tuple[object, str, str]] = set()
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return  # as Flask-WTF, before it looks up the view's exemption (every page view)
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return  # as Flask-WTF: an exempt view is not checked at all (nor its body read here)
        pair = self._pair()
        if pair is None or pair not in self._checked:
            super().protect(apply_exemptions)  # aborts the request on any failure
            if pair is not None and g.get("csrf_valid"):
                if len(self._checked) >= MAX_KEPT:
                    self._checked.clear()
                self._checked.add(pair)
            return
        # The rest of Flask-WTF's protect(), after its signature check (flask_wtf/csrf.py, 1.3).
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _get_csrf_token(self) -> str | None:
        # A script's request (the player's JSON reports) sends its token in a header: looking in the
        # form first, as Flask-WTF does, would parse a body that cannot hold one.
        if request.mimetype not in _FORM_TYPES:
            for header in current_app.config["WTF_CSRF_HEADERS"]:
                token = request.headers.get(header)
                if token:
                    return token
        return super()._get_csrf_token()

    def _pair(self) -> tuple[object, str, str] | None:
        config = current_app.config
        if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
            return None
        raw, sent = session.get(config["WTF_CSRF_FIELD_NAME"]), self._get_csrf_token()
        if not isinstance(raw, str) or not isinstance(sent, str):
            return None
        return (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw, sent)
