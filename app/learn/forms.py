from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

REFLECTION_MAX = 10_000


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        "Your answer",
        validators=[
            DataRequired("Write your answer before saving."),
            Length(max=REFLECTION_MAX, message=f"Please keep your answer under {REFLECTION_MAX:,} characters."),
        ],
    )
    shared = BooleanField("Share this answer with my supervisor")
    submit = SubmitField("Save my answer")
