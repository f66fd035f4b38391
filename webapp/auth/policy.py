"""Every permission decision in one module: which role may do what, in which community."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort

from webapp.auth.principals import signed_in_staff
from webapp.domain.identity.reach import archived_community_ids, district_community_ids
from webapp.models import Role, StaffUser

F = TypeVar("F", bound=Callable[..., Any])


class Permission(enum.StrEnum):
    CONSOLE = "console"  # open the staff console at all
    VIEW_COMMUNITY = "view_community"  # aggregate figures of a community
    VIEW_KIOSKS = "view_kiosks"
    VIEW_RESIDENTS = "view_residents"  # the register: names, flats, masked numbers
    EDIT_RESIDENTS = "edit_residents"  # add, edit, move out, import, buildings and households
    REVEAL_NUMBERS = "reveal_numbers"  # full ID and phone numbers, after re-entering the password
    MANAGE_CARDS = "manage_cards"  # issue, reissue, revoke, print; unlock PINs
    SET_PIN = "set_pin"  # help a resident (holding their card) set a PIN
    CONFIRM_DELETION = "confirm_deletion"
    VIEW_AUDIT = "view_audit"
    HANDLE_TICKETS = "handle_tickets"  # the services desk queue; which tickets: webapp.domain.desk.scope_of
    EDIT_CATALOG = "edit_catalog"  # service types, their questions and bookable slots
    EDIT_NOTICES = "edit_notices"  # write, schedule and withdraw notices; read counts
    EDIT_DIRECTORY = "edit_directory"  # the local services directory
    EDIT_EVENTS = "edit_events"  # events, their sign-up lists (names) and check-in at the door
    TIME_BANK = "time_bank"  # approve volunteers' hours, open accounts, statements, the welcome credit
    RUN_SESSIONS = "run_sessions"  # courses, classes, rosters (names), check-in, skill marks, hours led
    VIEW_TRAINING = "view_training"  # the training dashboard and its CSV; revoke certificates
    # Invite colleagues, change their roles, disable, reset passwords and TOTP (the core adds: never above
    # one's own rank, never the last administrator: webapp/domain/identity/accounts.py).
    MANAGE_STAFF = "manage_staff"
    # Create, edit and archive communities under a region: the district administrator's own permission.
    MANAGE_COMMUNITIES = "manage_communities"
    EDIT_PLACES = "edit_places"  # buildings, units and households (no residents' names)
    VIEW_ROLLUP = "view_rollup"  # communities side by side, counts only (a district admin: their region's)
    # Make, list and revoke the keys other systems use on the API (a community's, or a region's for a
    # district administrator): a key reads tickets of a whole community, so only administrators.
    MANAGE_API_KEYS = "manage_api_keys"
    EDIT_SETTINGS = (
        "edit_settings"  # the office's own details: address, phone, hours, time zone, kiosk language
    )
    # The community's service providers and handling units: contact, routed service types, their staff.
    MANAGE_PROVIDERS = "manage_providers"


_OFFICE = frozenset({Role.ADMIN, Role.COMMUNITY_WORKER})
# A district administrator (a role per region) sets communities up: their details, places and staff, and sees
# their figures; residents' records stay with each community's office.
_DISTRICT = frozenset({Role.DISTRICT_ADMIN})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.CONSOLE: frozenset(Role),
    Permission.VIEW_COMMUNITY: frozenset(
        {Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER}
    )
    | _DISTRICT,
    Permission.VIEW_KIOSKS: _OFFICE,
    Permission.VIEW_RESIDENTS: _OFFICE,
    Permission.EDIT_RESIDENTS: _OFFICE,
    Permission.REVEAL_NUMBERS: _OFFICE,
    Permission.MANAGE_CARDS: _OFFICE,
    Permission.SET_PIN: frozenset({Role.ADMIN, Role.COMMUNITY_WORKER, Role.VOLUNTEER}),
    Permission.CONFIRM_DELETION: frozenset({Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Permission.HANDLE_TICKETS: frozenset(
        {Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.SERVICE_PROVIDER}
    ),
    Permission.EDIT_CATALOG: _OFFICE,
    # The property company posts notices (a water cut); the list of who has not read one needs VIEW_RESIDENTS.
    Permission.EDIT_NOTICES: frozenset({Role.ADMIN, Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER}),
    Permission.EDIT_DIRECTORY: _OFFICE,
    Permission.EDIT_EVENTS: _OFFICE,
    Permission.TIME_BANK: _OFFICE,
    Permission.RUN_SESSIONS: frozenset({Role.ADMIN, Role.COMMUNITY_WORKER, Role.VOLUNTEER}),
    Permission.VIEW_TRAINING: _OFFICE,
    Permission.MANAGE_STAFF: frozenset({Role.ADMIN}) | _DISTRICT,
    Permission.MANAGE_COMMUNITIES: _DISTRICT,
    Permission.EDIT_PLACES: _OFFICE | _DISTRICT,
    Permission.EDIT_SETTINGS: frozenset({Role.ADMIN}) | _DISTRICT,
    Permission.VIEW_ROLLUP: frozenset({Role.ADMIN}) | _DISTRICT,
    Permission.MANAGE_API_KEYS: frozenset({Role.ADMIN}) | _DISTRICT,
    Permission.MANAGE_PROVIDERS: frozenset({Role.ADMIN}) | _DISTRICT,
}

# What may still be done in an archived community: reading. Every other permission stops there.
READ_ONLY = frozenset(
    {
        Permission.CONSOLE,
        Permission.VIEW_COMMUNITY,
        Permission.VIEW_KIOSKS,
        Permission.VIEW_RESIDENTS,
        Permission.VIEW_AUDIT,
        Permission.VIEW_TRAINING,
        Permission.MANAGE_COMMUNITIES,  # to find it again and bring it back
        Permission.VIEW_ROLLUP,
    }
)


# The console's menu, grouped by area; each entry is shown only to a role that may open it (the view checks
# again with `require`). Words for the areas and entries live in the face (webapp/shared/labels.py).
NAVIGATION: tuple[tuple[str, tuple[tuple[str, Permission], ...]], ...] = (
    (
        "desk",  # 办事
        (
            ("staff.tickets", Permission.HANDLE_TICKETS),
            ("staff.desk_figures", Permission.HANDLE_TICKETS),
            ("staff.district", Permission.VIEW_ROLLUP),
            ("staff.catalog", Permission.EDIT_CATALOG),
            ("staff.kiosks", Permission.VIEW_KIOSKS),
        ),
    ),
    (
        "residents",  # 居民
        (
            ("staff.residents", Permission.VIEW_RESIDENTS),
            ("staff.care", Permission.VIEW_RESIDENTS),
            ("staff.help_calls", Permission.VIEW_RESIDENTS),
            ("staff.buildings", Permission.EDIT_PLACES),
            ("staff.cards", Permission.MANAGE_CARDS),
            ("staff.pin", Permission.SET_PIN),
            ("staff.deletions", Permission.CONFIRM_DELETION),
        ),
    ),
    (
        "life",  # 社区生活
        (
            ("staff.notices", Permission.EDIT_NOTICES),
            ("staff.events_list", Permission.EDIT_EVENTS),
            ("staff.directory", Permission.EDIT_DIRECTORY),
            ("staff.timebank_home", Permission.TIME_BANK),
        ),
    ),
    (
        "training",  # 培训
        (
            ("staff.training", Permission.RUN_SESSIONS),
            ("staff.training_figures", Permission.VIEW_TRAINING),
            ("staff.badge", Permission.SET_PIN),
        ),
    ),
    (
        "settings",  # 设置
        (
            ("staff.security", Permission.CONSOLE),
            ("staff.community_settings", Permission.EDIT_SETTINGS),
            ("staff.channels_list", Permission.EDIT_SETTINGS),
            ("staff.duty_roster", Permission.EDIT_SETTINGS),
            ("staff.communities", Permission.MANAGE_COMMUNITIES),
            ("staff.providers", Permission.MANAGE_PROVIDERS),
            ("staff.accounts_list", Permission.MANAGE_STAFF),
            ("staff.api_keys", Permission.MANAGE_API_KEYS),
            ("staff.webhooks", Permission.MANAGE_API_KEYS),
            ("staff.audit", Permission.VIEW_AUDIT),
            ("staff.deliveries", Permission.EDIT_SETTINGS),
        ),
    ),
)


def navigation(user: StaffUser) -> list[tuple[str, list[str]]]:
    """The menu this person sees: (area, endpoints) for the areas with at least one page they may open."""
    menu = []
    for area, entries in NAVIGATION:
        allowed = [endpoint for endpoint, permission in entries if can(user, permission)]
        if allowed:
            menu.append((area, allowed))
    return menu


def may_cancel_ticket(user: StaffUser, community_id: int) -> bool:
    """Only the community office cancels a ticket for a resident: a provider or the property company that
    cannot do the work says so with a rejection (a reason the resident reads), never a silent cancellation."""
    return community_id in community_ids(user, Permission.VIEW_RESIDENTS)


def may_see_recipients(user: StaffUser, community_id: int) -> bool:
    """Whether the deliveries page names the residents a message went to (first name, masked number). Those
    are register data, so the rule is the register's: a district administrator, who manages channels across
    communities but never reads residents' records, sees the channel and the kind only."""
    return can(user, Permission.VIEW_RESIDENTS, community_id)


def may_see_help_call_details(user: StaffUser, community_id: int) -> bool:
    """Whether the acknowledge page of a help call shows the resident's name and their emergency contacts'
    full numbers: to those who may reveal numbers (the office), without re-entering the password that the
    register asks for, because someone is waiting for help now; the view is audited like a reveal."""
    return can(user, Permission.REVEAL_NUMBERS, community_id)


def may_lead_classes(role: Role) -> bool:
    """Who may be named leader of a training class: the roles that run sessions (volunteers, the office)."""
    return role in GRANTS[Permission.RUN_SESSIONS]


def community_ids(user: StaffUser, permission: Permission) -> set[int]:
    """The communities in which *user* holds a role that grants *permission*; queries scope to these.

    A district administrator's role reaches every community under their region; in an archived community
    only reading is left.
    """
    if not user.is_active:
        return set()
    allowed = GRANTS[permission]
    ids = {r.community_id for r in user.roles if r.role in allowed}
    if user.region_roles and Role.DISTRICT_ADMIN in allowed:
        ids |= _cached("district", user, lambda: district_community_ids(user))
    if permission not in READ_ONLY and ids:
        ids -= _cached("archived", user, lambda: archived_community_ids(user))
    return ids


def _cached(kind: str, user: StaffUser, compute: Callable[[], set[int]]) -> set[int]:
    """Once per request: the console's menu asks community_ids for every entry."""
    from flask import g, has_app_context

    if not has_app_context():
        return compute()
    key = f"policy_{kind}_{user.id}_{user.session_version}"
    if key not in g:
        setattr(g, key, compute())
    return set(getattr(g, key))


def can(user: StaffUser, permission: Permission, community_id: int | None = None) -> bool:
    ids = community_ids(user, permission)
    return bool(ids) if community_id is None else community_id in ids


def may_call_off_any_class(user: StaffUser, community_id: int) -> bool:
    """The community office may call off any class of its community; a volunteer only one they lead (the
    core checks the leaders when this is False)."""
    return can(user, Permission.VIEW_TRAINING, community_id)


def deny(**detail: Any) -> None:
    """Record a refused attempt (MLPS 2.0: failed access is audited) before the face answers 403/404."""
    from flask import request

    from webapp.domain.privacy.audit import record
    from webapp.infra.db import get_session
    from webapp.infra.unit_of_work import keep, start_writing
    from webapp.shared.context import current_actor

    start_writing()  # also in GET views: the refusal is written, so take the write lock
    endpoint = request.endpoint or ""
    record(get_session(), current_actor(), "access.denied", result="denied", endpoint=endpoint, **detail)
    keep()  # the refusal stands although the answer is an error


def require(permission: Permission) -> Callable[[F], F]:
    """Decorate a staff view: signed-in staff holding *permission* somewhere, else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from webapp.infra.extensions import login_manager

            staff = signed_in_staff()
            if staff is None:
                return login_manager.unauthorized()
            if not can(staff, permission):
                deny(permission=permission.value)
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
