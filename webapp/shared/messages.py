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


# The services desk: answers to a service's questions, appointments, photos, ticket changes.
DESK_ERRORS = {
    "required": _l("Please answer this question."),
    "bad_choice": _l("Please choose one of the answers shown."),
    "bad_number": _l("Please give a whole number, like 2."),
    "too_long": _l("This is too long. Please keep it under 500 characters."),
    "bad_date": _l("Please choose a date."),
    "full": _l("Sorry, this time has just been fully booked. Please choose another time."),
    "past": _l("This time has already passed. Please choose a later time."),
    "no_slot": _l("Please choose one of the times shown."),
    "no_booking": _l("There is no appointment to change."),
    "not_today": _l("This appointment is not now. Please come at the time on your ticket."),
    "photo_missing": _l("The photo was not found. Please add it again."),
    "photo_too_big": _l("This photo is too large (at most 10 MB). Please take a smaller one."),
    "photo_type": _l("This file is not a photo. Please choose a JPEG, PNG or WebP picture."),
    "not_eligible": _l("Sorry, this service is not available for you. The community office can help."),
    "transition": _l("This ticket cannot be changed that way now."),
    "choose_status": _l("Please choose the new status."),
    "office_cancels": _l(
        "Only the community office can cancel a ticket. To refuse it, reject it with a reason."
    ),
    "reason_required": _l("Please give a reason; the resident will see it."),
    "reopen_too_late": _l("A ticket can be reopened only within 7 days of being done."),
    "not_yours": _l("This is not your ticket."),
    "rating": _l("Please choose one of the five faces."),
    "note_required": _l("Please write a note."),
    "note_too_long": _l("This note is too long. Please shorten it."),
    "bad_code": _l("Use 1 to 32 small letters, digits or dashes, like repair-light."),
    "code_taken": _l("Another service in this community already has this code."),
    "bad_hours": _l("Give a number of hours between 1 and 2160."),
    "bad_questions": _l("The questions are not in the expected form. See the example below the box."),
    "unknown_provider": _l("Please choose one of this community's service providers (add it first)."),
}


def desk_error(code: str) -> str:
    return str(DESK_ERRORS.get(code, DESK_ERRORS["bad_choice"]))


def desk_error_list(errors: dict[str, str], prefix: str = "") -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary that links to each field."""
    return [(prefix + field, desk_error(code)) for field, code in errors.items()]


# Community life: notices, the local services directory, events and the time bank.
LIFE_ERRORS = {
    "required": _l("Please fill this in."),
    "too_long": _l("This is too long."),
    "name_taken": _l("There is already a template with this name. Please choose another."),
    "bad_choice": _l("Please choose one of the answers shown."),
    "bad_date": _l("Please give a date and a time."),
    "ends_before_start": _l("The end must be after the start."),
    "unknown_building": _l("Please choose buildings of this community."),
    "bad_opening_hours": _l(
        "Please write times like 08:00-11:30, 13:00-17:00, or leave the day empty if closed."
    ),
    "bad_dates": _l("Please write dates like 2027-01-01, separated by spaces."),
    "bad_phone": _l("Please give a phone number with digits and dashes, like 0571-8888-1201."),
    "bad_minutes": _l("Please give a length between 10 minutes and 24 hours."),
    "bad_number": _l("Please give a whole number between 1 and 2000."),
    "past": _l("This time has already passed. Please choose a later time."),
    "not_for_you": _l("This notice is not for you."),
    "not_current": _l("This notice is no longer shown."),
    "cancelled": _l("Sorry, this activity has been called off."),
    "other_community": _l("This card belongs to another community."),
    "not_signed_up": _l("You are not signed up for this."),
    "not_now": _l("Check-in opens one hour before the start and closes at the end."),
    "not_booked": _l("This person has no place at this activity."),
    "card_unknown": _l("This card is not known here. Please scan a Linli resident card."),
    "bad_hours": _l("Please give hours in half-hour steps, like 1 or 1.5 (at most 100)."),
    "overdrawn": _l("There are not enough hours in the time bank for this."),
    "not_family": _l("Hours can only be given to people who live in the same flat."),
    "not_accepted": _l("This place does not take time-bank hours."),
    "decided": _l("This has already been decided."),
    "bad_kind": _l("Please choose what the hours were for."),
    "unknown_person": _l("Please choose a person from the list."),
    "bad_day": _l("Please choose a day in the past year, not in the future."),
    "not_volunteer": _l("This account has no role in this resident's community."),
    "linked_elsewhere": _l("This account already belongs to another resident."),
    "own_claim": _l("You cannot approve your own hours. Ask a colleague."),
}


def life_error(code: str) -> str:
    return str(LIFE_ERRORS.get(code, LIFE_ERRORS["bad_choice"]))


def life_error_list(errors: dict[str, str]) -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary that links to each field."""
    return [(field, life_error(code)) for field, code in errors.items()]


TRAINING_ERRORS = {
    "not_leader": _l("Only a leader of this class or the community office can call it off."),
    "unknown_skill": _l("Please choose one of the course's skills."),
    "full": _l("This class is full. You are on the waiting list."),
    "past": _l("This class is over."),
    "cancelled": _l("This class has been called off."),
    "not_signed_up": _l("You are not signed up for this class."),
    "not_booked": _l("This person has no place in this class."),
    "other_community": _l("This card belongs to another community."),
    "not_now": _l("This can only be done from an hour before the class until it ends."),
    "bad_level": _l("Please choose: not yet, with help, or on my own."),
    "no_consent": _l("Tick the box if you want this saved to My skills."),
    "not_scanned": _l("We have not seen the scan yet. Scan the code with your phone, then open the link."),
    "bad_minutes": _l("Please give the minutes as a number from 0 to 720."),
    "card_unknown": _l("This card was not recognised. Try again, or type the card link."),
    "bad_choice": _l("Please choose one of the options."),
    "not_sure": _l("Tick the box to confirm that the class is called off."),
}


def training_error(code: str) -> str:
    return str(TRAINING_ERRORS.get(code) or LIFE_ERRORS.get(code) or TRAINING_ERRORS["bad_choice"])


# Colleagues' accounts: invitations, roles, disabling and resets (webapp.domain.identity.accounts).
ACCOUNT_ERRORS = {
    "username": _l(
        "Please use 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit."
    ),
    "username_taken": _l("This username is taken. Please choose another."),
    "password_short": _l("Please use at least 10 characters for the password."),
    "password_long": _l("That password is too long."),
    "name": _l("Please give a name of at most 64 characters."),
    "provider": _l("Please name one of this community's service providers (as on the providers page)."),
    "region": _l("You may give the district role only for your own street or district, or one below it."),
    "above_own_role": _l("You may not give or change a role above your own, or outside your communities."),
    "last_admin": _l("A community always keeps one active administrator. Add another administrator first."),
    "own_account": _l("You cannot change your own account here."),
    "already": _l("Nothing to change: it is already so."),
    "email": _l("Please give an e-mail address like name@example.com, or leave it empty."),
    "email_needed": _l("Please give your e-mail address to receive the digest."),
    "invite_unknown": _l("This link is not known. Please ask your administrator for a new one."),
    "invite_used": _l("This link has already been used. Please ask your administrator for a new one."),
    "invite_expired": _l(
        "This link has expired (links last 72 hours). Please ask your administrator for a new one."
    ),
}


def account_error(code: str) -> str:
    return str(ACCOUNT_ERRORS.get(code, ACCOUNT_ERRORS["already"]))
