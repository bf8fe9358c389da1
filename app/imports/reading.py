"""Read an uploaded spreadsheet (XLSX or CSV) as raw cells, sheet by sheet.

An upload is checked before any cell is read, so that no file under the upload limit
can make a worker use much more memory or time than a real file of the largest size
allowed (about 20,000 rows of 60 columns): an XLSX's zip directory (how many parts, how
large each unpacks, how much it is compressed), each worksheet's declared dimension
(read from the first bytes of its XML) and then every part's XML, streamed in bounded
pieces and counted with bytes operations (cells, rows, texts, elements, formulas left
uncalculated) without building anything per cell. A CSV is checked for its lines and
columns before pandas reads it. openpyxl then reads each sheet with its columns bounded
by what the check found, never by the dimension the file declares.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from flask import current_app, has_app_context
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.imports.messages import ImportFileError

CHUNK_ROWS = 500  # rows read (checked, written) between progress reports
HEADER_SEARCH_ROWS = 20
DEFAULT_MAX_ROWS = 20_000  # the row limit when neither the caller nor the app sets one

# ----------------------------------------------------------------------------- limits
# Sized for the largest real file an import takes: a bureau's 20,000 rows x 60 columns.
# Written as Excel writes it (shared strings, a dimension) that file is 7.8 MB zipped,
# a 43 MB sheet XML, 1.2 million cells and 300,000 different texts (8.8 MB), and reading
# it costs about 6 CPU-seconds and 100 MB above the worker's own 125 MB. Each limit
# below leaves such a file room and refuses what no real file has.

# Columns: Excel 97-2003 stopped at 256 (column IV). No survey or job list needs more;
# a sheet that claims more is almost always formatting dragged to column XFD.
MAX_COLUMNS = 256
# Rows a sheet may declare or hold (also empty formatted ones): twice the rows an import
# takes, but at least 65,536 (the .xls limit: templates converted from .xls are often
# formatted down to that row). openpyxl fills every row between two it finds, so a
# sheet claiming row 1,048,576 would otherwise make a million rows.
MIN_ROW_CEILING = 65_536
# Cells (<c> elements, empty formatted ones included) in the whole workbook, per row an
# import takes: 75 = the bureau's 60 columns and a quarter more. openpyxl spends about
# 4.5 us a cell; 1.5 million cells is about 7 CPU-seconds.
CELLS_PER_ROW = 75
# A sheet without a dimension (as openpyxl's write-only mode saves one) is parsed once
# more when the workbook is opened, at about a quarter of the cost: its cells count
# 1 + 1/4 (so the bureau's 1.2 million cells still pass without a dimension).
UNSIZED_EXTRA = 4
# Different texts (shared strings) per row an import takes: 25, i.e. 500,000 for 20,000
# rows (the bureau file has 300,000). openpyxl keeps every one in memory: about 160 bytes
# and 7 us each, so 500,000 is about 80 MB and 3.5 CPU-seconds.
SHARED_STRINGS_PER_ROW = 25
MAX_SHARED_STRINGS_BYTES = 40 * 1024 * 1024  # the bureau file's table: 8.8 MB
# Unpacked size of any part, and of all parts together; a 20,000 x 60 sheet with long
# texts written inline (not shared) is about 100 MB.
MAX_PART_BYTES = 160 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# Compression: Excel's parts unpack 5-15 times their size, sheets of empty formatted
# cells up to about 50; a part above 1 MB unpacking more than 100 times is a zip bomb.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
MAX_PARTS = 1000  # a workbook has about 10 parts, plus one per sheet, picture, comment
MAX_XML_HEAD = 64 * 1024  # bounded read of a part's start: root element and dimension
# Excel holds at most 32,767 characters in a cell; in XML that is at most ~200 KB
# (6 bytes for an escaped character). A longer run of text or a longer tag is refused.
MAX_CELL_CHARS = 32_767
MAX_TEXT_BYTES = 256 * 1024
# One row: Excel's widest has 16,384 cells (column XFD), about 1 MB of XML; openpyxl
# builds all of a row's cells (about 300 bytes each) before it yields the row.
MAX_ROW_CELLS = 16_384
MAX_ROW_BYTES = 8 * 1024 * 1024
# Elements outside rows (formatting, links, merged cells, comments); openpyxl keeps
# them in memory while it reads the sheet (about 100 bytes each).
MAX_OTHER_ELEMENTS = 500_000
SCAN_CHUNK = 4 * 1024 * 1024  # bytes unpacked at a time while checking a part
MAX_CSV_LINE_CHARS = 4 * 1024 * 1024  # of a line with quotes, the part parsed to count

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


Source = Path | str | bytes  # a file, or its contents


def _contents(source: Source) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def _shown(source: Source, name: str) -> str:
    return name or ("" if isinstance(source, bytes) else Path(source).name)


def detect_format(source: Source, name: str = "") -> str:
    """Return 'xlsx' or 'csv' from the file's contents, whatever its name says.

    A text file is read as CSV (named .xlsx or .xls too: `read_frames` then adds a
    notice); an .xls workbook, an empty file and anything else are refused.

    Raises
    ------
    ImportFileError
        ``import.empty_file``, ``import.old_excel``, ``import.html_table``,
        ``import.wrong_type``.
    """
    data = _contents(source)
    shown = _shown(source, name)
    if not data.strip():
        raise ImportFileError("import.empty_file", name=shown)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("import.old_excel", name=shown)
    text = None if data.startswith(_BINARY_SIGNATURES) else _text_head(data)
    if text is not None:
        start = text.lstrip().lower()[:512]
        if start.startswith(("<!doctype html", "<html", "<table", "<?xml")) or \
                "<table" in start:
            raise ImportFileError("import.html_table", name=shown)
        return "csv"
    raise ImportFileError("import.wrong_type", name=shown)


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


# Files people upload by mistake whose first bytes read as text: PDF, RTF, PostScript;
# and pictures, archives, executables.
_BINARY_SIGNATURES = (b"%PDF", b"{\\rtf", b"%!PS", b"\x89PNG", b"\xff\xd8\xff", b"GIF8",
                      b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"\x7fELF")


def _text_head(data: bytes) -> str | None:
    """The first 64 KB of `data` as text, or None when it is not text.

    Text is UTF-16 with a byte-order mark, UTF-8 or GB18030 in which control characters
    (a stray NUL, BEL or ESC in a cell) are rare; binary files are full of them.
    """
    head = data[:65536]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be",
                               errors="ignore")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:  # incremental: a character cut at the 64 KB boundary is not an error
                text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    return None if len(_CONTROL.findall(text)) * 10 > len(text) else text


def _row_capacity(max_rows: int | None) -> int:
    if max_rows is None:
        max_rows = (current_app.config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
                    if has_app_context() else DEFAULT_MAX_ROWS)
    return max_rows + HEADER_SEARCH_ROWS


def read_frames(source: Source, fmt: str, name: str = "", *, max_rows: int | None = None,
                progress: Progress = no_progress,
                notices: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """Read every sheet as raw cells (no header, values as typed), keyed by sheet name.

    What the user should know about the file although it can be read is appended to
    `notices` as ``{"key": message key, "params": {...}}``.

    Row ``i`` of each frame is row ``i + 1`` in Excel. An XLSX workbook is first checked
    against the limits above (nothing is parsed cell by cell before that), then read row
    by row with openpyxl (read-only, cached values), reporting progress, and each sheet
    becomes a DataFrame of objects: numbers stay numbers and date cells datetimes, for
    the row parser to read. Reading stops as soon as a sheet has more than `max_rows`
    filled rows. The limits are sized from `max_rows` (from IMPORT_MAX_ROWS when None).

    Raises
    ------
    ImportFileError
        ``import.unreadable``, ``import.wrong_type``, ``import.empty_workbook``,
        ``import.too_many_rows``, one of the limits' messages, or the CSV errors.
    """
    data = _contents(source)
    shown = _shown(source, name)
    notices = [] if notices is None else notices
    capacity = _row_capacity(max_rows)
    if not data.strip():
        raise ImportFileError("import.empty_file", name=shown)
    if fmt == "csv":
        if shown.lower().endswith((".xlsx", ".xls", ".xlsm")):
            notices.append({"key": "import.csv_named_xlsx", "params": {"name": shown}})
        return {"": _read_csv(data, shown, capacity)}
    facts = check_xlsx(data, shown, capacity, notices)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                             keep_links=False)
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise ImportFileError("import.unreadable", name=shown) from error
    try:
        frames = {}
        for sheet in book.worksheets:
            sheet_facts = facts.get(getattr(sheet, "_worksheet_path", ""), SheetFacts(""))
            frames[sheet.title] = _read_sheet(sheet, sheet_facts, max_rows, capacity,
                                              progress)
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError("import.unreadable", name=shown) from error
    finally:
        book.close()
    if not any(frame.size for frame in frames.values()):
        raise ImportFileError("import.empty_workbook", name=shown)
    return frames


def _read_sheet(sheet, facts: SheetFacts, max_rows: int | None, capacity: int,
                progress: Progress) -> pd.DataFrame:
    # The declared dimension is not trusted: openpyxl would pad every row to it. Rows
    # are read at most MAX_COLUMNS wide (as wide as a sane dimension says, except "A1",
    # which streaming writers put before any data), cut after their last filled cell,
    # and empty rows after the last filled one are never kept.
    sheet.reset_dimensions()
    width = facts.columns if 1 < facts.columns <= MAX_COLUMNS else MAX_COLUMNS
    ceiling = max(2 * capacity, MIN_ROW_CEILING)
    total = facts.rows or 0
    limit = None if max_rows is None else max_rows + HEADER_SEARCH_ROWS
    rows: list[tuple] = []
    blank_run = filled = widest = 0
    for number, values in enumerate(
            sheet.iter_rows(max_col=width, max_row=ceiling, values_only=True), start=1):
        last = len(values)
        while last and (values[last - 1] is None or values[last - 1] == ""):
            last -= 1
        if last:
            rows.extend([()] * blank_run)
            blank_run = 0
            rows.append(values if last == len(values) else values[:last])
            widest = max(widest, last)
            filled += 1
            if limit is not None and filled > limit:
                raise ImportFileError("import.too_many_rows", rows=f"{max_rows:,}+",
                                      max=f"{max_rows:,}")
        else:
            blank_run += 1
        if number % CHUNK_ROWS == 0:
            progress("reading", number, max(total, number))
    if not rows:
        return pd.DataFrame(dtype=object)
    padded = [row if len(row) == widest else row + (None,) * (widest - len(row))
              for row in rows]
    return pd.DataFrame(padded, dtype=object)


# ------------------------------------------------------------------- checking an XLSX


@dataclass
class SheetFacts:
    """What the check found in one worksheet's XML."""

    title: str
    columns: int = 0  # declared by the dimension, when it is sane
    rows: int = 0  # <row> elements
    cells: int = 0
    valued: int = 0  # cells with a value (or a formula's cached value)
    uncached: int = 0  # formula cells with no cached value
    uncached_cells: list[str] = field(default_factory=list)  # the first few
    formula_rows: int = 0  # rows holding more such formulas than values


_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_REF = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?$")
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")


def check_xlsx(data: bytes, shown: str, capacity: int,
               notices: list[dict]) -> dict[str, SheetFacts]:
    """Check an XLSX upload against the limits before openpyxl reads it.

    Returns what was found in each worksheet, keyed by the part's path in the zip.

    Raises
    ------
    ImportFileError
        When the file is not a workbook, is damaged, or exceeds a limit.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError("import.unreadable", name=shown) from error
    with archive:
        _check_directory(archive, shown)
        sheets, strings_parts = _workbook_parts(archive, shown)
        _check_sizes(archive, strings_parts, shown)
        cells_allowed = CELLS_PER_ROW * capacity
        scans: dict[str, SheetFacts] = {}
        total = _Totals(rows_allowed=capacity - HEADER_SEARCH_ROWS)
        for info in archive.infolist():
            if info.is_dir() or info.file_size == 0:
                continue
            head = _head(archive, info, shown)
            if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                continue  # a picture or other binary part: its size was checked
            root = _root(head, shown)
            if root[1] == b"worksheet":
                facts = SheetFacts(sheets.get(info.filename, info.filename))
                declared = _check_dimension(head, facts, capacity)
                _scan_part(archive, info, root[0], "sheet", facts, total, shown, capacity)
                scans[info.filename] = facts
                if not declared:  # openpyxl parses it once more, looking for a dimension
                    total.cost += facts.cells // UNSIZED_EXTRA
            elif root[1] == b"sst" or info.filename in strings_parts:
                _scan_part(archive, info, root[0], "strings", None, total, shown,
                           capacity)
            else:
                _scan_part(archive, info, root[0], "other", None, total, shown, capacity)
            if total.cells + total.cost > cells_allowed:
                raise ImportFileError(
                    "import.too_many_cells", name=shown, cells=f"{total.cells:,}+",
                    max=f"{cells_allowed:,}", rows=f"{capacity - HEADER_SEARCH_ROWS:,}",
                    columns=CELLS_PER_ROW)
    for facts in scans.values():
        if facts.formula_rows and 2 * facts.formula_rows > facts.rows:  # most rows
            raise ImportFileError("import.formulas_not_calculated", name=shown,
                                  sheet=facts.title, count=f"{facts.uncached:,}",
                                  cells=", ".join(facts.uncached_cells))
        if facts.uncached:
            notices.append({"key": "import.formulas_uncached", "params": {
                "sheet": facts.title, "count": f"{facts.uncached:,}",
                "cells": ", ".join(facts.uncached_cells)}})
    return scans


def _check_directory(archive: zipfile.ZipFile, shown: str) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise ImportFileError("import.too_complex", name=shown)
    unpacked = 0
    for info in infos:
        unpacked += info.file_size
        if info.file_size > MAX_PART_BYTES or unpacked > MAX_UNPACKED_BYTES:
            raise ImportFileError("import.unpacked_too_large", name=shown,
                                  mb=f"{MAX_UNPACKED_BYTES // (1024 * 1024):,}")
        if info.flag_bits & 0x1:
            raise ImportFileError("import.unreadable", name=shown)  # encrypted


def _check_sizes(archive: zipfile.ZipFile, strings_parts: set[str], shown: str) -> None:
    """Refuse, from the sizes the zip declares (zipfile never unpacks more), a shared-
    strings table above its limit, then any part packed like a zip bomb."""
    for info in archive.infolist():
        if info.filename in strings_parts and info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise ImportFileError(
                "import.too_many_texts", name=shown, count="?",
                mb=f"{info.file_size / (1024 * 1024):,.0f}", max="-",
                max_mb=f"{MAX_SHARED_STRINGS_BYTES // (1024 * 1024):,}")
    for info in archive.infolist():
        if info.file_size > RATIO_FROM_BYTES and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError("import.compressed_too_much", name=shown,
                                  ratio=f"{info.file_size // max(info.compress_size, 1):,}")


def _small_xml(archive: zipfile.ZipFile, name: str, shown: str):
    """Parse a small part (content types, workbook, relationships), or None."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > 16 * 1024 * 1024:
        raise ImportFileError("import.too_complex", name=shown)
    text = archive.read(info)
    # Only plain UTF-8 parts without a DTD are parsed: a NUL byte (UTF-16 or -32 text, in
    # which b"<!DOCTYPE" would not be seen) or bytes that are not UTF-8 are refused, so
    # no entity can be declared, expanded or fetched.
    if b"\x00" in text or b"<!DOCTYPE" in text or b"<!ENTITY" in text:
        raise ImportFileError("import.too_complex", name=shown)
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFileError("import.unreadable", name=shown) from error
    try:
        # reviewed: no DTD can reach the parser (checked above)
        return ElementTree.fromstring(text)  # noqa: S314  # nosec B314
    except ElementTree.ParseError as error:
        raise ImportFileError("import.unreadable", name=shown) from error


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _workbook_parts(archive: zipfile.ZipFile, shown: str) -> tuple[dict[str, str], set[str]]:
    """The worksheets' parts (path -> sheet name) and the shared-strings parts.

    A zip that is no workbook (a Word document, an OpenDocument file, any archive) is
    the wrong type of file.
    """
    types = _small_xml(archive, "[Content_Types].xml", shown)
    if types is None:
        raise ImportFileError("import.wrong_type", name=shown)
    book_part, strings_parts = None, set()
    for element in types:
        content = element.get("ContentType", "")
        part = element.get("PartName", "").lstrip("/")
        if content.endswith(".main+xml") and "spreadsheetml" in content:
            book_part = part
        elif content.endswith("spreadsheetml.sharedStrings+xml"):
            strings_parts.add(part)
    if book_part is None:
        raise ImportFileError("import.wrong_type", name=shown)
    book = _small_xml(archive, book_part, shown)
    folder = posixpath.dirname(book_part)
    rels = _small_xml(archive, posixpath.join(folder, "_rels",
                                               posixpath.basename(book_part) + ".rels"), shown)
    if book is None or rels is None:
        raise ImportFileError("import.unreadable", name=shown)
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(folder, target))
        targets[rel.get("Id")] = path
        if rel.get("Type", "").endswith("/sharedStrings"):
            strings_parts.add(path)
    sheets = {}
    for element in book.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                sheets[targets[rid]] = element.get("name", "")
    return sheets, strings_parts


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    try:
        with archive.open(info) as stream:
            return stream.read(MAX_XML_HEAD)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) \
            as error:
        raise ImportFileError("import.unreadable", name=shown) from error


def _root(head: bytes, shown: str) -> tuple[bytes, bytes]:
    """The root element's namespace prefix (b'' or b'x:') and local name."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:  # never in a workbook; entity bombs
        raise ImportFileError("import.too_complex", name=shown)
    position = 0
    while True:
        match = _ROOT.search(head, position)
        if match is None:
            raise ImportFileError("import.unreadable", name=shown)
        before = head[:match.start()]
        if before.count(b"<!--") == before.count(b"-->"):  # not inside a comment
            return match[1] or b"", match[2]
        position = match.end()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _check_dimension(head: bytes, facts: SheetFacts, capacity: int) -> bool:
    """Refuse a sheet whose declared dimension (e.g. A1:XFD1048576) is absurd; say
    whether it declares one."""
    match = _DIMENSION.search(head)
    if match is None:
        return False
    ref = match[1].decode("ascii", "replace").strip()
    last = ref.split(":")[-1]
    parts = _REF.match(last)
    if parts is None:
        return True  # openpyxl's own reading of it is bounded below
    columns = _column_number(parts[1]) if parts[1] else 0
    rows = int(parts[2]) if parts[2] else 0
    row_ceiling = max(2 * capacity, MIN_ROW_CEILING)
    wide, long = columns > MAX_COLUMNS, rows > row_ceiling
    if wide and long:
        raise ImportFileError("import.sheet_too_large", sheet=facts.title, ref=ref,
                              rows=f"{rows:,}", columns=f"{columns:,}",
                              max_rows=f"{capacity - HEADER_SEARCH_ROWS:,}",
                              max_columns=MAX_COLUMNS)
    if wide:
        raise ImportFileError("import.sheet_too_wide", sheet=facts.title,
                              columns=f"{columns:,}", last=get_column_letter(columns),
                              max=MAX_COLUMNS)
    if long:
        raise ImportFileError("import.sheet_too_long", sheet=facts.title, rows=f"{rows:,}",
                              max=f"{capacity - HEADER_SEARCH_ROWS:,}")
    facts.columns = columns
    return True


@dataclass
class _Totals:
    cells: int = 0
    strings: int = 0
    strings_bytes: int = 0
    other: int = 0  # elements outside rows and texts, which openpyxl keeps
    cost: int = 0  # cells read twice, counted again (a share)
    rows_allowed: int = DEFAULT_MAX_ROWS  # for the messages


# Columns after IV (256): three letters, or two from IW on.
_WIDE_REF = re.compile(rb'r=["\']((?:[A-Za-z]{3}|[Ii][W-Zw-z]|[J-Zj-z][A-Za-z]))\d')
_REF_ATTR = re.compile(rb"\br\s*=\s*[\"']([A-Za-z]{1,3}\d+)")
_HIGH_ROW = re.compile(rb'<(?:[\w.-]+:)?row\b[^>]*?\br\s*=\s*["\'](\d{5,})')
WINDOW = MAX_TEXT_BYTES // 2


class _Tokens:
    """Byte patterns of one part, with its namespace prefix (b'' or e.g. b'x:')."""

    def __init__(self, prefix: bytes) -> None:
        p = re.escape(prefix)
        self.cell = b"<" + prefix + b"c"  # also counts a few <cols>, <cfRule>: an estimate
        self.cell_end = b"</" + prefix + b"c>"
        self.row = b"<" + prefix + b"row"
        self.row_end = b"</" + prefix + b"row>"
        self.value = b"<" + prefix + b"v>"
        self.inline = b"<" + prefix + b"is>"
        self.text = b"<" + prefix + b"t"
        self.formula = b"<" + prefix + b"f"
        self.si = b"<" + prefix + b"si"
        self.si_end = b"</" + prefix + b"si>"
        self.si_re = re.compile(rb"<" + p + rb"si\b[^>]*?(?:/>|>.*?</" + p + rb"si>)", re.S)
        self.uncached_re = re.compile(
            rb"<" + p + rb"c\b([^>]*)>\s*<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p +
            rb"f>)\s*(?:<" + p + rb"v\s*/>|<" + p + rb"v>\s*</" + p + rb"v>)?\s*</" + p +
            rb"c>")
        self.content_re = re.compile(rb"<" + p + rb"(?:v|is|f)\b")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, prefix: bytes, kind: str,
               facts: SheetFacts | None, total: _Totals, shown: str, capacity: int) -> None:
    """Stream one XML part in bounded pieces, cut after whole rows (or texts), counting.

    Nothing is built per cell: counts are bytes.count and the few regular expressions
    run over each piece; only the cells they single out (formulas without a value,
    cells after column IV) are looked at one by one.
    """
    tokens = _Tokens(prefix)
    cut = {"sheet": tokens.row_end, "strings": tokens.si_end}.get(kind, b">")
    row_ceiling = max(2 * capacity, MIN_ROW_CEILING)
    strings_allowed = SHARED_STRINGS_PER_ROW * capacity
    where = facts.title if facts else shown
    pending = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(SCAN_CHUNK)
                buffer = pending + chunk
                end = buffer.rfind(cut) + len(cut) if chunk else len(buffer)
                if end < len(cut):  # no whole row (text) in the buffer yet
                    end = 0
                segment, pending = buffer[:end], buffer[end:]
                if len(pending) > MAX_ROW_BYTES:
                    _refuse_long(pending, facts, shown)
                    raise ImportFileError("import.too_complex", name=shown)
                if segment:
                    _check_segment(segment, tokens, kind, facts, total, where, shown,
                                   row_ceiling, strings_allowed)
                if not chunk:
                    break
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) \
            as error:  # a damaged part, or one whose checksum is wrong
        raise ImportFileError("import.unreadable", name=shown) from error


def _refuse_long(segment: bytes, facts: SheetFacts | None, shown: str) -> None:
    """Refuse a run of text (or a tag) longer than any cell: one of the aligned windows
    of half the limit holds no markup at all (every run of the limit's length covers
    one)."""
    for start in range(0, len(segment) - WINDOW + 1, WINDOW):
        if segment.find(b"<", start, start + WINDOW) < 0 and \
                segment.find(b">", start, start + WINDOW) < 0:
            raise ImportFileError("import.cell_too_long", name=shown,
                                  sheet=facts.title if facts else shown,
                                  max=f"{MAX_CELL_CHARS:,}")


def _elements(segment: bytes) -> int:
    return segment.count(b"<") - segment.count(b"</")


def _check_segment(segment: bytes, tokens: _Tokens, kind: str, facts: SheetFacts | None,
                   total: _Totals, where: str, shown: str, row_ceiling: int,
                   strings_allowed: int) -> None:
    elements = _elements(segment)
    if kind == "other":  # styles, drawings, properties: openpyxl keeps what it reads
        total.cells += segment.count(tokens.cell)
        total.other += elements
        _check_other(total, shown)
        return
    _refuse_long(segment, facts, shown)
    if kind == "strings":
        texts = segment.count(tokens.si)
        total.strings += texts
        total.strings_bytes += len(segment)
        if total.strings > strings_allowed or \
                total.strings_bytes > MAX_SHARED_STRINGS_BYTES:
            raise ImportFileError(
                "import.too_many_texts", name=shown, count=f"{total.strings:,}+",
                mb=f"{total.strings_bytes / (1024 * 1024):,.0f}+",
                max=f"{strings_allowed:,}",
                max_mb=f"{MAX_SHARED_STRINGS_BYTES // (1024 * 1024):,}")
        # openpyxl empties each text once read; anything else stays in memory
        if elements - 2 * texts > 100 + elements // 100:  # rich text, or something else
            total.other += _elements(tokens.si_re.sub(b"", segment))
        _check_other(total, shown)
        return
    cells, rows = segment.count(tokens.cell), segment.count(tokens.row)
    values, inline = segment.count(tokens.value), segment.count(tokens.inline)
    formulas = segment.count(tokens.formula)
    total.cells += cells
    facts.cells += cells
    facts.rows += rows
    facts.valued += values + inline
    most = f"{total.rows_allowed:,}"
    if facts.rows > row_ceiling:
        raise ImportFileError("import.sheet_too_long", sheet=where, rows=f"{facts.rows:,}+",
                              max=most)
    for match in _HIGH_ROW.finditer(segment):  # openpyxl makes every row up to it
        if int(match[1]) > row_ceiling:
            raise ImportFileError("import.sheet_too_long", sheet=where,
                                  rows=f"{int(match[1]):,}", max=most)
    if formulas and tokens.uncached_re.search(segment):  # rare: look at each row
        for start, end in _rows(segment, tokens):
            uncached = 0
            for match in tokens.uncached_re.finditer(segment, start, end):
                uncached += 1
                if len(facts.uncached_cells) < 3:
                    ref = _REF_ATTR.search(match[1])
                    facts.uncached_cells.append(ref[1].decode() if ref else "?")
            facts.uncached += uncached
            if uncached > segment.count(tokens.value, start, end) + \
                    segment.count(tokens.inline, start, end):
                facts.formula_rows += 1
    for match in _WIDE_REF.finditer(segment):
        tag = segment.rfind(b"<", 0, match.start())
        close = segment.find(b">", match.end())
        if not segment.startswith(tokens.cell, tag) or close < 0 or \
                segment[close - 1:close] == b"/":
            continue  # not a cell, or an empty one (<c r="IW1" s="1"/>): never read
        end = segment.find(tokens.cell_end, close)
        if tokens.content_re.search(segment, close, end if end >= 0 else len(segment)):
            letters = match[1].decode().upper()
            raise ImportFileError("import.sheet_too_wide", sheet=where,
                                  columns=f"{_column_number(letters):,}", last=letters,
                                  max=MAX_COLUMNS)
    # openpyxl builds a whole row's cells before it yields the row: no row may hold more
    # cells than Excel's widest (a piece with fewer cells cannot have such a row).
    if cells > MAX_ROW_CELLS:
        for start, end in _rows(segment, tokens):
            count = segment.count(tokens.cell, start, end)
            if count > MAX_ROW_CELLS:
                raise ImportFileError("import.sheet_too_wide", sheet=where,
                                      columns=f"{count:,}", last="XFD", max=MAX_COLUMNS)
    # Elements outside rows stay in memory while openpyxl reads the sheet. Within rows a
    # cell is <c>, <v> or <f>, or <is><t> (inline text); when that does not account for
    # nearly every element, count the ones outside rows exactly.
    texts = segment.count(tokens.text)
    estimate = elements - cells - rows - values - formulas - inline - texts
    if estimate > 100 + elements // 100:
        estimate = elements - sum(_elements(segment[start:end])
                                  for start, end in _rows(segment, tokens))
    total.other += max(estimate, 0)
    _check_other(total, shown)


def _rows(segment: bytes, tokens: _Tokens):
    """(start, end) of each row element in a piece cut after whole rows."""
    position = 0
    while True:
        start = segment.find(tokens.row, position)
        if start < 0:
            return
        after = segment[start + len(tokens.row):start + len(tokens.row) + 1]
        if after not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):  # <rowBreaks>
            position = start + 1
            continue
        close = segment.find(b">", start)
        if close < 0:
            return
        if segment[close - 1:close] == b"/":
            end = close + 1
        else:
            end = segment.find(tokens.row_end, close)
            end = len(segment) if end < 0 else end + len(tokens.row_end)
        yield start, end
        position = end


def _check_other(total: _Totals, shown: str) -> None:
    if total.other > MAX_OTHER_ELEMENTS:
        raise ImportFileError("import.too_complex", name=shown)


# --------------------------------------------------------------------------------- CSV


def _read_csv(raw: bytes, shown: str, capacity: int) -> pd.DataFrame:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark; other NULs mean binary.
    encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else (
        "utf-8-sig", "gb18030")
    if _text_head(raw) is None:
        raise ImportFileError("import.wrong_type", name=shown)
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("import.csv_encoding", name=shown)
    first_line = next((line for line in text[:65536].splitlines() if line.strip()), "")
    separator = max((",", "\t", ";"), key=first_line.count)
    _check_csv_shape(text.rstrip(), separator, shown, capacity)
    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, sep=separator,
                           keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as error:
        raise ImportFileError("import.empty") from error
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ImportFileError("import.csv_ragged", line=line[1] if line else "?") from error


def _check_csv_shape(text: str, separator: str, shown: str, capacity: int) -> None:
    """Refuse a CSV with far too many lines, cells on a line, or characters in a cell."""
    lines = text.count("\n") + 1
    row_ceiling = max(2 * capacity, MIN_ROW_CEILING)
    if lines > row_ceiling:
        raise ImportFileError("import.csv_too_long", name=shown, lines=f"{lines:,}",
                              max=f"{capacity - HEADER_SEARCH_ROWS:,}")
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        offset, start = start, start + len(line) + 1
        if line.count(separator) < MAX_COLUMNS and len(line) <= MAX_CELL_CHARS:
            continue
        if '"' not in line:
            count = line.count(separator) + 1
            cells = line.split(separator) if count <= MAX_COLUMNS else []
        else:  # quoted cells may hold separators and line breaks: read a bounded part
            part = text[offset:offset + MAX_CSV_LINE_CHARS]
            try:
                cells = next(csv.reader(io.StringIO(part), delimiter=separator))
            except (csv.Error, StopIteration):
                cells = part.split(separator)
            count = len(cells)
        if count > MAX_COLUMNS:
            raise ImportFileError("import.csv_too_wide", name=shown, line=number,
                                  columns=f"{count:,}", max=MAX_COLUMNS)
        if max(map(len, cells), default=0) > MAX_CELL_CHARS:
            raise ImportFileError("import.cell_too_long", name=shown, sheet=shown,
                                  max=f"{MAX_CELL_CHARS:,}")
