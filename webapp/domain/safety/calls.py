"""Help calls (一键呼叫): raise one, send it along the escalation chain, acknowledge it, close it.

The chain is fixed by the moment the call was raised: each person on duty then, one at a time in roster
order; then the office's whole phone list; then the resident's emergency contacts (a call raised at a kiosk
without a card has no family to call). The first step goes out at once; each next step when nobody has
acknowledged within the community's minutes (the worker's `escalate_due`). Messages are alerts: they break
quiet hours, because a person on the floor cannot wait until 08:00.

The acknowledge link carries a token derived from the call with the vault's keyed hash: the worker can put it
in a later step's message without the token ever being stored (only its SHA-256 is kept, for look-up).

`raise_call` and `close_call` are the two moments other systems will hear about (webhook events
"help_call.raised" and "help_call.closed"): hook there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open, has_control_characters
from webapp.domain.identity.vault import Vault, token_hash
from webapp.domain.kiosk.care import seen_since
from webapp.domain.messages.outbox import Recipient, add, first_name, to_group
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.safety.contacts import contacts_of
from webapp.domain.safety.roster import office_list, on_duty, roster
from webapp.domain.webhooks.events import emit
from webapp.infra import clock
from webapp.models import Community, DutyKind, HelpCall, HelpOutcome, Kiosk, Resident, StaffUser
from webapp.models.types import pick_name

SOURCES = ("kiosk", "attract", "phone", "checkin")
DEFAULT_ACK_MINUTES = 3


class HelpCallError(DomainError):
    code = "help_call"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "source", "name", "outcome", "closed"


@dataclass(frozen=True)
class Step:
    """One step of the chain: who is alerted together, and the names the kiosk may show for them."""

    kind: str  # "duty", "office", "family", "self" (a missed check-in asks the resident first)
    recipients: list[Recipient] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    message: str = "help_call"  # the outbox kind: what the message says


def _locale(community: Community) -> str:
    return community.default_locale or "zh_Hans"


def _checkin_chain(session: Session, call: HelpCall, community: Community) -> list[Step]:
    """A missed check-in: the resident themselves first (perhaps they only forgot), then their family and
    the grid worker together, then the office's phones."""
    resident = session.get(Resident, call.resident_id) if call.resident_id is not None else None
    if resident is None:
        return []
    locale = _locale(community)
    steps = [
        Step(
            "self",
            [Recipient("resident", resident.id, resident.preferred_locale or locale)],
            [first_name(resident.name)],
            "checkin_reminder",
        )
    ]
    on_duty_grid = [e for e in on_duty(session, community, call.raised_at) if e.kind is DutyKind.GRID_WORKER]
    grid = on_duty_grid or [e for e in roster(session, community.id) if e.kind is DutyKind.GRID_WORKER]
    contacts = contacts_of(session, resident.id)
    family = [Recipient("contact", c.id, locale) for c in contacts] + [
        Recipient("duty", e.id, locale) for e in grid
    ]
    if family:
        names = [f"{c.relation} {first_name(c.name)}" for c in contacts] + [e.name for e in grid]
        steps.append(Step("family", family, names, "checkin_missed"))
    office = office_list(session, community.id)
    if office:
        office_recipients = [Recipient("duty", e.id, locale) for e in office]
        steps.append(Step("office", office_recipients, [e.name for e in office], "checkin_missed"))
    return steps


def chain(session: Session, call: HelpCall) -> list[Step]:
    """The escalation chain of this call, as it stood when the call was raised."""
    community = session.get(Community, call.community_id)
    if community is None:
        return []
    if call.source == "checkin":
        return _checkin_chain(session, call, community)
    locale = _locale(community)
    steps = [
        Step("duty", [Recipient("duty", e.id, locale)], [e.name])
        for e in on_duty(session, community, call.raised_at)
    ]
    office = office_list(session, community.id)
    if office:
        steps.append(
            Step("office", [Recipient("duty", e.id, locale) for e in office], [e.name for e in office])
        )
    if call.resident_id is not None:
        contacts = contacts_of(session, call.resident_id)
        if contacts:
            steps.append(
                Step(
                    "family",
                    [Recipient("contact", c.id, locale) for c in contacts],
                    [f"{c.relation} {first_name(c.name)}" for c in contacts],
                )
            )
    return steps


def ack_token(vault: Vault, call_id: int) -> str:
    """The acknowledge link's token: keyed (unguessable without the instance's key), derived, never stored."""
    return vault.index("help_call", str(call_id))[:32]


def ack_path(vault: Vault, call_id: int) -> str:
    return f"/help/{ack_token(vault, call_id)}"


def _params(session: Session, vault: Vault, call: HelpCall, base_url: str) -> dict[str, Any]:
    """What a help message may say: the place, the first name (if known), the contacts by relation, first
    name and masked number (the acknowledge page shows more, to signed-in staff only), and the link."""
    params: dict[str, Any] = {
        "place": call.place,
        "link": f"{base_url.rstrip('/')}{ack_path(vault, call.id)}",
    }
    if call.resident_id is not None:
        resident = session.get(Resident, call.resident_id)
        if resident is not None:
            params["name"] = first_name(resident.name)
        contacts = contacts_of(session, call.resident_id)
        if contacts:
            params["contacts"] = "; ".join(
                f"{c.relation} {first_name(c.name)} ****{c.phone_last4}" for c in contacts[:2]
            )
    return params


def _send(session: Session, vault: Vault, call: HelpCall, step: Step, base_url: str) -> None:
    params = _params(session, vault, call, base_url)
    for recipient in step.recipients:
        add(session, call.community_id, recipient, ["sms"], step.message, params)


def _place(session: Session, resident: Resident | None, kiosk: Kiosk | None, locale: str) -> str:
    if kiosk is not None:
        return kiosk.place[:120]
    household = resident.household if resident is not None else None
    if household is None:
        return ""
    building = household.building
    return f"{pick_name(building.names, locale)} {household.label}".strip()[:120]


def raise_call(
    session: Session,
    vault: Vault,
    actor: Actor,
    community: Community,
    source: str,
    base_url: str,
    resident: Resident | None = None,
    kiosk: Kiosk | None = None,
) -> HelpCall:
    """Raise a help call and alert the first step of the chain at once (and the office's group channels).

    A second press while the same kiosk's or resident's call is still open returns that call: a frightened
    person presses twice, and the guard must not get two alarms for one fall."""
    if source not in SOURCES:
        raise HelpCallError("source")
    ensure_open(community)
    same = select(HelpCall).where(
        HelpCall.community_id == community.id,
        HelpCall.closed_at.is_(None),
        HelpCall.raised_at > clock.now() - timedelta(minutes=30),
    )
    if resident is not None:
        same = same.where(HelpCall.resident_id == resident.id)
    else:
        same = same.where(HelpCall.resident_id.is_(None), HelpCall.kiosk_id == (kiosk.id if kiosk else None))
    existing = session.scalars(same.order_by(HelpCall.id.desc()).limit(1)).first()
    if existing is not None:
        return existing
    now = clock.now()
    call = HelpCall(
        community_id=community.id,
        resident_id=resident.id if resident is not None else None,
        kiosk_id=kiosk.id if kiosk is not None else None,
        source=source,
        place=_place(session, resident, kiosk, _locale(community)),
        token_hash=uuid.uuid4().hex,  # replaced below, once the id is known
        raised_at=now,
        stage=0,
        stage_at=now,
    )
    session.add(call)
    session.flush()
    call.token_hash = token_hash(ack_token(vault, call.id))
    steps = chain(session, call)
    if steps:
        _send(session, vault, call, steps[0], base_url)
    if source != "checkin":  # a missed check-in is counted in the office group's daily care alert instead
        to_group(session, community.id, "office", "help_call", _params(session, vault, call, base_url))
    session.flush()
    record(
        session,
        actor,
        "help_call.raised",
        "help_call",
        call.id,
        community.id,
        source=source,
        resident_id=call.resident_id,
    )
    emit(session, community.id, "help_call.raised", *_webhook_payload(call))
    return call


def _webhook_payload(call: HelpCall) -> tuple[dict[str, Any], dict[str, Any]]:
    """(payload, flat) for other systems: that a call was raised or closed, where from and when, never by
    whom; the place (a kiosk's lobby or a home flat) only for a webhook allowed to see flats."""

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    payload: dict[str, Any] = {
        "call": call.id,
        "source": call.source,
        "raised_at": when(call.raised_at),
        "acknowledged_at": when(call.acknowledged_at),
        "closed_at": when(call.closed_at),
        "outcome": call.outcome.value if call.outcome is not None else None,
    }
    return payload, {"place": call.place}


def screen_state(call: HelpCall) -> str:
    """The waiting person's screen in one word that changes whenever the screen should: closed, acknowledged,
    or waiting at a step of the chain (someone more was told). The screen polls it and reloads on a change."""
    if call.closed_at is not None:
        return "closed"
    if call.acknowledged_at is not None:
        return "ack"
    return f"wait-{call.stage}"


def notified(session: Session, call: HelpCall) -> list[str]:
    """The names alerted so far (the kiosk says "we have told …")."""
    steps = chain(session, call)
    return [name for step in steps[: call.stage + 1] for name in step.names]


def by_token(session: Session, token: str) -> HelpCall | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(HelpCall).where(HelpCall.token_hash == token_hash(token)))


def acknowledge(session: Session, actor: Actor, call: HelpCall, name: str = "") -> HelpCall:
    """Someone is on their way: a signed-in staff member by their account, anyone else holding the link by
    the name they type. The first acknowledgement stands; the chain stops there."""
    if call.acknowledged_at is not None:
        return call
    if call.closed_at is not None:
        raise HelpCallError("closed")
    if actor.type == "staff" and actor.id is not None:
        staff = session.get(StaffUser, actor.id)
        who = staff.display_name if staff is not None else (actor.name or "")
        call.acknowledged_by_id = actor.id
    else:
        who = " ".join((name or "").split())
        if not who or len(who) > 64 or has_control_characters(who):
            raise HelpCallError("name")
    call.acknowledged_by_name = who[:64]
    call.acknowledged_at = clock.now()
    session.flush()
    record(session, actor, "help_call.acknowledged", "help_call", call.id, call.community_id)
    return call


def close_call(
    session: Session, actor: Actor, call: HelpCall, outcome: str, note: str | None = None
) -> HelpCall:
    """Staff close a call with what happened (counted on the dashboard); the chain stops if it had not."""
    if outcome not in HelpOutcome._value2member_map_:
        raise HelpCallError("outcome")
    if call.closed_at is not None:
        raise HelpCallError("closed")
    call.closed_at = clock.now()
    call.closed_by_id = actor.id if actor.type == "staff" else None
    call.outcome = HelpOutcome(outcome)
    call.note = (note or "").strip()[:1000] or None
    session.flush()
    record(session, actor, "help_call.closed", "help_call", call.id, call.community_id, outcome=outcome)
    emit(session, call.community_id, "help_call.closed", *_webhook_payload(call))
    return call


def open_calls(session: Session, community_ids: set[int]) -> list[HelpCall]:
    return list(
        session.scalars(
            select(HelpCall)
            .where(HelpCall.community_id.in_(community_ids), HelpCall.closed_at.is_(None))
            .order_by(HelpCall.raised_at.desc())
        )
    )


@dataclass(frozen=True)
class HelpCounts:
    open: int
    recent: int  # raised since the given moment (the dashboard: the last 30 days)


def counts(session: Session, community_ids: set[int], since: datetime) -> HelpCounts:
    """The dashboard's figures: calls still open, and calls raised since `since`."""
    in_scope = HelpCall.community_id.in_(community_ids)
    open_ = session.scalar(select(func.count(HelpCall.id)).where(in_scope, HelpCall.closed_at.is_(None)))
    recent = session.scalar(select(func.count(HelpCall.id)).where(in_scope, HelpCall.raised_at >= since))
    return HelpCounts(open_ or 0, recent or 0)


def escalate_due(session: Session, vault: Vault, base_url: str, now: datetime | None = None) -> int:
    """Send the next step of every open call nobody acknowledged in time; returns how many steps were sent.

    Each step is taken with a conditional UPDATE on the stage it moves from, so that two workers running this
    at once send it once."""
    now = now or clock.now()
    sent = 0
    calls = session.scalars(
        select(HelpCall).where(HelpCall.closed_at.is_(None), HelpCall.acknowledged_at.is_(None))
    ).all()
    for call in calls:
        community = session.get(Community, call.community_id)
        minutes = (community.help_ack_minutes if community is not None else None) or DEFAULT_ACK_MINUTES
        if call.stage_at + timedelta(minutes=minutes) > now:
            continue
        if (
            call.source == "checkin"
            and call.resident is not None
            and seen_since(session, call.resident, call.raised_at)
        ):
            close_call(session, Actor(type="system"), call, HelpOutcome.CHECKED_IN.value)
            continue
        steps = chain(session, call)
        if call.stage + 1 >= len(steps):
            continue
        taken = session.execute(
            update(HelpCall)
            .where(HelpCall.id == call.id, HelpCall.stage == call.stage, HelpCall.acknowledged_at.is_(None))
            .values(stage=call.stage + 1, stage_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        session.refresh(call)
        _send(session, vault, call, steps[call.stage], base_url)
        record(
            session,
            Actor(type="system"),
            "help_call.escalated",
            "help_call",
            call.id,
            call.community_id,
            stage=call.stage,
            to=steps[call.stage].kind,
        )
        sent += 1
    session.flush()
    return sent
