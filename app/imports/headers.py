"""Find a file's header row and read its headers as a kind's columns.

People's files name a column in many ways: the template's Chinese or English header, a
job board's field name (``positionName``, ``salaryDesc``, ``workingExp.name``), a
bureau's own words (意向岗位（第一）, 最低工资要求). Headers are compared in a normal form
(`header_keys`), first with a bracketed part kept (意向岗位（第一） is the first choice)
and then without it (最低月工资（元） is the pay floor). When a required column is still
not found, `MappingNeeded` carries the file's headers and, for each missing column, the
header that looks closest, so that the user can say which column holds it instead of
meeting a dead end.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd
from flask_babel import lazy_gettext as _l

from app.imports.messages import ImportFileError, message_text
from app.imports.reading import HEADER_SEARCH_ROWS
from surveys.values import clean_text, is_blank, normalize_text

COLUMN_MESSAGES = {
    "import.mapping_needed": _l(
        "Qibu did not recognise which column of the file holds %(columns)s. Choose it "
        "below (the column that looks closest is already chosen), then check the file "
        "again."
    ),
    "import.mapping_needed_cli": _l(
        "The file has no column Qibu recognises as %(columns)s. Its columns are: "
        "%(headers)s. Say which column holds it with --column, e.g. %(fix)s"
    ),
    "import.sheets_ignored": _l(
        "Only the sheet “%(sheet)s” was read; the sheets %(others)s hold a table too and "
        "were not imported. Import each of them as a file of its own."
    ),
    "import.important_unmapped": _l(
        "No column was found for %(columns)s, so it stays empty in every row. If the file "
        "holds it, choose its column in the column mapping (on the command line: --column "
        "HEADER=KEY) and check the file again."
    ),
    "import.mapping_remembered": _l(
        "The columns were read as you set them for your last file laid out like this one."
    ),
    "import.control_characters": _l(
        "Invisible control characters were removed from %(count)s rows (rows %(rows)s); "
        "check those cells."
    ),
}

#: A header at least this similar to one of a column's names is suggested for it.
SUGGEST_SIMILARITY = 0.5
_BRACKETED = re.compile(r"[(\[【].*?[)\]】]")
_NOT_WORD = re.compile(r"[\W_]+")


class Column(Protocol):
    """A column a row parser reads (see `app.imports.rows.ImportColumn`)."""

    key: str
    header: Mapping[str, str]
    help: Mapping[str, str]
    required: bool
    important: bool
    example: str
    is_date: bool

    @property
    def headers(self) -> tuple[str, ...]: ...


def header_keys(text: Any) -> tuple[str, str]:
    """The two forms a header is compared in: NFKC, lower case, without spaces,
    punctuation or '*' marks; the first keeps what is in brackets (意向岗位（第一） reads
    as 意向岗位第一), the second drops it (最低月工资（元）* reads as 最低月工资)."""
    text = normalize_text(text).lower()
    return _NOT_WORD.sub("", text), _NOT_WORD.sub("", _BRACKETED.sub("", text))


def header_key(text: Any) -> str:
    """A header's comparison form without its bracketed notes (see `header_keys`)."""
    return header_keys(text)[1]


def display_value(value: Any) -> str:
    """A cell as the user sees it: '8000' not '8000.0', dates without a midnight time."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def cell_text(value: Any) -> str:
    """A header cell's text, without control characters."""
    return "" if is_blank(value) else clean_text(normalize_text(display_value(value)))[0]


@dataclass
class Table:
    """Where the data is: the sheet, its header row and which column holds what."""

    sheet: str
    frame: pd.DataFrame
    header_index: int  # frame row of the (lower) header row
    columns: dict[int, str]  # frame column -> column key
    headers: dict[str, str]  # column key -> header as written in the file
    ignored: list[str]  # headers of columns not used
    file_headers: dict[int, str] = field(default_factory=dict)  # frame column -> header
    layout: str = ""  # see `layout_key`
    other_tables: list[str] = field(default_factory=list)  # sheets that look like data too

    @property
    def header_row(self) -> int:
        return self.header_index + 1


@dataclass
class HeaderRow:
    """The row that names the most columns, and what each of its cells was read as."""

    sheet: str
    frame: pd.DataFrame
    index: int
    found: dict[int, tuple[str, str]]  # frame column -> (column key, header as shown)
    file_headers: dict[int, str]
    other_tables: list[str]

    @property
    def layout(self) -> str:
        return layout_key(self.file_headers)


class MappingNeeded(ImportFileError):
    """Required columns were not found: the user has to say which column holds them.

    ``header`` is the header row found (or the likeliest one), ``missing`` the keys of the
    columns not found and ``suggested`` a mapping ``{file column: column key}`` that
    already holds the closest header for each missing column.
    """

    def __init__(self, key: str, header: HeaderRow, missing: list[str],
                 suggested: dict[int, str], **params: Any) -> None:
        super().__init__(key, **params)
        self.header = header
        self.missing = missing
        self.suggested = suggested
        self.notices: list[dict] = []  # what reading the file noted before

    def message(self) -> str:
        return message_text(self.key, self.params, COLUMN_MESSAGES)

    def command_line_message(self, columns: Sequence[Column]) -> str:
        """The message with the file's headers and the --column options that would
        read the missing columns from the suggested ones."""
        fix = " ".join(f"--column '{self.header.file_headers[c]}={key}'"
                       for c, key in self.suggested.items() if key in self.missing)
        if not fix:
            example = next(iter(self.header.file_headers.values()), "HEADER")
            fix = f"--column '{example}={self.missing[0]}'"
        return message_text("import.mapping_needed_cli", {
            **self.params, "headers": "、".join(self.header.file_headers.values()),
            "fix": fix}, COLUMN_MESSAGES)


def layout_key(file_headers: Mapping[int, str]) -> str:
    """What identifies a file layout: its headers' normal forms in column order."""
    text = "\x1f".join(f"{c}:{header_keys(h)[0]}" for c, h in sorted(file_headers.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _index(columns: Sequence[Column]) -> tuple[dict[str, str], dict[str, str]]:
    """Every name of every column, in both forms; an earlier column keeps a shared name."""
    full: dict[str, str] = {}
    plain: dict[str, str] = {}
    for column in columns:
        for name in column.headers:
            kept, dropped = header_keys(name)
            full.setdefault(kept, column.key)
            plain.setdefault(dropped, column.key)
    return full, plain


def _match(text: str, index: tuple[dict[str, str], dict[str, str]]) -> str | None:
    kept, dropped = header_keys(text)
    if not kept and not dropped:
        return None
    return index[0].get(kept) or index[1].get(kept) or index[1].get(dropped)


def _layout_of(frame: pd.DataFrame, index, r: int):
    """Match row r as the header row; merged cells above it may carry group headers."""
    cells = [cell_text(v) for v in frame.iloc[r]]
    above = [cell_text(v) for v in frame.iloc[r - 1]] if r > 0 else [""] * len(cells)
    group, groups = "", []
    for text in above:  # a merged group header sits in its first cell only
        group = text or group
        groups.append(group)
    found: dict[int, tuple[str, str]] = {}
    for c, text in enumerate(cells):
        candidates = [(text, text), (groups[c] + text, f"{groups[c]} {text}")] if text else \
            [(above[c], above[c])]
        for candidate, shown in candidates:
            key = _match(candidate, index) if candidate else None
            if key is not None:
                found[c] = (key, shown)
                break
    return found, cells, above


def _text_cells(frame: pd.DataFrame, r: int) -> int:
    return sum(1 for v in frame.iloc[r] if isinstance(v, str) and v.strip())


def find_header_row(frames: Mapping[str, pd.DataFrame], columns: Sequence[Column]) -> HeaderRow:
    """Find the sheet and row whose cells name the most columns.

    When no row names two columns, the first row with two or more text cells is taken as
    the header row (the user then says what its columns hold).

    Raises
    ------
    ImportFileError
        ``import.empty`` when no sheet holds a row with text.
    """
    index = _index(columns)
    best, scores = None, {}
    for sheet, frame in frames.items():
        for r in range(min(len(frame), HEADER_SEARCH_ROWS)):
            found, cells, above = _layout_of(frame, index, r)
            score = len({key for key, _ in found.values()})
            scores[sheet] = max(scores.get(sheet, 0), score)
            if best is None or score > best[0]:
                best = (score, sheet, frame, r, found, cells, above)
    if best is None or all(frame.empty for frame in frames.values()):
        raise ImportFileError("import.empty")
    score, sheet, frame, r, found, cells, above = best
    if score < 2:  # nothing recognised: the likeliest header is the first row of text
        for name, candidate in frames.items():
            rows = [i for i in range(min(len(candidate), HEADER_SEARCH_ROWS))
                    if _text_cells(candidate, i) >= 2]
            if rows:
                sheet, frame, r = name, candidate, rows[0]
                found, cells, above = _layout_of(frame, index, r)
                break
        else:
            raise ImportFileError("import.empty")
    file_headers = {c: cells[c] or above[c] for c in range(len(cells)) if cells[c] or above[c]}
    others = [name for name, value in scores.items() if name != sheet and value >= 2]
    return HeaderRow(sheet, frame, r, found, file_headers, others)


def _column_of(columns: Sequence[Column], key: str) -> Column:
    return next(c for c in columns if c.key == key)


def similarity(header: str, column: Column) -> float:
    """How much a file's header looks like one of the column's names (0 to 1)."""
    kept = header_keys(header)[0]
    if not kept:
        return 0.0
    best = 0.0
    for name in column.headers:
        other = header_keys(name)[0]
        if not other:
            continue
        if len(other) >= 2 and (other in kept or kept in other):
            best = max(best, 0.6 + 0.4 * min(len(kept), len(other)) / max(len(kept), len(other)))
        else:
            best = max(best, difflib.SequenceMatcher(None, kept, other).ratio())
    return best


def suggest_columns(file_headers: Mapping[int, str], columns: Sequence[Column],
                    keys: Sequence[str], taken: set[int]) -> dict[int, str]:
    """For each column key in `keys`, the untaken file column whose header looks most
    like it (at least `SUGGEST_SIMILARITY`); each file column is suggested once."""
    pairs = sorted(((similarity(text, _column_of(columns, key)), c, key)
                    for key in keys for c, text in file_headers.items() if c not in taken),
                   reverse=True)
    suggested: dict[int, str] = {}
    for score, c, key in pairs:
        if score < SUGGEST_SIMILARITY:
            break
        if c in suggested or key in suggested.values():
            continue
        suggested[c] = key
    return suggested


def map_columns(header: HeaderRow, columns: Sequence[Column],
                mapping: Mapping[int, str] | None = None) -> Table:
    """Read the header row's columns as the kind's columns.

    `mapping` overrides what was recognised: ``{file column index: column key}``, where
    an empty key means "not used" and a column not named keeps what was recognised.
    Two file columns recognised as the same column: the first is read (the user sees
    which in the mapping and may change it); set so by the user, it is an error.

    Raises
    ------
    MappingNeeded
        When a required column was not found.
    ImportFileError
        ``import.duplicate_column`` or ``import.unknown_column`` for a wrong `mapping`.
    """
    known_keys = {column.key for column in columns}
    file_headers = header.file_headers
    found = dict(header.found)
    chosen: set[int] = set()
    if mapping:
        for c, key in mapping.items():
            c = int(c)
            if c not in file_headers or (key and key not in known_keys):
                raise ImportFileError("import.unknown_column")
            found.pop(c, None)
            if key:
                found[c] = (key, file_headers[c])
                chosen.add(c)
    by_key: dict[str, int] = {}
    for c, (key, shown) in sorted(found.items()):
        if key in by_key:
            if c in chosen and by_key[key] in chosen:
                raise ImportFileError(
                    "import.duplicate_column", first=found[by_key[key]][1], second=shown,
                    column=_column_of(columns, key).header["zh"])
            if c in chosen:  # the user's choice wins over a recognised header
                by_key[key] = c
            continue
        by_key[key] = c
    found = {c: found[c] for c in by_key.values()}
    missing = [c for c in columns if c.required and c.key not in by_key]
    if missing:
        recognised = len(by_key)
        suggested = {c: key for c, (key, _) in found.items()}
        suggested.update(suggest_columns(file_headers, columns, [c.key for c in missing],
                                         set(found)))
        raise MappingNeeded(
            "import.mapping_needed", header, [c.key for c in missing], suggested,
            recognised=recognised,
            columns="、".join(f"{c.header['zh']} ({c.header['en']})" for c in missing),
        )
    ignored = [text for c, text in file_headers.items() if c not in found]
    return Table(sheet=header.sheet, frame=header.frame, header_index=header.index,
                 columns={c: key for c, (key, _) in found.items()},
                 headers=dict(found.values()), ignored=ignored,
                 file_headers=file_headers, layout=header.layout,
                 other_tables=header.other_tables)


def locate_table(frames: Mapping[str, pd.DataFrame], columns: Sequence[Column],
                 mapping: Mapping[int, str] | None = None) -> Table:
    """Find the header row (`find_header_row`) and read its columns (`map_columns`)."""
    return map_columns(find_header_row(frames, columns), columns, mapping)
