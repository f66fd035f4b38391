"""My skills on the phone (what I can do, what to learn next, my next class, my certificates), one-tap
sign-up for a class, the certificate to print, and /verify/<code> where anyone checks a certificate.

The verify page is public on purpose (the QR on the paper leads there), so it shows only what the paper
already says, with the name masked: a leaked code tells a stranger no more than the paper would.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from webapp.auth.principals import the_resident
from webapp.domain.training.certificates import masked_name, verify
from webapp.domain.training.skills import TrainingError
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import current_locale
from webapp.infra.unit_of_work import keep
from webapp.models import Certificate, TrainingSession
from webapp.resident.account import resident_required
from webapp.resident.blueprint import bp
from webapp.shared import confirm
from webapp.shared.context import base_url, current_actor
from webapp.shared.messages import training_error
from webapp.shared.throttles import link_checks, note_failure, refuse_if_throttled
from webapp.shared.training import class_action, skills_page_data


@bp.get("/me/skills", endpoint="my_skills")
@resident_required
def my_skills_page() -> ResponseReturnValue:
    resident = the_resident()
    return render_template("learn/my_skills.html", face="phone", error=None, **skills_page_data(resident))


@bp.post("/me/classes/<int:class_id>/<any(signup, cancel):action>", endpoint="class_action")
@resident_required
def my_class_action(class_id: int, action: str) -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    ts = db.get(TrainingSession, class_id)
    if ts is None or ts.community_id != resident.community_id:
        abort(404)
    asked = confirm.for_class(ts, current_locale())
    if action == "cancel" and not confirm.confirmed():
        return confirm.screen("resident", asked, url_for("resident.my_skills"))
    try:
        words = class_action(current_actor(), resident, ts, action, "phone")
    except TrainingError as exc:
        return render_template(
            "learn/my_skills.html",
            face="phone",
            error=training_error(exc.reason),
            **skills_page_data(resident),
        ), 400
    flash(asked.done if action == "cancel" else words, "info")
    return redirect(url_for("resident.my_skills"), code=303)


@bp.get("/me/certificates/<int:certificate_id>")
@resident_required
def my_certificate(certificate_id: int) -> ResponseReturnValue:
    resident = the_resident()
    cert = get_session().get(Certificate, certificate_id)
    if cert is None or cert.resident_id != resident.id or cert.revoked_at is not None:
        abort(404)
    return render_template("learn/certificate.html", face="phone", cert=cert, link=verify_link(cert))


def verify_link(cert: Certificate) -> str:
    return f"{base_url()}{url_for('resident.verify_certificate', code=cert.code)}"


@bp.get("/verify/<code>")
@writes  # an unknown code is counted (webapp/shared/throttles.py)
def verify_certificate(code: str) -> ResponseReturnValue:
    """Anyone holding the paper checks it here; forged and withdrawn codes are refused in words."""
    checks = link_checks("certificate")
    if (wait := refuse_if_throttled(checks)) is not None:
        return wait
    db = get_session()
    verdict = verify(db, code)
    if verdict.state == "unknown":
        note_failure(checks)
        keep()  # an unknown code counts
    status = {"valid": 200, "revoked": 410, "unknown": 404}[verdict.state]
    cert = verdict.certificate
    return render_template(
        "learn/verify.html",
        face="phone",
        state=verdict.state,
        cert=cert,
        name=masked_name(cert.name) if cert else "",
    ), status
