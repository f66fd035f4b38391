"""Identity journeys in Chromium: passkeys with a virtual authenticator, and pages that only a POST shows."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations


def add_virtual_authenticator(visitor: Visitor) -> None:
    """Chromium's DevTools virtual authenticator: a platform key with user verification (a fingerprint)."""
    cdp = visitor.context.new_cdp_session(visitor.page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    visitor.cdp = cdp  # type: ignore[attr-defined]


def test_passkey_registration_then_sign_in_without_card(browser, live_server):
    visitor = Visitor(browser, live_server.url)
    visitor.set_locale("en")
    add_virtual_authenticator(visitor)
    visitor.sign_in_resident(live_server.card_token)
    visitor.goto("/me/passkeys")
    visitor.page.click("button[data-passkey=register]")
    visitor.page.wait_for_selector("form[action*='/remove']")
    assert "Phone added" in visitor.page.inner_text("main")
    problems = violations(visitor)
    # Sign out, then sign in with the passkey alone.
    visitor.goto("/me")
    visitor.page.click("form[action='/me/sign-out'] button")
    visitor.page.wait_for_url(visitor.base + "/")
    visitor.goto("/me")
    assert visitor.page.url.endswith("/sign-in")
    visitor.page.click("button[data-passkey=sign-in]")
    visitor.page.wait_for_url(visitor.base + "/me")
    assert live_server.resident_name in visitor.page.inner_text("main")
    visitor.close()
    assert not problems, problems


def test_card_sheet_and_import_preview_pass_axe(browser, live_server, tmp_path: Path):
    visitor = Visitor(browser, live_server.url, width=1280, height=900)
    visitor.sign_in("worker")
    problems: list[str] = []
    for locale in ("zh_Hans", "zh_Hant", "en"):
        visitor.set_locale(locale)
        visitor.goto("/staff/cards")
        visitor.page.check("input[name=resident] >> nth=0")
        visitor.page.check("input[name=resident] >> nth=1")
        visitor.page.click("form[action$='/cards/print'] button[type=submit]")
        visitor.page.wait_for_selector(".card-sheet")
        assert visitor.page.locator("svg.qr").count() == 2
        problems += [f"[card sheet {locale}] {v}" for v in violations(visitor)]

        sheet = tmp_path / "residents.csv"
        sheet.write_text(
            "姓名,楼幢,单元,房号,手机\n新居民,1,1,101,13900000001\n坏数据,9,1,101,123\n", encoding="utf-8"
        )
        visitor.goto("/staff/residents/import")
        visitor.page.set_input_files("input[type=file]", str(sheet))
        visitor.page.click("form[data-progress] button[type=submit]")
        visitor.page.wait_for_selector(".error-summary table")
        assert visitor.page.locator(".error-summary td").first.inner_text() == "3"
        problems += [f"[import errors {locale}] {v}" for v in violations(visitor)]
    visitor.close()
    assert not problems, "\n".join(problems)


def test_staff_are_warned_before_the_idle_sign_out(browser, live_server):
    visitor = Visitor(browser, live_server.url, width=1280, height=800)
    visitor.set_locale("en")
    visitor.page.clock.install()
    visitor.sign_in("worker")
    warning = visitor.page.locator("[data-session-warning]")
    visitor.page.clock.fast_forward("27:30")  # (the installed clock runs with real time too: a margin)
    assert warning.is_hidden()
    visitor.page.clock.fast_forward("00:31")
    warning.wait_for(state="visible")
    assert "Are you still working?" in warning.inner_text()
    problems = violations(visitor)
    with visitor.page.expect_response(lambda r: r.url.endswith("/staff/keepalive")) as answer:
        visitor.page.click("[data-stay]")
    assert answer.value.status == 204
    assert warning.is_hidden()
    visitor.close()
    assert not problems, problems
