"""The console's deliveries page (issue 17): what was sent to whom (masked), by which channel, status and
failures in words, "send again", counts per channel per day, and the staff groups' per-queue alerts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.conftest import VAULT
from tests.web.conftest import csrf_token
from webapp.domain.messages.outbox import Recipient, add
from webapp.infra import clock
from webapp.models import AuditEntry, GroupAlert, OutboxMessage, OutboxStatus


def test_the_office_sees_deliveries_masked_with_failures_in_words_and_sends_again(
    client, auth, session, demo_community, make_resident
):
    person = make_resident(
        "Ada Lovelace", phone_cipher=VAULT.encrypt("phone", "13800138000"), phone_last4="8000"
    )
    (sms,) = add(
        session,
        demo_community.id,
        Recipient("resident", person.id, "en"),
        ["sms"],
        "ticket_note",
        {"name": "Ada", "number": "B-0427"},
    )
    sms.status, sms.attempts, sms.last_error = (
        OutboxStatus.FAILED,
        6,
        "The gateway refused the key (wrong AccessKey).",
    )
    session.commit()
    auth.sign_in("admin")
    page = client.get("/staff/deliveries", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "B-0427" in html
    assert "Ada" in html
    assert "Lovelace" not in html  # a first name only
    assert "13800138000" not in html
    assert "8000" in html  # the last four digits, masked
    assert "wrong AccessKey" in html
    assert page.headers["Cache-Control"] == "no-store"
    token = csrf_token(client, "/staff/deliveries")
    answer = client.post(f"/staff/deliveries/{sms.id}/resend", data={"csrf_token": token})
    assert answer.status_code == 303
    session.expire_all()
    copies = session.scalars(select(OutboxMessage).where(OutboxMessage.id > sms.id)).all()
    assert [(c.status, c.kind, c.recipient_id, c.params["number"]) for c in copies] == [
        (OutboxStatus.PENDING, "ticket_note", person.id, "B-0427")
    ]
    assert copies[0].key != sms.key  # a resend is meant to arrive: a new key
    assert session.get(OutboxMessage, sms.id).status == OutboxStatus.FAILED  # the record stays


def test_staff_choose_which_group_hears_which_queue(client, auth, session, demo_community):
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/deliveries")
    answer = client.post(
        "/staff/deliveries/alerts",
        data={
            "csrf_token": token,
            "community": demo_community.id,
            "alert": ["office:dingtalk", "property:wecom"],
        },
    )
    assert answer.status_code == 303
    chosen = session.execute(
        select(GroupAlert.queue, GroupAlert.channel).where(GroupAlert.community_id == demo_community.id)
    ).all()
    assert sorted(chosen) == [("office", "dingtalk"), ("property", "wecom")]
    refused = client.post(
        "/staff/deliveries/alerts",
        data={"csrf_token": token, "community": demo_community.id, "alert": ["x:sms"]},
    )
    assert refused.status_code == 303
    assert (
        len(session.execute(select(GroupAlert).where(GroupAlert.community_id == demo_community.id)).all())
        == 2
    )


def test_a_worker_without_the_settings_permission_may_not_open_deliveries(client, auth):
    auth.sign_in("worker")
    assert client.get("/staff/deliveries").status_code == 403


def test_a_district_admin_sees_deliveries_without_residents_names_and_nothing_is_audited_as_viewed(
    client, auth, session, demo_community, make_resident
):
    """The register is the office's: a district administrator manages channels across communities but
    never reads who a message went to (first names and masked numbers are register data)."""
    from webapp.models import AuditEntry

    person = make_resident("Ada Lovelace", phone_last4="8000")
    add(
        session,
        demo_community.id,
        Recipient("resident", person.id, "en"),
        ["sms"],
        "ticket_note",
        {"name": "Ada", "number": "B-0428"},
    )
    session.commit()
    auth.sign_in("district")
    page = client.get(f"/staff/deliveries?community={demo_community.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "B-0428" in html  # the kind and number of what was sent
    assert "A resident" in html
    assert "Ada" not in html
    assert "8000" not in html
    viewed = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "messages.deliveries_viewed")
    ).all()
    assert viewed == []


def _cells(html: str, region: str) -> list[list[str]]:
    """The body rows of the table in the region labelled `region`, as the text of their cells."""
    table = html.split(f'aria-labelledby="{region}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>", " ", cell).split()[0] if cell.strip() else ""
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in body.split("<tr>")[1:]
    ]


def test_counts_per_channel_and_local_day_the_attempts_and_an_audited_resend(
    client, auth, session, demo_community, make_resident
):
    """Per channel and day counts in the community's time zone (a message at 20:00 UTC counts on the next day
    in Shanghai), the attempts of each message, and a resend recorded in the audit trail with its copy."""
    now = datetime(2031, 5, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai; no other test writes this week
    clock.freeze(now)
    try:
        person = make_resident("Ada Lovelace", phone_cipher=VAULT.encrypt("phone", "13800138000"))
        written = []
        for hours, channel, status, attempts in (
            (0, "sms", OutboxStatus.DELIVERED, 1),
            (0, "sms", OutboxStatus.DELIVERED, 1),
            (0, "sms", OutboxStatus.DELIVERED, 3),
            (7, "sms", OutboxStatus.DELIVERED, 1),  # 20:00 UTC on the 19th: the 20th in Shanghai
            (24, "wecom", OutboxStatus.FAILED, 6),
            (24, "wecom", OutboxStatus.FAILED, 6),
            (8 * 24, "sms", OutboxStatus.PENDING, 0),  # more than seven days ago: not counted
        ):
            recipient = (
                Recipient("group", None, "en")
                if channel == "wecom"
                else Recipient("resident", person.id, "en")
            )
            (row,) = add(
                session,
                demo_community.id,
                recipient,
                [channel],
                "ticket_note",
                {"name": "Ada", "number": "B-1"},
            )
            row.created_at = now - timedelta(hours=hours)
            row.status, row.attempts = status, attempts
            written.append(row)
        session.commit()
        client.set_cookie("linli_locale", "en")
        auth.sign_in("admin")
        html = client.get(f"/staff/deliveries?community={demo_community.id}").get_data(as_text=True)
        assert _cells(html, "per-day") == [
            ["2031-05-20", "SMS", "Delivered", "4"],
            ["2031-05-19", "WeCom", "Failed", "2"],
        ]
        latest = {(row[2], row[5]) for row in _cells(html, "latest")}
        assert ("SMS", "3") in latest  # a message that took three attempts says so
        assert ("WeCom", "6") in latest
        failed = written[4]
        token = csrf_token(client, "/staff/deliveries")
        assert (
            client.post(f"/staff/deliveries/{failed.id}/resend", data={"csrf_token": token}).status_code
            == 303
        )
        session.expire_all()
        copy = session.scalar(select(OutboxMessage).where(OutboxMessage.id > written[-1].id))
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "messages.resend").order_by(AuditEntry.id.desc())
        )
        assert (entry.subject_type, entry.subject_id, entry.community_id) == (
            "outbox_message",
            failed.id,
            demo_community.id,
        )
        assert entry.detail == {"copy": copy.id}
        assert entry.actor_name == "admin" or entry.actor_type == "staff"
    finally:
        clock.freeze(None)
