"""Course forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..limits import SHORT_PROSE
from ..versioning import VersionField


class CourseForm(FlaskForm):
    fund_id = SelectField("Fund", coerce=int, validators=[InputRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    short_title = StringField(
        "Short title",
        validators=[Length(max=200)],
        description="How the course report's sentences name the course (empty: the title).",
    )
    code = StringField(
        "Short code",
        validators=[DataRequired(), Length(max=40)],
        description="Unique, e.g. ENF-2013. Certificate serial numbers start with it.",
    )
    edition_year = IntegerField(
        "Edition year",
        validators=[Optional(), NumberRange(1987, 2100)],
        description="Defaults to the year the course starts.",
    )
    organisers = StringField(
        "Organisers",
        validators=[Length(max=300)],
        description="Comma-separated, e.g. JPO, WIPO, APIC.",
    )
    venue = StringField("Venue", validators=[Length(max=300)])
    city = StringField("City", validators=[Length(max=100)])
    country_code = SelectField("Country", validators=[DataRequired()])
    start_date = DateField("Start date", validators=[DataRequired()])
    end_date = DateField("End date", validators=[DataRequired()])
    time_zone = StringField(
        "Time zone",
        default="Asia/Tokyo",
        validators=[DataRequired(), Length(max=64)],
        description="Type to search, e.g. Tokyo, Nairobi, Bangkok.",
        render_kw={"list": "time-zones", "autocomplete": "off"},
    )
    objectives = TextAreaField("Objectives", validators=[Length(max=SHORT_PROSE)])
    target_audience = TextAreaField("Target audience", validators=[Length(max=SHORT_PROSE)])
    capacity = IntegerField("Capacity (places)", validators=[InputRequired(), NumberRange(1, 1000)])
    nomination_deadline = DateField("Nomination deadline", validators=[Optional()])
    country_report_deadline = DateField(
        "Country reports due",
        validators=[Optional()],
        description="Trainees upload their country report until the end of this day.",
    )
    min_attendance_pct = IntegerField(
        "Minimum attendance for a certificate (%)",
        default=80,
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    evaluation_required = BooleanField(
        "Evaluation must be submitted for a certificate", default=True
    )
    country_report_required = BooleanField(
        "Country report must be presented for a certificate", default=True
    )
    version = VersionField()
    submit = SubmitField("Save")

    def course_values(self) -> dict:
        """The fields the course services take, leaving out those the form refused."""
        from .services import COURSE_FIELDS

        fields = [getattr(self, name) for name in COURSE_FIELDS]
        values = {field.name: field.data for field in fields if not field.errors}
        if values.get("edition_year") is None and values.get("start_date"):
            values["edition_year"] = values["start_date"].year
        for name in ("short_title", "organisers", "venue", "city", "objectives", "target_audience"):
            if name in values:
                values[name] = (values[name] or "").strip()
        return values


class QuotaForm(FlaskForm):
    quotas = TextAreaField(
        "Seats per country",
        description="One country per line: a name or ISO code, a colon, the number of seats. "
        "E.g. “Viet Nam: 6”. An empty list means any country may nominate.",
        render_kw={"rows": 14},
    )
    submit = SubmitField("Save quotas")


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Change status")


class CopyForm(FlaskForm):
    code = StringField("Code of the new edition", validators=[DataRequired(), Length(max=40)])
    start_date = DateField(
        "It starts on",
        validators=[DataRequired()],
        description="Every date moves by the same number of days.",
    )
    submit = SubmitField("Create the next edition")


class FundForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    short_name = StringField("Short name", validators=[DataRequired(), Length(max=60)])
    since_year = IntegerField("Since", validators=[DataRequired(), NumberRange(1950, 2100)])
    description = TextAreaField("Description", validators=[Length(max=SHORT_PROSE)])
    submit = SubmitField("Save")
