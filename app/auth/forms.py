"""Forms for logging in and changing one's password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.auth.passwords import password_problem


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[DataRequired(_l("Enter your user name.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"),
        validators=[DataRequired(_l("Type the 6-digit code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )
    submit = SubmitField(_l("Confirm"))


class ReplaceSecondFactorForm(FlaskForm):
    """Replacing a second factor that is on: the password, a code of the present
    authenticator, and a code of the new key."""

    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    current_code = StringField(
        _l("Code from your present authenticator app"),
        validators=[DataRequired(_l("Type the 6-digit code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    code = StringField(
        _l("Code for the new key"),
        validators=[DataRequired(_l("Type the 6-digit code."))],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Replace"))


class ConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    code = StringField(_l("Code from the authenticator app"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Confirm"))


class NewPasswordMixin:
    def validate_new_password(self, field):
        problem = password_problem(field.data or "", self.username_for_policy())
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two new passwords differ; type them again.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def username_for_policy(self) -> str:
        return self._username
