"""Sign-in, sign-up with a team's join code, sign-out, password change and reset, and their protections."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import routes, sessions  # noqa: E402,F401  (they register themselves on bp)
