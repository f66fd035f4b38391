"""Importing the register from the spreadsheets community offices already keep (CSV or XLSX).

Every row goes through the same validation and sealing as a form. The whole file is checked
first; if any row is wrong, nothing is imported and each bad row is reported in plain words.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.places import household_label
from webapp.domain.register.residents import (
    CONSENT_VERSION,
    ID_KIND,
    CleanInput,
    ResidentInput,
    ResidentInputError,
    seal,
    validate,
)
from webapp.infra import clock
from webapp.infra.numbers import small_int
from webapp.models import Building, Consent, ConsentKind, Household, Resident

MAX_ROWS = 20_000

# Column headers we understand, in Chinese or English; the first one is used in our template.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "building": ("楼幢", "building"),
    "unit": ("单元", "unit"),
    "room": ("房号", "room"),
    "birth_date": ("出生日期", "date of birth", "birth_date"),
    "id_number": ("身份证号", "id number", "id_number"),
    "phone": ("手机", "mobile", "phone"),
    "lives_alone": ("独居", "lives alone", "lives_alone"),
    "has_disability": ("残疾", "disability", "has_disability"),
    "language": ("语言", "language"),
    "consent": ("已同意", "consent recorded", "consent"),
}
YES = {"是", "yes", "y", "1", "true", "√", "✓"}
NO = {"否", "no", "n", "0", "false", ""}


class ImportFileError(DomainError):
    code = "import_file"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "format", "empty", "too_many", "no_name_column"


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    code: str


@dataclass
class ImportPlan:
    rows: list[tuple[int, CleanInput, Building | None, int | None, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def read_table(filename: str, content: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv"):
        return _read_csv(content)
    raise ImportFileError("format")


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # offices save CSV from Excel as GBK as often as UTF-8
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    raise ImportFileError("format")


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("format") from exc
    rows = []
    for values in book.active.iter_rows(values_only=True):
        cells = [
            "" if v is None else (v.date().isoformat() if isinstance(v, datetime) else str(v)) for v in values
        ]
        if any(c.strip() for c in cells):
            rows.append(cells)
    book.close()
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header):
        label = cell.strip().lower()
        for key, names in COLUMNS.items():
            if label in names and key not in found:
                found[key] = index
    if "name" not in found:
        raise ImportFileError("no_name_column")
    return found


def _yes_no(value: str) -> bool | None:
    v = value.strip().lower()
    return True if v in YES else False if v in NO else None


def _date(value: str) -> date | None | str:
    v = value.strip().replace("/", "-").replace(".", "-")
    if not v:
        return None
    try:
        return date.fromisoformat(v[:10]) if "-" in v else datetime.strptime(v, "%Y%m%d").date()
    except ValueError:
        return "bad"


def plan_import(session: Session, vault: Vault, community_id: int, table: list[list[str]]) -> ImportPlan:
    """Check every row; return what would be created and every problem found."""
    if len(table) < 2:
        raise ImportFileError("empty")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError("too_many")
    cols = _columns(table[0])
    buildings = {
        b.number: b for b in session.scalars(select(Building).where(Building.community_id == community_id))
    }
    known_ids = set(
        session.scalars(select(Resident.id_number_index).where(Resident.id_number_index.is_not(None)))
    )
    seen_ids: set[str] = set()
    plan = ImportPlan()
    today = clock.now().date()
    for number, raw in enumerate(table[1:], start=2):
        cell = {key: (raw[i] if i < len(raw) else "").strip() for key, i in cols.items()}
        problems: list[RowError] = []
        building: Building | None = None
        if cell.get("building"):
            digits = cell["building"].rstrip("幢栋号").strip()
            number_of_building = small_int(digits)
            building = buildings.get(number_of_building) if number_of_building is not None else None
            if building is None:
                problems.append(RowError(number, "building", "unknown_building"))
        unit = cell.get("unit", "")
        birth = _date(cell.get("birth_date", ""))
        if birth == "bad":
            problems.append(RowError(number, "birth_date", "bad_date"))
            birth = None
        flags = {}
        for key in ("lives_alone", "has_disability", "consent"):
            answer = _yes_no(cell.get(key, ""))
            if answer is None:
                problems.append(RowError(number, key, "bad_yes_no"))
            flags[key] = bool(answer)
        wanted = {
            ConsentKind.AGE: birth is not None,
            ConsentKind.LIVES_ALONE: flags["lives_alone"],
            ConsentKind.DISABILITY: flags["has_disability"],
        }
        data = ResidentInput(
            name=cell.get("name", ""),
            birth_date=birth if isinstance(birth, date) else None,
            id_number=cell.get("id_number") or None,
            phone=cell.get("phone") or None,
            lives_alone=flags["lives_alone"],
            has_disability=flags["has_disability"],
            preferred_locale=cell.get("language")
            if cell.get("language") in ("zh_Hans", "zh_Hant", "en")
            else None,
            consents={k for k, w in wanted.items() if w} if flags["consent"] else set(),
        )
        clean = None
        try:
            clean = validate(data, today=today)
        except ResidentInputError as exc:
            problems += [RowError(number, key, code) for key, code in exc.errors.items()]
        if clean is not None and clean.id_number:
            digest = vault.index(ID_KIND, clean.id_number)
            if digest in known_ids or digest in seen_ids:
                problems.append(RowError(number, "id_number", "id_taken"))
            seen_ids.add(digest)
        if problems or clean is None:
            plan.errors += problems
            continue
        unit_no = small_int(unit, 999)
        plan.rows.append((number, clean, building, unit_no, cell.get("room", "")))
    return plan


def run_import(session: Session, vault: Vault, actor: Actor, community_id: int, plan: ImportPlan) -> int:
    """Create every planned resident in the caller's transaction; the caller commits once, or rolls back."""
    if not plan.ok:
        raise ImportFileError("empty" if not plan.rows else "format")
    households: dict[tuple[int, str], Household] = {}
    existing = session.execute(
        select(Household).join(Building).where(Building.community_id == community_id)
    ).scalars()
    for known in existing:
        households[(known.building_id, known.label)] = known
    residents = []
    for _number, clean, building, unit, room in plan.rows:
        household: Household | None = None
        if building is not None and unit is not None and room:
            label = household_label(building, unit, room)
            household = households.get((building.id, label))
            if household is None:
                household = Household(building=building, unit=unit, room=room, label=label)
                households[(building.id, label)] = household
                session.add(household)
        resident = Resident(
            community_id=community_id,
            household=household,
            name=clean.name,
            birth_date=clean.birth_date,
            lives_alone=clean.raw.lives_alone,
            has_disability=clean.raw.has_disability,
            preferred_locale=clean.raw.preferred_locale,
        )
        resident.consents = [
            Consent(
                kind=kind, version=CONSENT_VERSION, recorded_by_id=actor.id if actor.type == "staff" else None
            )
            for kind in sorted(clean.raw.consents)
        ]
        seal(resident, vault, clean.id_number, clean.phone)
        residents.append(resident)
    session.add_all(residents)
    session.flush()
    record(session, actor, "resident.import", "community", community_id, community_id, count=len(residents))
    return len(residents)


def template_header() -> list[str]:
    return [names[0] for names in COLUMNS.values()]


def sample_rows() -> Iterable[list[str]]:
    yield ["王秀英", "1", "1", "101", "1942-05-08", "", "", "是", "否", "zh_Hans", "是"]
