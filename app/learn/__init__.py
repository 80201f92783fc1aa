"""What a learner sees: their course, modules, lessons and media."""

from flask import Blueprint

bp = Blueprint("learn", __name__, template_folder="templates")

from app.learn import quiz_views, routes  # noqa: E402,F401
