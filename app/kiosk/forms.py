"""The kiosk's one staff form: signing a device in with the organizer's code."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class EnrolForm(FlaskForm):
    code = StringField(_l("Kiosk sign-in code"), validators=[
        DataRequired(_l("Type the 8-character code shown on the organizer's Kiosks page.")),
        Length(max=20, message=_l("The code has 8 letters and digits, e.g. ABCD-2345."))])
    submit = SubmitField(_l("Use this device as a kiosk"))
