from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.forms import MIN_PASSWORD
from app.auth.passwords import NotCommonPassword
from app.auth.validators import EmailAddress
from app.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(min=MIN_PASSWORD, max=200), NotCommonPassword()],
        description=f"At least {MIN_PASSWORD} characters. Leave empty to keep the current password.",
    )
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES, default=["learner"])
    team_id = SelectField("Team", coerce=int, description="The team this person learns in.")
    active = BooleanField("Account active (can sign in)", default=True)
    submit = SubmitField("Save")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])
    supervisor_id = SelectField("Supervisor", coerce=int)
    submit = SubmitField("Save team")
