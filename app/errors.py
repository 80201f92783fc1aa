"""Friendly error pages; JSON for clients that ask for JSON."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
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
    413: ("That file is too large", "Please choose a smaller file."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Please try again in a moment."),
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


def _custom(error: HTTPException) -> bool:
    """True when a view passed its own message to ``abort`` (not Werkzeug's stock text)."""
    return error.description != type(error).description
