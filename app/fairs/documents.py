"""The fair's printed documents as PDFs: booth list, participant sheets, employer shortlists.

Participant sheets are always in Chinese and in large type; they go to people who may
read slowly. They are made for double-sided printing, and the rule is that no sheet of
paper ever holds two people:

- each person's sheet starts on a new page and takes an even number of pages (one
  side of recommendations gets a back that says it is left blank), so printed
  double-sided every person starts on the front of their own sheet of paper;
- every page carries the person's given name, badge code and "page i of n" of their
  own sheet, so a page that goes astray still says whose it is.

Employer shortlists carry pseudonymous codes and job-relevant facts only; every page
names the fair and its date and says that names must never be added. Every PDF here
numbers its pages, and a fair with nothing to print yet gives one page that says so.
"""

from io import BytesIO

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from app.fairs.operations import format_badge_code
from app.i18n import locale_code
from app.labels import category_name, certificate_names, experience_label
from app.opening_labels import opening_facts, opening_label
from app.pdf import (
    FONT_NAME,
    KeepTogether,
    PageBreak,
    Spacer,
    build_pdf,
    draw_page_label,
    mm,
    p,
    page_label,
    styles,
    table,
)
from app.reasons import split_reasons

MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#1f6f5c")


def booth_list_pdf(fair) -> bytes:
    s = styles(12)
    rows = [[_("Booth"), _("Employer"), _("Openings")]]
    for booth in fair.booths_for_seekers:
        openings = [
            f"{opening_label(fo.opening)}（{_('Headcount')} {_headcount(fo.opening)}）"
            for fo in booth.openings_for_seekers]
        rows.append([booth.booth or "—", booth.employer.name, openings])
    story = [p(f"{fair.name('zh_CN')} · {_('Booth list')}", s["title"]),
             p(f"{fair.held_on} · {fair.facility.name('zh_CN')} {fair.venue}", s["body"]),
             Spacer(1, 4 * mm), table(rows, [18 * mm, 45 * mm, 117 * mm], s["body"])]
    return build_pdf(story, title=_("Booth list"))


def _headcount(opening) -> str:
    return str(opening.headcount) if opening.headcount is not None else _("several")


def sheets_pdf(fair, plans, booths, given_name) -> bytes:
    """Each participant's planned openings with booth, pay and reasons, one person per
    sheet of paper when printed double-sided (see the module docstring)."""
    with force_locale("zh_CN"):
        title = _("Recommendation sheets")
        fair_line = f"{fair.name('zh_CN')} · {fair.held_on}"
        if not plans:
            s = styles(15)
            return build_pdf([p(fair_line, s["small"]), p(title, s["title"]),
                              p(_("Nothing to print yet: this fair has no participants. Add "
                                  "the participants and make the pre-fair plan, then print "
                                  "the sheets again."), s["heading"])], title=title)
        people = [(given_name(participant.seeker.name),
                   format_badge_code(participant.badge_code)) for participant, _recs in plans]

        # Flowables are spent by a build, so each pass makes its own.
        def stories():
            return [_sheet_story(recs, booths) for _participant, recs in plans]

        # First pass: how many pages each person's recommendations take.
        counts = _SheetsDocument.lay_out(stories(), people, fair_line, title, totals=None)
        totals = [count + count % 2 for count in counts]
        blank_back = _("This side is left blank on purpose: the next person's sheet starts "
                       "on a new sheet of paper.")
        padded = [story + [PageBreak(), p(blank_back, styles(15)["small"])] if count % 2
                  else story for story, count in zip(stories(), counts, strict=True)]
        buffer = BytesIO()
        final = _SheetsDocument.lay_out(padded, people, fair_line, title, totals, buffer)
        if final != totals:  # each person starts on a fresh page, so the layout cannot move
            raise RuntimeError(f"sheet pages changed between passes: {counts} → {final}")
        return buffer.getvalue()


def _sheet_story(recs, booths) -> list:
    s = styles(15)
    story = [p(_("These openings fit what you told us. Visit the booths, ask questions, "
                 "and say which you like."), s["body"])]
    if not recs:
        story.append(p(_("Look at all the booths: the organizers will help you find "
                         "openings."), s["body"]))
    for number, rec in enumerate(recs, start=1):
        opening = rec.opening
        facts = opening_facts(opening)
        positive, caveats = split_reasons(rec.reasons)
        block = [
            p(f"{number}. {facts.title}", s["heading"]),
            p(facts.details, s["body"]),
            p(f"{_('Booth')} {booths.get(rec.opening_id) or '—'} · "
              f"{opening.employer.name} · "
              f"{_('housing provided') if opening.accommodation else _('no housing')}",
              s["body"]),
        ]
        block += [p(f"√ {text}", s["pro"]) for text in positive]
        block += [p(f"! {text}", s["con"]) for text in caveats]
        story.append(KeepTogether(block))
    return story


class _PersonStarts(Flowable):
    """Takes no room; tells the document that the next pages belong to person `index`."""

    def __init__(self, index: int):
        super().__init__()
        self.index = index

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        pass


class _SheetsDocument(BaseDocTemplate):
    """A4 pages whose running head names the person the page belongs to."""

    MARGIN, HEAD = 15 * mm, 27 * mm

    def __init__(self, buffer, people, fair_line: str, title: str, totals):
        super().__init__(buffer, pagesize=A4, title=title, author="Qibu",
                         initialFontName=FONT_NAME, initialFontSize=12)
        self.people, self.fair_line, self.totals = people, fair_line, totals
        self.person, self.counts = None, [0] * len(people)
        width, height = A4
        frame = Frame(self.MARGIN, self.MARGIN, width - 2 * self.MARGIN,
                      height - 2 * self.MARGIN - self.HEAD, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0, id="sheet")
        self.addPageTemplates([PageTemplate(id="sheet", frames=[frame],
                                            onPageEnd=self._running_head)])

    @classmethod
    def lay_out(cls, stories, people, fair_line, title, totals, buffer=None) -> list[int]:
        """Build the sheets; return how many pages each person's sheet took."""
        document = cls(buffer or BytesIO(), people, fair_line, title, totals)
        story = []
        for index, person_story in enumerate(stories):
            story += ([PageBreak()] if index else []) + [_PersonStarts(index)] + person_story
        document.build(story)
        return document.counts

    def afterFlowable(self, flowable):  # noqa: N802 (reportlab's name)
        if isinstance(flowable, _PersonStarts):
            self.person = flowable.index

    def _running_head(self, canvas, document):
        self.counts[self.person] += 1
        if self.totals is None:
            return
        name, badge = self.people[self.person]
        width, height = A4
        left, right, top = self.MARGIN, width - self.MARGIN, height - self.MARGIN
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT_NAME, 10.5)
        canvas.drawString(left, top - 4 * mm, self.fair_line)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_NAME, 13)
        canvas.drawRightString(right, top - 4 * mm,
                               page_label(self.counts[self.person], self.totals[self.person]))
        canvas.setFont(FONT_NAME, 24)
        canvas.drawString(left, top - 15 * mm, f"{name}  {badge}")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(1.2)
        canvas.line(left, top - 20 * mm, right, top - 20 * mm)
        canvas.restoreState()


def shortlists_pdf(fair, by_opening) -> bytes:
    """Per booth, each opening's planned participants: codes and job-relevant facts only.

    Every page names the fair and its date and carries the codes-only notice, since each
    booth's pages are handed to that employer on their own.
    """
    s = styles(11)
    # an opening's heading and facts stay on the page of its first rows
    opening_head = ParagraphStyle("opening_head", parent=s["heading"], keepWithNext=1)
    opening_facts_style = ParagraphStyle("opening_facts", parent=s["small"], keepWithNext=1)
    title = _("Employer shortlists")
    fair_line = f"{fair.name(locale_code())} · {fair.held_on} · {title}"
    notice = _("Pseudonymous codes and job-relevant facts only, and only people who agreed "
               "to share their profile. Never add names.")

    def running_head(canvas, page, pages):
        width, height = A4
        canvas.saveState()
        canvas.setFont(FONT_NAME, 10)
        canvas.setFillColor(MUTED)
        canvas.drawString(15 * mm, height - 11 * mm, fair_line)
        canvas.setFillColor(colors.HexColor("#9a3412"))
        canvas.drawString(15 * mm, height - 16 * mm, notice)
        canvas.restoreState()
        draw_page_label(canvas, page, pages)

    story = []
    for index, booth in enumerate(fair.booths_for_seekers):
        if index:
            story.append(PageBreak())
        story.append(p(f"{_('Booth')} {booth.booth or '—'} · {booth.employer.name}", s["title"]))
        for fo in booth.openings_for_seekers:
            people = by_opening.get(fo.opening_id, [])
            facts = opening_facts(fo.opening)
            story += [p(f"{facts.title}（{len(people)}）", opening_head),
                      p(facts.details, opening_facts_style)]
            if not people:
                story.append(p(_("Nobody planned for this opening yet."), s["small"]))
                continue
            rows = [[_("Code"), _("Desired jobs"), _("Lowest acceptable pay"),
                     _("Certificates"), _("Experience")]]
            for seeker in people:
                survey = seeker.latest_survey
                rows.append([
                    seeker.code,
                    "、".join(category_name(c) for c in survey.categories),
                    f"{survey.salary_min:,}" if survey.salary_min else "—",
                    certificate_names(survey.certificates),
                    experience_label(survey.experience_years),
                ])
            story.append(table(rows, [30 * mm, 55 * mm, 30 * mm, 40 * mm, 25 * mm], s["body"]))
    return build_pdf(story, title=title, decorate=running_head, top_margin=22 * mm,
                     empty=_("Nothing to print yet: no employer offers an opening at this "
                             "fair. Invite the employers and make the pre-fair plan, then "
                             "print the shortlists again."))
