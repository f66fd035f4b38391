"""Console forms. Labels are lazy strings; validation of meaning lives in the core, not here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.domain.identity.passwords import MAX_PASSWORD_LENGTH
from webapp.shared.options import options

TOO_LONG = _l("This is too long.")


class LocalDateField(DateField):
    """A date field whose parse error is ours, and translated (WTForms' own is not in our catalogs)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Please give a date like 1945-03-08."))) from exc


LOCALE_CHOICES = [("", _l("Not chosen")), ("zh_Hans", "中文简体"), ("zh_Hant", "中文繁體"), ("en", "English")]


class ResidentForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[Length(max=200, message=TOO_LONG)])
    household_id = SelectField(_l("Flat"), coerce=str, validate_choice=False)
    birth_date = LocalDateField(
        _l("Date of birth"), validators=[Optional()], render_kw={"placeholder": "1945-03-08"}
    )
    id_number = StringField(
        _l("ID card number"),
        validators=[Length(max=40, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    phone = StringField(
        _l("Mobile number"), validators=[Length(max=40, message=TOO_LONG)], render_kw={"autocomplete": "off"}
    )
    lives_alone = BooleanField(_l("Lives alone"))
    has_disability = BooleanField(_l("Registered disability"))
    preferred_locale = SelectField(_l("Language"), choices=options(LOCALE_CHOICES), validate_choice=False)
    consent_age = BooleanField(
        _l("Agrees that we keep the date of birth (to offer services for older people)")
    )
    consent_lives_alone = BooleanField(_l("Agrees that we keep that they live alone (for daily check-ins)"))
    consent_disability = BooleanField(
        _l("Agrees that we keep the disability registration (for disability aid)")
    )
    guardian_name = StringField(
        _l("Guardian's name (for a child under 14)"), validators=[Length(max=64, message=TOO_LONG)]
    )


class RevealForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Name, flat (2-1-501) or last 4 digits of phone or ID"),
        validators=[Length(max=64, message=TOO_LONG)],
    )
    building = SelectField(_l("Building"), coerce=str, validate_choice=False)


class SetPinForm(FlaskForm):
    card = StringField(
        _l("Scan or type the resident's card"),
        validators=[DataRequired(_l("Please scan the resident's card.")), Length(max=300, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    pin = PasswordField(
        _l("New PIN (6 digits), typed by the resident"),
        validators=[DataRequired(_l("Please enter a PIN.")), Length(max=12, message=TOO_LONG)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"},
    )
    pin_again = PasswordField(
        _l("The same PIN again"),
        validators=[DataRequired(_l("Please enter the PIN again.")), Length(max=12, message=TOO_LONG)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"},
    )


class BuildingForm(FlaskForm):
    number = StringField(
        _l("Building number"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=4, message=TOO_LONG)],
    )
    name = StringField(_l("Name shown to residents"), validators=[Length(max=32, message=TOO_LONG)])


class BuildingNameForm(FlaskForm):
    name = StringField(_l("Name shown to residents"), validators=[Length(max=32, message=TOO_LONG)])


class HouseholdForm(FlaskForm):
    unit = StringField(
        _l("Unit"), validators=[DataRequired(_l("Please fill this in.")), Length(max=3, message=TOO_LONG)]
    )
    room = StringField(
        _l("Room"), validators=[DataRequired(_l("Please fill this in.")), Length(max=8, message=TOO_LONG)]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"))


class InviteForm(FlaskForm):
    display_name = StringField(
        _l("Their name, as colleagues see it"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=64, message=TOO_LONG)],
    )
    community_id = SelectField(_l("Community"), coerce=str, validate_choice=False)
    role = SelectField(_l("Role"), coerce=str, validate_choice=False)
    provider = StringField(
        _l("Service provider (only for the service provider role): its name as on the providers page"),
        validators=[Length(max=80, message=TOO_LONG)],
    )
    email = StringField(
        _l("Their own e-mail address (optional): the link is mailed there too"),
        validators=[Length(max=254, message=TOO_LONG)],
    )


class ContactForm(FlaskForm):
    """A staff member's own e-mail address and whether they want the hourly digest of their queues."""

    email = StringField(_l("Your e-mail address"), validators=[Length(max=254, message=TOO_LONG)])
    wants_digest = BooleanField(
        _l("Send me an e-mail every hour when my queues change (counts only: new, overdue, urgent)")
    )


class GrantForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=str, validate_choice=False)
    role = SelectField(_l("Role"), coerce=str, validate_choice=False)
    provider = StringField(
        _l("Service provider (only for the service provider role): its name as on the providers page"),
        validators=[Length(max=80, message=TOO_LONG)],
    )


class CommunityForm(FlaskForm):
    name = StringField(
        _l("Community name"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=64, message=TOO_LONG)],
    )
    region_id = SelectField(_l("Street office or district"), coerce=str, validate_choice=False)
    address = StringField(_l("Office address"), validators=[Length(max=200, message=TOO_LONG)])
    phone = StringField(_l("Office phone"), validators=[Length(max=32, message=TOO_LONG)])
    office_hours = StringField(_l("Office hours"), validators=[Length(max=200, message=TOO_LONG)])
    timezone = StringField(
        _l("Time zone"), validators=[Length(max=64, message=TOO_LONG)], default="Asia/Shanghai"
    )
    default_locale = SelectField(_l("Kiosk language"), choices=options(LOCALE_CHOICES), validate_choice=False)


class CompoundForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=str, validate_choice=False)
    description = TextAreaField(
        _l("Describe the buildings"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=2000, message=TOO_LONG)],
        render_kw={"rows": 5, "spellcheck": "false"},
    )


class ProviderForm(FlaskForm):
    name = StringField(
        _l("Name of the provider"),
        validators=[DataRequired(_l("Please fill this in.")), Length(max=80, message=TOO_LONG)],
    )
    kind = SelectField(_l("Kind"), coerce=str, validate_choice=False)
    contact_name = StringField(_l("Contact person"), validators=[Length(max=64, message=TOO_LONG)])
    phone = StringField(_l("Contact phone"), validators=[Length(max=32, message=TOO_LONG)])
