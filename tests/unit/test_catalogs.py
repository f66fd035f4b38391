"""Every user-visible string is translated in all three locales, and nothing compiled or extracted is stale."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from webapp.config import LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def load_po(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def plain(value):
    """A plural message's id and strings as a tuple (the .po reader gives tuples, the .mo reader lists)."""
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "translations/babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as handle:
        return read_po(handle)


def test_pot_is_up_to_date(fresh_pot):
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        committed = read_po(handle)
    assert ids(fresh_pot) == ids(committed), "run `make translations`"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale, fresh_pot):
    catalog = load_po(locale)
    missing = ids(fresh_pot) - ids(catalog)
    assert not missing, f"{locale}: not in catalog: {sorted(missing)[:5]}"
    untranslated = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert not untranslated, f"{locale}: untranslated or fuzzy: {untranslated[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_source(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    source = {plain(m.id): plain(m.string) for m in load_po(locale) if m.id and not m.fuzzy}
    assert compiled == source, f"{locale}: compiled catalog is stale, run `make translations`"


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_chinese_catalogs_are_really_chinese(locale):
    catalog = load_po(locale)
    latin_only = [
        m.id
        for m in catalog
        if m.id
        and isinstance(m.string, str)
        and m.string.isascii()
        and any(c.isalpha() for c in m.string.replace("%(", "").replace(")s", ""))
    ]
    assert latin_only == [], f"{locale} has English left in: {latin_only[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_obsolete_entry_repeats_a_live_one(locale):
    """GNU msgfmt -c (what translators' tools and distributions run) refuses a catalogue in which an obsolete
    `#~` entry has the id of a live one; Babel's reader silently keeps one of the two."""
    catalog = load_po(locale)
    live = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    repeated = [
        m.id
        for m in catalog.obsolete.values()
        if (m.context, m.id if isinstance(m.id, str) else m.id[0]) in live
    ]
    assert not repeated, f"obsolete entries that repeat a live message: {repeated}"
