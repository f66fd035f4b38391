"""Ask once before what one tap cannot undo: cancel a booking, withdraw a request, leave a class or an event.

Both faces post the same action twice: the first post (no ``confirmed``) shows a screen of its own that names
the thing and its time, with the safe choice first and largest; only the second post, from that screen, acts.
The words for the question and for the result are made here, once, so the kiosk and the phone say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from flask_babel import gettext as _

from webapp.infra.i18n import when_words
from webapp.models import Booking, Event, FamilyLink, Ticket, TrainingSession
from webapp.shared.family import relation_words


@dataclass(frozen=True)
class Confirmation:
    question: str  # 取消 12月7日 星期一 上午9:00 的健康体检？
    yes: str  # the button that acts
    keep: str  # the safe choice, first and largest
    done: str  # what was done, said on the next screen


def confirmed() -> bool:
    """Whether this post comes from the confirmation screen (the second tap)."""
    return request.form.get("confirmed") == "yes"


def screen(face: str, asked: Confirmation, keep_url: str, fields: dict[str, str] | None = None) -> str:
    """The question on a screen of its own; its "yes" posts the same action again, to the same address."""
    return render_template(
        f"{face}/confirm.html",
        confirmation=asked,
        action=request.path,
        keep_url=keep_url,
        fields=fields or {},
    )


def for_ticket(ticket: Ticket, booking: Booking | None, locale: str) -> Confirmation:
    what = ticket.service_type.name(locale)
    if booking is not None:
        when = when_words(booking.slot.starts_at)
        return Confirmation(
            _("Cancel your %(what)s on %(when)s?", what=what, when=when),
            _("Yes, cancel it"),
            _("No, keep it"),
            _("Your %(what)s on %(when)s is cancelled.", what=what, when=when),
        )
    return Confirmation(
        _("Withdraw your request %(number)s (%(what)s)?", number=ticket.number, what=what),
        _("Yes, withdraw it"),
        _("No, keep it"),
        _("Your request %(number)s (%(what)s) is withdrawn.", number=ticket.number, what=what),
    )


def for_class(ts: TrainingSession, locale: str) -> Confirmation:
    what, when = ts.course.title(locale), when_words(ts.starts_at)
    return Confirmation(
        _("Give up your place in %(what)s on %(when)s?", what=what, when=when),
        _("Yes, give up my place"),
        _("No, keep my place"),
        _("You have given up your place in %(what)s on %(when)s.", what=what, when=when),
    )


def for_event(event: Event, locale: str) -> Confirmation:
    what, when = event.title(locale), when_words(event.starts_at)
    return Confirmation(
        _("Give up your place in %(what)s on %(when)s?", what=what, when=when),
        _("Yes, give up my place"),
        _("No, keep my place"),
        _("You have given up your place in %(what)s on %(when)s.", what=what, when=when),
    )


def for_family_link(link: FamilyLink) -> Confirmation:
    """The resident ends a family member's link (kiosk)."""
    who = relation_words(link.relation)
    return Confirmation(
        _("End this family link (%(relation)s)?", relation=who),
        _("Yes, end the link"),
        _("No, keep the link"),
        _("The family link (%(relation)s) has ended.", relation=who),
    )


def for_leaving_family_link(link: FamilyLink) -> Confirmation:
    """The family member ends their own link to a resident (their phone); the resident is told."""
    name = link.resident.name
    return Confirmation(
        _("End your family link with %(name)s?", name=name),
        _("Yes, end the link"),
        _("No, keep the link"),
        _("Your family link with %(name)s has ended. We have told them.", name=name),
    )
