"""Regions and communities coming into being: the first run (`flask setup`), the demo seed and the console
all create them through these functions, so a community made by hand and the demo's are made the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from webapp.domain import DomainError, has_control_characters
from webapp.domain.identity.staff import create_staff, find_staff
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Community, Region, RegionLevel, Role, StaffRegionRole, StaffUser
from webapp.models.types import Names

DEFAULT_TIMEZONE = "Asia/Shanghai"
NAME_MAX = 64


class SetupError(DomainError):
    code = "setup"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "name", "timezone", "slug_taken", "username_taken", "too_long", "characters", "phone", "locale"
        self.reason = reason


def same_names(name: str) -> Names:
    """One name typed by an office, used in every language until someone translates it."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX or has_control_characters(cleaned):
        raise SetupError("name")
    return {"zh_Hans": cleaned, "zh_Hant": cleaned, "en": cleaned}


def _free(session: Session, column: InstrumentedAttribute[str], stem: str) -> str:
    """*stem*, or *stem*-2, -3 … whichever is not yet used in *column* (a unique code or slug)."""
    candidate, n = stem, 1
    while session.scalar(select(func.count()).where(column == candidate)):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def _stem(name: str, fallback: str) -> str:
    """A URL-safe stem from a name: its ASCII letters and digits, else *fallback* (Chinese has none)."""
    ascii_part = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    return ascii_part or fallback


def ensure_region(
    session: Session,
    actor: Actor,
    names: Names,
    level: RegionLevel = RegionLevel.STREET,
    parent: Region | None = None,
    code: str | None = None,
) -> Region:
    """The region with this code (or, without a code, this name at this level), created when missing."""
    if code:
        found = session.scalar(select(Region).where(Region.code == code))
    else:
        found = next(
            (
                r
                for r in session.scalars(select(Region).where(Region.level == level))
                if r.names.get("zh_Hans") == names.get("zh_Hans")
            ),
            None,
        )
    if found is not None:
        return found
    region = Region(
        code=code or _free(session, Region.code, _stem(names.get("en", ""), "region")),
        level=level,
        names=names,
        parent=parent,
    )
    session.add(region)
    session.flush()
    record(session, actor, "region.create", "region", region.id, code=region.code)
    return region


def create_community(
    session: Session,
    actor: Actor,
    region: Region,
    names: Names,
    slug: str | None = None,
    phone: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> Community:
    """A new community under *region*; its slug (the lobby display's address) is made from the name if
    not given, and must be free."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SetupError("timezone") from exc
    if slug is not None:
        if session.scalar(select(func.count()).where(Community.slug == slug)):
            raise SetupError("slug_taken")
    else:
        slug = _free(session, Community.slug, _stem(names.get("en", ""), "community"))
    community = Community(region=region, slug=slug, names=names, phone=phone, timezone=timezone)
    session.add(community)
    session.flush()
    record(session, actor, "community.create", "community", community.id, community.id, region_id=region.id)
    return community


def is_set_up(session: Session) -> bool:
    """Has this instance a community yet? Until it has, the console can only say how to create one."""
    return bool(session.scalar(select(func.count(Community.id))))


@dataclass(frozen=True)
class SetupResult:
    created: bool  # False: the instance was already set up and nothing changed
    community: Community | None
    admin: StaffUser | None


def first_run(
    session: Session,
    actor: Actor,
    region_name: str,
    community_name: str,
    admin_username: str,
    admin_display_name: str,
    password: str,
) -> SetupResult:
    """The street office, the first community and its first administrator, once.

    Run again on an instance that has a community, it changes nothing (the console adds the rest), so a
    script can call it on every deployment.
    """
    if is_set_up(session):
        first = session.scalar(select(Community).order_by(Community.id).limit(1))
        return SetupResult(created=False, community=first, admin=None)
    if find_staff(session, admin_username) is not None:
        raise SetupError("username_taken")
    region = ensure_region(session, actor, same_names(region_name))
    community = create_community(session, actor, region, same_names(community_name))
    admin = create_staff(
        session, admin_username, admin_display_name or admin_username, password, [(community.id, Role.ADMIN)]
    )
    # The office that installs Linli also adds its other communities: district administrator of the region.
    admin.region_roles.append(StaffRegionRole(region_id=region.id, role=Role.DISTRICT_ADMIN))
    session.flush()
    record(session, actor, "staff.create", "staff_user", admin.id, community.id, role=Role.ADMIN.value)
    record(
        session,
        actor,
        "staff.role_grant",
        "staff_user",
        admin.id,
        community.id,
        role=Role.DISTRICT_ADMIN.value,
    )
    return SetupResult(created=True, community=community, admin=admin)


LOCALES = ("zh_Hans", "zh_Hant", "en")


@dataclass(frozen=True)
class CommunityDetails:
    """What an office keeps about itself; names are one text for every language until translated."""

    name: str
    address: str = ""
    phone: str = ""
    office_hours: str = ""
    timezone: str = DEFAULT_TIMEZONE
    default_locale: str = ""


def _check_details(details: CommunityDetails) -> None:
    if len(details.address) > 200 or len(details.office_hours) > 200:
        raise SetupError("too_long")
    if has_control_characters(details.address + details.office_hours):
        raise SetupError("characters")
    if len(details.phone) > 32 or has_control_characters(details.phone):
        raise SetupError("phone")
    if details.default_locale and details.default_locale not in LOCALES:
        raise SetupError("locale")
    try:
        ZoneInfo(details.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SetupError("timezone") from exc


def _apply(community: Community, details: CommunityDetails) -> None:
    community.address = details.address.strip() or None
    community.phone = details.phone.strip() or None
    community.office_hours = details.office_hours.strip() or None
    community.timezone = details.timezone
    community.default_locale = details.default_locale or None


def add_community(session: Session, actor: Actor, region: Region, details: CommunityDetails) -> Community:
    """A community added from the console (a district administrator), with its office's details."""
    _check_details(details)
    community = create_community(session, actor, region, same_names(details.name), timezone=details.timezone)
    _apply(community, details)
    session.flush()
    return community


def edit_community(session: Session, actor: Actor, community: Community, details: CommunityDetails) -> None:
    """Change a community's details; a changed name replaces every language's (an office types one)."""
    _check_details(details)
    names = same_names(details.name)
    if names["zh_Hans"] != community.names.get("zh_Hans"):
        community.names = names
    _apply(community, details)
    session.flush()
    record(session, actor, "community.edit", "community", community.id, community.id)


def set_archived(session: Session, actor: Actor, community: Community, archived: bool) -> None:
    """Archive (records stay readable, nothing new happens there) or bring back a community."""
    if (community.archived_at is not None) == archived:
        return
    community.archived_at = clock.now() if archived else None
    session.flush()
    record(
        session,
        actor,
        "community.archive" if archived else "community.unarchive",
        "community",
        community.id,
        community.id,
    )
