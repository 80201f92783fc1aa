"""Sign-in, sign-up by e-mail, sign-out, password change and password reset.

No page tells whether an email address has an account: sign-in gives one answer for a wrong
password and an unknown address, sign-up always says "check your email" (the mail itself says
whether an account was made or already existed), and a reset request always says a link was sent
if an account exists. Rate limits (app/auth/limits.py) are keyed by what was typed, so a refusal
looks the same for every address too.
"""

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth import bp, known_browsers, limits, mailer
from app.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    ResetPasswordForm,
    SignupForm,
    SignupPasswordForm,
)
from app.auth.limits import Blocked, client_address, normalize_email
from app.auth.person import own_account
from app.auth.safety import safe_next
from app.auth.sessions import begin_session
from app.auth.tokens import (
    LinkProblem,
    PendingSignup,
    find_reset_token,
    issue_reset_token,
    make_signup_token,
    read_signup_token,
    reset_minutes,
    signup_hours,
    use_reset_token,
)
from app.extensions import db
from app.models import Role, Team, TeamMember, User

# Compared against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY = User(email="", name="", password_hash="")
_DUMMY.set_password("not-a-real-password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _too_many(blocked: Blocked, template: str, **context):
    """HTTP 429 with the page the person was on, a plain message and Retry-After."""
    flash(blocked.message, "error")
    response = make_response(render_template(template, **context), 429)
    response.headers["Retry-After"] = str(blocked.retry_after)
    return response


def _message(title: str, text: str, links: list[tuple[str, str]], status: int = 200):
    return render_template("auth/message.html", title=title, text=text, links=links), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        known = known_browsers.is_known(email)
        counted = limits.attempt(limits.login_rules(email, client_address(), known))
        if isinstance(counted, Blocked):
            return _too_many(counted, "auth/login.html", form=form)
        user = find_user(email)
        valid = (user or _DUMMY).check_password(form.password.data)
        if user and valid and user.is_active:
            # Success clears the failures it was counted with: from a known browser only its own, so
            # signing in while strangers have the account locked does not give them more tries.
            limits.forgive(counted, [limits.known_browser_key(email) if known else limits.login_key(email)])
            begin_session(user)  # a fresh session at sign-in
            response = redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
            return known_browsers.remember(response, email)
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    # CSRFProtect has already refused a request without a valid token.
    if current_user.is_authenticated:
        own_account().end_all_sessions()  # a copy of this session cookie stops working too
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
        email = normalize_email(form.email.data)
        counted = limits.attempt(limits.signup_rules(email, client_address()))
        if isinstance(counted, Blocked):
            return _too_many(counted, "auth/signup.html", form=form)
        code = form.join_code.data.strip().upper()
        team = db.session.scalar(select(Team).where(Team.join_code == code))
        if team is None:
            form.join_code.errors.append("No team has this join code. Check it with your supervisor.")
        else:
            existing = find_user(email)
            if existing is None:
                pending = PendingSignup(form.name.data.strip(), email, team.id)
                link = mailer.site_link("auth.signup_confirm", token=make_signup_token(pending))
                subject, text = mailer.signup_link_text(team.name, link, signup_hours())
            else:
                login, forgot = mailer.site_link("auth.login"), mailer.site_link("auth.forgot_password")
                subject, text = mailer.signup_existing_text(existing.name, login, forgot)
            mailer.send_after_response(email, subject, text)
            return render_template("auth/signup_sent.html", email=email, hours=signup_hours())
    return render_template("auth/signup.html", form=form)


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
def signup_confirm(token: str):
    """Opening the e-mailed link shows what it will do and asks for a password; only sending that form
    makes the account.

    A GET changes nothing: mail scanners open links, and a page that made a visitor's browser open
    someone else's link must not sign the visitor in to that other account (the POST needs the
    visitor's own CSRF token). The password is chosen here, by whoever can read the mail, so an
    account is never made with a password chosen by someone who typed another person's address.
    """
    if current_user.is_authenticated:
        flash("You are already signed in. To use a link for a new account, sign out first.", "info")
        return redirect(url_for("learn.home"))
    pending = read_signup_token(token)
    again = [("Join your team", url_for("auth.signup"))]
    if pending is LinkProblem.EXPIRED:
        text = f"Links to finish joining work for {signup_hours()} hours. Please fill in the form again."
        return _message("This link has expired", text, again, 400)
    if not isinstance(pending, PendingSignup):
        text = "Please check that you opened the whole link from the e-mail, or fill in the form again."
        return _message("This link is not valid", text, again, 400)

    signed_in = [("Sign in", url_for("auth.login")), ("Forgot your password?", url_for("auth.forgot_password"))]
    used = (
        "This link has already been used",
        f"The account for {pending.email} is already confirmed. Please sign in.",
        signed_in,
    )
    if find_user(pending.email) is not None:
        return _message(*used)
    team = db.session.get(Team, pending.team_id)
    if team is None:
        text = "The team you were joining no longer exists. Ask your supervisor for a new join code."
        return _message("This team is no longer here", text, again, 400)
    form = SignupPasswordForm()
    form.password_owner = pending  # the password must not be their name or address
    if not form.validate_on_submit():
        return render_template("auth/signup_confirm.html", pending=pending, team=team, form=form)
    # A POST began its transaction as a writer (BEGIN IMMEDIATE on SQLite), so the checks above hold.
    user = User(email=pending.email, name=pending.name, password_hash="")
    user.set_password(form.password.data)
    user.set_roles({Role.LEARNER})
    db.session.add(user)
    db.session.add(TeamMember(team=team, user=user))
    team_name = team.name
    try:
        db.session.commit()
    except IntegrityError:  # the same link confirmed twice at once: the other request made the account
        db.session.rollback()
        return _message(*used)
    begin_session(user)
    flash(f"Welcome, {user.name}. Your account is ready and you have joined {team_name}.", "success")
    return redirect(url_for("learn.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = own_account()
    form = PasswordChangeForm()
    form.password_owner = user
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors.append("Your current password is not correct.")
        else:
            user.set_password(form.password.data)
            user.end_all_sessions()  # every other device must sign in again
            db.session.commit()
            begin_session(user, fresh=False)  # this device keeps a (renewed) session
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    teams = sorted(m.team.name for m in user.memberships)
    return render_template("auth/account.html", form=form, user=user, teams=teams)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        counted = limits.attempt(limits.reset_rules(email, client_address()))
        if isinstance(counted, Blocked):
            return _too_many(counted, "auth/forgot.html", form=form)
        user = find_user(email)
        if user is not None and user.is_active:
            token = issue_reset_token(user)
            link = mailer.site_link("auth.reset_password", token=token)
            mailer.send_after_response(user.email, *mailer.reset_text(user.name, link, reset_minutes()))
        return render_template("auth/forgot_sent.html", minutes=reset_minutes())
    return render_template("auth/forgot.html", form=form)


_RESET_PROBLEMS = {
    LinkProblem.INVALID: (
        "This link is not valid",
        "It may have been replaced by a newer link, or not copied whole from the e-mail.",
    ),
    LinkProblem.USED: ("This link has already been used", "Each link to reset a password works once."),
    LinkProblem.EXPIRED: ("This link has expired", "Links to reset a password work for a limited time."),
}


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    record = find_reset_token(token)
    user = db.session.get(User, record.user_id) if not isinstance(record, LinkProblem) else None
    if user is None or not user.is_active:
        title, text = _RESET_PROBLEMS[record if isinstance(record, LinkProblem) else LinkProblem.INVALID]
        return _message(title, text, [("Ask for a new link", url_for("auth.forgot_password"))], 400)
    form = ResetPasswordForm()
    form.password_owner = user
    if form.validate_on_submit():
        if not use_reset_token(record):  # another request used it a moment ago
            db.session.rollback()
            title, text = _RESET_PROBLEMS[LinkProblem.USED]
            return _message(title, text, [("Ask for a new link", url_for("auth.forgot_password"))], 400)
        user.set_password(form.password.data)
        user.end_all_sessions()  # whoever else was signed in as this person is signed out
        db.session.commit()
        limits.clear([limits.login_key(user.email)])  # a locked-out person can sign in straight away
        begin_session(user)
        flash("Your new password is set and you are signed in. Any other devices have been signed out.", "success")
        return redirect(url_for("learn.home"))
    return render_template("auth/reset.html", form=form, user=user)
