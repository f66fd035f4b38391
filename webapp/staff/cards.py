"""Cards and PINs in the console: issue and print (8 per A4 sheet), revoke, unlock, help set a PIN."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.policy import Permission, can, deny, require
from webapp.domain.identity.cards import CardRefused, card_for_scan, issue_card, revoke_all_cards
from webapp.domain.identity.pins import WeakPin, set_pin, unlock
from webapp.domain.register import residents as register
from webapp.domain.register.residents import ResidentSearch
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Community, Resident
from webapp.shared.context import base_url, current_actor
from webapp.staff.blueprint import bp
from webapp.staff.forms import SetPinForm
from webapp.staff.scope import allowed_ids, resident_or_404

CARDS_PER_SHEET = 8


@dataclass(frozen=True)
class PrintedCard:
    """One card as printed: everything in the resident's own language, the link only in the QR."""

    name: str
    flat: str
    community: str
    url: str
    lang: str
    title: str
    how_to: str
    qr_label: str


def _printed(resident: Resident, community: Community, url: str, default_locale: str) -> PrintedCard:
    locale = resident.preferred_locale or default_locale
    with force_locale(locale):
        return PrintedCard(
            name=resident.name,
            flat=resident.household.label if resident.household else "",
            community=community.name(locale),
            url=url,
            lang={"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}.get(locale, "en"),
            title=_("Resident card"),
            how_to=_("Scan this at the lobby touch screen, or with your phone's camera. Keep it like a key."),
            qr_label=_("Card QR code for %(name)s", name=resident.name),
        )


def render_sheet(people: list[tuple[Resident, str]]) -> ResponseReturnValue:
    from flask import current_app

    default = current_app.config["LINLI"].default_locale
    cards = [_printed(r, r.community, url, default) for r, url in people]
    sheets = [cards[i : i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]
    return render_template("staff/card_sheet.html", sheets=sheets, count=len(cards))


@bp.get("/cards")
@require(Permission.MANAGE_CARDS)
def cards() -> ResponseReturnValue:
    ids = allowed_ids(Permission.MANAGE_CARDS)
    residents = register.search(
        get_session(), ResidentSearch(community_ids=ids, text=request.args.get("q", "")[:64])
    )
    return render_template("staff/cards.html", residents=residents)


@bp.post("/cards/print")
@require(Permission.MANAGE_CARDS)
def cards_print() -> ResponseReturnValue:
    """Issue new cards for the chosen residents and show them as printable sheets (this is the only time)."""
    # "Print for everyone listed" sends the ids of the search result shown (no script needed to tick all).
    field = "listed" if request.form.get("all") == "1" else "resident"
    wanted = [n for n in map(small_int, request.form.getlist(field)) if n is not None][:400]
    if not wanted:
        flash(_("Please choose at least one resident."), "info")
        return redirect(url_for("staff.cards"), code=303)
    db = get_session()
    actor = current_actor()
    people = []
    for resident_id in wanted:
        resident = resident_or_404(resident_id, Permission.MANAGE_CARDS)
        people.append((resident, issue_card(db, actor, resident).url(base_url())))
    return render_sheet(people)


@bp.post("/residents/<int:resident_id>/card")
@require(Permission.MANAGE_CARDS)
def resident_card_issue(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.MANAGE_CARDS)
    db = get_session()
    issued = issue_card(db, current_actor(), resident)
    return render_sheet([(resident, issued.url(base_url()))])


@bp.post("/residents/<int:resident_id>/card/revoke")
@require(Permission.MANAGE_CARDS)
def resident_card_revoke(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.MANAGE_CARDS)
    db = get_session()
    revoke_all_cards(db, current_actor(), resident)
    flash(_("The card no longer works. Issue a new one when the resident needs it."), "info")
    return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)


@bp.post("/residents/<int:resident_id>/unlock")
@require(Permission.MANAGE_CARDS)
def resident_unlock(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.MANAGE_CARDS)
    db = get_session()
    unlock(db, current_actor(), resident)
    flash(_("The PIN is unlocked. The resident can try again."), "info")
    return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)


PIN_MESSAGES = {
    "format": lambda: _("A PIN is exactly 6 digits."),
    "simple": lambda: _("That PIN is too easy to guess. Please avoid 123456, 111111 and the like."),
    "mismatch": lambda: _("The two PINs are not the same. Please type them again."),
}


@bp.route("/pin", methods=["GET", "POST"])
@require(Permission.SET_PIN)
def pin() -> ResponseReturnValue:
    """A volunteer helps a resident who holds their card set a new PIN; the resident types it."""
    form = SetPinForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            resident = card_for_scan(db, form.card.data or "").resident
        except CardRefused:
            form.card.errors = [_("This card is not valid. Please ask the community office for a new one.")]
            status = 400
        else:
            if not can(current_user.staff, Permission.SET_PIN, resident.community_id):
                deny(subject_type="resident", subject_id=resident.id, permission=Permission.SET_PIN.value)
                form.card.errors = [_("This card belongs to another community.")]
                status = 403
            elif form.pin.data != form.pin_again.data:
                form.pin_again.errors = [PIN_MESSAGES["mismatch"]()]
                status = 400
            else:
                try:
                    set_pin(db, current_actor().helping(resident.id), resident, form.pin.data or "")
                except WeakPin as exc:
                    form.pin.errors = [PIN_MESSAGES[exc.reason]()]
                    status = 400
                else:
                    flash(_("The new PIN for %(name)s is set.", name=resident.name), "info")
                    return redirect(url_for("staff.pin"), code=303)
    elif request.method == "POST":
        status = 400
    form.pin.data = form.pin_again.data = ""
    return render_template("staff/pin.html", form=form), status
