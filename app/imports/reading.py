"""Read an uploaded spreadsheet (XLSX or CSV) as raw cells, sheet by sheet."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from app.imports.messages import ImportFileError

CHUNK_ROWS = 500  # rows read (checked, written) between progress reports
HEADER_SEARCH_ROWS = 20
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # an XLSX that unpacks to more is refused

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


Source = Path | str | bytes  # a file, or its contents


def _contents(source: Source) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def detect_format(source: Source, name: str = "") -> str:
    """Return 'xlsx' or 'csv' from the file's first bytes (and its name for CSV).

    Raises
    ------
    ImportFileError
        ``import.old_excel``, ``import.wrong_type``.
    """
    head = _contents(source)[:8]
    shown = name or ("" if isinstance(source, bytes) else Path(source).name)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("import.old_excel", name=shown)
    if shown.lower().endswith((".csv", ".txt")):
        return "csv"
    raise ImportFileError("import.wrong_type", name=shown)


def read_frames(source: Source, fmt: str, name: str = "", *, max_rows: int | None = None,
                progress: Progress = no_progress,
                notices: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """Read every sheet as raw cells (no header, values as typed), keyed by sheet name.

    What the user should know about the file although it can be read is appended to
    `notices` as ``{"key": message key, "params": {...}}``.

    Row ``i`` of each frame is row ``i + 1`` in Excel. An XLSX workbook is read row by
    row with openpyxl (read-only, cached values), reporting progress, and each sheet
    becomes a DataFrame of objects: numbers stay numbers and date cells datetimes, for
    the row parser to read. Reading stops as soon as a sheet has more than `max_rows`
    filled rows.

    Raises
    ------
    ImportFileError
        ``import.unreadable``, ``import.unpacked_too_large``, ``import.too_many_rows``,
        or the CSV errors.
    """
    data = _contents(source)
    shown = name or ("" if isinstance(source, bytes) else Path(source).name)
    if fmt == "csv":
        return {"": _read_csv(data, shown)}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise ImportFileError("import.unreadable", name=shown) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError("import.unpacked_too_large", name=shown)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                             keep_links=False)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise ImportFileError("import.unreadable", name=shown) from error
    try:
        return {sheet.title: _read_sheet(sheet, max_rows, progress)
                for sheet in book.worksheets}
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError("import.unreadable", name=shown) from error
    finally:
        book.close()


def _read_sheet(sheet, max_rows: int | None, progress: Progress) -> pd.DataFrame:
    total = sheet.max_row or 0  # from the sheet's dimension, which Excel always writes
    limit = None if max_rows is None else max_rows + HEADER_SEARCH_ROWS
    rows, filled = [], 0
    for values in sheet.iter_rows(values_only=True):
        rows.append(values)
        if any(v is not None and v != "" for v in values):
            filled += 1
            if limit is not None and filled > limit:
                raise ImportFileError("import.too_many_rows", rows=f"{max_rows:,}+",
                                      max=f"{max_rows:,}")
        if len(rows) % CHUNK_ROWS == 0:
            progress("reading", len(rows), max(total, len(rows)))
    return pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)


def _read_csv(raw: bytes, shown: str) -> pd.DataFrame:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark; other NULs mean binary.
    encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else (
        "utf-8-sig", "gb18030")
    if encodings != ("utf-16",) and b"\x00" in raw[:4096]:
        raise ImportFileError("import.wrong_type", name=shown)
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("import.csv_encoding", name=shown)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = max((",", "\t", ";"), key=first_line.count)
    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, sep=separator,
                           keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as error:
        raise ImportFileError("import.empty") from error
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ImportFileError("import.csv_ragged", line=line[1] if line else "?") from error
