"""Notice templates: what an office announces again and again (停水, 停电, 电梯维保), kept once in three
languages and picked when writing a notice, which then gets its own dates and buildings.

A template is only a starting text: nothing links a notice back to it, so editing a template never changes
what residents were already told.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import has_control_characters
from webapp.domain.life.notices import BODY_MAX, LOCALES, SUMMARY_MAX, TITLE_MAX
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import NoticeTemplate

NAME_MAX = 80


def _clean(names: dict[str, str]) -> dict[str, str]:
    return {k: v.strip() for k, v in names.items() if k in LOCALES and v and v.strip()}


def check_template(
    session: Session, community_id: int, template: NoticeTemplate | None, values: dict[str, Any]
) -> dict[str, str]:
    """Field -> error code (the notice form's codes); an empty dict means it can be saved."""
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > NAME_MAX:
        errors["name"] = "too_long"
    elif has_control_characters(name):
        errors["name"] = "bad_choice"
    else:
        other = session.scalar(
            select(NoticeTemplate.id).where(
                NoticeTemplate.community_id == community_id, NoticeTemplate.name == name
            )
        )
        if other is not None and (template is None or other != template.id):
            errors["name"] = "name_taken"
    if not (values["titles"].get("zh_Hans") or "").strip():
        errors["title_zh_Hans"] = "required"
    if not (values["bodies"].get("zh_Hans") or "").strip():
        errors["body_zh_Hans"] = "required"
    for loc in LOCALES:
        if len(values["titles"].get(loc) or "") > TITLE_MAX:
            errors[f"title_{loc}"] = "too_long"
        if len(values["summaries"].get(loc) or "") > SUMMARY_MAX:
            errors[f"summary_{loc}"] = "too_long"
        if len(values["bodies"].get(loc) or "") > BODY_MAX:
            errors[f"body_{loc}"] = "too_long"
    return errors


def save_template(
    session: Session, actor: Actor, community_id: int, template: NoticeTemplate | None, values: dict[str, Any]
) -> NoticeTemplate:
    """Create or change a template (values already checked with `check_template`)."""
    if template is None:
        template = NoticeTemplate(community_id=community_id)
        session.add(template)
    template.name = values["name"].strip()
    template.titles = _clean(values["titles"])
    template.summaries = _clean(values["summaries"])
    template.bodies = _clean(values["bodies"])
    template.urgent = bool(values.get("urgent"))
    template.updated_at = clock.now()
    session.flush()
    record(session, actor, "notice_template.save", "notice_template", template.id, community_id)
    return template


def delete_template(session: Session, actor: Actor, template: NoticeTemplate) -> None:
    record(
        session,
        actor,
        "notice_template.delete",
        "notice_template",
        template.id,
        template.community_id,
        name=template.name,
    )
    session.delete(template)
    session.flush()


def templates_of(session: Session, community_ids: Collection[int]) -> list[NoticeTemplate]:
    return list(
        session.scalars(
            select(NoticeTemplate)
            .where(NoticeTemplate.community_id.in_(community_ids))
            .order_by(NoticeTemplate.community_id, NoticeTemplate.name)
        )
    )


def add_starters(
    session: Session, actor: Actor, community_id: int, starters: list[dict[str, Any]]
) -> list[NoticeTemplate]:
    """Add the usual templates the community does not have yet (by name): pressing twice adds nothing."""
    added = []
    for values in starters:
        if not check_template(session, community_id, None, values):
            added.append(save_template(session, actor, community_id, None, values))
    return added
