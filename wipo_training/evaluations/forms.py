"""Questionnaire forms (the trainee's answer form is built from the questions directly)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..versioning import VersionField
from .models import QuestionKind


class SettingsForm(FlaskForm):
    opens_day = DateField("Opens on", validators=[DataRequired()])
    opens_time = TimeField("Opening time", validators=[DataRequired()])
    closes_day = DateField("Closes on", validators=[DataRequired()])
    closes_time = TimeField("Closing time", validators=[DataRequired()])
    anonymous = BooleanField("Anonymous: answers are kept without the trainee's name", default=True)
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class QuestionForm(FlaskForm):
    text = StringField("Question", validators=[DataRequired(), Length(max=500)])
    kind = SelectField("Type", choices=[SelectChoice(k.value, k.label) for k in QuestionKind])
    required = BooleanField("An answer is required", default=True)
    choices = TextAreaField("Choices (one per line, for choice questions)", render_kw={"rows": 4})
    section = StringField(
        "Section",
        validators=[Length(max=200)],
        description="A day of the course, or “The course as a whole”.",
    )
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class CopyQuestionsForm(FlaskForm):
    source = SelectField("Copy the questions of", coerce=int)
    submit = SubmitField("Copy")


class ActionForm(FlaskForm):
    submit = SubmitField("Go")
