"""Extension objects, created bare and bound to an app in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.csrf import CSRFProtectKeepingChecks
from app.database import RequestSession
from app.models.base import Base

db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtectKeepingChecks()
