"""The kiosk's template settings stay in the kiosk face, and its templates get values, not database queries."""

from __future__ import annotations

from contextlib import contextmanager

from flask import template_rendered

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM

KIOSK_ONLY = ("kiosk", "visit", "bridge", "speech_on_server")


@contextmanager
def rendered(app):
    """The (template name, context) of every page rendered meanwhile."""
    seen: list[tuple[str, dict]] = []

    def note(_sender, template, context, **_extra):
        seen.append((template.name, dict(context)))

    template_rendered.connect(note, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(note, app)


def scan_card(kiosk_client, session, person) -> None:
    """Issue the person a card and scan it at the kiosk: a visit begins."""
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    token = csrf_token(kiosk_client, "/kiosk/")
    assert kiosk_client.post(
        "/kiosk/identify", data={"csrf_token": token, "scan": issued.url("https://x")}
    ).json["ok"]


def test_other_faces_templates_get_no_kiosk_settings(app, client):
    with rendered(app) as seen:
        assert client.get("/").status_code == 200
        assert client.get("/staff/sign-in").status_code == 200
        assert client.get("/notices").status_code == 200
    assert seen
    for name, context in seen:
        leaked = [key for key in KIOSK_ONLY if key in context]
        assert leaked == [], f"{name} was given the kiosk's {leaked}"


def test_kiosk_templates_still_get_them(app, kiosk_client):
    with rendered(app) as seen:
        assert kiosk_client.get("/kiosk/").status_code == 200
    _name, context = seen[0]
    assert context["kiosk"] is not None
    assert "speech_on_server" in context


def test_kiosk_home_is_given_todays_class_not_a_query_to_run(app, kiosk_client, session, make_resident):
    person = make_resident("李奶奶", age=90)
    scan_card(kiosk_client, session, person)
    with rendered(app) as seen:
        assert kiosk_client.get("/kiosk/home").status_code == 200
    name, context = seen[0]
    assert name == "kiosk/home.html"
    assert "today_class" in context  # computed by the view (None: no class today)
    assert context["today_class"] is None
    assert not any(callable(context.get(key)) for key in ("todays_class", "today_class"))


QUERYING_HELPERS = ("urgent_notices", "timebank_hours", "urgent_for_me", "urgent_for_everyone")


def assert_values_not_queries(seen, template: str) -> dict:
    """The page's template was given its urgent notices and balance as values, never a function to call."""
    names = [name for name, _context in seen]
    assert template in names, names
    for _name, context in seen:
        assert not any(callable(context.get(key)) for key in QUERYING_HELPERS)
    return dict(seen[names.index(template)][1])


def test_kiosk_pages_are_given_urgent_notices_and_the_balance(app, kiosk_client, session, make_resident):
    with rendered(app) as seen:
        assert kiosk_client.get("/kiosk/").status_code == 200
    assert isinstance(assert_values_not_queries(seen, "kiosk/attract.html")["urgent"], list)
    person = make_resident("赵爷爷", age=88)
    scan_card(kiosk_client, session, person)
    for path, template in [
        ("/kiosk/home", "kiosk/home.html"),
        ("/kiosk/notices", "kiosk/notices.html"),
        ("/kiosk/events", "kiosk/events.html"),
    ]:
        with rendered(app) as seen:
            assert kiosk_client.get(path).status_code == 200
        assert "timebank_hours" in assert_values_not_queries(seen, template)


def test_phone_start_pages_are_given_their_urgent_notices(
    app, client, session, make_resident, signed_in_phone
):
    with rendered(app) as seen:
        assert client.get("/").status_code == 200
    assert isinstance(assert_values_not_queries(seen, "resident/home.html")["urgent"], list)
    phone = signed_in_phone(make_resident("钱奶奶", age=79))
    with rendered(app) as seen:
        assert phone.get("/me").status_code == 200
    assert isinstance(assert_values_not_queries(seen, "resident/me.html")["urgent"], list)
