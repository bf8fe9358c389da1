"""PDF documents with Chinese text: Qibu's own CJK font is embedded (and subset) in each.

A PDF's built-in CID fonts (STSong-Light) are not embedded and show as empty boxes on a
machine without a Chinese font, so every PDF uses QibuSans-CJK.ttf from app/static/fonts.
Every PDF Qibu makes numbers its pages "page i of n" (numbered_canvas), and none is ever
empty: a document with nothing in it yet says so on its one page.
"""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_NAME = "QibuSansCJK"
FONT_PATH = Path(__file__).resolve().parent / "static" / "fonts" / "QibuSans-CJK.ttf"


def _register_font() -> str:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME


def styles(base_size: float = 14) -> dict[str, ParagraphStyle]:
    """Large-type paragraph styles (the sheets are read by people who read slowly)."""
    font = _register_font()
    body = ParagraphStyle("body", fontName=font, bulletFontName=font, fontSize=base_size,
                          leading=base_size * 1.45, alignment=TA_LEFT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=base_size * 1.6,
                                leading=base_size * 2.1, spaceAfter=4 * mm),
        "heading": ParagraphStyle("heading", parent=body, fontSize=base_size * 1.2,
                                  leading=base_size * 1.7, spaceBefore=3 * mm),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=base_size * 0.8,
                                leading=base_size * 1.15, textColor=colors.HexColor("#555555")),
        "pro": ParagraphStyle("pro", parent=body, leftIndent=6 * mm, bulletIndent=1 * mm),
        "con": ParagraphStyle("con", parent=body, leftIndent=6 * mm, bulletIndent=1 * mm,
                              textColor=colors.HexColor("#9a3412")),
    }


def p(text, style) -> Paragraph:
    """A paragraph of plain text (escaped: reportlab reads a small markup language)."""
    return Paragraph(escape(str(text)), style)


def table(rows, widths, style: ParagraphStyle, header: bool = True) -> Table:
    cells = [[[p(line, style) for line in cell] if isinstance(cell, list) else p(cell, style)
              for cell in row] for row in rows]
    result = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    result.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f1") if header else None),
    ]))
    return result


def page_label(page: int, pages: int) -> str:
    """"Page i of n" in the current language."""
    return _("Page %(page)s of %(pages)s", page=page, pages=pages)


def draw_page_label(canvas, page: int, pages: int) -> None:
    """The page label centred at the foot of the page."""
    width, _height = canvas._pagesize
    canvas.saveState()
    canvas.setFont(_register_font(), 10)
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.drawCentredString(width / 2, 8 * mm, page_label(page, pages))
    canvas.restoreState()


def numbered_canvas(decorate=draw_page_label):
    """A canvas class that holds its pages back until the last one is laid out, then calls
    `decorate(canvas, page, pages)` on each, so that every page can say "page i of n"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._held_pages)
            for number, state in enumerate(self._held_pages, start=1):
                self.__dict__.update(state)
                decorate(self, number, pages)
                super().showPage()
            super().save()

    return NumberedCanvas


def build_pdf(story: list, title: str, decorate=draw_page_label, empty: str | None = None,
              top_margin: float = 15 * mm, bottom_margin: float = 15 * mm) -> bytes:
    """Render flowables to an A4 PDF with numbered pages and return its bytes.

    decorate
        draws the running head and foot of each page, given the page and page count.
    empty
        what the one page says when `story` is empty (a PDF of no page is invalid).
    """
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Qibu",
                                 initialFontName=_register_font(), initialFontSize=12,
                                 leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=top_margin, bottomMargin=bottom_margin)
    if not story:
        story = [Paragraph(escape(empty or _("Nothing to print yet.")), styles()["heading"])]
    document.build(story, canvasmaker=numbered_canvas(decorate))
    return buffer.getvalue()


__all__ = ["KeepTogether", "PageBreak", "Spacer", "build_pdf", "draw_page_label", "mm",
           "numbered_canvas", "p", "page_label", "styles", "table"]
