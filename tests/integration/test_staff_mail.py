"""Staff e-mail (issue 17): an invitation's link reaches the invitee at a real SMTP server (aiosmtpd) through
the outbox's e-mail channel, and the link in the mail works; the hourly digest of a person's queues goes to
those who chose it, once per hour, only when the counts changed (a frozen clock)."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import VAULT, csrf_token, seed_day
from tests.integration.gateways import closed_port
from tests.integration.test_outbox_end_to_end import LEASE, deliver_all, last_id
from webapp.domain.identity.accounts import email_of, seal_email
from webapp.infra import clock
from webapp.infra.queue import queue_of
from webapp.jobs.tasks import deliver_one
from webapp.models import ChannelSetting, OutboxMessage, Role, ServiceType, StaffUser


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[tuple[list[str], str, str]]:
        """(recipients, subject, body) of each message that arrived."""
        found = []
        for envelope in self.messages:
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            found.append((envelope.rcpt_tos, str(message["Subject"]), message.get_body().get_content()))
        return found


@pytest.fixture
def mail(session, demo_community):
    """A real SMTP server on loopback, and the demo community's e-mail channel pointing at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    session.add(
        ChannelSetting(
            community_id=demo_community.id,
            kind="email",
            label="Office mail (test)",
            settings={
                "host": "127.0.0.1",
                "port": str(controller.port),
                "security": "none",
                "sender": "office@example.org",
            },
        )
    )
    session.commit()
    yield inbox
    controller.stop()


def test_an_invitation_is_mailed_and_its_link_works(app, client, auth, session, demo_community, mail):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/accounts")
    before = last_id(session)
    answer = client.post(
        "/staff/accounts",
        data={
            "csrf_token": token,
            "display_name": "Li Ming",
            "community_id": str(demo_community.id),
            "role": Role.COMMUNITY_WORKER.value,
            "email": "li.ming@example.net",
        },
    )
    assert answer.status_code == 200
    assert "also being mailed" in answer.get_data(as_text=True)
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)).one()
    assert (row.channel, row.kind, row.recipient_kind) == ("email", "invitation", "invitation")
    assert "/staff/invite/" not in str(row.params)  # the link is sealed in the outbox
    assert deliver_all(app, session, before) == ["delivered"]
    ((to, subject, body),) = mail.texts()
    assert to == ["li.ming@example.net"]
    assert subject
    link = re.search(r"https?://\S+/staff/invite/(\S+)", body)
    assert link, body
    client.post("/staff/sign-out", data={"csrf_token": csrf_token(client, "/staff/")})
    invite_url = f"/staff/invite/{link.group(1)}"
    page = client.get(invite_url)
    assert page.status_code == 200
    accepted = client.post(
        invite_url,
        data={
            "csrf_token": csrf_token(client, invite_url),
            "username": "liming",
            "display_name": "Li Ming",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert accepted.status_code == 303, accepted.get_data(as_text=True)[-2000:]
    user = session.scalar(select(StaffUser).where(StaffUser.username == "liming"))
    assert email_of(VAULT, user) == "li.ming@example.net"  # the account keeps the address, sealed
    assert b"li.ming@example.net" not in user.email_cipher
    assert auth.sign_in("liming", "a long enough password").status_code == 303
    # Used now: a second delivery of the same mail (a resend) is skipped, not sent.
    again = client.get(invite_url)
    assert again.status_code == 410


def test_a_bad_invitee_address_is_refused_with_the_form_kept(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/accounts")
    answer = client.post(
        "/staff/accounts",
        data={
            "csrf_token": token,
            "display_name": "Li Ming",
            "community_id": str(demo_community.id),
            "role": Role.COMMUNITY_WORKER.value,
            "email": "li.ming at example",
        },
    )
    assert answer.status_code == 400
    assert "like name@example.com" in answer.get_data(as_text=True)
    assert 'value="li.ming at example"' in answer.get_data(as_text=True)


def test_the_digest_goes_hourly_only_on_change_and_only_to_who_chose_it(
    app, client, auth, session, demo_community, make_staff, make_resident, mail, frozen
):
    keen = make_staff("keen", Role.COMMUNITY_WORKER)
    quiet = make_staff("quiet", Role.COMMUNITY_WORKER)
    keen_id, quiet_id = keen.id, quiet.id
    keen.preferred_locale = "en"  # the digest is in the reader's language
    quiet.email_cipher = seal_email(VAULT, "quiet@example.net")  # an address, but no digest chosen
    session.commit()
    # keen chooses the digest on their own account page.
    client.set_cookie("linli_locale", "en")
    auth.sign_in("keen")
    token = csrf_token(client, "/staff/security")
    chosen = client.post(
        "/staff/security/contact",
        data={"csrf_token": token, "email": "keen@example.net", "wants_digest": "y"},
    )
    assert chosen.status_code == 303
    tasks = queue_of(app)

    def run_hour(at: datetime) -> list[str]:
        clock.freeze(at)
        before = last_id(session)
        outcome = tasks.digest.call_local()
        session.expire_all()
        ids = session.scalars(select(OutboxMessage.id).where(OutboxMessage.id > before)).all()
        return [outcome, *[deliver_one(app, i, LEASE) for i in ids]]

    # Weeks after the demo's day: every deadline it set has passed, so no count moves by itself between two
    # hours (a fixed date came to lie on the morning after the demo's day, and an hour made a ticket overdue).
    nine = datetime.combine(seed_day() + timedelta(days=30), time(1, 0), tzinfo=UTC)
    first = run_hour(nine)
    assert first[1:] == ["delivered"], first
    assert run_hour(nine + timedelta(minutes=1)) == ["already run"]  # one claim per hour
    assert run_hour(nine + timedelta(hours=1)) == ["0 digests"]  # nothing changed
    person = make_resident("Zhou Lan", age=75)
    lift = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-lift"
        )
    )
    ticket = factories.ticket(session, person, lift, {"urgent": "no"}, household_id=person.household_id)
    session.commit()  # one more new ticket in keen's queue
    third = run_hour(nine + timedelta(hours=2))
    assert third[1:] == ["delivered"], third
    arrived = mail.texts()
    assert [to for to, _subject, _body in arrived] == [["keen@example.net"], ["keen@example.net"]]
    body = arrived[0][2]
    assert re.search(r"\d+ new, \d+ overdue, \d+ urgent", body), body
    assert ticket.number not in body  # counts only
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert {r.recipient_id for r in rows} == {keen_id}
    assert quiet_id not in {r.recipient_id for r in rows}


def test_without_a_mail_server_the_invitation_says_it_was_not_mailed(client, auth, session, demo_community):
    for channel in session.scalars(select(ChannelSetting).where(ChannelSetting.kind == "email")):
        channel.enabled = False
    session.commit()
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    before = last_id(session)
    answer = client.post(
        "/staff/accounts",
        data={
            "csrf_token": csrf_token(client, "/staff/accounts"),
            "display_name": "Wu Fang",
            "community_id": str(demo_community.id),
            "role": Role.COMMUNITY_WORKER.value,
            "email": "wu.fang@example.net",
        },
    )
    assert answer.status_code == 200
    assert "It was not mailed" in answer.get_data(as_text=True)
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)).all() == []
