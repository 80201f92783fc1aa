from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app.auth import bp
from app.auth.forms import LoginForm, PasswordChangeForm, SignupForm
from app.auth.safety import safe_next
from app.extensions import db
from app.models import Role, Team, TeamMember, User

# Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY = User(email="", name="", password_hash="")
_DUMMY.set_password("not-a-real-password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        valid = (user or _DUMMY).check_password(form.password.data)
        if user and valid and user.is_active:
            session.clear()  # a fresh session at sign-in
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    # CSRFProtect has already refused a request without a valid token.
    if current_user.is_authenticated:
        current_user.end_all_sessions()  # a copy of this session cookie stops working too
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = SignupForm(join_code=request.args.get("code", ""))
    if form.validate_on_submit():
        code = form.join_code.data.strip().upper()
        team = db.session.scalar(select(Team).where(Team.join_code == code))
        if team is None:
            form.join_code.errors.append("No team has this join code. Check it with your supervisor.")
        elif find_user(form.email.data):
            form.email.errors.append("An account with this email already exists. Sign in instead.")
        else:
            user = User(email=form.email.data.strip().lower(), name=form.name.data.strip())
            user.set_password(form.password.data)
            user.set_roles({Role.LEARNER})
            db.session.add(user)
            db.session.add(TeamMember(team=team, user=user))
            db.session.commit()
            session.clear()
            login_user(user)
            flash(f"Welcome, {user.name}. You have joined {team.name}.", "success")
            return redirect(url_for("learn.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Your current password is not correct.")
        else:
            current_user.set_password(form.password.data)
            current_user.end_all_sessions()  # every other device must sign in again
            db.session.commit()
            login_user(current_user)  # this device keeps a fresh session
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
