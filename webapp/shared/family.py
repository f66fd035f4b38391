"""Family accounts (亲情账号) as every face words them: relations, scopes, refusals, and the resident's news
of what a family member did for them ("您的女儿替您预约了…")."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.models import FamilyRelation, FamilyScope

RELATION_WORDS = {
    FamilyRelation.DAUGHTER: _l("Daughter"),
    FamilyRelation.SON: _l("Son"),
    FamilyRelation.GRANDCHILD: _l("Grandchild"),
    FamilyRelation.SPOUSE: _l("Husband or wife"),
    FamilyRelation.RELATIVE: _l("Other relative"),
}
# "Your daughter" as the resident reads it in their news.
YOUR_RELATION = {
    FamilyRelation.DAUGHTER: _l("Your daughter"),
    FamilyRelation.SON: _l("Your son"),
    FamilyRelation.GRANDCHILD: _l("Your grandchild"),
    FamilyRelation.SPOUSE: _l("Your husband or wife"),
    FamilyRelation.RELATIVE: _l("Your relative"),
}
SCOPE_WORDS = {
    FamilyScope.CHECKINS: _l("See my check-ins and alerts"),
    FamilyScope.TICKETS: _l("Follow and report my requests"),
    FamilyScope.BOOKINGS: _l("Book appointments, classes and activities for me"),
}

# Who ended a link, as the office reads it on the resident's page (FamilyLink.ended_by).
ENDED_BY_WORDS = {
    "resident": _l("by the resident"),
    "staff": _l("by the community office"),
    "family": _l("by the family member"),
    "erased": _l("when the resident's record was erased"),
}


def ended_by_words(by: str | None) -> str:
    return str(ENDED_BY_WORDS[by]) if by in ENDED_BY_WORDS else (by or "")


# (value, words) pairs for the forms that link a family member (kiosk, office).
RELATION_CHOICES = [(r.value, words) for r, words in RELATION_WORDS.items()]
SCOPE_CHOICES = [(s.value, words) for s, words in SCOPE_WORDS.items()]


def relation_words(relation: FamilyRelation | str | None) -> str:
    """The relation in the reader's language (an unknown value, as in an old audit row, is shown as is)."""
    if relation is None or relation not in FamilyRelation._value2member_map_:
        return str(relation or "")
    return str(RELATION_WORDS[FamilyRelation(relation)])


def scope_words(scope: str) -> str:
    return str(SCOPE_WORDS[FamilyScope(scope)]) if scope in FamilyScope._value2member_map_ else scope


def refusal(reason: str) -> str:
    """Why a family link or sign-in was refused, in words a person can act on."""
    if reason == "expired":
        return _(
            "This family QR code is more than 10 minutes old. Please ask for a new one at the lobby screen."
        )
    if reason == "used":
        return _("This family QR code has already been used. Each code works once; please ask for a new one.")
    if reason == "already":
        return _("You are already linked to this resident.")
    if reason == "too_many":
        return _("Five family members are already linked. End one link before adding another.")
    if reason == "no_scope":
        return _("Please choose at least one thing your family member may do.")
    if reason == "scope":
        return _("The resident has not shared this with you. They can change it at the lobby screen.")
    if reason == "code_wrong":
        return _("That code is not right. Please check the SMS and try again.")
    if reason == "code_tries":
        return _("Too many wrong codes. Please ask for a new code.")
    if reason == "code_expired":
        return _("This code has expired or was not sent. Please ask for a new code.")
    if reason == "codes_throttled":
        return _("Too many codes were sent to this number. Please try again in an hour.")
    return _(
        "We do not know this family link. Please check that you scanned the QR code on the lobby screen."
    )


def _who(db: Any, link: Any) -> str:
    """ "Your son", and which one when the resident has linked two sons: the last four digits of the phone
    the news came from (the kiosk's list of links shows the same digits)."""
    from webapp.domain.family.links import has_namesake

    who = str(YOUR_RELATION.get(link.relation, _l("Your family")))
    if link.member is not None and has_namesake(db, link):
        return _("%(who)s (phone ending %(last4)s)", who=who, last4=link.member.phone_last4)
    return who


def family_news_words(notification: Any) -> str | None:
    """A resident's news of what a family member did for them, or None when it is not family news."""
    from webapp.domain.family.acts import NEWS_KIND

    if notification.kind != NEWS_KIND:
        return None
    from webapp.domain.desk.bookings import active_booking
    from webapp.infra.db import get_session
    from webapp.infra.i18n import current_locale, when_words
    from webapp.models import Event, FamilyLink, Ticket, TrainingSession

    what, _sep, rest = str(notification.detail or "").partition(":")
    link_id, _sep, object_id = rest.partition(":")
    db = get_session()
    link = db.get(FamilyLink, int(link_id)) if link_id.isdigit() else None
    who = _who(db, link) if link is not None else _("Your family")
    oid = int(object_id) if object_id.isdigit() else 0
    if what == "class" and (ts := db.get(TrainingSession, oid)) is not None:
        return _(
            "%(who)s booked the class %(title)s on %(when)s for you.",
            who=who,
            title=ts.course.title(current_locale()),
            when=when_words(ts.starts_at),
        )
    if what == "event" and (event := db.get(Event, oid)) is not None:
        return _(
            "%(who)s signed you up for %(title)s on %(when)s.",
            who=who,
            title=event.title(current_locale()),
            when=when_words(event.starts_at),
        )
    if what == "appointment" and (ticket := db.get(Ticket, oid)) is not None:
        booking = active_booking(db, ticket)
        return _(
            "%(who)s booked %(service)s on %(when)s for you (request %(number)s).",
            who=who,
            service=ticket.service_type.name(current_locale()),
            when=when_words(booking.slot.starts_at) if booking is not None else "",
            number=ticket.number,
        )
    if what == "ended":
        return _(
            "%(who)s ended the family link with you. You can add them again at the lobby screen.", who=who
        )
    if what == "ticket" and (ticket := db.get(Ticket, oid)) is not None:
        return _("%(who)s reported request %(number)s for you.", who=who, number=ticket.number)
    return _("%(who)s did something for you on Linli.", who=who)
