"""The baseline: a bare Flask route, served by the same gunicorn config as the app."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def ok():
    return "ok"
