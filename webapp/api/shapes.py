"""The JSON API's shapes, declared once: they validate what comes in, check what goes out, and are the
schemas of the OpenAPI document (`/api/openapi.json`). No shape carries a resident's name or phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from webapp.domain.life.notices import BODY_MAX, SUMMARY_MAX, TITLE_MAX


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    # The schema's words are given, not taken from a docstring: the service runs under python -OO.
    model_config = ConfigDict(
        json_schema_extra={
            "description": "An error, RFC 9457 problem details (served as application/problem+json)."
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, str] | None = Field(default=None, description="field -> error code, for bad input")


Names = dict[str, str]

DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _date_time_text(value: Any) -> Any:
    """A time comes as ISO 8601 text: pydantic alone would also read a bare number as Unix seconds."""
    if isinstance(value, datetime) or (isinstance(value, str) and DATE_TIME.match(value)):
        return value
    raise PydanticCustomError("date_time_format", "a date and time like 2026-12-05T08:00:00+08:00")


def _within_calendar(moment: datetime) -> datetime:
    """Refuse a time that has no UTC value (0001-01-01T00:00:00+14:00 is in the year 0): it cannot be stored
    or compared with stored times."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("date_time_range", "a time between the years 1 and 9999 in UTC") from None
    return moment


Moment = Annotated[AwareDatetime, BeforeValidator(_date_time_text), AfterValidator(_within_calendar)]

# At least one character that is not a blank as the core counts blanks (str.strip, str.isspace). The blanks
# are spelled out because the document's reader does not share our dialect: JSON Schema's patterns are
# ECMA-262, whose \s leaves out U+0085 and U+001C-001F and takes in U+FEFF, so r"\S" published a rule the
# server did not keep (a title of "\u0085" was valid by the document and refused). \uXXXX means the same in
# both dialects.
# A shape that uses it matches with Python's regular expressions (regex_engine="python-re").
WORDS = r"[^\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class CommunityOut(Shape):
    slug: str
    names: Names
    timezone: str


class Communities(Shape):
    items: list[CommunityOut]


class Option(Shape):
    value: str
    label: Names


class Question(Shape):
    id: str
    type: str
    required: bool
    label: Names
    options: list[Option] = []


class ServiceTypeOut(Shape):
    code: str
    category: str
    names: Names
    help: Names
    eligibility: str
    questions: list[Question]


class ServiceTypes(Shape):
    items: list[ServiceTypeOut]


class TimelineEntry(Shape):
    at: datetime
    status: str | None
    kind: str | None
    note: str | None


class TicketOut(Shape):
    number: str
    service_code: str
    status: str
    open311_status: Literal["open", "closed"]
    urgent: bool
    overdue: bool
    channel: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    building: str | None = Field(None, description="only for a key with the tickets:flats scope")
    place: str | None = Field(None, description="only for a key with the tickets:flats scope")
    timeline: list[TimelineEntry] | None = Field(None, description="public events (on a single ticket)")


class TicketPage(Shape):
    items: list[TicketOut]
    page: int
    per_page: int
    has_more: bool


class TicketQuery(Shape):
    updated_since: Moment | None = Field(
        None,
        description="only tickets changed at or after this: a date and time with its offset "
        "(ISO 8601, like 2026-12-05T08:00:00+08:00); a bare number is refused",
    )
    status: (
        Literal["submitted", "accepted", "in_progress", "resolved", "closed", "rejected", "cancelled"] | None
    ) = None
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(50, ge=1, le=200)


class TicketIn(Shape):
    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",
        json_schema_extra={
            "examples": [
                {
                    "service_code": "repair-light",
                    "place": "3号楼二单元楼道",
                    "answers": {"where": "stairs", "urgent": False},
                    "description": "楼道灯不亮",
                }
            ]
        },
    )

    service_code: str = Field(min_length=1, max_length=32)
    place: str = Field(
        min_length=1, max_length=120, pattern=WORDS, description="the common area the ticket is about"
    )
    answers: dict[str, str | int | bool] = Field(default_factory=dict, description="question id -> answer")
    description: str | None = Field(None, max_length=2000)


class Created(Shape):
    ticket: TicketOut
    follow_token: str = Field(
        description="shown once: opens the ticket's public page and Open311 tokens/{token}"
    )


class StatusIn(Shape):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "accepted"}]})

    status: Literal["accepted", "in_progress", "resolved", "closed", "rejected", "cancelled"]
    note: str | None = Field(None, max_length=2000)


class NoteIn(Shape):
    model_config = ConfigDict(
        extra="forbid", regex_engine="python-re", json_schema_extra={"examples": [{"note": "师傅下午两点到"}]}
    )

    note: str = Field(min_length=1, max_length=2000, pattern=WORDS)


class SlotOut(Shape):
    id: int
    service_code: str
    starts_at: datetime
    minutes: int
    place: str
    capacity: int
    booked: int


class Slots(Shape):
    items: list[SlotOut]


class AppointmentOut(Shape):
    ticket: str
    service_code: str
    starts_at: datetime
    place: str
    status: str


class Appointments(Shape):
    items: list[AppointmentOut]


class NoticeOut(Shape):
    id: int
    titles: Names
    summaries: Names
    bodies: Names
    urgent: bool
    starts_at: datetime
    ends_at: datetime | None


class Notices(Shape):
    items: list[NoticeOut]


class Words(Shape):
    # Python's regular expressions: "blank" as the core counts it. The schema's words are given, not taken
    # from a docstring: the service runs under python -OO.
    model_config = ConfigDict(
        extra="forbid",
        regex_engine="python-re",
        json_schema_extra={"description": "A text in each of Linli's languages."},
    )


class Titles(Words):
    zh_Hans: str = Field(min_length=1, max_length=TITLE_MAX, pattern=WORDS, description="required")
    zh_Hant: str | None = Field(None, max_length=TITLE_MAX)
    en: str | None = Field(None, max_length=TITLE_MAX)


class Bodies(Words):
    zh_Hans: str = Field(min_length=1, max_length=BODY_MAX, pattern=WORDS, description="required")
    zh_Hant: str | None = Field(None, max_length=BODY_MAX)
    en: str | None = Field(None, max_length=BODY_MAX)


class Summaries(Words):
    zh_Hans: str | None = Field(None, max_length=SUMMARY_MAX)
    zh_Hant: str | None = Field(None, max_length=SUMMARY_MAX)
    en: str | None = Field(None, max_length=SUMMARY_MAX)


class NoticeIn(Shape):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "titles": {"zh_Hans": "明天停水", "en": "No water tomorrow"},
                    "bodies": {"zh_Hans": "明天上午九点到十二点停水。", "en": "No water from 9 to 12."},
                    "urgent": True,
                }
            ]
        },
    )

    titles: Titles = Field(description="the title in each language; zh_Hans required, not blank")
    bodies: Bodies = Field(description="the text in each language; zh_Hans required, not blank")
    summaries: Summaries = Field(default_factory=lambda: Summaries.model_validate({}))
    urgent: bool = False
    starts_at: Moment | None = Field(None, description="default: now")
    ends_at: Moment | None = Field(None, description="after starts_at")


class EventOut(Shape):
    kind: Literal["event", "class"]
    id: int
    titles: Names
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


class Events(Shape):
    items: list[EventOut]


class DirectoryEntry(Shape):
    id: int
    kind: str
    names: Names
    address: str
    phone: str | None = Field(description="the business's own number, public")
    hours: list[list[list[str]]]
    serves_elderly: bool
    serves_disabled: bool


class Directory(Shape):
    items: list[DirectoryEntry]


class CategoryFigures(Shape):
    category: str
    open: int
    overdue: int


class FiguresOut(Shape):
    open: int
    overdue: int
    resolved: int
    median_hours: float | None
    rating: float | None
    ratings: int
    since: datetime
    by_category: list[CategoryFigures] = Field(description="open tickets per service category, most first")
