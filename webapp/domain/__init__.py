"""The domain core: every rule, as plain functions over a Session, an Actor and plain values, one package per
area (identity, register, privacy, desk, kiosk, life, training). Each area's docstring says what it owns
and which areas it may use; `tests/unit/test_architecture.py` holds them to it. The core flushes and never
commits, and imports nothing of Flask, so it runs the same in a request, a job, a command or a test.
"""


class DomainError(Exception):
    """A rule was broken; faces map it to a translated message and a 4xx."""

    code = "domain_error"


def has_control_characters(text: str) -> bool:
    """True for text no person types into a name or an address: control characters (NUL among them, which
    PostgreSQL refuses in text columns, so it would otherwise surface as a 500 on one database only)."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text if c not in "\t\n\r")


class CommunityArchived(DomainError):
    """Something new was asked of an archived community: its records stay readable, nothing new starts.

    Raised by the core wherever new activity begins (tickets, bookings, sign-ups, check-ins, kiosk pairing,
    invitations, providers), so every face refuses alike; the faces answer it with a translated 409."""

    code = "community_archived"


def ensure_open(community: object) -> None:
    """Refuse new activity in an archived community (a Community, or anything with `archived_at`)."""
    if getattr(community, "archived_at", None) is not None:
        raise CommunityArchived(getattr(community, "id", None))
