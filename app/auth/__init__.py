"""Sign-in, sign-up with a team's join code, sign-out and password change."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import routes  # noqa: E402,F401  (routes register themselves on bp)
