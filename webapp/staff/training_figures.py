"""The training dashboard (classes held, attendance, skills gained by age band, volunteers' hours) with
charts drawn on the server and the same figures as a table and a CSV; and certificates seen by the office
(print again, withdraw), which name a resident and so are audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import Permission, deny, require
from webapp.domain.privacy.audit import record
from webapp.domain.training.certificates import revoke
from webapp.domain.training.figures import AGE_BANDS, figures
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.models import Certificate
from webapp.shared.context import base_url, current_actor
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

WINDOW = timedelta(days=365)


def band_labels() -> dict[str, str]:
    return {
        "under_60": _("Under 60"),
        "60_69": _("60–69"),
        "70_79": _("70–79"),
        "80_plus": _("80 and over"),
        "unknown": _("Age not known"),
    }


@bp.get("/training/figures")
@require(Permission.VIEW_TRAINING)
def training_figures() -> ResponseReturnValue:
    data = figures(get_session(), allowed_ids(Permission.VIEW_TRAINING), clock.now() - WINDOW)
    return render_template("staff/training_figures.html", f=data, bands=AGE_BANDS, band_labels=band_labels())


@bp.get("/training.csv")
@require(Permission.VIEW_TRAINING)
def training_csv() -> ResponseReturnValue:
    """The dashboard's figures per month, for the street office's spreadsheet (no names)."""
    data = figures(get_session(), allowed_ids(Permission.VIEW_TRAINING), clock.now() - WINDOW)
    out = io.StringIO()
    writer = csv.writer(out)
    labels = band_labels()
    writer.writerow(
        [_("Month"), _("Classes held"), _("Places taken"), _("Came")]
        + [_("Skills gained: %(band)s", band=labels[b]) for b in AGE_BANDS]
        + [_("Hours led")]
    )
    for m in data.months:
        writer.writerow(
            [
                m.month,
                m.held,
                m.booked,
                m.attended,
                *[m.gained[b] for b in AGE_BANDS],
                round(m.minutes_led / 60, 1),
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=training-{clock.now():%Y%m%d}.csv"},
    )


def certificate_or_404(certificate_id: int) -> Certificate:
    cert = get_session().get(Certificate, certificate_id)
    if cert is None or cert.community_id not in allowed_ids(Permission.VIEW_TRAINING):
        deny(subject_type="certificate", subject_id=certificate_id)
        abort(404)
    return cert


@bp.get("/training/certificates/<int:certificate_id>")
@writes
@require(Permission.VIEW_TRAINING)
def certificate_view(certificate_id: int) -> ResponseReturnValue:
    """A resident's certificate, to print again: it names them, so the view is audited."""
    cert = certificate_or_404(certificate_id)
    db = get_session()
    record(db, current_actor(), "certificate.view", "resident", cert.resident_id, cert.community_id)
    link = f"{base_url()}{url_for('resident.verify_certificate', code=cert.code)}"
    return render_template("staff/training_certificate.html", cert=cert, link=link)


@bp.post("/training/certificates/<int:certificate_id>/revoke")
@require(Permission.VIEW_TRAINING)
def certificate_revoke(certificate_id: int) -> ResponseReturnValue:
    cert = certificate_or_404(certificate_id)
    db = get_session()
    revoke(db, current_actor(), cert)
    flash(_("The certificate is withdrawn: checking it now says so."), "info")
    return redirect(url_for("staff.certificate_view", certificate_id=cert.id), code=303)
