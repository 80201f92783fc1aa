"""Flask's signed-cookie sessions, with each distinct cookie checked once per worker.

A browser sends the same session cookie with every request until the app rewrites it (at most once
a minute, see ``app.auth.sessions``), and checking its signature and decoding it is a fair share of a
light page's work. The same bytes under the same key always check out the same way, so a worker keeps
what the cookies it has verified hold. A kept cookie is still refused once it is older than the
session lifetime, and only sessions of plain values are kept, so no request can change what another
reads.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

_PLAIN = (str, int, float, bool, type(None))


class VerifiedCookieSessions(SecureCookieSessionInterface):
    max_kept = 4096  # distinct cookies; a worker forgets them all past this (each is a few hundred bytes)

    def __init__(self) -> None:
        # (secret key, cookie) -> (when the cookie stops being accepted, what it holds)
        self._verified: dict[tuple[object, str], tuple[float, dict]] = {}
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per set of keys (building it costs more than a cookie check)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if value and app.secret_key:
            kept = self._verified.get((app.secret_key, value))
            if kept is not None and time.time() <= kept[0]:
                return self.session_class(kept[1])  # a copy: the request may change its own session
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        key = (app.secret_key, value)
        lifetime = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=lifetime, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            if len(self._verified) >= self.max_kept:
                self._verified.clear()
            self._verified[key] = (signed_at.timestamp() + lifetime, dict(data))
        return self.session_class(data)
