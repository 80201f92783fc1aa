"""Application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_login import current_user
from sqlalchemy.engine import make_url

from app.config import Config, config_from_env
from app.database import configure_engine, end_reads, set_write_intent, sqlite_file
from app.extensions import csrf, db, login_manager, migrate
from app.request_reading import ClientJSON, DatabaseNumber


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a config class, or a mapping of overrides (tests)."""
    base = config if isinstance(config, type) else config_from_env()
    app = Flask(__name__, instance_path=str(Path(base.INSTANCE_PATH).resolve()))
    app.url_map.converters["int"] = DatabaseNumber  # before any route is added
    app.json = ClientJSON(app)
    app.config.from_object(base)
    if isinstance(config, Mapping):
        app.config.update(config)
    app.config["SECRET_KEY"] = base.ensure_secret_key(app.config.get("SECRET_KEY"), Path(app.instance_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)

    from app.cli import register_commands
    from app.errors import register_error_handlers
    from app.links import register_links
    from app.site_nav import register_site_nav

    register_error_handlers(app)
    register_commands(app)
    register_links(app)
    register_site_nav(app)
    return app


def register_extensions(app: Flask) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        # A database file cannot drop a connection the way a server can: no ping before use.
        options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
        if sqlite_file(url) is not None:
            # Each thread keeps a connection of its own for the hot paths (app.database) beside the
            # ORM session's pooled one: room for two per thread, up to ten threads (with the
            # default overflow of 10). An in-memory database has a single connection anyway.
            options.setdefault("pool_size", 10)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    from app.auth.cookie_sessions import VerifiedCookieSessions

    app.session_interface = VerifiedCookieSessions()
    db.init_app(app)
    # Flask-SQLAlchemy's teardown ends the request's read-only transaction when closing the ORM
    # session; a request that read without one (most pages) ends it here.
    app.teardown_appcontext(lambda _error: end_reads())
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    from app.csrf import register_kept_csrf_tokens

    register_kept_csrf_tokens(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    with app.app_context():
        configure_engine(
            db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["DATABASE_PING_AFTER_IDLE_SECONDS"]
        )

    from app.auth.person import load_person

    login_manager.user_loader(load_person)

    @app.context_processor
    def _person_for_templates() -> dict:
        # The person itself rather than Flask-Login's proxy, which looks them up again on every use
        # (a layout asks several times). Registered after Flask-Login's processor, so it wins.
        return {"current_user": current_user._get_current_object()}


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.author import bp as author_bp
    from app.learn import bp as learn_bp
    from app.record import bp as record_bp
    from app.supervise import bp as supervise_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(record_bp)
    app.register_blueprint(supervise_bp, url_prefix="/supervise")
    app.register_blueprint(author_bp, url_prefix="/author")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _mark_writes() -> None:
        view = app.view_functions.get(request.endpoint or "")
        writes = request.method not in {"GET", "HEAD", "OPTIONS"} and not getattr(view, "reads_first", False)
        set_write_intent(writes)

    @app.teardown_request
    def _end_writes(_error) -> None:
        # Code that runs after a request in the same context (a test, a CLI command) starts deferred again.
        set_write_intent(False)

    security_headers = _security_header_values(app)

    @app.after_request
    def _security_headers(response):
        # Each header unless the view set its own; the response's names are read once, since every
        # lookup in werkzeug's Headers walks the whole list.
        present = {name.lower() for name, _value in response.headers}
        for name, value in security_headers:
            if name.lower() not in present:
                response.headers.add(name, value)
        return response


def _security_header_values(app: Flask) -> list[tuple[str, str]]:
    values = [("X-Content-Type-Options", "nosniff")]
    if app.config["HSTS_SECONDS"]:
        values.append(("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}"))
    values.append(("Referrer-Policy", "same-origin"))
    values.append(
        (
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "media-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
    )
    return values
