"""Catalog helpers: English msgids are the English text, so the en catalog mirrors them."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill_english_catalog(path: Path) -> int:
    """Copy each msgid into its empty English msgstr; return how many were filled."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        if "fuzzy" in message.flags:
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return filled


def untranslated_entries(path: Path, locale: str) -> list[str]:
    """Return the msgids that are missing a translation or are marked fuzzy."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    return problems
