"""The district roll-up (一网统管): each community side by side, counts only (nothing personal crosses
communities). A district administrator sees every community of their region; a community's administrator
sees their own. Each figure comes from its area's own rule (desk, kiosk, training), never recomputed here."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

from flask import Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.auth.policy import Permission, require
from webapp.domain.desk import queue as desk
from webapp.domain.kiosk.care import care_list
from webapp.domain.kiosk.devices import is_online, uptime_percent
from webapp.domain.register.community import communities_by_id, kiosks_in
from webapp.domain.training.figures import figures as training_figures
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

TRAINING_DAYS = 90


@dataclass(frozen=True)
class Row:
    name: str
    open: int
    overdue: int
    median_hours: float | None
    rating: float | None
    care_waiting: int
    kiosks_online: int
    kiosks: int
    uptime_percent: float | None  # share of the last 7 days its kiosks were heard from (None: no kiosk)
    classes_held: int
    residents_trained: int


def _rows() -> list[Row]:
    db = get_session()
    locale = str(get_locale() or "zh_Hans")
    now = clock.now()
    rows = []
    for community in communities_by_id(db, set(allowed_ids(Permission.VIEW_ROLLUP))):
        one = frozenset({community.id})
        tickets = desk.figures(db, desk.TicketScope(everything=one))
        kiosks = [k for k in kiosks_in(db, {community.id}) if k.device_token_hash]
        months = training_figures(db, one, now - timedelta(days=TRAINING_DAYS)).months
        rows.append(
            Row(
                name=community.name(locale),
                open=tickets.open,
                overdue=tickets.overdue,
                median_hours=tickets.median_hours,
                rating=tickets.rating,
                care_waiting=sum(1 for r in care_list(db, community) if r.action is None),
                kiosks_online=sum(1 for k in kiosks if is_online(k, now)),
                kiosks=len(kiosks),
                uptime_percent=uptime_percent(db, [k.id for k in kiosks], now),
                classes_held=sum(m.held for m in months),
                residents_trained=sum(m.gained_total for m in months),
            )
        )
    return rows


@bp.get("/district")
@require(Permission.VIEW_ROLLUP)
def district() -> ResponseReturnValue:
    rows = _rows()
    chart = [(r.name, r.open, r.overdue) for r in rows]
    return render_template("staff/district.html", rows=rows, chart=chart, days=TRAINING_DAYS)


def _headings() -> list[str]:
    return [
        _("Community"),
        _("Open"),
        _("Overdue"),
        _("Median time to resolve (hours)"),
        _("Satisfaction (of 5)"),
        _("Care list: not yet seen today"),
        _("Kiosks online"),
        _("Kiosks"),
        _("Kiosk uptime, last 7 days (%)"),
        _("Classes held"),
        _("Residents trained"),
    ]


def _cells(r: Row) -> list[str | int | float | None]:
    return [
        r.name,
        r.open,
        r.overdue,
        r.median_hours,
        r.rating,
        r.care_waiting,
        r.kiosks_online,
        r.kiosks,
        r.uptime_percent,
        r.classes_held,
        r.residents_trained,
    ]


@bp.get("/district.csv")
@require(Permission.VIEW_ROLLUP)
def district_csv() -> ResponseReturnValue:
    """For reporting upward: the same table, in the reader's language, one row per community."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headings())
    for r in _rows():
        writer.writerow(["" if v is None else v for v in _cells(r)])
    return Response(
        "\ufeff" + out.getvalue(),  # the BOM makes spreadsheet programs read the Chinese correctly
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=district.csv", "Cache-Control": "no-store"},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/district.xlsx")
@require(Permission.VIEW_ROLLUP)
def district_xlsx() -> ResponseReturnValue:
    """The same table as an Excel workbook (what a street office forwards upward), numbers as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("District overview")[:31])
    sheet.append(_headings())
    for r in _rows():
        sheet.append(_cells(r))
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": "attachment; filename=district.xlsx", "Cache-Control": "no-store"},
    )
