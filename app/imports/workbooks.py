"""The workbooks an import gives back: the rejected rows with what to fix, and the empty
template with its notes sheet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.imports.engine import (
    ImportResult,
    RowParser,
    Source,
    locate_table,
    read_frames,
)
from app.imports.headers import cell_text
from app.spreadsheets import append_row, workbook_bytes
from surveys.values import is_blank

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCEBE5")
_WRAP = Alignment(wrap_text=True, vertical="top")


def rejected_rows_workbook(source: Source, fmt: str, result: ImportResult, parser: RowParser,
                           *, error_header: str, row_header: str, sheet_title: str) -> bytes:
    """The rejected rows as they were in the file, plus the row number and the errors.

    The header row keeps the file's headers, so after fixing the rows the workbook can be
    imported again (the two added columns are ignored then).
    """
    table = locate_table(read_frames(source, fmt), parser.columns, result.column_mapping())
    messages: dict[int, list[str]] = {}
    for problem in sorted(result.problems, key=lambda p: p.row):
        text = problem.message(parser.messages)
        messages.setdefault(problem.row, []).append(
            f"{problem.header}: {text}" if problem.header else text)
    frame = table.frame
    width = frame.shape[1]
    headers = []
    for c in range(width):
        key = table.columns.get(c)
        if key is not None:
            headers.append(table.headers[key])
        else:
            headers.append(cell_text(frame.iat[table.header_index, c]) or (
                cell_text(frame.iat[table.header_index - 1, c])
                if table.header_index > 0 else ""))
    while headers and not headers[-1]:
        headers.pop()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    append_row(sheet, [*headers, row_header, error_header])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for number in sorted(messages):
        values = frame.iloc[number - 1, :len(headers)].tolist()
        append_row(sheet, [*(None if is_blank(v) else v for v in values), number,
                           "\n".join(messages[number])])
    for index in range(1, sheet.max_row + 1):
        sheet.cell(row=index, column=len(headers) + 2).alignment = _WRAP
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 2)
    sheet.column_dimensions[get_column_letter(len(headers) + 2)].width = 80
    sheet.freeze_panes = "A2"
    return workbook_bytes(workbook)


TEMPLATE_LABELS = {
    "notes_headers": ("列 Col.", "中文表头", "English header", "必填 Required", "填写说明",
                      "How to fill in", "示例 Example"),
    "required_mark": "是 yes",
    "list_headers": ("中文名称", "English name", "代码 code"),
}


def template_workbook(parser: RowParser, notes: Mapping[str, Any]) -> bytes:
    """An empty import template: the headers in Chinese, and a notes sheet that
    explains each column in Chinese and English and lists the accepted names.

    `notes` holds the kind's sheet names and bilingual wording: ``data_title``,
    ``notes_title``, ``intro`` (lines) and, to change `TEMPLATE_LABELS`,
    ``notes_headers``, ``required_mark`` and ``list_headers``.
    """
    notes = {**TEMPLATE_LABELS, **notes}
    workbook = Workbook()
    data = workbook.active
    data.title = notes["data_title"][:31]
    columns = list(parser.columns)
    data.append([c.header["zh"] for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        data.column_dimensions[get_column_letter(index)].width = max(
            12, len(column.header["zh"]) * 2 + 4)
        if column.is_date:  # a column style: typed dates show as dates, no cells are made
            data.column_dimensions[get_column_letter(index)].number_format = "yyyy-mm-dd"
    data.freeze_panes = "A2"

    sheet = workbook.create_sheet(notes["notes_title"][:31])
    for line in notes["intro"]:
        sheet.append([line])
    sheet.append([])
    sheet.append(list(notes["notes_headers"]))
    header_row = sheet.max_row
    for index, column in enumerate(columns, start=1):
        sheet.append([get_column_letter(index), column.header["zh"], column.header["en"],
                      notes["required_mark"] if column.required else "", column.help["zh"],
                      column.help["en"], column.example])
    for cell in sheet[header_row]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for letter, width in zip("ABCDEFG", (6, 18, 24, 9, 60, 60, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = _WRAP

    position = {c.key: index for index, c in enumerate(columns, start=1)}
    name_zh, name_en, code = notes["list_headers"]
    for title, options, dropdown_keys in parser.code_lists():
        sheet.append([])
        sheet.append([f"{title['zh']} / {title['en']}"])
        sheet.cell(row=sheet.max_row, column=1).font = _HEADER_FONT
        sheet.append(["", name_zh, name_en, "", code])
        first = sheet.max_row + 1
        for option in options:
            sheet.append(["", option.name_zh, option.name_en, "", option.code])
        last = sheet.max_row
        for key in dropdown_keys:
            if key not in position or last < first:
                continue
            letter = get_column_letter(position[key])
            # a drop-down of the Chinese names; other spellings still import
            validation = DataValidation(
                type="list", formula1=f"='{sheet.title}'!$B${first}:$B${last}",
                allow_blank=True, showErrorMessage=False,
            )
            validation.add(f"{letter}2:{letter}1001")
            data.add_data_validation(validation)
    return workbook_bytes(workbook)
