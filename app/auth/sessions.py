"""Starting sessions, and ending them when idle too long or simply too old.

The sign-in time and the last-seen time live in the (signed) session cookie, so they cannot be
changed by the browser, and every worker can check them without the database. A session ends
after ``SESSION_IDLE_MINUTES`` without a request, or ``SESSION_MAX_HOURS`` after sign-in,
whatever happens in between: a stolen or forgotten session on a shared or family device stops
working by itself.

"Keep me signed in" is not offered: a remember-me cookie would bring a session back past both
limits. A remember cookie left from an older version of the app is cleared, never honoured.
"""

from __future__ import annotations

import time

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import login_user, logout_user

from app.auth import bp
from app.auth.safety import safe_next
from app.models import User

SIGNED_IN_AT = "auth_signed_in_at"
SEEN_AT = "auth_seen_at"
SEEN_RESOLUTION = 60  # seconds: the cookie is rewritten at most once a minute, not on every request
ENDED_MESSAGE = "Your session ended; please sign in again."

# Pages that work signed out: an ended session is just dropped there, so (for example) a sign-in
# form sent from a tab left open overnight still signs the person in instead of bouncing.
_SIGNED_OUT_PAGES = {
    "auth.login",
    "auth.logout",
    "auth.signup",
    "auth.signup_confirm",
    "auth.forgot_password",
    "auth.reset_password",
}


def begin_session(user: User, *, fresh: bool = True) -> None:
    """Sign ``user`` in. ``fresh`` starts from an empty session (nothing planted before sign-in survives)."""
    if fresh:
        session.clear()
    login_user(user, remember=False)
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def session_expired(now: float | None = None) -> bool:
    now = time.time() if now is None else now
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int | float) or not isinstance(seen, int | float):
        return True  # signed in without our timestamps (an old session, or a remember cookie): not trusted
    idle = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    longest = int(current_app.config["SESSION_MAX_HOURS"]) * 3600
    return now - seen > idle or now - signed_in > longest


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def _refuse_remember_cookie() -> None:
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if cookie in request.cookies and session.get("_remember") != "clear":
        session["_remember"] = "clear"  # Flask-Login then ignores the cookie and deletes it


@bp.before_app_request
def enforce_session_limits():
    if request.endpoint == "static":
        return None
    _refuse_remember_cookie()
    if "_user_id" not in session:
        return None
    now = time.time()
    if not session_expired(now):
        if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
            session[SEEN_AT] = int(now)
        return None
    session.clear()
    _refuse_remember_cookie()
    logout_user()  # no database needed: the session no longer names anyone
    if request.endpoint in _SIGNED_OUT_PAGES:
        return None
    if _wants_json():
        return jsonify(error=ENDED_MESSAGE, login=url_for("auth.login")), 401
    flash(ENDED_MESSAGE, "info")
    back = safe_next(request.full_path.rstrip("?")) if request.method == "GET" else None
    return redirect(url_for("auth.login", next=back) if back and back != "/" else url_for("auth.login"))
