"""Every XLSX and CSV file Qibu writes is made with this module, so none runs a formula.

The rule (OWASP, "CSV injection"): text that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is written as text, marked with an apostrophe, never as a formula
that Excel or WPS would run (``=HYPERLINK(…)`` sending data away, ``=cmd|' /C calc'!A0``
starting a program). A CSV has no cell types, so there the apostrophe is written before the
text (:func:`safe_cell`). An XLSX cell has a type: the text is written as a string cell
with Excel's quote prefix (:func:`workbook_bytes`), which is what Excel itself stores when
one types an apostrophe before text; the value reads back unchanged, so a workbook of
rejected rows can be fixed and imported again as it is. Numbers, negative ones included,
dates and booleans are written as they are.

The control characters an XLSX cannot hold (NUL, BEL, ESC …) are left out of its cells
(:func:`excel_value`): a stored text has none (surveys.values.clean_text), but the rejected
rows of an import are shown as they were in the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

#: How text that a spreadsheet would read as a formula begins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_HEADER_FONT = Font(bold=True)


def reads_as_formula(value: Any) -> bool:
    """Whether `value` is text that Excel, WPS or LibreOffice would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """Return a CSV cell's value: text that reads as a formula gets a leading apostrophe."""
    return "'" + value if reads_as_formula(value) else value


def excel_value(value: Any) -> Any:
    """Return `value` as a spreadsheet cell holds it: blanks as None, numpy and pandas
    scalars as Python ones, lists joined, text without the control characters XLSX cannot
    hold."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
        if isinstance(value, float) and value != value:
            return None
    if isinstance(value, (list, tuple, set)):
        value = "、".join(str(v) for v in value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def workbook_bytes(workbook: Workbook) -> bytes:
    """Save `workbook` with every text cell written as text (see the module's rule)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl makes a formula of any '=…' text
                    if reads_as_formula(cell.value):
                        cell.quotePrefix = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def sheet_name(title: str, used: set[str]) -> str:
    """An XLSX sheet name for `title`: no []:*?/\\, at most 31 characters, unique in `used`
    (compared case-insensitively, as Excel does), which it joins."""
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append one row of values to an openpyxl sheet, each as :func:`excel_value` gives it."""
    sheet.append([excel_value(v) for v in values])


def tables_to_xlsx(tables: Mapping[str, pd.DataFrame], *, index: bool = False) -> bytes:
    """Write one sheet per table (sheet names from the keys), headers in bold; with
    `index`, each row's index label comes first."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for title, frame in tables.items():
        sheet = workbook.create_sheet(sheet_name(title, used))
        append_row(sheet, [*([frame.index.name] if index else []), *frame.columns])
        for cell in sheet[1]:
            cell.font = _HEADER_FONT
        for label, values in zip(frame.index, frame.itertuples(index=False), strict=True):
            append_row(sheet, [label, *values] if index else values)
        for column_cells in sheet.columns:
            width = max(len(str(c.value if c.value is not None else "")) for c in column_cells)
            sheet.column_dimensions[column_cells[0].column_letter].width = min(
                max(10, width * 1.6 + 2), 60)
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    return workbook_bytes(workbook)


def tables_to_csv(tables: Mapping[str, pd.DataFrame], table_column: str = "table") -> bytes:
    """Write every table into one CSV (UTF-8 with BOM, for Excel); `table_column` names
    each row's table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    columns: list = [table_column]
    for frame in tables.values():
        columns += [c for c in frame.columns if c not in columns]
    writer.writerow([safe_cell(str(c)) for c in columns])
    for title, frame in tables.items():
        for record in frame.to_dict("records"):
            record[table_column] = title
            writer.writerow([_csv_value(record.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value: Any) -> Any:
    value = excel_value(value)
    return "" if value is None else safe_cell(value)
