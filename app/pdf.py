"""PDF documents with Chinese text: Qibu's own CJK font is embedded (and subset) in each.

A PDF's built-in CID fonts (STSong-Light) are not embedded and show as empty boxes on a
machine without a Chinese font, so every PDF uses QibuSans-CJK.ttf from app/static/fonts.
"""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
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


def build_pdf(story: list, title: str) -> bytes:
    """Render flowables to an A4 PDF and return its bytes."""
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="Qibu",
                                 initialFontName=_register_font(), initialFontSize=12,
                                 leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm)
    document.build(story)
    return buffer.getvalue()


__all__ = ["KeepTogether", "PageBreak", "Spacer", "build_pdf", "mm", "p", "styles", "table"]
