"""Working-group and meeting forms. The choices of sides name the group's countries."""

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
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..limits import LONG_PROSE, SHORT_PROSE
from ..versioning import VersionField
from .models import ActionStatus, MeetingStatus, OutcomeKind


class WorkingGroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    side_a_country = SelectField("First side: country", validators=[DataRequired()])
    side_a_body = StringField(
        "First side: lead body",
        validators=[DataRequired(), Length(max=200)],
        description="E.g. METI.",
    )
    side_b_country = SelectField("Second side: country", validators=[DataRequired()])
    side_b_body = StringField(
        "Second side: lead body",
        validators=[DataRequired(), Length(max=200)],
        description="E.g. MOFCOM.",
    )
    framework = StringField(
        "Framework",
        validators=[Length(max=500)],
        description="The agreement it rests on, e.g. a Memorandum of Understanding.",
    )
    framework_date = DateField("Framework signed on", validators=[Optional()])
    description = TextAreaField(
        "Description", validators=[Length(max=SHORT_PROSE)], render_kw={"rows": 3}
    )
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class MeetingForm(FlaskForm):
    number = IntegerField(
        "Number in the series",
        validators=[InputRequired(), NumberRange(1, 1000)],
        description="6 is shown as “Sixth Meeting”.",
    )
    status = SelectField(
        "Status", choices=[SelectChoice(s.value, s.label) for s in MeetingStatus], default="planned"
    )
    start_date = DateField("First day", validators=[Optional()])
    end_date = DateField(
        "Last day", validators=[Optional()], description="Leave empty for a one-day meeting."
    )
    dates_text = StringField(
        "Dates as released",
        validators=[Length(max=100)],
        description="Only when the exact days are not known, e.g. “June 2016”.",
    )
    fiscal_year = IntegerField(
        "Fiscal year",
        validators=[Optional(), NumberRange(1950, 2100)],
        description="For a meeting planned by Japanese fiscal year (April to March).",
    )
    city = StringField("City", validators=[Length(max=100)])
    host_side = SelectField("Host side")
    chair_a_name = StringField("Name", validators=[Length(max=200)])
    chair_a_title = StringField("Title", validators=[Length(max=300)])
    chair_a_organisation = StringField("Organisation", validators=[Length(max=300)])
    chair_b_name = StringField("Name", validators=[Length(max=200)])
    chair_b_title = StringField("Title", validators=[Length(max=300)])
    chair_b_organisation = StringField("Organisation", validators=[Length(max=300)])
    summary = TextAreaField("Summary", validators=[Length(max=LONG_PROSE)], render_kw={"rows": 3})
    next_host_side = SelectField("Next meeting hosted by")
    next_fiscal_year = IntegerField(
        "Next meeting in fiscal year", validators=[Optional(), NumberRange(1950, 2100)]
    )
    next_date = DateField("Next meeting on", validators=[Optional()])
    release_date = DateField("Release date", validators=[Optional()])
    release_division = StringField(
        "Division in charge",
        validators=[Length(max=300)],
        description="Printed under the press release, e.g. “Office for Intellectual Property "
        "Right Protection, Manufacturing Industries Bureau”.",
    )
    version = VersionField()
    submit = SubmitField("Save")


class DelegationForm(FlaskForm):
    side = SelectField("Side", validators=[DataRequired()])
    organisation = StringField("Organisation", validators=[DataRequired(), Length(max=300)])
    units = StringField(
        "Departments taking part",
        validators=[Length(max=500)],
        description="Optional, e.g. “Department of Treaty and Law”.",
    )
    observer = BooleanField("Observer (not a member of the delegation)")
    delegates = TextAreaField(
        "Delegates",
        description="One per line in protocol order: name; position; and optionally the "
        "person's email, which links the line to their record under People. Write the family "
        "name in capitals when it does not come last (Mr. CHEN Fuli).",
        render_kw={"rows": 5},
    )
    add_people = BooleanField(
        "Add the people not yet under People",
        description="For a line whose email nobody under People has: a new person with the "
        "line's name, position and email, this organisation and its side's country.",
    )
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class AgendaItemForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(
        "Summary of the discussion", validators=[Length(max=LONG_PROSE)], render_kw={"rows": 4}
    )
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class OutcomeForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in OutcomeKind])
    text = TextAreaField(
        "Text", validators=[DataRequired(), Length(max=SHORT_PROSE)], render_kw={"rows": 3}
    )
    owner_side = SelectField("Owned by", description="For an action item: who acts on it.")
    responsible = StringField(
        "Responsible organisation", validators=[Length(max=300)], description="E.g. METI."
    )
    due_date = DateField("Due", validators=[Optional()])
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in ActionStatus])
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class SideEventForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    day = DateField("Day", validators=[DataRequired()])
    part_of_day = SelectField(
        "Part of the day",
        choices=[("", "Not said"), ("morning", "Morning"), ("afternoon", "Afternoon"),
                 ("evening", "Evening")],
        default="",
        description="The press release says “in the afternoon of December 14”.",
    )  # fmt: skip
    venue = StringField("Venue", validators=[Length(max=300)])
    co_organisers = StringField(
        "Co-organisers",
        validators=[Length(max=500)],
        description="E.g. METI, JETRO and MOFCOM.",
    )
    audience = TextAreaField(
        "Audience", validators=[Length(max=SHORT_PROSE)], render_kw={"rows": 2}
    )
    programme = TextAreaField(
        "Programme", validators=[Length(max=SHORT_PROSE)], render_kw={"rows": 4}
    )
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save")


class PressReleaseForm(FlaskForm):
    text = TextAreaField(
        "Press release",
        validators=[
            DataRequired(message="The press release is empty."),
            Length(max=LONG_PROSE),
        ],
        render_kw={"rows": 24},
    )
    release_date = DateField("Release date", validators=[Optional()])
    #: The version the page showed: a save based on an older one is refused, never lost.
    version = VersionField()
    submit = SubmitField("Save the draft")


class PlanNextForm(FlaskForm):
    """Plan the next meeting, starting from this one's co-chairs and delegations."""

    copy_chairs = BooleanField("Start from this meeting's co-chairs", default=True)
    copy_delegations = BooleanField(
        "Start from this meeting's delegations and their delegates", default=True
    )


class ActionForm(FlaskForm):
    """A button that posts (plan the next meeting, publish, delete, mark done)."""

    status = HiddenField()


PART_FORMS = {
    "delegations": DelegationForm,
    "agenda": AgendaItemForm,
    "outcomes": OutcomeForm,
    "side-events": SideEventForm,
}
