"""Fill the English catalog: its msgids are English already, so each translation is its own id.

Run by `make translations` after `pybabel update`; keeps `en` complete so the catalog test passes.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):  # ngettext: (singular, plural), English's two forms
            if message.fuzzy or not all(message.string):
                message.string = tuple(message.id)
                message.flags.discard("fuzzy")
        elif not message.string or message.fuzzy:
            message.string = message.id
            message.flags.discard("fuzzy")
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=110, omit_header=False)


if __name__ == "__main__":
    main()
