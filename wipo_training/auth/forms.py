"""Sign-in, password and user forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .models import Role
from .services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]
# Email(test_environment=True): the demo's addresses end in .test, the name RFC 2606
# reserves for tests and demonstrations, which email_validator refuses by default.


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )
    submit = SubmitField("Sign in")


class CodeForm(FlaskForm):
    """The second step of sign-in."""

    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=40)],
        description="The 6-digit code your authenticator app shows now, or one of your "
        "recovery codes.",
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none"},
    )
    submit = SubmitField("Verify code")


class EnrolForm(FlaskForm):
    """Setting up an authenticator app: the code it shows proves it has the secret."""

    code = StringField(
        "Code from the app",
        validators=[DataRequired(), Length(max=40)],
        description="After scanning, the app shows a 6-digit code that changes every 30 seconds.",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on two-factor sign-in")


class TurnOffForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()])
    submit = SubmitField("Turn off two-factor sign-in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Email(test_environment=True), Length(max=254)],
        description="The address you sign in with.",
    )
    submit = SubmitField("Send me a link")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
        description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )
    submit = SubmitField("Change password")


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
        description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
    )
    confirm_password = PasswordField(
        "Repeat it",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set password and sign in")


class UserForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), Email(test_environment=True), Length(max=254)]
    )
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (can sign in)", default=True)
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
        description="Leave empty to keep the current password.",
    )
    submit = SubmitField("Save")


class ConfirmForm(FlaskForm):
    """A form with nothing but the CSRF token, for POST-only buttons (sign out, revoke)."""

    submit = SubmitField("Confirm")


class NewUserForm(UserForm):
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
        description="Leave empty to invite them: they choose their password with a link "
        "(emailed when email is set up, otherwise shown to you to send).",
    )
