"""The service catalog: who may use a service, and checking a request's answers against its questions.

A question is a small dict, so staff can edit a catalog without code:
`{"id": "what", "type": "choice", "required": true, "label": {...}, "options": [{"value": "light",
"label": {...}}]}`. Types: choice, yes_no, number, short_text, date, slot, photo.

Danger answers: a yes_no question with `"danger": true` (its "yes"), or a choice option with `"danger": true`
(gas smell, water pouring, someone stuck in the lift) makes the request urgent (see `is_danger`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.models import Eligibility, Resident, ServiceType

QUESTION_TYPES = {"choice", "yes_no", "number", "short_text", "date", "slot", "photo"}
SHORT_TEXT_MAX = 500
NUMBER_MAX = 1_000_000
URGENT_DEADLINE_HOURS = 4  # a new service type's deadline for danger answers, until staff change it

# The question types each face asks. One table for the face that asks and for check_answers that checks, so a
# face is never refused an answer to a question it could not ask: a kiosk has neither keyboard nor camera,
# the console takes a ticket over the phone or at the counter (no photo).
ASKED_TYPES: dict[str, frozenset[str]] = {
    "kiosk": frozenset({"choice", "yes_no", "number", "date", "slot"}),
    "phone": frozenset(QUESTION_TYPES),
    "staff": frozenset(QUESTION_TYPES - {"photo"}),
    "api": frozenset(QUESTION_TYPES - {"photo"}),  # another system sends no upload
}
# The faces that can ask, in words, which common area a ticket is about (a kiosk cannot type).
ASKS_PLACE = frozenset({"phone", "api"})


class AnswerErrors(DomainError):
    """Question id -> error code; every face shows each beside its question and keeps what was entered."""

    code = "answers"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotEligible(DomainError):
    code = "not_eligible"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "age", "disability", "channel", "inactive"


def questions_for(service: ServiceType, channel: str) -> list[dict[str, Any]]:
    """The questions *channel* asks, in order ("kiosk:3" is the kiosk); the same list check_answers checks."""
    kinds = ASKED_TYPES.get(channel.split(":")[0], frozenset())
    return [q for q in service.questions or [] if q.get("type") in kinds]


def services_for(session: Session, community_id: int, channel: str) -> list[ServiceType]:
    rows = session.scalars(
        select(ServiceType)
        .where(ServiceType.community_id == community_id, ServiceType.active.is_(True))
        .order_by(ServiceType.position, ServiceType.id)
    )
    return [s for s in rows if channel in (s.channels or [])]


def questions_say_where(service: ServiceType) -> bool:
    """Whether the service's own questions already say where (a "where" question, or a booked time whose
    venue is the place): then no face asks "where" again, and an appointment is never "at my home"."""
    return any(q.get("id") == "where" or q.get("type") == "slot" for q in service.questions or [])


def answered_home(service: ServiceType, answers: dict[str, Any]) -> bool:
    """Is the request about the resident's home (else a common area, named by the "where" answer)?"""
    questions = service.questions or []
    if any(q.get("type") == "slot" for q in questions):
        return True  # an appointment is the household's, at the venue of its time
    if any(q.get("id") == "where" for q in questions):
        return answers.get("where") == "home"
    return True


def check_eligible(service: ServiceType, resident: Resident | None, channel: str, today: date) -> None:
    """Whether this resident (None: nobody's ticket, filed by another system) may ask for this service."""
    if not service.active:
        raise NotEligible("inactive")
    if channel not in (service.channels or []):
        raise NotEligible("channel")
    if resident is None:
        if service.eligibility != Eligibility.EVERYONE:
            raise NotEligible("resident")
        return
    if service.eligibility == Eligibility.AGED_60:
        age = resident.age_on(today)
        if age is None or age < 60:
            raise NotEligible("age")
    if service.eligibility == Eligibility.DISABILITY and not resident.has_disability:
        raise NotEligible("disability")


def _clean(question: dict[str, Any], raw: Any) -> tuple[Any, str | None]:
    """Return (clean value, error code) for one answer; None means "not answered"."""
    kind = question.get("type")
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None, None
    if kind == "choice":
        values = {o["value"] for o in question.get("options", [])}
        return (text, None) if text in values else (None, "bad_choice")
    if kind == "yes_no":
        return ({"yes": True, "no": False}[text], None) if text in ("yes", "no") else (None, "bad_choice")
    if kind == "number":
        try:
            number = int(text)
        except ValueError:
            return None, "bad_number"
        return (number, None) if 0 <= number <= NUMBER_MAX else (None, "bad_number")
    if kind == "short_text":
        return (text, None) if len(text) <= SHORT_TEXT_MAX else (None, "too_long")
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, "bad_date"
    if kind in ("slot", "photo"):
        return (text, None) if len(text) <= 64 else (None, "too_long")  # an id, checked by bookings/uploads
    return None, "bad_choice"


def check_answers(service: ServiceType, answers: dict[str, Any], channel: str) -> dict[str, Any]:
    """Validate every answer to the questions *channel* asks, at once; answers to questions it does not ask
    (a photo sent to a kiosk's ticket) are dropped, and such questions are never required."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions_for(service, channel):
        qid = question["id"]
        value, error = _clean(question, answers.get(qid))
        if error is None and value is None and question.get("required", False):
            error = "required"
        if error:
            errors[qid] = error
        elif value is not None:
            clean[qid] = value
    if errors:
        raise AnswerErrors(errors)
    return clean


def is_danger(service: ServiceType, clean: dict[str, Any]) -> bool:
    """Whether these (checked) answers report danger: the ticket then goes first and gets a shorter deadline.

    Declared in the catalog, not in code, so each community marks its own danger answers."""
    for question in service.questions or []:
        value = clean.get(str(question.get("id")))
        if value is None:
            continue
        if question.get("type") == "yes_no" and question.get("danger") and value is True:
            return True
        options = question.get("options", []) if question.get("type") == "choice" else []
        if any(o.get("danger") and o.get("value") == value for o in options):
            return True
    return False


def validate_questions(questions: list[dict[str, Any]]) -> list[str]:
    """Problems with a catalog's question list (for the catalog editor and for tests of the demo catalog)."""
    problems = []
    seen: set[str] = set()
    for q in questions:
        if not isinstance(q.get("id"), str) or not q["id"] or q["id"] in seen:
            problems.append(f"bad or repeated id: {q.get('id')!r}")
        seen.add(str(q.get("id")))
        if q.get("type") not in QUESTION_TYPES:
            problems.append(f"{q.get('id')}: unknown type {q.get('type')!r}")
        if not isinstance(q.get("label"), dict) or not {"zh_Hans", "zh_Hant", "en"} <= set(q["label"]):
            problems.append(f"{q.get('id')}: label needs zh_Hans, zh_Hant and en")
        if q.get("type") == "choice":
            for option in q.get("options", []):
                if not {"zh_Hans", "zh_Hant", "en"} <= set(option.get("label", {})):
                    problems.append(f"{q.get('id')}: option {option.get('value')!r} needs 3 labels")
    return problems


LOCALES = ("zh_Hans", "zh_Hant", "en")
CHANNELS = ("kiosk", "phone", "staff", "api")
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def check_service(
    values: dict[str, Any], taken_codes: set[str], provider_names: set[str] | None = None
) -> dict[str, str]:
    """Problems with a service type as staff edit it (field -> error code), before anything is saved.

    *provider_names*: the community's provider records; a provider is chosen among them (routing follows the
    record), never typed free-hand."""
    from webapp.models import Category, Handler

    errors: dict[str, str] = {}
    code = str(values.get("code") or "")
    if not code or len(code) > 32 or not set(code) <= CODE_CHARS:
        errors["code"] = "bad_code"
    elif code in taken_codes:
        errors["code"] = "code_taken"
    for locale in LOCALES:
        name = str((values.get("names") or {}).get(locale) or "").strip()
        if not name:
            errors[f"name_{locale}"] = "required"
        elif len(name) > 80:
            errors[f"name_{locale}"] = "too_long"
    if values.get("category") not in {c.value for c in Category}:
        errors["category"] = "bad_choice"
    if values.get("handler") not in {h.value for h in Handler}:
        errors["handler"] = "bad_choice"
    elif values["handler"] == Handler.PROVIDER and not str(values.get("provider_name") or "").strip():
        errors["provider_name"] = "required"
    elif (
        provider_names is not None
        and str(values.get("provider_name") or "").strip()
        and " ".join(str(values["provider_name"]).split()) not in provider_names
    ):
        errors["provider_name"] = "unknown_provider"
    if values.get("eligibility") not in {e.value for e in Eligibility}:
        errors["eligibility"] = "bad_choice"
    hours = values.get("deadline_hours")
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 90:
        errors["deadline_hours"] = "bad_hours"
    urgent_hours = values.get("urgent_deadline_hours")
    if not isinstance(urgent_hours, int) or not 1 <= urgent_hours <= 24 * 90:
        errors["urgent_deadline_hours"] = "bad_hours"
    if not values.get("channels") or not set(values["channels"]) <= set(CHANNELS):
        errors["channels"] = "bad_choice"
    questions = values.get("questions")
    if not isinstance(questions, list) or validate_questions(questions):
        errors["questions"] = "bad_questions"
    return errors


def save_service(
    session: Session, service: ServiceType | None, community_id: int, values: dict[str, Any]
) -> ServiceType:
    """Create or update a service type after check_service found nothing wrong; returns it."""
    from webapp.models import Category, Handler, ServiceProvider

    if service is None:
        service = ServiceType(community_id=community_id)
        session.add(service)
    service.code = values["code"]
    service.names = {k: values["names"][k].strip() for k in LOCALES}
    service.help = {k: str((values.get("help") or {}).get(k) or "").strip()[:200] for k in LOCALES}
    bring = {k: str((values.get("bring") or {}).get(k) or "").strip()[:200] for k in LOCALES}
    service.bring = bring if any(bring.values()) else None
    service.category = Category(values["category"])
    service.handler = Handler(values["handler"])
    named = " ".join(str(values.get("provider_name") or "").split())
    service.provider = (
        session.scalar(
            select(ServiceProvider).where(
                ServiceProvider.community_id == community_id, ServiceProvider.name == named
            )
        )
        if named and service.handler != Handler.OFFICE
        else None
    )
    service.eligibility = Eligibility(values["eligibility"])
    service.deadline_hours = values["deadline_hours"]
    service.urgent_deadline_hours = values["urgent_deadline_hours"]
    service.channels = [c for c in CHANNELS if c in values["channels"]]
    service.questions = values["questions"]
    service.active = bool(values.get("active"))
    service.icon = values.get("icon") or "list"
    session.flush()
    return service


def check_one(question: dict[str, Any], raw: Any) -> str | None:
    """The error code for one answer on its own (the wizard checks each screen before moving on); only
    questions from questions_for are asked, so a required one is required wherever it is asked."""
    value, error = _clean(question, raw)
    if error:
        return error
    return "required" if value is None and question.get("required", False) else None
