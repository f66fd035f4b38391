"""A resident's rights over their data (PIPL arts. 44-47): see it, take a copy, ask for deletion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.numbers import mask_last4
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.residents import active_card, erase, masked_id_number, masked_phone
from webapp.infra import clock
from webapp.models import (
    Attendance,
    Booking,
    Certificate,
    CheckinPlan,
    DeletionRequest,
    DeletionStatus,
    EmergencyContact,
    EventSignup,
    FamilyLink,
    HourClaim,
    KioskVisit,
    Notice,
    NoticeRead,
    PasskeyCredential,
    PushSubscription,
    Resident,
    SkillProgress,
    Ticket,
    TimeAccount,
    TimeEntry,
)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _activity(session: Session, resident: Resident) -> dict[str, Any]:
    """What the resident did with Linli: requests, appointments, sign-ups, hours, learning, kiosk visits.

    PIPL art. 45 gives a copy of *all* personal information, not only the profile. Staff-internal notes on a
    ticket are the office's working papers and stay out, as they do on the resident's own timeline.
    """
    rid = resident.id
    requests = session.scalars(select(Ticket).where(Ticket.resident_id == rid).order_by(Ticket.id))
    bookings = session.scalars(select(Booking).where(Booking.resident_id == rid).order_by(Booking.id))
    signups = session.scalars(
        select(EventSignup).where(EventSignup.resident_id == rid).order_by(EventSignup.id)
    )
    reads = session.execute(
        select(NoticeRead, Notice)
        .join(Notice, Notice.id == NoticeRead.notice_id)
        .where(NoticeRead.resident_id == rid)
    )
    classes = session.scalars(select(Attendance).where(Attendance.resident_id == rid).order_by(Attendance.id))
    skills = session.scalars(select(SkillProgress).where(SkillProgress.resident_id == rid))
    certificates = session.scalars(select(Certificate).where(Certificate.resident_id == rid))
    account = session.scalar(select(TimeAccount).where(TimeAccount.resident_id == rid))
    entries: Iterable[TimeEntry] = (
        session.scalars(select(TimeEntry).where(TimeEntry.account_id == account.id).order_by(TimeEntry.id))
        if account
        else []
    )
    claims = session.scalars(select(HourClaim).where(HourClaim.resident_id == rid).order_by(HourClaim.id))
    visits = session.scalars(select(KioskVisit).where(KioskVisit.resident_id == rid).order_by(KioskVisit.id))
    pushes = session.scalars(select(PushSubscription).where(PushSubscription.resident_id == rid))
    return {
        "requests": [
            {
                "number": r.number,
                "service": r.service_type.names,
                "status": r.status.value,
                "channel": r.channel,
                "place": r.place,
                "answers": r.answers,
                "submitted_at": _when(r.submitted_at),
                "resolved_at": _when(r.resolved_at),
                "rating": r.rating,
                "rating_note": r.rating_note,
                "timeline": [
                    {"at": _when(e.at), "status": e.to_status.value if e.to_status else None, "note": e.note}
                    for e in r.events
                    if e.public
                ],
            }
            for r in requests
        ],
        "appointments": [
            {
                "request": b.request_id,
                "starts_at": _when(b.slot.starts_at),
                "place": b.slot.place,
                "status": b.status.value,
                "checked_in_at": _when(b.checked_in_at),
            }
            for b in bookings
        ],
        "event_sign_ups": [
            {
                "event": s.event.titles,
                "starts_at": _when(s.event.starts_at),
                "status": s.status.value,
                "checked_in_at": _when(s.checked_in_at),
            }
            for s in signups
        ],
        "notices_read": [{"notice": n.titles, "at": _when(r.at), "channel": r.channel} for r, n in reads],
        "classes": [
            {
                "course": a.training_session.course.titles,
                "starts_at": _when(a.training_session.starts_at),
                "status": a.status.value,
                "checked_in_at": _when(a.checked_in_at),
            }
            for a in classes
        ],
        "skills": [{"skill": p.skill_code, "level": p.level.value, "source": p.source} for p in skills],
        "certificates": [
            {"course": c.course.titles, "issued_at": _when(c.issued_at), "revoked_at": _when(c.revoked_at)}
            for c in certificates
        ],
        "time_bank": [
            {"at": _when(e.transaction.at), "kind": e.transaction.kind, "half_hours": e.half_hours}
            for e in entries
        ],
        "hour_claims": [
            {"kind": c.kind, "day": c.day.isoformat(), "half_hours": c.half_hours, "status": c.status.value}
            for c in claims
        ],
        "kiosk_visits": [
            {"started_at": _when(v.started_at), "ended_at": _when(v.ended_at), "kiosk": v.kiosk.name}
            for v in visits
        ],
        "phones_with_notifications": len(list(pushes)),
    }


def _plan(session: Session, resident: Resident) -> dict[str, Any] | None:
    plan = session.scalar(select(CheckinPlan).where(CheckinPlan.resident_id == resident.id))
    if plan is None:
        return None
    return {
        "by": f"{plan.deadline_minute // 60:02d}:{plan.deadline_minute % 60:02d}",
        "away_from": plan.away_from.isoformat() if plan.away_from else None,
        "away_until": plan.away_until.isoformat() if plan.away_until else None,
        "agreed_at": plan.consent_at.isoformat(),
    }


def export(session: Session, vault: Vault, resident: Resident) -> dict[str, Any]:
    """Everything we hold about the resident, for the resident (after their PIN or passkey)."""
    card = active_card(session, resident)
    passkeys = session.scalars(select(PasskeyCredential).where(PasskeyCredential.resident_id == resident.id))
    return {
        "name": resident.name,
        "community": resident.community.names,
        "flat": resident.household.label if resident.household else None,
        "date_of_birth": resident.birth_date.isoformat() if resident.birth_date else None,
        # Masked even here: a phone signed in with a card and a reset PIN must not yield the full numbers.
        "id_number": masked_id_number(resident),
        "mobile": masked_phone(resident),
        "lives_alone": resident.lives_alone,
        "registered_disability": resident.has_disability,
        "preferred_language": resident.preferred_locale,
        "pin_set": bool(resident.pin_hash),
        "card_issued_at": card.issued_at.isoformat() if card else None,
        "passkeys": [{"label": p.label, "created_at": p.created_at.isoformat()} for p in passkeys],
        # Family members linked (亲情账号): who, what they may do, their number masked as the kiosk shows it.
        "family_links": [
            {
                "relation": link.relation.value,
                "mobile": mask_last4(link.member.phone_last4, 11) if link.member else None,
                "scopes": list(link.scopes or []),
                "linked_at": link.claimed_at.isoformat() if link.claimed_at else None,
                "ended_at": link.ended_at.isoformat() if link.ended_at else None,
                "ended_by": link.ended_by,
            }
            for link in session.scalars(
                select(FamilyLink)
                .where(FamilyLink.resident_id == resident.id, FamilyLink.claimed_at.is_not(None))
                .order_by(FamilyLink.id)
            )
        ],
        "consents": [
            {
                "kind": c.kind.value,
                "version": c.version,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                "guardian": c.guardian_name,
            }
            for c in resident.consents
        ],
        # Masked like the resident's own number: the export is shown to whoever holds the signed-in phone.
        "emergency_contacts": [
            {"name": c.name, "relation": c.relation, "mobile": "*" * 7 + c.phone_last4}
            for c in session.scalars(
                select(EmergencyContact)
                .where(EmergencyContact.resident_id == resident.id)
                .order_by(EmergencyContact.position, EmergencyContact.id)
            )
        ],
        "daily_check_in": _plan(session, resident),
        **_activity(session, resident),
        "exported_at": clock.now().isoformat(),
    }


def pending_deletion(session: Session, resident: Resident) -> DeletionRequest | None:
    return session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.resident_id == resident.id, DeletionRequest.status == DeletionStatus.REQUESTED
        )
    )


def request_deletion(session: Session, actor: Actor, resident: Resident, channel: str) -> DeletionRequest:
    """Ask for erasure; staff confirm it, so a stolen phone cannot wipe someone out unseen."""
    existing = pending_deletion(session, resident)
    if existing is not None:
        return existing
    found = DeletionRequest(resident_id=resident.id, channel=channel[:32])
    session.add(found)
    session.flush()
    record(session, actor, "deletion.request", "resident", resident.id, resident.community_id)
    return found


class DeletionAlreadyDecided(DomainError):
    code = "deletion_decided"


def confirm_deletion(session: Session, actor: Actor, request: DeletionRequest) -> None:
    if request.status != DeletionStatus.REQUESTED:
        raise DeletionAlreadyDecided(request.status.value)
    erase(session, actor, request.resident)
    request.status = DeletionStatus.DONE
    request.decided_at = clock.now()
    request.decided_by_id = actor.id
    session.flush()
    record(session, actor, "deletion.confirm", "resident", request.resident_id, request.resident.community_id)


def cancel_deletion(session: Session, actor: Actor, request: DeletionRequest) -> None:
    if request.status != DeletionStatus.REQUESTED:
        raise DeletionAlreadyDecided(request.status.value)
    request.status = DeletionStatus.CANCELLED
    request.decided_at = clock.now()
    request.decided_by_id = actor.id
    session.flush()
    record(session, actor, "deletion.cancel", "resident", request.resident_id, request.resident.community_id)
