"""Nomination, import and status forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..people.models import Gender, OrganisationKind
from ..versioning import VersionField

GENDER_CHOICES = [SelectChoice("", "Not recorded")] + [
    SelectChoice(g.value, g.value.capitalize()) for g in Gender
]
KIND_CHOICES = [SelectChoice(k.value, k.label) for k in OrganisationKind]


class PersonForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=40)], description="Mr, Ms, Dr, Judge …")
    family_name = StringField(
        "Family name",
        validators=[DataRequired(), Length(max=150)],
        description="A single name (many Indonesians) or a Myanmar name, whole: here.",
    )
    given_name = StringField(
        "Given name(s)", validators=[Length(max=150)], description="Empty for a single name."
    )
    native_name = StringField(
        "Name in native script",
        validators=[Length(max=300)],
        description="As the person writes it, e.g. 阮氏蘭 or សុខា ចាន់.",
    )
    native_name_lang = StringField(
        "Language of that name",
        validators=[Length(max=12)],
        description="A language code: zh, ja, km, th, lo, my, ar, ur …",
    )
    gender = SelectField("Gender", choices=GENDER_CHOICES, validators=[Optional()])
    #: Typed, with the country names offered as suggestions: a code (VN) or any name people
    #: write for the country (Viet Nam, Vietnam) is read, and the page says which it took.
    country_code = StringField(
        "Country",
        validators=[DataRequired(), Length(max=100)],
        description="Its name or code: Viet Nam, Vietnam, VN …",
        render_kw={"list": "country-names", "autocomplete": "off"},
    )
    organisation = StringField("Organisation", validators=[Length(max=300)])
    organisation_acronym = StringField("Acronym", validators=[Length(max=40)])
    organisation_kind = SelectField("Kind of organisation", choices=KIND_CHOICES)
    position = StringField("Position", validators=[Length(max=200)])
    email = EmailField(
        "Email", validators=[Optional(), Email(test_environment=True), Length(max=254)]
    )  # .test addresses (the demo's, RFC 2606) are accepted
    submit = SubmitField("Save")

    def person_data(self):
        """The form's values as the services take them."""
        from .services import PersonData

        return PersonData(
            family_name=self.family_name.data,
            given_name=self.given_name.data or "",
            country_code=self.country_code.data,
            native_name=self.native_name.data or "",
            native_name_lang=self.native_name_lang.data or "",
            title=self.title.data or "",
            gender=self.gender.data or None,
            email=self.email.data or None,
            position=self.position.data or "",
            organisation=self.organisation.data or "",
            organisation_kind=self.organisation_kind.data,
            organisation_acronym=self.organisation_acronym.data or "",
        )


class PersonEditForm(PersonForm):
    #: The version of the record the page showed: a save based on an older one is refused.
    version = VersionField()


class NominationForm(PersonForm):
    nominated_by = StringField(
        "Nominated by",
        validators=[Length(max=300)],
        description="The office that nominated the person.",
    )
    override_reason = TextAreaField(
        "Reason to go beyond the seat quota or capacity",
        validators=[Length(max=1000)],
        description="Only needed when the country's seats or the course are full.",
    )
    #: "" until the user decides; "new", or "person:<id>" to reuse an existing record.
    person_choice = HiddenField()
    submit = SubmitField("Nominate")


class ImportForm(FlaskForm):
    file = FileField(
        "Spreadsheet (.xlsx or .csv)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["xlsx", "csv"], "Upload an .xlsx or .csv file."),
        ],
    )
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Import these nominations")


class EnrolmentStatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
    #: The version of the enrolment the page showed: a change based on an older one is refused.
    version = VersionField()
    reason = StringField("Note", validators=[Length(max=500)])
    override_reason = StringField("Reason to go beyond the seats", validators=[Length(max=500)])
    submit = SubmitField("Change")
