"""Spreadsheet import in the console: upload, check every row, preview, then import all or nothing."""

from __future__ import annotations

import csv
import io
import secrets
import time
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import Permission, require
from webapp.domain.register.importing import (
    COLUMNS,
    ImportFileError,
    plan_import,
    read_table,
    run_import,
    sample_rows,
    template_header,
)
from webapp.infra.db import get_session
from webapp.shared.context import current_actor, vault
from webapp.shared.messages import field_error
from webapp.staff.blueprint import bp
from webapp.staff.forms import ImportForm
from webapp.staff.scope import allowed_ids

PENDING_LIFETIME = 3600
FILE_MESSAGES = {
    "format": lambda: _("Please upload a CSV or XLSX file saved from a spreadsheet."),
    "empty": lambda: _("The file has no rows under its header."),
    "too_many": lambda: _("The file has too many rows. Please split it into files of 20,000 rows or fewer."),
    "no_name_column": lambda: _("The first row must name the columns; one of them must be 姓名 (name)."),
    "expired": lambda: _("The upload has expired. Please upload the file again."),
}


def _pending_dir() -> Path:
    folder = current_app.config["LINLI"].instance_path / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.bin"):
        if now - old.stat().st_mtime > PENDING_LIFETIME:
            old.unlink(missing_ok=True)
    return folder


def _keep(filename: str, content: bytes) -> str:
    """Keep the upload, encrypted (it holds ID and phone numbers), until the person confirms."""
    key = secrets.token_urlsafe(16)
    blob = vault().encrypt("import", filename + "\n" + content.hex())
    (_pending_dir() / f"{key}.bin").write_bytes(blob)
    session["pending_import"] = key
    return key


def _take(key: str) -> tuple[str, bytes] | None:
    if not key or session.get("pending_import") != key or not key.replace("-", "").replace("_", "").isalnum():
        return None
    path = _pending_dir() / f"{key}.bin"
    try:
        blob = path.read_bytes()
        path.unlink()  # single use: a double submit or a second tab finds nothing to import
    except FileNotFoundError:
        return None
    session.pop("pending_import", None)
    filename, _sep, hex_content = vault().decrypt("import", blob).partition("\n")
    return filename, bytes.fromhex(hex_content)


def column_label(key: str) -> str:
    return " / ".join(COLUMNS.get(key, (key,))[:2])


@bp.route("/residents/import", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def residents_import() -> ResponseReturnValue:
    form = ImportForm()
    community_id = min(allowed_ids(Permission.EDIT_RESIDENTS))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/import.html", form=form, plan=None, error=None), status
    upload = form.file.data
    if upload is None or not upload.filename:
        return render_template(
            "staff/import.html", form=form, plan=None, error=FILE_MESSAGES["format"]()
        ), 400
    content = upload.read()
    try:
        plan = plan_import(get_session(), vault(), community_id, read_table(upload.filename, content))
    except ImportFileError as exc:
        return render_template(
            "staff/import.html", form=form, plan=None, error=FILE_MESSAGES[exc.reason]()
        ), 400
    key = _keep(upload.filename, content) if plan.ok else None
    errors = [(e.row, column_label(e.column), field_error(e.code)) for e in plan.errors]
    return render_template(
        "staff/import.html",
        form=form,
        plan=plan,
        errors=errors,
        key=key,
        filename=upload.filename,
        error=None,
    ), (200 if plan.ok else 422)


@bp.post("/residents/import/confirm")
@require(Permission.EDIT_RESIDENTS)
def residents_import_confirm() -> ResponseReturnValue:
    form = ImportForm()
    community_id = min(allowed_ids(Permission.EDIT_RESIDENTS))
    key = request.form.get("key", "")
    pending = _take(key) if form.validate_on_submit() else None
    if pending is None:
        return render_template(
            "staff/import.html", form=form, plan=None, error=FILE_MESSAGES["expired"]()
        ), 400
    db = get_session()
    filename, content = pending
    try:
        plan = plan_import(db, vault(), community_id, read_table(filename, content))
        count = run_import(db, vault(), current_actor(), community_id, plan)
    except ImportFileError as exc:
        return render_template(
            "staff/import.html", form=form, plan=None, error=FILE_MESSAGES[exc.reason]()
        ), 400
    (_pending_dir() / f"{key}.bin").unlink(missing_ok=True)
    session.pop("pending_import", None)
    flash(_("Imported %(count)s residents.", count=count), "info")
    return redirect(url_for("staff.residents"), code=303)


@bp.get("/residents/import/template.csv")
@require(Permission.EDIT_RESIDENTS)
def residents_import_template() -> ResponseReturnValue:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(template_header())
    writer.writerows(sample_rows())
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=linli-residents.csv"},
    )
