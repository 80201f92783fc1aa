"""A learner's training record: completed modules, hours, CSV export, certificate and its public check."""

from flask import Blueprint

bp = Blueprint("record", __name__, template_folder="templates")

from app.record import routes  # noqa: E402,F401
