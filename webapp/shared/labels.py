"""Translated names of roles, shown in the console."""

from flask_babel import lazy_gettext as _l

from webapp.models import (
    Category,
    ConsentKind,
    Eligibility,
    EventKind,
    Handler,
    NoticeGroup,
    PlaceKind,
    ProviderKind,
    Role,
    Status,
)

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COMMUNITY_WORKER: _l("Community worker"),
    Role.PROPERTY_MANAGER: _l("Property manager"),
    # Translators: a company or clinic that answers service requests, e.g. a home-care provider.
    Role.SERVICE_PROVIDER: _l("Service provider"),
    Role.VOLUNTEER: _l("Volunteer"),
    # Translators: 网格员, a community grid worker who visits an assigned grid of households.
    Role.GRID_WORKER: _l("Grid worker"),
    # Translators: the street office's (街道) administrator over all its communities.
    Role.DISTRICT_ADMIN: _l("District administrator"),
}


def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


CONSENT_LABELS = {
    ConsentKind.AGE: _l("Date of birth (age)"),
    ConsentKind.LIVES_ALONE: _l("Living alone"),
    ConsentKind.DISABILITY: _l("Disability registration"),
    ConsentKind.HEALTH: _l("Health information"),
}


def consent_label(kind: ConsentKind) -> str:
    return str(CONSENT_LABELS[kind])


STATUS_LABELS = {
    Status.SUBMITTED: _l("Received"),
    Status.ACCEPTED: _l("Accepted"),
    Status.IN_PROGRESS: _l("Being handled"),
    Status.RESOLVED: _l("Done"),
    Status.CLOSED: _l("Closed"),
    Status.REJECTED: _l("Not accepted"),
    Status.CANCELLED: _l("Cancelled"),
}


def status_label(status: Status | None) -> str:
    return str(STATUS_LABELS[status]) if status is not None else ""


CATEGORY_LABELS = {
    Category.REPAIR: _l("Repairs"),
    Category.COMPLAINT: _l("Complaints and suggestions"),
    Category.ELDERLY_CARE: _l("Elderly care"),
    Category.HEALTH: _l("Health"),
    Category.CHILDCARE: _l("Childcare"),
    Category.DISABILITY_AID: _l("Disability aid"),
    Category.HELP_BENEFITS: _l("Help and benefits"),
    Category.CERTIFICATES: _l("Certificates"),
    Category.OTHER: _l("Other"),
}


def category_label(category: Category | str) -> str:
    return str(CATEGORY_LABELS[Category(category)])


HANDLER_LABELS = {
    Handler.PROPERTY: _l("Property company"),
    Handler.OFFICE: _l("Community office"),
    Handler.PROVIDER: _l("Service provider"),
}


def unit_label(unit: str) -> str:
    """A handling unit as the queue filter names it: "office", "property" or "provider:<id>:<name>"."""
    if unit.startswith("provider:"):
        return unit.split(":", 2)[-1]
    return str(HANDLER_LABELS[Handler(unit)])


ELIGIBILITY_LABELS = {
    Eligibility.EVERYONE: _l("Everyone"),
    Eligibility.AGED_60: _l("Aged 60 and over"),
    Eligibility.DISABILITY: _l("Registered disability"),
}


NOTICE_GROUP_LABELS = {
    NoticeGroup.AGED_80: _l("Aged 80 and over"),
    NoticeGroup.AGED_60: _l("Aged 60 and over"),
    NoticeGroup.LIVES_ALONE: _l("Living alone"),
    NoticeGroup.DISABILITY: _l("Registered disability"),
}


def group_label(group: NoticeGroup | str) -> str:
    return str(NOTICE_GROUP_LABELS[NoticeGroup(group)])


PLACE_KIND_LABELS = {
    PlaceKind.SHOP: _l("Shops"),
    PlaceKind.CLINIC: _l("Clinics"),
    PlaceKind.PHARMACY: _l("Pharmacies"),
    # Translators: repair shops near the community (appliances, shoes, bicycles), not the repair requests.
    PlaceKind.REPAIR: _l("Repair shops"),
    PlaceKind.HOUSEKEEPING: _l("Housekeeping and home care"),
    # Translators: a canteen with cheap meals for older people (长者食堂 / 老年食堂).
    PlaceKind.CANTEEN: _l("Elderly canteens"),
    PlaceKind.OTHER: _l("Other"),
}


def place_kind_label(kind: PlaceKind | str) -> str:
    return str(PLACE_KIND_LABELS[PlaceKind(kind)])


EVENT_KIND_LABELS = {
    # Translators: a community get-together (tai chi, making dumplings), as opposed to a class.
    EventKind.ACTIVITY: _l("Activity"),
    # Translators: a lesson, e.g. a smartphone class; not a category.
    EventKind.CLASS: _l("Class"),
}


def event_kind_label(kind: EventKind | str) -> str:
    return str(EVENT_KIND_LABELS[EventKind(kind)])


EARN_KIND_LABELS = {
    "session_led": _l("Led a class or session"),
    "event_helped": _l("Helped at an activity"),
    "help_given": _l("Helped a neighbour"),
}

TIME_KIND_LABELS = {
    # Translators: time-bank hours a new volunteer starts with.
    "welcome": _l("Welcome hours"),
    # Translators: time-bank hours earned by helping others.
    "earn": _l("Hours earned"),
    # Translators: time-bank hours used to pay a local service.
    "spend": _l("Hours used"),
    # Translators: time-bank hours given to (or received from) a family member.
    "gift": _l("Hours given in the family"),
}


def earn_kind_label(kind: str) -> str:
    return str(EARN_KIND_LABELS.get(kind, kind))


def time_kind_label(kind: str) -> str:
    return str(TIME_KIND_LABELS.get(kind, kind))


LEVEL_LABELS = {
    # Translators: a skill the resident cannot do yet
    "not_yet": _l("Not yet"),
    # Translators: a skill the resident can do when someone helps
    "with_help": _l("With help"),
    # Translators: a skill the resident can do alone
    "on_my_own": _l("On my own"),
}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(str(level), level))


CHANNEL_LABELS = {
    "kiosk": _l("Kiosk"),
    "phone": _l("Phone"),
    # Translators: a ticket entered by staff in the console (for a resident who phoned or came in).
    "staff": _l("Staff console"),
    # Translators: a ticket sent by another system through the programming interface.
    "api": _l("API"),
}


def channel_label(channel: str) -> str:
    """Where a ticket came from ("kiosk:3" is kiosk number 3: the kind is what a person reads)."""
    kind = (channel or "").split(":")[0]
    return str(CHANNEL_LABELS.get(kind, kind))


def event_words(event: object) -> str:
    """What a timeline event says, in the reader's language, from its code (old events too)."""
    from flask_babel import gettext as _

    from webapp.domain.desk.public import event_kind

    kind, detail = event_kind(event)  # type: ignore[arg-type]
    if kind == "assigned":
        return _("Given to %(name)s", name=detail or "")
    if kind == "unassigned":
        return _("No longer given to anyone")
    if kind == "escalated":
        return _("Overdue: handed to the community office")
    if kind == "urgent":
        return _("Reported as dangerous or urgent: first in every queue, shorter deadline")
    return detail or ""


def actor_words(event: object) -> str:
    """Who did it: a staff member's name, or "Resident" / "System" in the reader's language."""
    from flask_babel import gettext as _

    actor_type = getattr(event, "actor_type", "")
    if actor_type == "staff" and getattr(event, "actor_name", None):
        return str(event.actor_name)  # type: ignore[attr-defined]
    if actor_type == "resident":
        return _("Resident")
    if actor_type == "family":
        return _("A family member, for the resident")
    return _("System")


NAV_AREA_LABELS = {
    # Translators: the console menu's area for the services desk (办事).
    "desk": _l("Services desk"),
    # Translators: the console menu's area for the register of residents (居民).
    "residents": _l("Residents"),
    # Translators: the console menu's area for notices, activities, local services, time bank (社区生活).
    "life": _l("Community life"),
    # Translators: the console menu's area for volunteer-led classes (培训).
    "training": _l("Training"),
    # Translators: the console menu's area for one's own account and the audit trail (设置).
    "settings": _l("Settings"),
}

NAV_LABELS = {
    "staff.tickets": _l("Tickets"),
    "staff.desk_figures": _l("Figures"),
    "staff.catalog": _l("Services"),
    "staff.kiosks": _l("Kiosks"),
    "staff.residents": _l("Residents"),
    "staff.care": _l("Care list"),
    "staff.help_calls": _l("Help calls"),
    "staff.duty_roster": _l("Duty roster"),
    "staff.buildings": _l("Buildings"),
    "staff.cards": _l("Cards"),
    "staff.pin": _l("Set a PIN"),
    "staff.deletions": _l("Deletion requests"),
    "staff.notices": _l("Notices"),
    "staff.events_list": _l("Activities"),
    "staff.directory": _l("Local services"),
    "staff.timebank_home": _l("Time bank"),
    "staff.training": _l("Training"),
    "staff.training_figures": _l("Training figures"),
    "staff.badge": _l("My badge"),
    "staff.security": _l("My security"),
    "staff.audit": _l("Audit trail"),
    # Translators: the console page listing messages sent by SMS and to staff groups, and their status.
    "staff.deliveries": _l("Deliveries"),
    "staff.accounts_list": _l("Staff accounts"),
    "staff.api_keys": _l("API keys"),
    # Translators: addresses of other systems that Linli tells about new and changed tickets (回调地址).
    "staff.webhooks": _l("Webhooks"),
    "staff.communities": _l("Communities"),
    # Translators: 一网统管, the street office's view of its communities side by side.
    "staff.district": _l("District overview"),
    "staff.community_settings": _l("Community settings"),
    # Translators: the ways messages leave Linli: SMS, DingTalk and WeCom robots, e-mail, Web Push.
    "staff.channels_list": _l("Message channels"),
    # Translators: 服务单位, the property company, clinic, canteen or repair team answering requests.
    "staff.providers": _l("Service providers"),
}

PROVIDER_KIND_LABELS = {
    ProviderKind.PROPERTY: _l("Property company"),
    ProviderKind.CLINIC: _l("Clinic or health station"),
    ProviderKind.CANTEEN: _l("Canteen"),
    ProviderKind.REPAIR: _l("Repair team"),
    ProviderKind.CARE: _l("Home-care provider"),
    ProviderKind.OTHER: _l("Other service provider"),
}


def provider_kind_label(kind: str) -> str:
    return str(PROVIDER_KIND_LABELS[ProviderKind(kind)])


def nav_area_label(area: str) -> str:
    return str(NAV_AREA_LABELS[area])


def nav_label(endpoint: str) -> str:
    return str(NAV_LABELS[endpoint])


# How a help call ended (issue 18), as staff close it and as a family member reads it.
HELP_OUTCOME_WORDS = {
    "helped": _l("Someone went and helped"),
    "ambulance": _l("Ambulance (120) called"),
    "false_alarm": _l("Pressed by mistake, all well"),
    "checked_in": _l("Checked in after all"),
    "other": _l("Other (see the note)"),
}
