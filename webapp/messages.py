"""Translated words for the core's error codes, shared by every face (forms, imports, kiosk)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FIELD_ERRORS = {
    "required": _l("Please fill this in."),
    "too_long": _l("This is too long."),
    "id_length": _l("An ID number has 18 characters."),
    "id_characters": _l("An ID number has 17 digits and then a digit or X."),
    "id_birth_date": _l("The birth date inside this ID number is not a real date."),
    "id_check_digit": _l("This ID number is not valid. Please check each digit."),
    "id_taken": _l("Another resident already has this ID number."),
    "phone_invalid": _l("Please give an 11-digit mobile number, like 138 0013 8000."),
    "future": _l("This date is in the future."),
    "bad_date": _l("Please give a date like 1945-03-08."),
    "consent_needed": _l("Record the resident's consent before keeping this."),
    "guardian_needed": _l("For a child under 14, a guardian gives consent. Please enter their name."),
    "unknown_household": _l("Please choose a flat in this community."),
    "unknown_building": _l("There is no such building in this community."),
    "bad_yes_no": _l("Please write yes or no."),
}


def field_error(code: str) -> str:
    return str(FIELD_ERRORS.get(code, FIELD_ERRORS["required"]))
