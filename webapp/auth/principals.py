"""Who is signed in: one typed union of principals, each with an explicit kind.

Code asks `signed_in_staff()` or `signed_in_resident()` (or matches on `current_principal().kind`), never
`hasattr(current_user, …)`: a resident and a staff member share attribute names (`id`,
`preferred_locale`), and guessing by attribute once wrote a resident's language onto the staff account with
the same id. A family member (亲情账号) is a kind of their own: never a resident, they reach a
resident's pages only through the family pages and their links. API keys will join the union as a new kind.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Literal

from flask import abort
from flask_login import UserMixin, current_user

from webapp.models import FamilyMember, Resident, StaffUser


class PrincipalKind(enum.StrEnum):
    STAFF = "staff"
    RESIDENT = "resident"
    FAMILY = "family"


class SignedInStaff(UserMixin):
    """The staff member behind the current request.

    The id carries the user's session version: bumping it (disable, password change) makes every
    existing session cookie fail to load, which ends those sessions everywhere at once.
    """

    kind: ClassVar[Literal[PrincipalKind.STAFF]] = PrincipalKind.STAFF

    def __init__(self, staff: StaffUser) -> None:
        self.staff = staff
        self.id = staff.id
        self.display_name = staff.display_name
        self.preferred_locale = staff.preferred_locale

    def get_id(self) -> str:
        return f"{self.kind}:{self.staff.id}:{self.staff.session_version}"

    @property
    def is_active(self) -> bool:
        return self.staff.is_active


class SignedInResident(UserMixin):
    """A resident signed in on their own phone (card + PIN, passkey, or kiosk hand-off)."""

    kind: ClassVar[Literal[PrincipalKind.RESIDENT]] = PrincipalKind.RESIDENT

    def __init__(self, resident: Resident) -> None:
        self.resident = resident
        self.id = resident.id
        self.display_name = resident.name
        self.preferred_locale = resident.preferred_locale

    def get_id(self) -> str:
        return f"{self.kind}:{self.resident.id}:{self.resident.auth_version}"


class SignedInFamily(UserMixin):
    """A resident's family member on their own phone, signed in by an SMS code to their own number.

    They have no name of their own in Linli: each link names them by their relation to the resident."""

    kind: ClassVar[Literal[PrincipalKind.FAMILY]] = PrincipalKind.FAMILY

    def __init__(self, member: FamilyMember) -> None:
        self.member = member
        self.id = member.id
        self.display_name = ""
        self.preferred_locale = member.preferred_locale

    def get_id(self) -> str:
        return f"{self.kind}:{self.member.id}:{self.member.auth_version}"


Principal = SignedInStaff | SignedInResident | SignedInFamily


def current_principal() -> Principal | None:
    """The signed-in person of this request, or None for an anonymous visitor."""
    user = current_user._get_current_object() if current_user else None
    if isinstance(user, SignedInStaff | SignedInResident | SignedInFamily) and user.is_authenticated:
        return user
    return None


def signed_in_staff() -> StaffUser | None:
    principal = current_principal()
    return principal.staff if principal is not None and principal.kind is PrincipalKind.STAFF else None


def signed_in_resident() -> Resident | None:
    principal = current_principal()
    return principal.resident if principal is not None and principal.kind is PrincipalKind.RESIDENT else None


def signed_in_family() -> FamilyMember | None:
    principal = current_principal()
    return principal.member if principal is not None and principal.kind is PrincipalKind.FAMILY else None


def the_family_member() -> FamilyMember:
    """The signed-in family member in a view behind `family_required`; anyone else gets a 401."""
    member = signed_in_family()
    if member is None:
        abort(401)
    return member


def the_resident() -> Resident:
    """The signed-in resident in a view behind `resident_required`; anyone else gets a 401, never a None.

    The decorator already sent everyone else to sign in, so the 401 cannot happen there; a view that forgot
    the decorator fails closed instead of reaching a rule with no resident.
    """
    resident = signed_in_resident()
    if resident is None:
        abort(401)
    return resident


def the_staff() -> StaffUser:
    """The signed-in staff member in a view behind `policy.require`; anyone else gets a 401, never a None."""
    staff = signed_in_staff()
    if staff is None:
        abort(401)
    return staff
