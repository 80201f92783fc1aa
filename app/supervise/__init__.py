"""Supervisors follow their teams' progress."""

from flask import Blueprint

bp = Blueprint("supervise", __name__, template_folder="templates")

from app.supervise import assign_views, insight_views, learner_views, routes  # noqa: E402,F401
