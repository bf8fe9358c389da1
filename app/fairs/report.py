"""The fair report: employers, openings, participants, intents, placements and retention.

Placements (jobs) and people placed are counted apart, as a person may hold an additional
job; retention at 1, 3, 6 and 12 months (the follow-ups' months) is over people followed up.

Counts of people that leave the bureau pass through app.reports.suppression.suppress_small_counts,
so no count under 5 is shown (by category, the 'of which' counts are suppressed too).
"""

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _

from app.fairs.stats import REACHED_INTENT, count_of, fair_counts
from app.i18n import locale_code
from app.labels import category_name
from app.reports.suppression import suppress_small_counts
from app.spreadsheets import tables_to_xlsx
from models import (
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FollowUp,
    Interest,
    JobCategory,
    Opening,
    Placement,
    db,
)
from models.placements import FOLLOW_UP_MONTHS

RETENTION_MONTHS = FOLLOW_UP_MONTHS


def fair_figures(fair: Fair) -> dict:
    """The fair's raw figures, counted straight from the database."""
    offered = sa.select(FairOpening.opening_id).where(FairOpening.fair_id == fair.id)
    figures = {
        "employers": count_of(sa.select(sa.func.count(FairEmployer.id))
                             .where(FairEmployer.fair_id == fair.id)),
        "openings": count_of(sa.select(sa.func.count()).select_from(offered.subquery())),
        "headcount": count_of(sa.select(sa.func.sum(Opening.headcount))
                             .where(Opening.id.in_(offered))),
    }
    counts = fair_counts(fair)
    for key in ("participants", "attended", "interests", "intents", "people_with_intent",
                "placements", "people_placed"):
        figures[key] = counts[key]
    # the headline, over the people who came, and over all registered (None: nobody)
    figures["intent_rate_attended"] = counts["intent_rate_attended"]
    figures["intent_rate"] = counts["intent_rate"]
    # retention is over people: a person followed up in two jobs counts once, as still
    # employed when any of those jobs says so
    people = sa.func.count(sa.distinct(Placement.seeker_id))
    for month in RETENTION_MONTHS:
        done = sa.select(people).select_from(FollowUp).join(
            Placement, Placement.id == FollowUp.placement_id).where(
            Placement.fair_id == fair.id, FollowUp.month == month,
            FollowUp.done_on.is_not(None))
        figures[f"followed_{month}"] = count_of(done)
        figures[f"employed_{month}"] = count_of(done.where(FollowUp.still_employed.is_(True)))
    return figures


def category_figures(fair: Fair) -> pd.DataFrame:
    """Openings, places, interests, intents and placements per category of the fair."""
    rows = db.session.execute(
        sa.select(Opening.category_code, Opening.id, Opening.headcount)
        .join(FairOpening, FairOpening.opening_id == Opening.id)
        .where(FairOpening.fair_id == fair.id)
    ).all()
    frame = pd.DataFrame(rows, columns=["category", "opening_id", "headcount"])
    interests = pd.DataFrame(db.session.execute(
        sa.select(Opening.category_code, Interest.stage).select_from(Interest)
        .join(Opening, Opening.id == Interest.opening_id).where(Interest.fair_id == fair.id)
    ).all(), columns=["category", "stage"])
    placed = pd.DataFrame(db.session.execute(
        sa.select(Opening.category_code).select_from(Placement)
        .join(Opening, Opening.id == Placement.opening_id)
        .where(Placement.fair_id == fair.id)
    ).all(), columns=["category"])
    order = list(db.session.scalars(sa.select(JobCategory.code).order_by(JobCategory.position)))
    table = pd.DataFrame(index=pd.Index(order, name="category"))
    table["openings"] = frame.groupby("category")["opening_id"].count()
    table["headcount"] = frame.groupby("category")["headcount"].sum()
    table["interests"] = interests.groupby("category").size()
    table["intents"] = interests[interests["stage"].isin(REACHED_INTENT)].groupby(
        "category").size()
    table["placements"] = placed.groupby("category").size()
    table = table.fillna(0).astype(int)
    return table[(table["openings"] > 0) | (table["interests"] > 0)]


# counts suppressed one by one; each month's followed/employed split is published apart
BASE_COUNTS = ("participants", "attended", "people_with_intent", "intents", "interests",
               "placements", "people_placed")
PEOPLE_COUNTS = (*BASE_COUNTS,
                 *(f"{kind}_{m}" for m in RETENTION_MONTHS for kind in ("followed", "employed")))


def published_report(fair: Fair) -> dict:
    """The figures as they may be shown: counts of people under 5 suppressed."""
    figures = fair_figures(fair)
    shown = dict(figures)
    people = pd.Series({k: figures[k] for k in BASE_COUNTS})
    published = suppress_small_counts(people).cells
    for key in BASE_COUNTS:
        shown[key] = published[key]
    # a rate is shown only where both of its counts are
    for rate, whole in (("intent_rate", "participants"), ("intent_rate_attended", "attended")):
        if not isinstance(shown[whole], int) or not isinstance(shown["people_with_intent"], int):
            shown[rate] = None
    for month in RETENTION_MONTHS:
        # the people followed up split into still employed and no longer employed: the
        # split is published as one additive table, so that "followed" minus "employed"
        # never shows how few left (5 of 7 followed would say 2 left)
        followed, employed = figures[f"followed_{month}"], figures[f"employed_{month}"]
        split = suppress_small_counts(
            pd.Series({"employed": employed, "left": followed - employed}), additive=True)
        shown[f"followed_{month}"] = split.total
        shown[f"employed_{month}"] = split.cells["employed"]
        followed, employed = shown[f"followed_{month}"], shown[f"employed_{month}"]
        shown[f"retention_{month}"] = (employed / followed if isinstance(followed, int)
                                       and isinstance(employed, int) and followed else None)
    table = category_figures(fair)
    by_category = table.copy().astype(object)
    for column in ("interests", "intents"):  # a person may count in several categories
        by_category[column] = suppress_small_counts(table[column]).cells
    # each placement is in one category: the column adds up to the placements shown above,
    # so it is audited with that total (secondary suppression) and the total shown is its
    placements = suppress_small_counts(table["placements"], additive=True)
    by_category["placements"] = placements.cells
    if placements.total is not None and table["placements"].sum() == figures["placements"]:
        shown["placements"] = placements.total
    codes = list(by_category.index)
    by_category.index = [category_name(code) for code in codes]
    return {"fair": fair, "figures": shown, "by_category": by_category, "category_codes": codes}


def latest_fair_with_data(among=sa.true()) -> Fair | None:
    """The most recent fair (by date) with participants or recorded interests, if any,
    among the fairs `among` (a clause on Fair) lets through."""
    has_data = sa.or_(
        sa.exists().where(FairParticipant.fair_id == Fair.id),
        sa.exists().where(Interest.fair_id == Fair.id),
    )
    return db.session.scalar(
        sa.select(Fair).where(has_data, among)
        .order_by(Fair.held_on.desc(), Fair.id.desc()).limit(1))


def figure_labels() -> dict[str, str]:
    """Each figure of the report as the page names it, in the current language, in the
    order the workbook lists them."""
    labels = {
        "employers": _("Employers"),
        "openings": _("Openings"),
        "headcount": _("Places (headcount)"),
        "participants": _("Registered participants"),
        "attended": _("Attended (checked in, signed in at a kiosk or recorded at a booth)"),
        "interests": _("Interests"),
        "intents": _("Preliminary intents"),
        "people_with_intent": _("Participants with an intent"),
        "intent_rate_attended": _("Intent rate over attendees"),
        "intent_rate": _("Intent rate over registered participants"),
        "people_placed": _("People placed"),
        "placements": _("Placements (jobs, additional jobs included)"),
    }
    for month in RETENTION_MONTHS:
        labels[f"followed_{month}"] = _("People followed up after %(n)s months", n=month)
        labels[f"employed_{month}"] = _("People still employed after %(n)s months", n=month)
        labels[f"retention_{month}"] = _(
            "Share still employed after %(n)s months (of the people followed up)", n=month)
    return labels


def category_labels() -> dict[str, str]:
    """The by-category table's columns as the page names them, in the current language."""
    return {"openings": _("Openings"), "headcount": _("Places (headcount)"),
            "interests": _("Interests"), "intents": _("Preliminary intents"),
            "placements": _("Placements")}


def report_workbook(reports: list[dict]) -> bytes:
    """The report (one or more fairs side by side) as an XLSX workbook, its headers and
    row names in the current language (a figure without a label keeps its key)."""
    labels = figure_labels()
    locale = locale_code()
    columns = {}
    for r in reports:
        fair = r["fair"]
        title = f"{fair.name(locale)} ({fair.held_on.isoformat()})"
        columns[title if title not in columns else f"{title} {fair.code}"] = r["figures"]
    summary = pd.DataFrame(columns).drop(index=["fair"], errors="ignore")
    known = [key for key in labels if key in summary.index]
    summary = summary.loc[known + [key for key in summary.index if key not in labels]]
    summary.index = [labels.get(key, key) for key in summary.index]
    summary.index.name = _("Figure")
    sheets = {_("Summary"): summary}
    for r in reports:
        table = r["by_category"].rename(columns=category_labels())
        table.index.name = _("Category")
        sheets[r["fair"].code] = table
    return tables_to_xlsx(sheets, index=True)
