from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from ..limits import LONG_PROSE


class ReportTextForm(FlaskForm):
    introduction = TextAreaField(
        "Introduction",
        validators=[Length(max=LONG_PROSE)],
        render_kw={"rows": 6},
        description="Opens the report, before the overview. Blank lines start new paragraphs.",
    )
    conclusion = TextAreaField(
        "Conclusion",
        validators=[Length(max=LONG_PROSE)],
        render_kw={"rows": 6},
        description="Closes the report. Blank lines start new paragraphs.",
    )
    submit = SubmitField("Save the texts")


class CommentsForm(FlaskForm):
    """The chosen comments come as checkboxes named ``comment``."""

    submit = SubmitField("Quote the ticked comments")
