"""The fair's printed documents as PDFs: booth list, participant sheets, employer shortlists.

Participant sheets are always in Chinese and in large type; they go to people who may
read slowly. Employer shortlists carry pseudonymous codes and job-relevant facts only.
"""

from flask_babel import force_locale
from flask_babel import gettext as _

from app.fairs.operations import format_badge_code
from app.labels import category_name, certificate_names
from app.opening_labels import opening_facts, opening_label
from app.pdf import KeepTogether, PageBreak, Spacer, build_pdf, mm, p, styles, table
from app.reasons import split_reasons


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
    """One page per participant: their planned openings with booth, pay and reasons."""
    with force_locale("zh_CN"):
        s = styles(15)
        story = []
        for index, (participant, recs) in enumerate(plans):
            if index:
                story.append(PageBreak())
            story += [
                p(f"{fair.name('zh_CN')} · {fair.held_on}", s["small"]),
                p(f"{given_name(participant.seeker.name)}  "
                  f"{format_badge_code(participant.badge_code)}", s["title"]),
                p(_("These openings fit what you told us. Visit the booths, ask questions, "
                    "and say which you like."), s["body"]),
            ]
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
        return build_pdf(story, title=_("Recommendation sheets"))


def shortlists_pdf(fair, by_opening) -> bytes:
    """Per booth, each opening's planned participants: codes and job-relevant facts only."""
    s = styles(11)
    story = []
    for index, booth in enumerate(fair.booths_for_seekers):
        if index:
            story.append(PageBreak())
        story.append(p(f"{_('Booth')} {booth.booth or '—'} · {booth.employer.name}", s["title"]))
        for fo in booth.openings_for_seekers:
            people = by_opening.get(fo.opening_id, [])
            facts = opening_facts(fo.opening)
            story += [p(f"{facts.title}（{len(people)}）", s["heading"]),
                      p(facts.details, s["small"])]
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
                    _("%(n)s years", n=round(survey.experience_years, 1)),
                ])
            story.append(table(rows, [30 * mm, 55 * mm, 30 * mm, 40 * mm, 25 * mm], s["body"]))
    return build_pdf(story, title=_("Employer shortlists"))
