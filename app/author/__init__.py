"""Course authors check, import and publish the course."""

from flask import Blueprint

bp = Blueprint("author", __name__, template_folder="templates")

from app.author import media_views, module_views, quiz_views, routes  # noqa: E402,F401
