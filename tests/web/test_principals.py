"""The signed-in person is a typed principal with an explicit kind; no code guesses it from attributes."""

from __future__ import annotations

import re
from pathlib import Path

from flask_login import login_user

from webapp.auth.principals import (
    PrincipalKind,
    SignedInResident,
    SignedInStaff,
    current_principal,
    signed_in_resident,
    signed_in_staff,
)
from webapp.auth.routes import load_principal
from webapp.models import Role
from webapp.shared.context import current_actor

ROOT = Path(__file__).resolve().parents[2]


def test_a_resident_is_never_taken_for_staff(app, session, make_resident, make_staff):
    resident = make_resident("王秀英")
    staff = make_staff("clerk", Role.COMMUNITY_WORKER)
    session.commit()
    with app.test_request_context("/"):
        login_user(SignedInResident(resident))
        assert current_principal().kind is PrincipalKind.RESIDENT
        assert signed_in_resident() is resident
        assert signed_in_staff() is None
        assert current_actor().type == "resident"
    with app.test_request_context("/"):
        login_user(SignedInStaff(staff))
        assert current_principal().kind is PrincipalKind.STAFF
        assert signed_in_staff() is staff
        assert signed_in_resident() is None
        assert current_actor().type == "staff"
    with app.test_request_context("/"):
        assert current_principal() is None
        assert current_actor().type == "anonymous"


def test_the_session_id_names_the_kind(app, session, make_resident, make_staff):
    resident = make_resident("王秀英")
    staff = make_staff("clerk", Role.COMMUNITY_WORKER)
    session.commit()
    with app.test_request_context("/"):
        loaded_resident = load_principal(SignedInResident(resident).get_id())
        loaded_staff = load_principal(SignedInStaff(staff).get_id())
        assert loaded_resident is not None
        assert loaded_resident.kind is PrincipalKind.RESIDENT
        assert loaded_staff is not None
        assert loaded_staff.kind is PrincipalKind.STAFF
        assert load_principal(f"family:{resident.id}:0") is None


# Asking whether the signed-in person has an attribute is guessing their kind (a resident and a staff member
# share `id` and `preferred_locale`): code asks current_principal() and its kind instead.
GUESSES = ("hasattr(current_user", "getattr(current_user", "hasattr(principal", "getattr(principal")


def test_no_code_guesses_the_principal_by_attribute():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("webapp", "kiosk")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(guess in line.split("#")[0] for guess in GUESSES) and not line.lstrip().startswith("`")
    ]
    assert found == []


def test_no_template_guesses_the_principal_by_attribute():
    """A template asks signed_in_resident() or is_staff(), never whether an attribute happens to exist: a staff
    member's and a family member's user objects have attributes a resident's has too."""
    guess = re.compile(r"current_user\.\w+ is (not )?defined|current_user\.(resident|member)\b")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "templates").rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if guess.search(line)
    ]
    assert found == []


def test_language_and_time_zone_come_from_the_principal_of_its_own_kind(
    app, session, make_resident, make_staff
):
    """A resident's saved language and their community's time zone; a staff member's own language and the
    default zone; nobody's for an anonymous visitor (i18n asks webapp.auth, never the attributes)."""
    from webapp.infra import i18n

    resident = make_resident("时区")
    resident.preferred_locale = "en"
    resident.community.timezone = "Europe/London"
    staff = make_staff("zone-clerk", Role.COMMUNITY_WORKER)
    staff.preferred_locale = "zh_Hant"
    session.commit()
    with app.test_request_context("/"):
        login_user(SignedInResident(resident))
        assert (i18n.select_locale(), i18n.select_timezone()) == ("en", "Europe/London")
    with app.test_request_context("/"):
        login_user(SignedInStaff(staff))
        assert (i18n.select_locale(), i18n.select_timezone()) == ("zh_Hant", i18n.DEFAULT_TIMEZONE)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert (i18n.select_locale(), i18n.select_timezone()) == ("en", i18n.DEFAULT_TIMEZONE)
