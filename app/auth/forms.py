from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import NotCommonPassword
from app.auth.validators import EmailAddress

MIN_PASSWORD = 10
_NEW_PASSWORD_HELP = f"At least {MIN_PASSWORD} characters, and not a common password."


def new_password(label: str) -> PasswordField:
    """A new password, with the one set of rules for sign-up, change and reset."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200), NotCommonPassword()],
        description=_NEW_PASSWORD_HELP,
    )


def repeat_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), EqualTo("password", "The passwords do not match.")])


class LoginForm(FlaskForm):
    # No "Keep me signed in" box: a remember-me cookie would bring a session back past the idle and
    # absolute limits (app/auth/sessions.py) that protect shared and family devices between visits.
    email = EmailField("Email", validators=[DataRequired(), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Sign in")


class SignupForm(FlaskForm):
    join_code = StringField(
        "Team join code",
        validators=[DataRequired(), Length(min=4, max=16)],
        description="Your supervisor gives you this code.",
    )
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    submit = SubmitField("Email me a link")


class SignupPasswordForm(FlaskForm):
    """On the page the sign-up link opens: whoever holds the mailbox chooses the password. Chosen on
    the sign-up form instead, it was anyone's who knew the join code and typed another person's
    address, and the account became theirs once that person pressed the button in the e-mail.
    The view sets ``password_owner`` (the pending sign-up) so the password is checked against the
    name and address."""

    password = new_password("Choose a password")
    confirm = repeat_password("Repeat password")
    submit = SubmitField("Create my account and join")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = new_password("New password")
    confirm = repeat_password("Repeat new password")
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    submit = SubmitField("Send me a link")


class ResetPasswordForm(FlaskForm):
    password = new_password("New password")
    confirm = repeat_password("Repeat new password")
    submit = SubmitField("Set my new password")


class EmptyForm(FlaskForm):
    """A POST-only button still carries a CSRF token."""

    submit = SubmitField("Submit")
