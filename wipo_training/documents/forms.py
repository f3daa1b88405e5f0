"""Certificate forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, SubmitField
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


def name_order_choices():
    """The conventions, after "the country's usual one" (no choice)."""
    from ..people.names import NameOrder

    return [SelectChoice("", "As usual in the person's country")] + [
        SelectChoice(order.value, order.label) for order in NameOrder
    ]


class NameAsPrintedForm(FlaskForm):
    name_order = SelectField("Name order", choices=name_order_choices())
    name_as_printed = StringField(
        "Name as printed (Latin script)",
        validators=[Length(max=400)],
        description="Leave empty to print the name built from its parts in that order.",
    )
    #: The version of the record the page showed: a save based on an older one is refused.
    version = VersionField()
    submit = SubmitField("Save the name as printed")


class ConfirmNameForm(FlaskForm):
    #: The names the page showed: the person confirms only what they read.
    shown_name = HiddenField()
    shown_native = HiddenField()
    submit = SubmitField("This is right")


class CorrectNameForm(FlaskForm):
    name = StringField(
        "Your name as it should be printed (Latin script)",
        validators=[DataRequired("Write your name as it should be printed."), Length(max=400)],
        description="In the order you write it, e.g. Aung Kyaw Moe, Wang Wei, Budi Santoso.",
    )
    native_name = StringField(
        "Your name in your own script", validators=[Length(max=300)], description="Optional."
    )
    submit = SubmitField("Send the correction")


class NameDecisionForm(FlaskForm):
    #: The version of the record the page showed: the coordinator decides on what they saw.
    version = VersionField()
