"""The spreadsheet import flow, written once for every kind of row (surveys, openings …).

A kind of import is a row parser (which columns, how one row reads, what identifies a
row) plus a planner and a writer that know the database. This module does the rest:

1. `detect_format` and `read_frames` read an XLSX workbook (pandas + openpyxl) or a CSV
   file (UTF-8 or GB18030) as raw cells;
2. `locate_table` finds the header row, even under a title row or in two merged header
   rows, and maps the file's headers (Chinese or English, stray spaces and full-width
   characters allowed) to the kind's columns;
3. `check_rows` parses every non-empty row in chunks, reporting progress, and collects
   each problem with the row number the user sees in Excel, the header as written in the
   file, the value and a message key;
4. `preview_import` adds the plan (rows to create, update, or leave unchanged);
   `confirm_import` plans again against the current database and writes every valid
   row (flush only: the caller commits once, or rolls back and nothing stays);
5. `app.imports.workbooks` gives the rejected rows back as XLSX with an error column,
   and the empty template with a notes sheet.

`app.imports.store.UploadStore` keeps uploads between the pages (`app.imports.pages`);
the kinds of rows are `app.imports.surveys` and `app.imports.openings`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.imports.headers import (
    COLUMN_MESSAGES,
    Column,
    MappingNeeded,
    Table,
    cell_text,
    display_value,
    find_header_row,
    locate_table,
    map_columns,
)
from app.imports.messages import ENGINE_MESSAGES, ImportFileError, message_text
from app.imports.reading import (
    CHUNK_ROWS,
    Progress,
    Source,
    detect_format,
    no_progress,
    read_frames,
)
from surveys.values import ValueParseError, clean_text, is_blank

__all__ = ["CHUNK_ROWS", "ENGINE_MESSAGES", "ImportFileError", "MappingNeeded", "detect_format",
           "locate_table", "message_text", "read_frames"]

IN_CHUNK = 500  # values in one IN (...) list when a plan looks rows up
QUOTE_LIMIT = 80  # characters of a cell a message quotes


# --------------------------------------------------------------------------- contracts


class RowParser(Protocol):
    """Reads one row of one kind: ``parse_row(cells) -> (record | None, problems)``."""

    columns: Sequence[Column]
    messages: Mapping[str, Any]
    identity_columns: Sequence[str]

    def parse_row(self, cells: Mapping[str, Any]) -> tuple[
        dict | None, list[tuple[str, ValueParseError]]]: ...

    def identity(self, record: Mapping[str, Any]) -> Hashable: ...

    def code_lists(self) -> list: ...


@dataclass
class ImportScope:
    """Who imports, and into what (a facility for surveys)."""

    facility_id: int | None
    user: Any = None  # the StaffUser, or None from the command line
    label: str = ""  # the file name the user knows, for the audit trail


@dataclass
class ParsedRow:
    """A row whose cells all read: its Excel row number and its record."""

    row: int
    record: dict


@dataclass
class PlannedRow:
    """What confirming will do with a row that reads: 'create', 'update', 'unchanged', or
    'reject' when the database says no (its problems say why)."""

    row: int
    action: str
    record: dict
    detail: dict = field(default_factory=dict)


@dataclass
class Problem:
    """Why a row is rejected: Excel row, column key and header, value, message key.

    ``stage`` is 'read' for a problem in the row itself and 'plan' for one found against
    the database (an unknown code without a name …); a confirm plans those again.
    """

    row: int
    column: str
    header: str
    value: str
    key: str
    params: dict = field(default_factory=dict)
    stage: str = "read"

    def message(self, *catalogs) -> str:
        return message_text(self.key, self.params, *catalogs, COLUMN_MESSAGES, ENGINE_MESSAGES)


class ImportKind(Protocol):
    """One kind of import: its parser, and how its rows meet the database."""

    name: str

    def parser(self) -> RowParser: ...

    def plan(self, rows: list[ParsedRow], scope: ImportScope) -> tuple[
        list[PlannedRow], list[Problem]]: ...

    def write(self, rows: list[PlannedRow], scope: ImportScope,
              progress: Callable[[int], None]) -> None: ...


def in_chunks(items: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    """`items` in slices of `size`, for bulk lookups and writes."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --------------------------------------------------------------------------- checking


def data_rows(table: Table, cleaned: list[int] | None = None,
              ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (Excel row number, {column key: cell}) for each row with a filled column.

    Empty rows, anywhere, are skipped; so are rows filled only in unused columns (a
    numbered 序号 column running past the data), and the header row repeated among the
    data (exports joined one after another). Control characters are removed from
    text cells (`surveys.values.clean_text`); the rows that had any are appended to
    `cleaned`.
    """
    positions = sorted(table.columns)
    keys = [table.columns[c] for c in positions]
    # exports joined one after another repeat their header row among the data
    header = [table.file_headers.get(c, "") for c in positions]
    body = table.frame.iloc[table.header_index + 1:, positions].to_numpy(dtype=object)
    for offset, values in enumerate(body.tolist()):
        number = table.header_index + 2 + offset
        if [cell_text(v) for v in values] == header:
            continue
        cells = {}
        for key, value in zip(keys, values, strict=True):
            if is_blank(value):
                continue
            if isinstance(value, str):
                value, removed = clean_text(value)
                if removed and cleaned is not None and (not cleaned or cleaned[-1] != number):
                    cleaned.append(number)
                if not value.strip():
                    continue
            cells[key] = value
        if cells:
            yield number, cells


def check_rows(table: Table, parser: RowParser, *, max_rows: int,
               progress: Progress = no_progress, notices: list[dict] | None = None,
               ) -> tuple[list[ParsedRow], list[Problem], int]:
    """Parse every row; return the valid rows, the problems and the number of rows.

    A row repeating an earlier row's identity (for surveys: code and date) is rejected.
    Rows whose control characters were removed are noted in `notices`.

    Raises
    ------
    ImportFileError
        ``import.no_rows`` or ``import.too_many_rows``.
    """
    cleaned: list[int] = []
    rows = list(data_rows(table, cleaned))
    if cleaned and notices is not None:
        notices.append({"key": "import.control_characters", "params": {
            "count": len(cleaned), "rows": "、".join(map(str, cleaned[:10]))
            + ("…" if len(cleaned) > 10 else "")}})
    if not rows:
        raise ImportFileError("import.no_rows")
    if len(rows) > max_rows:
        raise ImportFileError("import.too_many_rows", rows=f"{len(rows):,}", max=f"{max_rows:,}")
    header_of = _header_lookup(table, parser.columns)
    parsed: list[ParsedRow] = []
    problems: list[Problem] = []
    first_seen: dict[Hashable, int] = {}
    progress("checking", 0, len(rows))
    for done, (number, cells) in enumerate(rows, start=1):
        record, errors = parser.parse_row(cells)
        for key, error in errors:
            problems.append(Problem(number, key, header_of(key),
                                    quoted(display_value(cells.get(key))),
                                    error.message_key, _plain(error.params)))
        if record is not None:
            identity = parser.identity(record)
            if identity in first_seen:
                key = parser.identity_columns[0]
                problems.append(Problem(
                    number, key, header_of(key), quoted(display_value(cells.get(key))),
                    "import.duplicate_row",
                    {"identity": " / ".join(map(str, identity)), "first": first_seen[identity]},
                ))
            else:
                first_seen[identity] = number
                parsed.append(ParsedRow(number, record))
        if done % CHUNK_ROWS == 0:
            progress("checking", done, len(rows))
    progress("checking", len(rows), len(rows))
    return parsed, problems, len(rows)


def _header_lookup(table: Table, columns: Sequence[Column]) -> Callable[[str], str]:
    template = {c.key: c.header["zh"] for c in columns}

    def header_of(key: str) -> str:
        return table.headers.get(key) or template.get(key, key)

    return header_of


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` as a message quotes it: at most `limit` characters, cut with '…'."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _plain(params: Mapping[str, Any]) -> dict:
    """Message parameters as JSON values (they are stored with the preview); text is
    quoted at most `QUOTE_LIMIT` characters long."""
    return {k: quoted(v) if isinstance(v, str) else
            v if isinstance(v, (int, float, bool)) or v is None else quoted(str(v))
            for k, v in params.items()}


# --------------------------------------------------------------------------- the flow


@dataclass
class ImportResult:
    """What an import found and did; stored as JSON between preview and confirm."""

    kind: str
    sheet: str
    header_row: int
    headers: dict[str, str]
    ignored: list[str]
    rows: int
    planned: list[PlannedRow]
    problems: list[Problem]
    written: bool = False
    # every header of the file by column index, and the column key each one is read as
    file_headers: dict[str, str] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    # what the kind's parser counted while reading (see RowParser.stats), e.g. how many
    # rows had their pay understood
    parsed: dict[str, int] = field(default_factory=dict)
    # what the user should know about the file although no row is rejected for it:
    # {"key", "params"} of messages (ignored sheets, removed control characters …)
    notices: list[dict] = field(default_factory=list)
    # the file's layout (`app.imports.headers.layout_key`) and whose mapping read it:
    # 'detected', 'remembered' (the user's from an earlier file) or 'user'
    layout: str = ""
    mapping_source: str = "detected"
    # required columns not found: the user has to map them before anything is checked
    missing: list[str] = field(default_factory=list)

    @property
    def needs_mapping(self) -> bool:
        return bool(self.missing)

    def count(self, action: str) -> int:
        return sum(1 for row in self.planned if row.action == action)

    def column_mapping(self) -> dict[int, str]:
        """The mapping the rows were read with, for `locate_table` to read them again."""
        return {int(c): self.mapping.get(c, "") for c in self.file_headers}

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.count("create"),
                "updated": self.count("update"), "unchanged": self.count("unchanged"),
                "rejected": len(self.rejected_rows)}

    def notice_messages(self, *catalogs) -> list[str]:
        """The notices in the current language."""
        return [message_text(n["key"], n.get("params", {}), *catalogs, COLUMN_MESSAGES,
                             ENGINE_MESSAGES)
                for n in self.notices]

    def report(self, *catalogs) -> dict:
        """Counts, notices and row errors as plain JSON, messages in the current language."""
        return {
            **self.counts,
            "notices": self.notice_messages(*catalogs),
            "errors": [{"row": p.row, "column": p.header, "value": p.value,
                        "message": p.message(*catalogs)}
                       for p in sorted(self.problems, key=lambda p: p.row)],
        }

    def to_json(self) -> str:
        # shallow copies: dataclasses.asdict deep-copies every record, seconds for 10k rows
        data = {**vars(self), "planned": [vars(row) for row in self.planned],
                "problems": [vars(problem) for problem in self.problems]}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ImportResult:
        data = json.loads(text)
        data["planned"] = [PlannedRow(**row) for row in data["planned"]]
        data["problems"] = [Problem(**p) for p in data["problems"]]
        return cls(**data)


def mapping_needed(kind: ImportKind, error: MappingNeeded,
                   notices: list[dict] | None = None) -> ImportResult:
    """What a file whose required columns were not found shows: its headers, the
    columns it lacks and the closest header suggested for each; nothing is checked."""
    return ImportResult(
        kind=kind.name, sheet=error.header.sheet, header_row=error.header.index + 1,
        headers={}, ignored=[], rows=0, planned=[], problems=[],
        file_headers={str(c): text for c, text in error.header.file_headers.items()},
        mapping={str(c): key for c, key in error.suggested.items()},
        notices=list(notices or []), layout=error.header.layout, mapping_source="user",
        missing=list(error.missing),
    )


def _column_notices(table: Table, columns: Sequence[Column]) -> list[dict]:
    """Sheets left out, and columns that matter but were not found in the file."""
    notices = []
    if table.other_tables:
        notices.append({"key": "import.sheets_ignored", "params": {
            "sheet": table.sheet, "others": "、".join(f"“{s}”" for s in table.other_tables)}})
    unmapped = [c for c in columns if getattr(c, "important", False)
                and c.key not in table.columns.values()]
    if unmapped:
        notices.append({"key": "import.important_unmapped", "params": {
            "columns": "、".join(c.header["zh"] for c in unmapped)}})
    return notices


def preview_import(source: Source, fmt: str, kind: ImportKind, scope: ImportScope, *,
                   max_rows: int, progress: Progress = no_progress,
                   name: str = "", mapping: Mapping[int, str] | None = None,
                   recall: Callable[[str], Mapping[int, str] | None] | None = None,
                   ) -> ImportResult:
    """Read and check a file and plan its rows against the database; write nothing.

    `mapping` corrects the detected column mapping (see `app.imports.headers`); without
    it, `recall` gives the mapping the user confirmed for a file of the same layout, if
    any.

    Raises
    ------
    MappingNeeded
        When required columns were not found (see `mapping_needed`).
    ImportFileError
        When the file as a whole cannot be imported.
    """
    progress("reading", 0, 0)
    parser = kind.parser()
    notices: list[dict] = []
    frames = read_frames(source, fmt, name, max_rows=max_rows, progress=progress,
                         notices=notices)
    header = find_header_row(frames, parser.columns)
    source_of_mapping = "user" if mapping else "detected"
    if not mapping and recall is not None:
        remembered = recall(header.layout)
        if remembered and all(int(c) in header.file_headers for c in remembered):
            mapping, source_of_mapping = remembered, "remembered"
            notices.append({"key": "import.mapping_remembered", "params": {}})
    try:
        table = map_columns(header, parser.columns, mapping)
    except MappingNeeded as error:
        error.notices = notices
        raise
    notices.extend(_column_notices(table, parser.columns))
    parsed, problems, rows = check_rows(table, parser, max_rows=max_rows, progress=progress,
                                        notices=notices)
    progress("planning", 0, len(parsed))
    planned, plan_problems = kind.plan(parsed, scope)
    header_of = _header_lookup(table, parser.columns)
    for problem in plan_problems:
        problem.header = problem.header or header_of(problem.column)
    return ImportResult(
        kind=kind.name, sheet=table.sheet, header_row=table.header_row,
        headers=table.headers, ignored=table.ignored, rows=rows, planned=planned,
        problems=problems + plan_problems,
        file_headers={str(c): text for c, text in table.file_headers.items()},
        mapping={str(c): key for c, key in table.columns.items()},
        parsed=dict(getattr(parser, "stats", None) or {}), notices=notices,
        layout=table.layout, mapping_source=source_of_mapping,
    )


def confirm_import(preview: ImportResult, kind: ImportKind, scope: ImportScope, *,
                   progress: Progress = no_progress) -> ImportResult:
    """Plan the previewed rows again against today's database and write them.

    Everything is flushed in one transaction and nothing is committed: the caller
    commits once, or rolls back and nothing stays.
    """
    rows = [ParsedRow(row.row, row.record) for row in preview.planned]
    planned, plan_problems = kind.plan(rows, scope)
    for problem in plan_problems:
        problem.header = problem.header or preview.headers.get(problem.column, problem.column)
    to_write = [row for row in planned if row.action in ("create", "update")]
    progress("writing", 0, len(to_write))
    kind.write(to_write, scope, lambda done: progress("writing", done, len(to_write)))
    return ImportResult(
        kind=preview.kind, sheet=preview.sheet, header_row=preview.header_row,
        headers=preview.headers, ignored=preview.ignored, rows=preview.rows,
        planned=planned,
        problems=[p for p in preview.problems if p.stage != "plan"] + plan_problems,
        written=True, file_headers=preview.file_headers, mapping=preview.mapping,
        parsed=preview.parsed, notices=preview.notices, layout=preview.layout,
        mapping_source=preview.mapping_source,
    )


def import_file(path: Path, kind: ImportKind, scope: ImportScope, *, max_rows: int,
                dry_run: bool = False, progress: Progress = no_progress,
                mapping: Mapping[int, str] | None = None) -> ImportResult:
    """Preview a file and, unless `dry_run`, write it (the command line's one step)."""
    data = Path(path).read_bytes()
    fmt = detect_format(data, Path(path).name)
    result = preview_import(data, fmt, kind, scope, max_rows=max_rows, progress=progress,
                            name=Path(path).name, mapping=mapping)
    if dry_run:
        return result
    return confirm_import(result, kind, scope, progress=progress)
