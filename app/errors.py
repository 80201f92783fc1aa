"""Friendly error pages; JSON for clients that ask for JSON."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.extensions import db

MESSAGES = {
    400: ("This request could not be understood", "Please go back and try again."),
    403: (
        "You don't have access to this page",
        "If you think you should, ask your supervisor or an administrator.",
    ),
    404: ("We couldn't find that page", "The link may be old, or the page may have moved."),
    405: ("That action isn't available here", "Please use the buttons on the page."),
    409: (
        "That clashes with something saved a moment ago",
        "The same form may have been sent twice. Reload the page to see what was saved.",
    ),
    413: ("That file is too large", "Please choose a smaller file."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
    503: ("The site is briefly unavailable", "Nothing you did caused this. Please try again in a moment."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or best == "application/json"


def _render(status: int, detail: str | None = None):
    title, hint = MESSAGES.get(status, MESSAGES[500])
    if _wants_json():
        return jsonify(error=title, detail=detail or hint), status
    return render_template("error.html", status=status, title=title, hint=detail or hint), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(400, "Your form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        detail = error.description if code in (400, 403, 404) and _custom(error) else None
        return _render(code, detail)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return _render(500)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if isinstance(error, IntegrityError):
            # Two requests wrote the same thing at once (a form sent twice): the other one's stands.
            db.session.rollback()
            app.logger.warning("Refused a write that clashes with another: %s", error.orig)
            return _render(409)
        if not _passing(error):
            return unexpected(error)
        # The request's transaction is gone with its connection: nothing it began was saved.
        with suppress(Exception):
            db.session.rollback()
        app.logger.warning("Database briefly unavailable: %s", error.orig)
        response = make_response(_render(503))
        response.headers["Retry-After"] = "1"
        return response


def _passing(error: DBAPIError) -> bool:
    """A database error that the same request, sent again, would not meet: the connection was lost
    (a server restart; the pool opens a new one), or SQLite stayed locked past its busy timeout."""
    return error.connection_invalidated or "database is locked" in str(error.orig)


def _custom(error: HTTPException) -> bool:
    """True when a view passed its own message to ``abort`` (not Werkzeug's stock text)."""
    return error.description != type(error).description
