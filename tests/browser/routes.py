"""Every HTML GET route of the app, with demo parameters, so that no page escapes the checks.

A new route fails the route tests until it is given parameters here (if it has any) or excluded
with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask


def demo_params(ids: dict[str, int]) -> dict[str, list[dict[str, object]]]:
    """Endpoint -> the demo parameter sets to visit it with; *ids* come from the seeded demo database."""
    return {
        "gallery.components": [{"theme": "kiosk"}, {"theme": "phone"}],
        "staff.resident_detail": [{"resident_id": ids["resident"]}],
        "staff.resident_edit": [{"resident_id": ids["resident"]}],
        "staff.resident_messages": [{"resident_id": ids["resident"]}],
        "staff.resident_contacts": [{"resident_id": ids["resident"]}],
        "staff.resident_checkin_plan": [{"resident_id": ids["resident"]}],
        # Help calls: a made-up token shows the "link not known" page (test_help_call opens real ones), and a
        # call id no browser raised shows the kiosk's and the phone's "not found" page.
        "resident.help_ack": [{"token": "not-a-real-help-call-token-0"}],
        "resident.my_help_call": [{"call_id": 999}],
        "kiosk.help_call": [{"call_id": 999}],
        "staff.building_detail": [{"building_id": ids["building"]}],
        "staff.household_detail": [{"household_id": ids["household"]}],
        "staff.account_detail": [{"user_id": ids["staff_user"]}],
        "staff.community_detail": [{"community_id": ids["community"]}],
        # Message channels: the demo seeds channel 1 (SMS written to a file); the form for each kind.
        "staff.channel_edit": [{"channel_id": 1}],
        "staff.channel_new": [
            {"kind": kind} for kind in ("sms_aliyun", "sms_tencent", "dingtalk", "wecom", "email")
        ],
        # 1: the property company (no staff yet); 4: the clinic, with its doctor among its staff.
        "staff.provider_detail": [{"provider_id": 1}, {"provider_id": 4}],
        # A made-up token: the "link not known" page (test_office_setup fills in a real invitation).
        "auth.accept_invite": [{"token": "not-a-real-invitation-token"}],
        # A made-up token: the "card not accepted" and "QR used or expired" pages.
        "resident.card_link": [{"token": "not-a-real-card-token-000"}],
        "resident.handoff": [{"token": "not-a-real-handoff-token-0"}],
        "resident.ticket_public": [{"token": "not-a-real-ticket-token-00"}],
        "kiosk.report_step": [{"code": "repair-light", "step": 1}],
        "kiosk.report_review": [{"code": "repair-light"}],
        # Kiosk pages of a visit (these send an anonymous browser to the attract screen; the kiosk
        # browser tests check them during a visit).
        "kiosk.my_ticket": [{"number": "B-0002"}],
        "resident.ask_step": [
            {"code": code, "step": step}
            for code, step in (("repair-light", 1), ("repair-light", 3), ("repair-light", 4))
            + (("health-check", 1), ("childcare-care", 1), ("elderly-visit", 1))
        ],
        "resident.ask_review": [{"code": "repair-light"}],
        "resident.my_ticket": [{"number": "B-0002"}, {"number": "J-0009"}],
        "staff.ticket_detail": [{"ticket_id": 1}, {"ticket_id": 2}, {"ticket_id": 9}],
        # A ticket's work order for field staff, on A4 and on a receipt.
        "staff.ticket_work_order": [{"ticket_id": 2}, {"ticket_id": 2, "format": "receipt"}],
        "staff.service_edit": [{}, {"service_id": 1}],
        "staff.service_slots": [{"service_id": ids["health_check"]}],
        # Community life: the demo seeds notices 1-3 (1 urgent), directory entries 1-2, events 1-2 and time-bank
        # accounts 1-2.
        "display.show": [{"slug": "guihua"}],
        "resident.directory_entry": [{"entry_id": 1}, {"entry_id": 2}],
        "kiosk.directory_entry": [{"entry_id": 1}],
        "kiosk.notice": [{"notice_id": 1}],
        "resident.my_event": [{"event_id": 1}],
        "resident.my_notice": [{"notice_id": 1}],
        "staff.directory_edit": [{}, {"entry_id": 1}],
        "staff.event_detail": [{"event_id": 1}],
        "staff.event_edit": [{}, {"event_id": 1}],
        "staff.notice_edit": [{}, {"notice_id": 1}, {"template": 1}],
        # The demo seeds the usual notice templates (water, power, lift): 1 is the water cut.
        "staff.notice_template_edit": [{}, {"template_id": 1}],
        "staff.notice_not_read": [{"notice_id": 1}],
        "staff.timebank_account": [{"account_id": 1}],
        "staff.ticket_for_resident": [
            {"resident_id": ids["resident"], "service": code} for code in ("repair-water", "health-check")
        ],
        # Training: the demo seeds one course, three classes (1 held last week) and the sample resident's
        # certificate 1; a made-up code shows the "cannot find this certificate" page.
        "resident.lesson": [{"code": "scan_qr"}, {"code": "spot_scam"}],
        "kiosk.lesson": [{"code": "scan_qr"}],
        "resident.practice_flow": [{"flow": "form"}, {"flow": "appointment"}],
        "kiosk.practice_flow": [{"flow": "form"}, {"flow": "appointment"}],
        "resident.practice_well_done": [{}],
        "resident.verify_certificate": [{"code": "not-a-real-certificate-code"}],
        "resident.my_certificate": [{"certificate_id": 1}],
        "staff.course_edit": [{}, {"course_id": 1}],
        "staff.class_new": [{"course_id": 1}],
        "staff.class_detail": [{"class_id": 1}, {"class_id": 2}],
        "staff.certificate_view": [{"certificate_id": 1}],
        # Family accounts: a made-up token shows the "we do not know this family link" page; the demo's family
        # link (the sample resident's daughter, every scope) opens the family pages (an anonymous visitor is
        # sent to the family sign-in).
        "resident.family_link": [{"token": "not-a-real-family-token-0"}],
        **{
            f"resident.family_{page}": [{"link_id": ids["family_link"]}]
            for page in ("resident", "checkins", "tickets", "report", "bookings")
        },
    }


# Endpoint -> why it is not an HTML page to check.
EXCLUDED: dict[str, str] = {
    "static": "static files, not pages (their weight is counted with each page)",
    "ops.healthz": "JSON health check for load balancers, not a page",
    "ops.readyz": "JSON readiness check for load balancers, not a page",
    "ops.metrics": "Prometheus text for monitoring, not a page",
    "resident.my_data_export": "a JSON download of the resident's own data, not a page",
    "staff.residents_import_template": "a CSV template download, not a page",
    "staff.tickets_csv": "a CSV download, not a page",
    "pwa.service_worker": "JavaScript (the service worker), not a page",
    "display.service_worker": "JavaScript (the lobby display's service worker), not a page",
    "pwa.manifest": "the web app manifest (JSON), checked by test_pwa's installability test",
    "pwa.outbox_token": "JSON the outbox asks for before sending, not a page",
    "pwa.push_key": "JSON (the Web Push public key), not a page",
    "staff.training_csv": "a CSV download, not a page",
    "staff.district_csv": "a CSV download, not a page",
    "staff.district_xlsx": "an XLSX download, not a page",
    "staff.tickets_newest": "JSON the queue page polls, not a page",
    "staff.work_now": "JSON every console page polls for its live counts, not a page",
    "kiosk.help_call_state": "JSON the help call screen polls, not a page",
    "resident.my_help_call_state": "JSON the help call screen polls, not a page",
    "staff.ticket_photo": "a JPEG, not a page",
    "resident.my_ticket_photo": "a JPEG, not a page",
    "resident.draft_photo": "a JPEG, not a page",
    "resident.lesson_audio": "a WAV recording of a lesson, not a page (test_training_pages checks it)",
    "api_docs.openapi": "the API's OpenAPI document (JSON), checked by tests/api/test_schemathesis.py",
}
# Blueprint -> why none of its routes is a page: the API face answers JSON and XML to other systems, each
# route behind a key (tests/api/test_access.py enumerates them from the URL map). Its docs page is a page.
EXCLUDED_BLUEPRINTS: dict[str, str] = {
    "api": "the JSON API for other systems (tests/api)",
    "open311": "Open311 GeoReport v2, JSON and XML for other systems (tests/api)",
}

# Error pages, one per face, reached through URLs that match no route.
ERROR_PAGES = ["/no-such-page", "/kiosk/no-such-page", "/staff/no-such-page"]

KIOSK_PREFIXES = ("/kiosk", "/design/kiosk")


@dataclass(frozen=True)
class Route:
    endpoint: str
    path: str

    @property
    def is_staff(self) -> bool:
        return self.path.startswith("/staff")

    @property
    def is_resident_only(self) -> bool:
        """Pages a signed-in resident sees (anonymous visitors are sent to sign in)."""
        return self.path.startswith(("/me", "/c", "/ask", "/tickets"))

    @property
    def is_family_only(self) -> bool:
        """Pages a signed-in family member sees (the QR link, sign-in and code pages are anyone's)."""
        return self.path.startswith("/family") and not self.path.startswith(
            ("/family/link/", "/family/sign-in", "/family/code")
        )

    @property
    def theme(self) -> str:
        return "kiosk" if self.path.startswith(KIOSK_PREFIXES) else "phone"


def html_get_routes(app: Flask, ids: dict[str, int] | None = None) -> tuple[list[Route], list[str]]:
    """Return (routes to check, endpoints neither covered nor excluded)."""
    params_by_endpoint = demo_params(ids or app.config["LINLI_DEMO_IDS"])
    routes: list[Route] = []
    uncovered: list[str] = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.redirect_to is not None:  # an old address (webapp.infra.urls.MOVED): not a page
                continue
            if rule.endpoint.split(".")[0] in EXCLUDED_BLUEPRINTS:
                continue
            if "GET" not in (rule.methods or ()) or rule.endpoint in EXCLUDED:
                continue
            params = params_by_endpoint.get(rule.endpoint)
            if params is None:
                if rule.arguments:
                    uncovered.append(rule.endpoint)
                    continue
                params = [{}]
            for values in params:
                path = url_for(rule.endpoint, **values)
                if path not in {r.path for r in routes}:
                    routes.append(Route(rule.endpoint, path))
    routes += [Route("error", path) for path in ERROR_PAGES]
    return routes, uncovered
