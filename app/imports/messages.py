"""What the import flow says about a file as a whole, and how any import message is
worded in the user's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.value_messages import value_error_message
from surveys.values import ValueParseError

ENGINE_MESSAGES = {
    "import.wrong_type": _l(
        "The file “%(name)s” is not an Excel workbook (.xlsx) or a CSV file (.csv). Save it "
        "in one of these formats and upload it again."
    ),
    "import.old_excel": _l(
        "The file “%(name)s” is in the old Excel format (.xls). Open it in Excel or WPS, "
        "save it as an Excel workbook (.xlsx) and upload that."
    ),
    "import.unreadable": _l(
        "The file “%(name)s” could not be read as an Excel workbook; it may be damaged or "
        "protected by a password. Open it in Excel or WPS, save it again as .xlsx "
        "without a password, and upload that."
    ),
    "import.unpacked_too_large": _l(
        "The file “%(name)s” holds far more data than an import can take. Split it into "
        "several smaller files."
    ),
    "import.empty_file": _l(
        "The file “%(name)s” is empty: it holds no data at all. Check that you chose the "
        "right file and upload it again."
    ),
    "import.empty_workbook": _l(
        "The workbook “%(name)s” has no filled cell in any sheet. Fill in the template (or "
        "copy your data into it), save the file and upload it again."
    ),
    "import.csv_named_xlsx": _l(
        "“%(name)s” is a text (CSV) file although its name ends in .xlsx or .xls; it was "
        "read as a CSV file."
    ),
    "import.html_table": _l(
        "The file “%(name)s” is a web page (HTML), although its name may end in .xls: some "
        "systems export tables that way. Open it in Excel or WPS, save it as an Excel "
        "workbook (.xlsx) and upload that."
    ),
    "import.compressed_too_much": _l(
        "The file “%(name)s” is packed far more tightly than any real workbook (a part of "
        "it unpacks to %(ratio)s times its size), so it is not read. Open it in Excel or "
        "WPS, copy the data into a new workbook, save that as .xlsx and upload it."
    ),
    "import.too_complex": _l(
        "The workbook “%(name)s” is built in a way an import does not read (too many "
        "parts, formats or other elements besides its cells). Open it in Excel or WPS, "
        "copy the data into a new workbook, save that as .xlsx and upload it."
    ),
    "import.sheet_too_wide": _l(
        "The sheet “%(sheet)s” reaches column %(last)s (%(columns)s columns); at most "
        "%(max)s columns can be imported. If the columns after your data are empty, "
        "select them, delete them (right-click, Delete), save the file and upload it again."
    ),
    "import.sheet_too_long": _l(
        "The sheet “%(sheet)s” reaches row %(rows)s; at most %(max)s rows can be imported "
        "at once. If the rows below your data are empty, select them, delete them "
        "(right-click, Delete), save the file and upload it again; otherwise split it "
        "into several files."
    ),
    "import.sheet_too_large": _l(
        "The sheet “%(sheet)s” claims to fill %(ref)s: %(rows)s rows of %(columns)s "
        "columns; at most %(max_rows)s rows of %(max_columns)s columns can be imported. "
        "Delete the empty rows below your data and the empty columns after it, save the "
        "file and upload it again."
    ),
    "import.too_many_cells": _l(
        "The workbook “%(name)s” has %(cells)s cells; at most %(max)s (%(rows)s rows of "
        "%(columns)s columns) can be imported at once. Delete the sheets you don't need "
        "and empty formatted cells, or split the file into several files."
    ),
    "import.too_many_texts": _l(
        "The workbook “%(name)s” holds more different texts than an import can take "
        "(%(count)s texts, %(mb)s MB; at most %(max)s texts or %(max_mb)s MB). Delete the "
        "sheets you don't need or split the file into several files."
    ),
    "import.cell_too_long": _l(
        "A cell in “%(sheet)s” holds more than %(max)s characters, more than Excel allows "
        "in a cell. Shorten that cell's text, save the file and upload it again."
    ),
    "import.csv_too_wide": _l(
        "Line %(line)s of the CSV file “%(name)s” has %(columns)s cells; at most %(max)s "
        "columns can be imported. Check the separators on that line, save the file and "
        "upload it again."
    ),
    "import.csv_too_long": _l(
        "The CSV file “%(name)s” has %(lines)s lines; at most %(max)s rows can be imported "
        "at once. Delete the empty lines at its end or split it into several files."
    ),
    "import.formulas_not_calculated": _l(
        "The sheet “%(sheet)s” holds formulas that were never calculated (%(count)s cells, "
        "e.g. %(cells)s), so their results are empty; files written by programs often look "
        "like this. Open the file in Excel or WPS, save it so the formulas are calculated, "
        "and upload it again."
    ),
    "import.formulas_uncached": _l(
        "%(count)s cells of the sheet “%(sheet)s” (e.g. %(cells)s) hold formulas that were "
        "never calculated and are read as empty. To import their results, open the file "
        "in Excel or WPS, save it so the formulas are calculated, and upload it again."
    ),
    "import.csv_encoding": _l(
        "The text of the CSV file “%(name)s” could not be read. Save it from Excel or WPS "
        "as “CSV UTF-8” and upload it again."
    ),
    "import.csv_ragged": _l(
        "Line %(line)s of the CSV file has more cells than the lines above it. Open the "
        "file in Excel or WPS, check that line, save it again and upload it."
    ),
    "import.empty": _l("The file holds no rows. Fill in the template and upload it again."),
    "import.duplicate_column": _l(
        "The columns “%(first)s” and “%(second)s” both hold “%(column)s”. Delete or "
        "rename one of them."
    ),
    "import.no_rows": _l(
        "The file has a header row but no filled rows below it. Fill in the rows and "
        "upload it again."
    ),
    "import.too_many_rows": _l(
        "The file has %(rows)s filled rows; at most %(max)s can be imported at once. "
        "Split it into several files and import them one after another."
    ),
    "import.duplicate_row": _l(
        "This row repeats %(identity)s from row %(first)s. Keep one of the two rows."
    ),
    "import.unknown_column": _l(
        "The column mapping names a column that is not in the file. Check the mapping "
        "again."
    ),
}


def message_text(key: str, params: Mapping[str, Any], *catalogs) -> str:
    """Return message `key` in the current language with `params` filled in.

    `catalogs` are dicts of lazy strings (the engine's, a kind's); other keys are the
    value parsers' (surveys.values), translated by app.value_messages.
    """
    for catalog in catalogs:
        template = catalog.get(key)
        if template is not None:
            try:
                return str(template) % params
            except (KeyError, TypeError, ValueError):
                return str(template)
    return value_error_message(ValueParseError(key, **params))


class ImportFileError(Exception):
    """The whole file cannot be imported; ``message()`` says why and what to do."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self) -> str:
        """The message in the current language."""
        return message_text(self.key, self.params, ENGINE_MESSAGES)
