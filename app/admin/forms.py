"""Forms for managing staff accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.auth.passwords import password_problem
from models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.BUREAU: _l("Bureau staff"),
    Role.EMPLOYMENT: _l("Employment centre staff"),
    Role.ORGANIZER: _l("Fair organizer"),
    Role.KIOSK: _l("Fair kiosk"),
    Role.SOCIAL_WORKER: _l("Community social worker"),
}


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    facility_id = SelectField(_l("Facility (bureau staff)"), coerce=int, validators=[Optional()])
    fair_id = SelectField(_l("Fair (kiosk)"), coerce=int, validators=[Optional()])

    def set_scopes(self, facilities, fairs, locale):
        self.facility_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(f.id, f.name(locale)) for f in facilities
        ]
        self.fair_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(f.id, f.name(locale)) for f in fairs
        ]

    def validate_facility_id(self, field):
        if self.role.data == Role.BUREAU.value and not field.data:
            raise ValidationError(_l("Choose the facility this bureau account belongs to."))

    def validate_fair_id(self, field):
        if self.role.data == Role.KIOSK.value and not field.data:
            raise ValidationError(_l("Choose the fair this kiosk is bound to."))


class UserForm(RoleForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(_l("Enter a user name.")),
            Length(min=3, max=40, message=_l("Use 3 to 40 characters.")),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use only letters, digits, '.', '_' and '-'.")),
        ],
    )
    display_name = StringField(_l("Display name"), validators=[Length(max=60)])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(_l("Enter an initial password."))]
    )
    submit = SubmitField(_l("Create account"))

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.username.data or "")
        if problem:
            raise ValidationError(problem)


class EditRoleForm(RoleForm):
    submit = SubmitField(_l("Save role"))


class ToggleForm(FlaskForm):
    submit = SubmitField()


class ResetPasswordForm(FlaskForm):
    clear_second_factor = BooleanField(
        _l("Also turn off the second factor (the phone or authenticator app was lost)"))
    submit = SubmitField(_l("Reset the password"))
