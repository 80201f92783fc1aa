"""Configuration read from the environment.

The app must start with no environment at all (an embedded SQLite database under
``instance/``), and must refuse to start in production without a real secret key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out "postgres://" URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Development defaults: everything works on one machine with no setup."""

    ENV_NAME = "development"
    INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'imh.sqlite3'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A server database's pooled connection is checked before use when it sat idle this long
    # (app.database: _ping_when_idle); a busy worker's connection is reused without a check.
    DATABASE_PING_AFTER_IDLE_SECONDS = 1.0
    MODULES_DIR = Path(os.environ.get("MODULES_DIR", PROJECT_ROOT / "modules"))
    MEDIA_DIR = Path(os.environ.get("MEDIA_DIR", PROJECT_ROOT / "media"))
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a learner may leave a form open between home visits
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Strict-Transport-Security max-age; 0 sends no header (plain http on a laptop).
    HSTS_SECONDS = 0
    # With nginx in front: the internal location that serves media/ (e.g. "/protected-media/").
    # Flask then only checks access and answers with X-Accel-Redirect, so no worker streams video.
    MEDIA_ACCEL_PREFIX = os.environ.get("MEDIA_ACCEL_PREFIX", "")

    # Outgoing mail (reminders): any SMTP server; SSL from the first byte, or STARTTLS.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "training@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 10)  # seconds per SMTP operation
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")  # for links in mails (no request to ask)

    # --- Sign-in protection (app/auth) -----------------------------------------------------------
    # Rate limits, counted in the database so every worker shares them (app/auth/limits.py). They
    # key on request.remote_addr: behind a reverse proxy, wrap the app in werkzeug's ProxyFix
    # (x_for = the number of trusted proxies) or every visitor shares the proxy's address.
    LOGIN_FAILURES_PER_ACCOUNT = 5  # failed sign-ins per email address ...
    LOGIN_FAILURES_PER_ADDRESS = 20  # ... and per client address ...
    LOGIN_WINDOW_MINUTES = 15  # ... within this many minutes
    # A browser that signed in before gets an account limit of its own (app/auth/known_browsers.py).
    KNOWN_BROWSER_DAYS = 180
    SIGNUP_ATTEMPTS_PER_ADDRESS = 10  # sign-up forms sent per client address ...
    SIGNUP_ATTEMPTS_PER_EMAIL = 5  # ... and per email address (each one sends a mail) ...
    SIGNUP_WINDOW_MINUTES = 60  # ... within this many minutes
    RESET_REQUESTS_PER_ACCOUNT = 3  # reset links asked for per email address ...
    RESET_REQUESTS_PER_ADDRESS = 10  # ... and per client address ...
    RESET_WINDOW_MINUTES = 60  # ... within this many minutes
    # Sessions end after this long without a request, and this long after sign-in whatever happens;
    # long enough for a day of home visits, short enough for a shared or family device.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES") or 120)
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS") or 12)
    PASSWORD_RESET_MINUTES = 60  # a reset link works once, for this long
    SIGNUP_LINK_HOURS = 24  # the link that finishes a sign-up works for this long
    # --- end of sign-in protection ---------------------------------------------------------------

    # --- Media uploads (app/author/media_views.py) ------------------------------------------------
    # Authors upload videos through /author/media. Only that route accepts a body this large, and only
    # once the sender is known to be an author; every other request keeps MAX_CONTENT_LENGTH above.
    # Behind nginx, raise client_max_body_size for /author/media/video to match.
    MAX_UPLOAD_MB = float(os.environ.get("MAX_UPLOAD_MB") or 200)
    # Caption checks warn about a stretch longer than this with no caption on screen.
    CAPTION_MAX_GAP_SECONDS = float(os.environ.get("CAPTION_MAX_GAP_SECONDS") or 10)
    # --- end of media uploads --------------------------------------------------------------------

    @classmethod
    def ensure_secret_key(cls, key: str | None, instance_path: Path) -> str:
        """Return the configured key, creating a per-install key for development if none is set.

        The key is kept in the instance folder (never in the repository) so sessions
        survive a restart of ``make run``.
        """
        if key:
            return key
        key_file = instance_path / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        instance_path.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


class ProductionConfig(Config):
    """Served by gunicorn: cookies only over HTTPS, and a real secret key is required."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))

    @classmethod
    def ensure_secret_key(cls, key: str | None, instance_path: Path) -> str:
        key = key or ""
        if len(key) < 32 or key in {"change-me", "dev", "secret"}:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                '(for example: python -c "import secrets; print(secrets.token_hex(32))").'
            )
        return key


class TestConfig(Config):
    """Used by the test suite; the database URL is set by the fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-0123456789"
    WTF_CSRF_ENABLED = False


def config_from_env() -> type[Config]:
    """Choose the configuration class from ``APP_ENV`` (development by default)."""
    name = os.environ.get("APP_ENV", "development").lower()
    return {"production": ProductionConfig, "development": Config}.get(name, Config)
