"""The corner's printed documents: the weekly bulletin (A4, two columns, large type) and the
handbook booklet (A5). Both are in Chinese, for the people in the facility, and use
Qibu's embedded CJK font (app/pdf.py)."""

import xml.etree.ElementTree as ET
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from app.corner.bulletin import Issue
from app.corner.handbook import HandbookPage, markdown_tree
from app.labels import category_name, certificate_name
from app.pdf import FONT_NAME, draw_page_label, mm, numbered_canvas, p, page_label, styles, table

ACCENT = colors.HexColor("#1f6f5c")
# The embedded CJK font has no bold face: strong text is set in the accent colour.
STRONG = '<font color="#16513f">{}</font>'


def week_dates(issue_monday: date) -> str:
    sunday = date.fromordinal(issue_monday.toordinal() + 6)
    return _("%(start)s to %(end)s", start=issue_monday.isoformat(), end=sunday.isoformat())


# --------------------------------------------------------------------------- bulletin


def bulletin_pdf(issue: Issue) -> bytes:
    """The issue on A4 in two columns of large type, a running head on every page."""
    with force_locale("zh_CN"):
        s = styles(13)
        item_title = ParagraphStyle("item_title", parent=s["body"], fontSize=14.5, leading=19,
                                    textColor=ACCENT, spaceBefore=2.5 * mm)
        section = ParagraphStyle("section", parent=s["heading"], fontSize=18, leading=24,
                                 spaceBefore=5 * mm, spaceAfter=1 * mm,
                                 backColor=colors.HexColor("#eef3f1"), borderPadding=2)
        bulletin = issue.bulletin
        facility = bulletin.facility.name("zh_CN")
        head = f"{_('Weekly job bulletin')} · {facility}"
        sub = (f"{_('Issue %(number)s', number=bulletin.number)} · {bulletin.week} · "
               f"{week_dates(bulletin.monday)}")
        story = [p(_("Every opening here was open when this issue was made. To apply, tell the "
                     "staff of the job information corner the opening number, or go to the "
                     "job fair named with the opening. Nobody may charge you money for a "
                     "job."), s["body"])]
        for fair in issue.fairs:
            story.append(p(_("Job fair: %(name)s, %(date)s, %(venue)s", name=fair.name("zh_CN"),
                             date=fair.held_on.isoformat(), venue=fair.venue or "—"),
                           s["heading"]))
        if not issue.sections:
            story.append(p(_("No open opening this week. Ask the staff of the job "
                             "information corner about next week's issue."), s["heading"]))
        for code, items in issue.sections:
            story.append(p(f"■ {category_name(code)}", section))
            for item in items:
                facts = item.facts
                new = f"【{_('New')}】" if item.new else ""
                block = [
                    p(f"{new}{facts.title}", item_title),
                    p(facts.details, s["body"]),
                    p(item.opening.employer.name, s["body"]),
                    p(f"{item.housing} · {item.places}", s["body"]),
                    p(item.how_to_apply, s["small"]),
                ]
                if item.contact:
                    block.append(p(item.contact, s["small"]))
                story.append(KeepTogether(block))
        if issue.not_shown:
            story.append(p(_("%(n)s more openings of this issue are not shown. Ask the staff "
                             "of the job information corner about them.", n=issue.not_shown),
                           s["heading"]))
        return _two_columns(story, title=f"{head} · {sub}", head=head, sub=sub)


def _two_columns(story: list, title: str, head: str, sub: str) -> bytes:
    width, height = A4
    margin, gap, head_height, foot_height = 12 * mm, 7 * mm, 22 * mm, 9 * mm
    column = (width - 2 * margin - gap) / 2
    frame_height = height - 2 * margin - head_height - foot_height
    frames = [
        Frame(margin + index * (column + gap), margin + foot_height, column, frame_height,
              leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=f"column{index}")
        for index in (0, 1)
    ]

    def running_head(canvas, document):
        canvas.saveState()
        top = height - margin
        canvas.setFillColor(ACCENT)
        canvas.setFont(FONT_NAME, 20)
        canvas.drawString(margin, top - 8 * mm, head)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_NAME, 12)
        canvas.drawString(margin, top - 15 * mm, sub)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(margin, top - 18 * mm, width - margin, top - 18 * mm)
        canvas.setLineWidth(0.4)
        canvas.line(margin + column + gap / 2, margin + foot_height,
                    margin + column + gap / 2, top - head_height)
        canvas.restoreState()

    return _build(story, A4, title, [PageTemplate(id="columns", frames=frames,
                                                  onPage=running_head)])


def _build(story: list, pagesize, title: str, templates: list,
           decorate=draw_page_label) -> bytes:
    """Build the document; `decorate(canvas, page, pages)` numbers each page at the end."""
    buffer = BytesIO()
    document = BaseDocTemplate(buffer, pagesize=pagesize, title=title, author="Qibu",
                               initialFontName=FONT_NAME, initialFontSize=12)
    document.addPageTemplates(templates)
    document.build(story, canvasmaker=numbered_canvas(decorate))
    return buffer.getvalue()


# --------------------------------------------------------------------------- handbook


def handbook_pdf(pages: list[HandbookPage], courses: list, facility_name: str | None) -> bytes:
    """The handbook as an A5 booklet: cover with contents, then one chapter per page."""
    with force_locale("zh_CN"):
        s = styles(11)
        s["cover"] = ParagraphStyle("cover", parent=s["title"], fontSize=30, leading=40,
                                    textColor=ACCENT, spaceBefore=25 * mm)
        s["subheading"] = ParagraphStyle("subheading", parent=s["body"], fontSize=12.5,
                                         leading=18, spaceBefore=2 * mm, textColor=ACCENT)
        s["quote"] = ParagraphStyle("quote", parent=s["body"], leftIndent=5 * mm,
                                    borderColor=ACCENT, borderWidth=0, borderPadding=2,
                                    backColor=colors.HexColor("#f0f5f3"))
        title = _("Employment handbook")
        story = [p(title, s["cover"]),
                 p(_("Policies, job-search channels, interview tips, your rights and the "
                     "courses you can take — keep it with you."), s["body"])]
        if facility_name:
            story.append(p(facility_name, s["heading"]))
        story += [Spacer(1, 8 * mm), p(_("Contents"), s["heading"])]
        story += [p(f"{index}. {page.title}", s["body"])
                  for index, page in enumerate(pages, start=1)]
        for index, page in enumerate(pages, start=1):
            story += [PageBreak(), p(f"{index}. {page.title}", s["title"])]
            for part in page.parts:
                if part is None:
                    story += _courses_table(courses, s, show_facility=not facility_name)
                else:
                    story += _blocks(markdown_tree(part), s)
        return _booklet(story, title)


def _booklet(story: list, title: str) -> bytes:
    width, height = A5
    margin = 13 * mm
    frame = Frame(margin, margin + 6 * mm, width - 2 * margin, height - 2 * margin - 6 * mm,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="page")

    def folio(canvas, page, pages):
        canvas.saveState()
        canvas.setFont(FONT_NAME, 9)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(width / 2, margin - 2 * mm,
                                 f"{title} · {page_label(page, pages)}")
        canvas.restoreState()

    return _build(story, A5, title, [PageTemplate(id="page", frames=[frame])], decorate=folio)


def _courses_table(courses: list, s, show_facility: bool = False) -> list:
    if not courses:
        return [p(_("No course is planned at the moment; ask the staff which courses are "
                    "coming."), s["body"])]
    rows = [[_("Course"), _("Dates"), _("Certificate")]]
    for course in courses:
        rows.append([
            [course.name]
            + ([category_name(course.category_code)] if course.category_code else [])
            + ([course.facility.name("zh_CN")] if show_facility else []),
            course_dates(course),
            certificate_name(course.certificate_code) if course.certificate_code else "—",
        ])
    return [Spacer(1, 2 * mm), table(rows, [52 * mm, 36 * mm, 34 * mm], s["small"])]


def course_dates(course) -> list[str]:
    """A course's dates as the lines of a table cell."""
    if course.starts_on and course.ends_on:
        return [course.starts_on.isoformat(), f"— {course.ends_on.isoformat()}"]
    if course.starts_on:
        return [_("from %(date)s", date=course.starts_on.isoformat())]
    return [_("dates to be announced")]


def _inline(element: ET.Element) -> str:
    """Reportlab markup of an element's text and inline children (lists left out)."""
    parts = [escape(element.text or "")]
    for child in element:
        if child.tag in ("ul", "ol"):
            continue
        inner = _inline(child)
        if child.tag in ("strong", "b"):
            inner = STRONG.format(inner)
        elif child.tag == "br":
            inner = "<br/>"
        elif child.tag == "a" and child.get("href", "").startswith(("http", "mailto:")):
            inner = f"{inner}（{escape(child.get('href'))}）"
        elif child.tag == "p":
            inner = f"{inner}<br/>"
        parts += [inner, escape(child.tail or "")]
    return "".join(parts).strip().removesuffix("<br/>")


def _blocks(root: ET.Element, s, indent: float = 0) -> list:
    flowables = []
    for block in root:
        tag = block.tag
        if tag in ("h1", "h2"):
            flowables.append(Paragraph(_inline(block), s["heading"]))
        elif tag in ("h3", "h4", "h5", "h6"):
            flowables.append(Paragraph(_inline(block), s["subheading"]))
        elif tag in ("ul", "ol"):
            flowables += _list(block, s, indent)
        elif tag == "blockquote":
            flowables += [Paragraph(_inline(child), s["quote"]) for child in block]
        elif tag == "hr":
            flowables.append(Spacer(1, 4 * mm))
        else:
            flowables.append(Paragraph(_inline(block), s["body"]))
    return flowables


def _list(element: ET.Element, s, indent: float) -> list:
    style = ParagraphStyle(f"list{indent}", parent=s["body"], leftIndent=indent + 6 * mm,
                           bulletIndent=indent + 1 * mm, spaceBefore=0.6 * mm)
    flowables = []
    for number, item in enumerate(element, start=1):
        bullet = f"{number}." if element.tag == "ol" else "●"
        flowables.append(Paragraph(_inline(item), style, bulletText=bullet))
        for nested in item:
            if nested.tag in ("ul", "ol"):
                flowables += _list(nested, s, indent + 6 * mm)
    return flowables
