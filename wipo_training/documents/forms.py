"""Certificate forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..versioning import VersionField


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Confirm")


class OverrideForm(FlaskForm):
    decision = SelectField(
        "Decision",
        choices=[
            SelectChoice("eligible", "Give a certificate"),
            SelectChoice("not_eligible", "No certificate"),
            SelectChoice("rules", "Follow the rules"),
        ],
    )
    reason = StringField("Reason", validators=[Length(max=500)])
    submit = SubmitField("Save")


class BatchForm(FlaskForm):
    format = SelectField(
        "As",
        choices=[
            SelectChoice("pdf", "one PDF with every certificate"),
            SelectChoice("zip", "a ZIP with one PDF per participant"),
        ],
    )
    submit = SubmitField("Issue and download")


class SettingsForm(FlaskForm):
    heading = StringField("Heading", validators=[Length(max=200)])
    signatory1_name = StringField("First signatory", validators=[Length(max=200)])
    signatory1_title = StringField("Title", validators=[Length(max=300)])
    signatory1_image = FileField("Signature image (PNG or JPEG)")
    signatory2_name = StringField("Second signatory", validators=[Length(max=200)])
    signatory2_title = StringField("Title", validators=[Length(max=300)])
    signatory2_image = FileField("Signature image (PNG or JPEG)")
    logo1 = FileField("Logo 1 (PNG or JPEG)")
    logo2 = FileField("Logo 2")
    logo3 = FileField("Logo 3")
    #: The version the page showed (0: none saved yet): a save based on an older one is refused.
    version = VersionField()
    submit = SubmitField("Save")


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form anyone may use

    code = StringField(
        "Verification code or serial number", validators=[DataRequired(), Length(max=80)]
    )
