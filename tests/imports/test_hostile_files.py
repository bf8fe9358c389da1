"""Files no import may choke on: each hostile XLSX or CSV (built here byte by byte, as an
attacker would) is refused before a cell is read, with its own message; files that are
merely odd (empty, a CSV named .xlsx, formulas never calculated) get their own message.

The builders are shared with tests/benchmarks/bench_hostile_imports.py, which measures
peak memory and CPU time for the worst of them.
"""

from __future__ import annotations

import io
import random
import zipfile

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.imports.messages import ImportFileError
from app.imports.reading import detect_format, read_frames
from models import Seeker, Survey, db
from tests.imports.test_survey_import import KEYS, ZH, row, upload

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


# ------------------------------------------------------------------------------ builders


pytestmark = pytest.mark.usefixtures("import_dir")


def xlsx(sheet_xml: bytes, strings: bytes | None = None, *,
         extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook, as Excel lays one out, with one sheet named Sheet1."""
    overrides = (f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
                 f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>')
    rels = (f'<Relationship Id="rId1" Type="{REL}/worksheet" '
            'Target="worksheets/sheet1.xml"/>')
    if strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
            f'"xml" ContentType="application/xml"/>{overrides}</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}'
            '/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>'))
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet_xml(rows: bytes | list[bytes], dimension: str | None = None, *,
              after: bytes = b"") -> bytes:
    """A worksheet's XML around `rows` (the <row> elements), with its dimension."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">'.encode()
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    body = rows if isinstance(rows, bytes) else b"".join(rows)
    return head + b"<sheetData>" + body + b"</sheetData>" + after + b"</worksheet>"


def number_rows(rows: int, columns: int, *, seed: int = 1, first: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    letters = [get_column_letter(c) for c in range(1, columns + 1)]
    return [f'<row r="{r}">'.encode() + b"".join(
        f'<c r="{letter}{r}"><v>{rng.randint(1, 99999)}</v></c>'.encode() for letter in letters)
        + b"</row>" for r in range(first, first + rows)]


def legit_workbook(rows: int = 20_000, columns: int = 60) -> bytes:
    """A bureau's largest file as Excel writes it: shared strings, a dimension; a quarter of
    the columns unique texts, a quarter repeated ones, numbers and date serials."""
    rng = random.Random(7)
    table: dict[str, int] = {}
    letters = [get_column_letter(c) for c in range(1, columns + 1)]

    def text(value: str) -> int:
        return table.setdefault(value, len(table))

    lines = [b'<row r="1">' + b"".join(
        f'<c r="{letter}1" t="s"><v>{text("列" + letter)}</v></c>'.encode()
        for letter in letters) + b"</row>"]
    for r in range(2, rows + 2):
        cells = []
        for i, letter in enumerate(letters):
            if i % 4 == 0:
                cells.append(f'<c r="{letter}{r}" t="s"><v>{text(f"名字{r}-{i}")}</v></c>')
            elif i % 4 == 1:
                choice = rng.choice(["浦东新区", "闵行区", "青浦区", "是", "否"])
                cells.append(f'<c r="{letter}{r}" t="s"><v>{text(choice)}</v></c>')
            elif i % 4 == 2:
                cells.append(f'<c r="{letter}{r}"><v>{rng.randint(1000, 99999)}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}"><v>{45000 + rng.random() * 900:.4f}</v></c>')
        lines.append(f'<row r="{r}">{"".join(cells)}</row>'.encode())
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" '
               f'uniqueCount="{len(table)}">' +
               "".join(f"<si><t>{value}</t></si>" for value in table) + "</sst>").encode()
    return xlsx(sheet_xml(lines, f"A1:{letters[-1]}{rows + 1}"), strings)


def wide_dimension() -> bytes:
    """About 16 KB: 200 rows of 10 numbers under a dimension claiming 16,384 columns."""
    return xlsx(sheet_xml(number_rows(200, 10), "A1:XFD200"))


def whole_sheet_dimension() -> bytes:
    """A dimension claiming every cell Excel has: 1,048,576 rows x 16,384 columns."""
    return xlsx(sheet_xml(number_rows(20, 10), "A1:XFD1048576"))


def long_dimension() -> bytes:
    return xlsx(sheet_xml(number_rows(20, 10), "A1:J1048576"))


def shared_strings_bomb(unpacked: int = 100 * 1024 * 1024) -> bytes:
    """About 256 KB whose shared-strings table unpacks to 100 MB of short texts."""
    piece = b"".join(b"<si><t>%d</t></si>" % n for n in range(40))
    count = unpacked // len(piece)
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'.encode() +
               piece * count + b"</sst>")
    cells = [b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>']
    return xlsx(sheet_xml(cells, "A1"), strings)


def zip_bomb(unpacked: int = 150 * 1024 * 1024) -> bytes:
    """An ordinary sheet beside a 'picture' of 150 MB of zeros packed into 150 KB."""
    return xlsx(sheet_xml(number_rows(5, 5), "A1:E5"),
                extra={"xl/media/image1.png": bytes(unpacked)})


def unpacked_too_large() -> bytes:
    """Two parts of 140 MB each: neither above the part limit, together above the total."""
    return xlsx(sheet_xml(number_rows(5, 5), "A1:E5"),
                extra={"xl/media/image1.png": bytes(140 * 1024 * 1024),
                       "xl/media/image2.png": bytes(140 * 1024 * 1024)})


def empty_cells(rows: int = 40_000, columns: int = 50) -> bytes:
    """Two million empty formatted cells (<c r="B7" s="1"/>), no dimension."""
    letters = [get_column_letter(c) for c in range(1, columns + 1)]
    lines = [f'<row r="{r}">'.encode() +
             b"".join(f'<c r="{letter}{r}" s="1"/>'.encode() for letter in letters) +
             b"</row>" for r in range(1, rows + 1)]
    return xlsx(sheet_xml(lines))


def one_row_of_empty_cells(cells: int = 1_000_000) -> bytes:
    """One row of a million empty formatted cells without references (so not packed
    like a zip bomb): openpyxl would build all of them (about 300 bytes each) before
    yielding the row."""
    rng = random.Random(5)
    return xlsx(sheet_xml([b'<row r="1">' + b"".join(
        b'<c s="%d"/>' % rng.randint(1, 999) for _ in range(cells)) + b"</row>"]))


def huge_cell(characters: int = 600_000) -> bytes:
    """One inline text of 600,000 characters (Excel holds at most 32,767 in a cell)."""
    rng = random.Random(3)
    text = "".join(rng.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(characters))
    return xlsx(sheet_xml([f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c>'
                           "</row>".encode()]))


def far_row() -> bytes:
    """No dimension, a row numbered 1,048,576: openpyxl fills in every row before it."""
    return xlsx(sheet_xml([*number_rows(3, 5), b'<row r="1048576"><c r="A1048576"><v>1</v>'
                                               b'</c></row>']))


def junk_elements(count: int = 600_000) -> bytes:
    """A small sheet followed by 600,000 elements openpyxl would keep in memory."""
    rng = random.Random(9)
    junk = b"".join(b'<x a="%d"/>' % rng.randint(1, 99999) for _ in range(count))
    return xlsx(sheet_xml(number_rows(5, 5), "A1:E5", after=junk))


def entity_declaration() -> bytes:
    sheet = sheet_xml(number_rows(5, 5), "A1:E5")
    return xlsx(sheet.replace(b"?>", b'?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>', 1))


def csv_one_line(megabytes: int = 6) -> bytes:
    """Several MB on one line: three million cells."""
    return b"1," * (megabytes * 1024 * 1024 // 2)


def csv_one_cell(megabytes: int = 6) -> bytes:
    return "很".encode() * (megabytes * 1024 * 1024 // 3)


def csv_blank_lines(lines: int = 3_000_000) -> bytes:
    return "求职者编号,姓名\nQP0001,张三\n".encode() + b",\n" * lines


HOSTILE = {  # name: (builder, file name, message key)
    "16 KB, dimension claims 16,384 columns": (wide_dimension, "wide.xlsx",
                                               "import.sheet_too_wide"),
    "dimension claims 1,048,576 x 16,384": (whole_sheet_dimension, "all.xlsx",
                                            "import.sheet_too_large"),
    "dimension claims 1,048,576 rows": (long_dimension, "long.xlsx", "import.sheet_too_long"),
    "shared strings unpack to 100 MB": (shared_strings_bomb, "texts.xlsx",
                                        "import.too_many_texts"),
    "zip bomb part": (zip_bomb, "bomb.xlsx", "import.compressed_too_much"),
    "parts unpack to 280 MB": (unpacked_too_large, "big.xlsx", "import.unpacked_too_large"),
    "2 million empty cells": (empty_cells, "cells.xlsx", "import.too_many_cells"),
    "a row of a million empty cells": (one_row_of_empty_cells, "row.xlsx",
                                       "import.sheet_too_wide"),
    "a cell of 600,000 characters": (huge_cell, "cell.xlsx", "import.cell_too_long"),
    "row 1,048,576 without a dimension": (far_row, "far.xlsx", "import.sheet_too_long"),
    "600,000 elements beside the cells": (junk_elements, "junk.xlsx", "import.too_complex"),
    "an entity declaration": (entity_declaration, "dtd.xlsx", "import.too_complex"),
    "CSV: 6 MB on one line": (csv_one_line, "line.csv", "import.csv_too_wide"),
    "CSV: one cell of 6 MB": (csv_one_cell, "cell.csv", "import.cell_too_long"),
    "CSV: 3 million blank lines": (csv_blank_lines, "blank.csv", "import.csv_too_long"),
}


@pytest.fixture(scope="module")
def hostile_files():
    return {name: (builder(), filename, key)
            for name, (builder, filename, key) in HOSTILE.items()}


def survey_csv(rows=(("QP0001", "张三"), ("QP0002", "李四"))) -> str:
    lines = [",".join(ZH[k] for k in KEYS)]
    lines += [",".join(str(row(code, name).get(k) or "") for k in KEYS) for code, name in rows]
    return "\n".join(lines) + "\n"


def survey_sheet_xml(formula_columns: set[str], *, cached: bool = False) -> bytes:
    """The survey template's header and two rows; the cells of `formula_columns` are
    formulas, with their cached value only when `cached`."""
    values = [[ZH[k] for k in KEYS], *([row(code, name).get(k) for k in KEYS]
                                       for code, name in (("QP0001", "张三"), ("QP0002", "李四")))]
    lines = []
    for r, cells in enumerate(values, start=1):
        xml = []
        for c, (key, value) in enumerate(zip(KEYS, cells, strict=True), start=1):
            ref = f"{get_column_letter(c)}{r}"
            if value is None:
                continue
            text = str(value).replace("&", "&amp;").replace("<", "&lt;")
            if r > 1 and (key in formula_columns or "*" in formula_columns):
                cached_value = f"<v>{text}</v>" if cached else ""
                xml.append(f'<c r="{ref}" t="str"><f>"{text}"</f>{cached_value}</c>')
            else:
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')
        lines.append(f'<row r="{r}">{"".join(xml)}</row>'.encode())
    return sheet_xml(lines, f"A1:{get_column_letter(len(KEYS))}3")


def post_file(client, data: bytes, filename: str):
    """Upload as the browser does; encoded here, since the test client would spool a
    body above 500 KB to a temporary file it leaves open."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/bureau/import/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def refusal(data: bytes, filename: str, max_rows: int = 20_000) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_frames(data, detect_format(data, filename), filename, max_rows=max_rows)
    return caught.value


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def facility(make):
    facility = make.facility(code="SH-QP")
    db.session.commit()
    return facility


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_file_is_refused_with_its_own_message(app, hostile_files, name):
    data, filename, key = hostile_files[name]
    assert len(data) < app.config["MAX_CONTENT_LENGTH"]
    with app.test_request_context():
        error = refusal(data, filename)
        assert error.key == key, (error.key, error.params)
        assert "%(" not in error.message()


def test_the_hostile_messages_say_what_to_do(app, hostile_files):
    with app.test_request_context(), force_locale("en"):
        wide = refusal(*hostile_files["16 KB, dimension claims 16,384 columns"][:2])
        assert wide.message() == (
            "The sheet “Sheet1” reaches column XFD (16,384 columns); at most 256 columns "
            "can be imported. If the columns after your data are empty, select them, "
            "delete them (right-click, Delete), save the file and upload it again.")
        everything = refusal(*hostile_files["dimension claims 1,048,576 x 16,384"][:2])
        assert "claims to fill A1:XFD1048576: 1,048,576 rows of 16,384 columns" in \
            everything.message()
        texts = refusal(*hostile_files["shared strings unpack to 100 MB"][:2])
        assert "more different texts than an import can take" in texts.message()
        assert "100 MB" in texts.message()
        bomb = refusal(*hostile_files["zip bomb part"][:2])
        assert "packed far more tightly than any real workbook" in bomb.message()
        cell = refusal(*hostile_files["a cell of 600,000 characters"][:2])
        assert "holds more than 32,767 characters" in cell.message()
        line = refusal(*hostile_files["CSV: 6 MB on one line"][:2])
        assert line.message().startswith("Line 1 of the CSV file “line.csv” has 3,145,729 "
                                         "cells; at most 256 columns can be imported.")


@pytest.mark.parametrize("name", ["16 KB, dimension claims 16,384 columns",
                                  "dimension claims 1,048,576 x 16,384",
                                  "shared strings unpack to 100 MB", "zip bomb part",
                                  "2 million empty cells", "CSV: 6 MB on one line"])
def test_hostile_uploads_are_refused_on_the_page(client, clerk, import_dir, hostile_files,
                                                 name):
    data, filename, key = hostile_files[name]
    response = post_file(client, data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    with client.application.test_request_context(), force_locale("en"):
        expected = refusal(data, filename).message()
    assert expected.split("“")[0] in page
    assert not any(import_dir.iterdir())  # a refused upload is not kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seeker)) == 0


def test_a_hostile_upload_is_refused_in_chinese(client, clerk, hostile_files):
    client.get("/lang/zh_CN")
    data, filename, _key = hostile_files["16 KB, dimension claims 16,384 columns"]
    page = post_file(client, data, filename).get_data(as_text=True)
    assert "工作表“Sheet1”一直延伸到 XFD 列（16,384 列）" in page


def test_the_limits_leave_room_for_a_bureau_file_of_20000_rows_by_60_columns(app):
    data = legit_workbook(2_000, 60)  # 20,000 rows in the benchmark; the same layout
    with app.test_request_context():
        frames = read_frames(data, detect_format(data, "big.xlsx"), "big.xlsx",
                             max_rows=20_000)
    assert frames["Sheet1"].shape == (2_001, 60)


def test_reading_is_bounded_by_the_cells_not_by_the_dimension(app):
    # A dimension much wider than the data, or none, gives the data's own width;
    # empty cells after column IV are not read; rows are read up to the last filled one.
    rows = number_rows(3, 4)
    rows[1] = rows[1].replace(b"</row>", b'<c r="ZZ2" s="1"/><c r="XFD2" s="1"></c></row>')
    for dimension in ("A1:IV3", None, "A1:D3"):
        data = xlsx(sheet_xml([*rows, b'<row r="40000" s="1"/>'], dimension))
        with app.test_request_context():
            frame = read_frames(data, "xlsx", "x.xlsx", max_rows=100)["Sheet1"]
        assert frame.shape == (3, 4)
    content = rows[1].replace(b"</row>", b'<c r="IW2"><v>1</v></c></row>')
    with app.test_request_context():
        error = refusal(xlsx(sheet_xml([rows[0], content])), "x.xlsx")
    assert error.key == "import.sheet_too_wide" and error.params["last"] == "IW"


def test_a_sheet_with_more_filled_rows_than_allowed_is_still_refused_by_rows(app):
    data = xlsx(sheet_xml(number_rows(300, 3), "A1:C300"))
    with app.test_request_context():
        error = refusal(data, "x.xlsx", max_rows=100)
    assert error.key == "import.too_many_rows"


# ------------------------------------------------------------ file-level messages (CLI)


def cli(runner, tmp_path, data: bytes, filename: str):
    path = tmp_path / filename
    path.write_bytes(data)
    return runner.invoke(args=["import-surveys", str(path), "--facility", "SH-QP"])


def test_an_empty_file_says_so(runner, facility, tmp_path, monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    result = cli(runner, tmp_path, b"", "surveys.xlsx")
    assert result.exit_code == 2
    assert "The file “surveys.xlsx” is empty: it holds no data at all." in result.output


def test_an_empty_workbook_says_so(runner, facility, tmp_path, monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    buffer = io.BytesIO()
    Workbook().save(buffer)
    result = cli(runner, tmp_path, buffer.getvalue(), "surveys.xlsx")
    assert result.exit_code == 2
    assert "The workbook “surveys.xlsx” has no filled cell in any sheet." in result.output
    assert "not an Excel workbook" not in result.output


def test_a_csv_named_xlsx_is_read_as_csv_with_a_note(runner, facility, tmp_path,
                                                     monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    result = cli(runner, tmp_path, survey_csv().encode("utf-8"), "surveys.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created" in result.output
    assert ("Note: “surveys.xlsx” is a text (CSV) file although its name ends in .xlsx or "
            ".xls; it was read as a CSV file.") in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 2


@pytest.mark.parametrize(("data", "filename"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "surveys.xlsx"),
    (bytes(range(256)) * 40, "surveys.csv"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.xlsx"),
])
def test_a_file_that_is_neither_says_so(runner, facility, tmp_path, monkeypatch, data,
                                        filename):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    result = cli(runner, tmp_path, data, filename)
    assert result.exit_code == 2
    assert (f"The file “{filename}” is not an Excel workbook (.xlsx) or a CSV file (.csv)."
            in result.output)


def test_a_zip_that_is_no_workbook_says_so(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxml'
                         'formats.org/package/2006/content-types"/>')
        archive.writestr("word/document.xml", "<document/>")
    with app.test_request_context():
        assert refusal(buffer.getvalue(), "letter.xlsx").key == "import.wrong_type"


def test_a_web_page_saved_as_xls_says_so(runner, facility, tmp_path, monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    page = "<html><body><table><tr><td>求职者编号</td></tr></table></body></html>"
    result = cli(runner, tmp_path, page.encode("gb18030"), "导出.xls")
    assert result.exit_code == 2
    assert "is a web page (HTML)" in result.output


def test_formulas_never_calculated_refuse_the_file(runner, facility, tmp_path, monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    result = cli(runner, tmp_path, xlsx(survey_sheet_xml({"*"})), "script.xlsx")
    assert result.exit_code == 2
    assert "The sheet “Sheet1” holds formulas that were never calculated (" in result.output
    assert "(16 cells, e.g. A2, B2, F2)" in result.output
    assert "save it so the formulas are calculated" in result.output


def test_a_few_formulas_never_calculated_are_noted(runner, facility, tmp_path, monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    data = xlsx(survey_sheet_xml({"salary_hoped"}))
    result = cli(runner, tmp_path, data, "script.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created" in result.output
    assert "Note: 2 cells of the sheet “Sheet1” (e.g. " in result.output
    assert "hold formulas that were never calculated and are read as empty." in result.output


def test_formulas_with_their_values_are_read_without_a_note(runner, facility, tmp_path,
                                                            monkeypatch):
    monkeypatch.delenv("QIBU_CLI_LANG", raising=False)
    data = xlsx(survey_sheet_xml({"*"}, cached=True))
    result = cli(runner, tmp_path, data, "excel.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created" in result.output and "Note:" not in result.output


def test_file_level_messages_on_the_page(client, clerk, import_dir):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    for data, filename, message in [
        (b"", "empty.xlsx", "is empty: it holds no data at all"),
        (buffer.getvalue(), "blank.xlsx", "has no filled cell in any sheet"),
        (xlsx(survey_sheet_xml({"*"})), "script.xlsx", "formulas that were never calculated"),
    ]:
        response = upload(client, data, filename)
        assert response.status_code == 422, filename
        assert message in response.get_data(as_text=True), filename
    response = upload(client, survey_csv().encode("gb18030"), "调查.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is a text (CSV) file although its name ends in .xlsx or .xls" in page


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_csv_in_chinese_encodings_is_still_read(app, encoding):
    data = survey_csv().encode(encoding)
    notices: list[dict] = []
    with app.test_request_context():
        assert detect_format(data, "调查.csv") == "csv"
        frame = read_frames(data, "csv", "调查.csv", notices=notices)[""]
    assert frame.iloc[1, 1] == "张三" and notices == []
