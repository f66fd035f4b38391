"""A community's channels (issue 17): the office (or its district administrator) adds SMS gateways, group
robots and SMTP, switches them off, and sends a test message to see in words what the gateway answered.

Secrets are write-only: the form never shows one back (it says "••• set"), an empty secret field keeps the
stored one, and what is stored is sealed with the vault (`webapp.domain.messages.channels`).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.messages import channels
from webapp.domain.messages.channels import ChannelError, ChannelInput
from webapp.infra.channels.base import Sent
from webapp.infra.channels.registry import KINDS, Setting, problems
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import ChannelSetting, Community
from webapp.shared.channels import (
    KIND_LABELS,
    SECURITY_LABELS,
    SETTING_LABELS,
    SMS_FILE,
    explain,
    try_channel,
)
from webapp.shared.context import current_actor, vault
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

# Settings that belong to the instance, not to a community's form (see webapp.shared.channels).
HIDDEN = frozenset({"path", "vapid_key_file", "contact"})
# Settings most offices never change: shown under "More settings".
ADVANCED = frozenset({"endpoint", "region"})

ERRORS = {
    "required": _l("Please fill this in."),
    "url": _l("Please give a web address starting with https://."),
    "number": _l("Please give a number."),
    "choice": _l("Please choose one of the options shown."),
    "label": _l("Please give a name of at most 80 characters."),
    "label_taken": _l("Another channel of this community already has this name."),
    "value": _l("Please use only letters, digits and punctuation (at most 2000 characters)."),
    "kind": _l("Please choose one of the kinds shown."),
    "archived": _l("This community is archived: nothing can be changed there."),
    "unknown": _l("Please choose one of the kinds shown."),
}


def _community() -> Community:
    ids = allowed_ids(Permission.EDIT_SETTINGS)
    asked = small_int(request.args.get("community") or "", 2**31 - 1)
    community = get_session().get(Community, asked if asked in ids else min(ids))
    assert community is not None  # noqa: S101 (an id from the person's roles)
    return community


def _channel_or_404(channel_id: int) -> ChannelSetting:
    row = get_session().get(ChannelSetting, channel_id)
    if row is None or row.community_id not in allowed_ids(Permission.EDIT_SETTINGS):
        deny(subject_type="channel", subject_id=channel_id, permission=Permission.EDIT_SETTINGS.value)
        abort(404)
    return row


def _shown(kind: str) -> list[Setting]:
    return [s for s in KINDS[kind] if s.name not in HIDDEN]


def _input(kind: str) -> ChannelInput:
    form = request.form
    settings = {
        s.name: (form.get(s.name) or "")[:4000] for s in _shown(kind) if not s.secret and s.name not in HIDDEN
    }
    if kind == "sms_file":
        settings["path"] = SMS_FILE  # in the instance folder (webapp.shared.channels.instance_settings)
    secrets = {s.name: (form.get(s.name) or "")[:4000] for s in _shown(kind) if s.secret}
    return ChannelInput(
        kind=kind,
        label=(form.get("label") or "")[:200],
        enabled=form.get("enabled") == "1",
        settings=settings,
        secrets=secrets,
    )


def _communities() -> list[Community]:
    ids = allowed_ids(Permission.EDIT_SETTINGS)
    return list(get_session().scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id)))


def _list_page(community: Community, tested: tuple[int, Sent] | None = None) -> str:
    rows = channels.of_community(get_session(), community.id)
    return render_template(
        "staff/channels.html",
        community=community,
        communities=_communities(),
        rows=rows,
        kinds=list(KINDS),
        kind_labels=KIND_LABELS,
        tested=tested,
        tested_words=explain(tested[1]) if tested else "",
    )


@bp.get("/channels")
@require(Permission.EDIT_SETTINGS)
def channels_list() -> ResponseReturnValue:
    return _list_page(_community())


def _form_page(
    community: Community,
    kind: str,
    row: ChannelSetting | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> ResponseReturnValue:
    kept = channels.secrets_set(row, vault()) if row is not None else set()
    words = {name: str(ERRORS.get(code, ERRORS["required"])) for name, code in errors.items()}
    shown = _shown(kind)
    page = render_template(
        "staff/channel_form.html",
        community=community,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        row=row,
        basic=[s for s in shown if s.name not in ADVANCED],
        more=[s for s in shown if s.name in ADVANCED],
        more_open=any(s.name in errors for s in shown if s.name in ADVANCED),
        labels=SETTING_LABELS,
        security_labels=SECURITY_LABELS,
        values=values,
        errors=words,
        errors_list=[(name, text) for name, text in words.items() if name != "form"],
        kept=kept,
    )
    return page, status


def _save(community: Community, kind: str, row: ChannelSetting | None) -> ResponseReturnValue:
    given = _input(kind)
    values = {**given.settings, "label": given.label, "enabled": "1" if given.enabled else ""}
    kept = frozenset(channels.secrets_set(row, vault())) if row is not None else frozenset()
    errors = problems(kind, {**given.settings, **given.secrets}, kept)
    if not given.label.strip():
        errors["label"] = "required"
    if errors:
        return _form_page(community, kind, row, values, errors, 400)
    db = get_session()
    try:
        if row is None:
            row = channels.add(db, vault(), current_actor(), community.id, given)
        else:
            channels.update(db, vault(), current_actor(), row, given)
    except ChannelError as exc:
        field = "label" if exc.reason in ("label", "label_taken", "archived", "kind", "unknown") else "label"
        code = exc.reason if exc.reason != "value" else "value"
        return _form_page(
            community, kind, row, values, {field: code}, 409 if exc.reason == "archived" else 400
        )
    flash(_("Saved. Send a test message to see that it works."), "info")
    return redirect(url_for("staff.channels_list", community=community.id), code=303)


@bp.route("/channels/new", methods=["GET", "POST"])
@require(Permission.EDIT_SETTINGS)
def channel_new() -> ResponseReturnValue:
    community = _community()
    kind = request.args.get("kind") or ""
    if kind not in KINDS:
        if request.method == "POST" or "kind" in request.args:
            page = _list_page(community)
            return page, 400
        kind = "sms_aliyun"
    if request.method == "POST":
        return _save(community, kind, None)
    values = {s.name: s.default for s in _shown(kind) if not s.secret}
    values.update({"label": str(KIND_LABELS[kind]), "enabled": "1"})
    return _form_page(community, kind, None, values, {})


@bp.route("/channels/<int:channel_id>", methods=["GET", "POST"])
@require(Permission.EDIT_SETTINGS)
def channel_edit(channel_id: int) -> ResponseReturnValue:
    row = _channel_or_404(channel_id)
    community = get_session().get(Community, row.community_id)
    assert community is not None  # noqa: S101 (a foreign key)
    if request.method == "POST":
        return _save(community, row.kind, row)
    values = {s.name: s.default for s in _shown(row.kind) if not s.secret}
    values.update({k: v for k, v in (row.settings or {}).items() if v})
    values.update({"label": row.label, "enabled": "1" if row.enabled else ""})
    return _form_page(community, row.kind, row, values, {})


@bp.post("/channels/<int:channel_id>/enabled")
@require(Permission.EDIT_SETTINGS)
def channel_enabled(channel_id: int) -> ResponseReturnValue:
    row = _channel_or_404(channel_id)
    turn_on = not row.enabled
    try:
        channels.set_enabled(get_session(), current_actor(), row, turn_on)
    except ChannelError:
        flash(str(ERRORS["archived"]), "error")
        return redirect(url_for("staff.channels_list", community=row.community_id), code=303)
    flash(_("Switched on.") if turn_on else _("Switched off: nothing is sent through it."), "info")
    return redirect(url_for("staff.channels_list", community=row.community_id), code=303)


@bp.post("/channels/<int:channel_id>/test")
@require(Permission.EDIT_SETTINGS)
def channel_test(channel_id: int) -> ResponseReturnValue:
    """Send a test message now and show, in words, what the gateway answered (a refusal is a 200: the
    page did its work; the words say what the office should change)."""
    row = _channel_or_404(channel_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sent = try_channel(app, row.kind, channels.opened(row, vault()))
    channels.record_test(get_session(), current_actor(), row, sent.ok, sent.code)
    community = get_session().get(Community, row.community_id)
    assert community is not None  # noqa: S101 (a foreign key)
    return _list_page(community, (row.id, sent))
