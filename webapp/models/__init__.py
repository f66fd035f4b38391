"""Typed SQLAlchemy models, one module per domain; importing this package registers them all."""

from webapp.models.community import Building, Community, Household, Kiosk, Region, RegionLevel
from webapp.models.desk import (
    Booking,
    BookingStatus,
    IdempotencyKey,
    Notification,
    Photo,
    PushSubscription,
    Slot,
)
from webapp.models.identity import AuthAttempt, HandoffToken, PasskeyCredential, ResidentCard
from webapp.models.kiosk import CareAction, CareOutcome, CheckIn, KioskVisit, StaffBadge
from webapp.models.people import Resident, Role, StaffRole, StaffUser
from webapp.models.privacy import AuditEntry, Consent, ConsentKind, DeletionRequest, DeletionStatus
from webapp.models.services import (
    Category,
    Eligibility,
    Handler,
    RequestEvent,
    ServiceRequest,
    ServiceType,
    Status,
)

__all__ = [
    "Booking",
    "BookingStatus",
    "IdempotencyKey",
    "Notification",
    "Photo",
    "PushSubscription",
    "Slot",
    "Category",
    "Eligibility",
    "Handler",
    "RequestEvent",
    "ServiceRequest",
    "ServiceType",
    "Status",
    "CareAction",
    "CareOutcome",
    "CheckIn",
    "KioskVisit",
    "StaffBadge",
    "AuditEntry",
    "AuthAttempt",
    "Consent",
    "ConsentKind",
    "DeletionRequest",
    "DeletionStatus",
    "HandoffToken",
    "PasskeyCredential",
    "ResidentCard",
    "Building",
    "Community",
    "Household",
    "Kiosk",
    "Region",
    "RegionLevel",
    "Resident",
    "Role",
    "StaffRole",
    "StaffUser",
]
