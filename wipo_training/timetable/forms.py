"""Timetable forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
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
from wtforms.validators import DataRequired, Length, Optional

from ..limits import SHORT_PROSE
from ..versioning import VersionField
from .models import SessionKind

KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in SessionKind]


class SessionForm(FlaskForm):
    kind = SelectField("Kind", choices=KIND_CHOICES)
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    day = DateField("Day", validators=[DataRequired()])
    start = TimeField("Starts", validators=[DataRequired()])
    end = TimeField("Ends", validators=[DataRequired()])
    room = StringField("Room or place", validators=[Length(max=200)])
    lecturers = TextAreaField(
        "Lecturers",
        description="One per line: title and name, a semicolon, the affiliation. "
        "E.g. “Mr Kenichiro Natsume; Head, WIPO Japan Office”.",
        render_kw={"rows": 3},
    )
    description = TextAreaField(
        "Description", validators=[Length(max=SHORT_PROSE)], render_kw={"rows": 3}
    )
    evaluable = BooleanField("Trainees evaluate this session")
    host_organisation = StringField("Host organisation", validators=[Length(max=300)])
    address = StringField("Address", validators=[Length(max=500)])
    meeting_point = StringField("Meeting point", validators=[Length(max=300)])
    departure = TimeField("Departure time", validators=[Optional()])
    transport = StringField("Transport", validators=[Length(max=300)])
    contact_person = StringField("Contact person", validators=[Length(max=300)])
    notes = TextAreaField(
        "Notes for the visit", validators=[Length(max=SHORT_PROSE)], render_kw={"rows": 2}
    )
    #: The version of the session the page showed: a save based on an older one is refused.
    version = VersionField()
    submit = SubmitField("Save")


class CopyTimetableForm(FlaskForm):
    source = SelectField("Copy the timetable of", coerce=int)
    submit = SubmitField("Copy the sessions")


class CountryReportForm(FlaskForm):
    file = FileField(
        "Your country report (PDF or PowerPoint .pptx)", validators=[FileRequired("Choose a file.")]
    )
    submit = SubmitField("Upload")


class PresentersForm(FlaskForm):
    submit = SubmitField("Save presenters")


class ResetForm(FlaskForm):
    submit = SubmitField("Reset")
