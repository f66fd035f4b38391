"""One name per thing (issue 22): a service request is a ticket, the time bank is timebank, in URLs,
endpoints and templates alike; the addresses they had before still lead there."""

from pathlib import Path

import pytest

from webapp.infra.urls import MOVED

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/requests", "/tickets"),
        ("/requests/B-0427", "/tickets/B-0427"),
        ("/kiosk/requests", "/kiosk/tickets"),
        ("/kiosk/requests/B-0427", "/kiosk/tickets/B-0427"),
        ("/me/time-bank", "/me/timebank"),
        ("/kiosk/time-bank", "/kiosk/timebank"),
    ],
)
def test_an_old_address_leads_to_the_new_one(client, old, new):
    answer = client.get(old)
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith(new)


def test_a_form_posted_to_an_old_address_is_posted_again_to_the_new_one(client):
    answer = client.post("/me/time-bank/claim", data={"claim_hours": "1"})
    assert answer.status_code == 308  # 308 keeps the method and the body: nothing the resident typed is lost
    assert answer.headers["Location"].endswith("/me/timebank/claim")


def test_every_route_endpoint_and_template_uses_one_name(app):
    old_words = ("request", "time_bank", "time-bank")  # "request" alone is fine: an HTTP request
    for rule in app.url_map.iter_rules():
        if rule.rule in MOVED or rule.endpoint.startswith("open311."):
            continue  # Open311 GeoReport v2 names its paths "requests": the standard's words, not ours
        assert not any(w in rule.rule for w in ("/requests", "time-bank", "time_bank")), rule.rule
        endpoint = rule.endpoint.rsplit(".", 1)[-1]
        assert not any(w in endpoint for w in old_words[1:]), rule.endpoint
        assert not endpoint.startswith("my_request"), rule.endpoint
    names = [p.name for p in (ROOT / "templates").rglob("*.html")]
    assert not [n for n in names if n.startswith(("request", "time_bank"))]
