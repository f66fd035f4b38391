"""Practice mode at the kiosk, clearly labelled "Practice — nothing is really sent": scan a QR shown on the
screen with one's own phone, fill in a pretend form, spot the scam, book a pretend appointment.

Anyone may practise without a scan. The QR leads to a token the server marks when a phone opens it, so
"I did it" is checked on the server; an identified resident may then save the result to My skills.
"""

from __future__ import annotations

from flask import g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kiosk.blueprint import bp
from webapp.domain.kiosk.visits import visit_actor
from webapp.domain.training import practice
from webapp.infra.db import get_session, writes
from webapp.shared.context import base_url
from webapp.shared.learn import render_flow, save_practice, scam_view
from webapp.shared.messages import training_error


def visiting_resident():  # noqa: ANN201 (a Resident or None)
    visit = g.get("visit")
    return visit.resident if visit is not None and visit.resident_id is not None else None


@bp.get("/practice", endpoint="practice_menu")
def practice_menu() -> ResponseReturnValue:
    return render_template("learn/practice_menu.html", face="kiosk")


@bp.get("/practice/scan", endpoint="practice_scan")
@writes
def practice_scan() -> ResponseReturnValue:
    """A fresh QR for this try: the phone that opens it marks it scanned."""
    db = get_session()
    token = practice.new_scan_token(db)
    link = f"{base_url()}{url_for('resident.practice_well_done', token=token)}"
    return render_template("learn/practice_scan.html", face="kiosk", token=token, link=link, error=None)


@bp.post("/practice/scan", endpoint="practice_scan_check")
def practice_scan_check() -> ResponseReturnValue:
    token = (request.form.get("token") or "")[:64]
    db = get_session()
    if not practice.was_scanned(db, token):
        link = f"{base_url()}{url_for('resident.practice_well_done', token=token)}"
        return render_template(
            "learn/practice_scan.html",
            face="kiosk",
            token=token,
            link=link,
            error=training_error("not_scanned"),
        ), 400
    return render_template(
        "learn/practice_done.html", face="kiosk", kind="scan", error=None, token=token, a=""
    )


@bp.get("/practice/<any(form, appointment):flow>", endpoint="practice_flow")
def practice_flow(flow: str) -> ResponseReturnValue:
    return render_flow("kiosk", flow)


@bp.post("/practice/<any(form, appointment):flow>", endpoint="practice_send")
def practice_send(flow: str) -> ResponseReturnValue:
    return render_template("learn/practice_done.html", face="kiosk", kind=flow, error=None, token="", a="")


@bp.get("/practice/scam", endpoint="practice_scam")
def practice_scam() -> ResponseReturnValue:
    return scam_view("kiosk")


@bp.post("/practice/save", endpoint="practice_save")
def practice_save_view() -> ResponseReturnValue:
    resident = visiting_resident()
    actor = visit_actor(g.visit) if g.visit is not None else None
    return save_practice("kiosk", resident, actor, url_for("kiosk.my_skills"))  # type: ignore[arg-type]
