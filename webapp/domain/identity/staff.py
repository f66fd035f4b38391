"""Staff accounts: create, authenticate, and keep their preferences."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.passwords import hash_password, needs_rehash, verify_password
from webapp.domain.identity.vault import Vault
from webapp.infra import clock
from webapp.models import Role, StaffRole, StaffUser


class UsernameTaken(DomainError):
    code = "username_taken"


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_staff(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == normalise_username(username)))


def create_staff(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[tuple[int, Role]] = (),
) -> StaffUser:
    """Create a staff user with (community id, role) pairs; the caller commits."""
    if find_staff(session, username) is not None:
        raise UsernameTaken(username)
    user = StaffUser(
        username=normalise_username(username),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
    )
    user.roles = [StaffRole(community_id=cid, role=role) for cid, role in roles]
    session.add(user)
    session.flush()
    return user


def grant_role(session: Session, user: StaffUser, community_id: int, role: Role) -> bool:
    """Give *user* *role* in a community; return False when they already had it."""
    if any(r.community_id == community_id and r.role == role for r in user.roles):
        return False
    user.roles.append(StaffRole(community_id=community_id, role=role))
    session.flush()
    return True


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """Return the active user whose password matches, upgrading an outdated hash on the way (all in the
    caller's transaction: for commands and tests; a sign-in page uses `sign_in`)."""
    return sign_in(session, username, password).user


@dataclass(frozen=True)
class SignIn:
    """What a password check came to: the account (None: no such active account or a wrong password), or
    `throttled` when the throttle closed while the hash was being checked (the answer is then not used)."""

    user: StaffUser | None
    throttled: bool = False


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    end_transaction: Callable[[], None] | None = None,
    still_allowed: Callable[[], bool] | None = None,
) -> SignIn:
    """Check a staff password, as `pins.verify_pin` checks a PIN: the 100 ms of argon2 hold no lock.

    *end_transaction* (the request's `keep`) ends what the caller's transaction holds before the hash is
    checked: on SQLite a sign-in would otherwise hold the one write lock through the hashing, and every
    writing request of the box (a kiosk's check-in, a phone's report) would queue behind it. Then the
    account's row is locked (the next guess at the same account waits here) and read again, and
    *still_allowed* asks the throttle once more: guesses sent at the same moment all passed the throttle
    before any failure was counted, so an answer is only used if the throttle still allows this try now. A
    hash changed meanwhile is checked again; whether the account is active (and its two-step flag, read by
    the caller) comes from that fresh read."""
    user = find_staff(session, username)
    user_id, checked_hash = (user.id, user.password_hash) if user is not None else (None, None)
    if end_transaction is not None:
        end_transaction()
    ok = verify_password(checked_hash, password)
    if user_id is not None:
        user = session.scalar(
            select(StaffUser)
            .where(StaffUser.id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if still_allowed is not None and not still_allowed():
        return SignIn(None, throttled=True)
    if user is None or not ok or not user.is_active:
        return SignIn(None)
    if user.password_hash != checked_hash and not verify_password(user.password_hash, password):
        return SignIn(None)  # changed while we checked, and the new one does not match
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = clock.now()
    return SignIn(user)


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Change a password and end every other session of this user."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.flush()


def set_preferred_locale(session: Session, user_id: int, locale: str) -> None:
    user = session.get(StaffUser, user_id)
    if user is not None:
        user.preferred_locale = locale
        session.flush()


TOTP_ISSUER = "Linli"


def start_totp(session: Session, vault: Vault, user: StaffUser) -> str:
    """Make a new TOTP secret (not yet active) and return its otpauth:// URI for the QR."""
    secret = pyotp.random_base32()
    user.totp_cipher = vault.encrypt("totp", secret)
    user.totp_enabled = False
    session.flush()
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def totp_uri(vault: Vault, user: StaffUser) -> str | None:
    totp = _totp(vault, user)
    return totp.provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER) if totp else None


def _totp(vault: Vault, user: StaffUser) -> pyotp.TOTP | None:
    return pyotp.TOTP(vault.decrypt("totp", user.totp_cipher)) if user.totp_cipher else None


def check_totp(vault: Vault, user: StaffUser, code: str) -> bool:
    totp = _totp(vault, user)
    cleaned = code.replace(" ", "")
    return bool(totp and cleaned.isdigit() and totp.verify(cleaned, for_time=clock.now(), valid_window=1))


def confirm_totp(session: Session, vault: Vault, user: StaffUser, code: str) -> bool:
    if not check_totp(vault, user, code):
        return False
    user.totp_enabled = True
    user.session_version += 1  # other sessions signed in without the second factor end
    session.flush()
    return True


def disable_totp(session: Session, user: StaffUser) -> None:
    user.totp_cipher = None
    user.totp_enabled = False
    session.flush()


# Sign-in throttles: webapp/domain/identity/throttle.py (per address and username, growing waits).
