"""Load the rows behind the reports (seekers due for release, open openings) and publish them."""

from datetime import date

import pandas as pd
import sqlalchemy as sa

from app.reports.gap import GapReport, gap_report
from app.reports.summary import (
    SEEKER_COLUMNS,
    SeekerSummary,
    latest_surveys,
    release_months,
    summarise_seekers,
)
from models import (
    District,
    Facility,
    JobCategory,
    Opening,
    OpeningStatus,
    Seeker,
    SeekerStatus,
    Survey,
    SurveyIntention,
    db,
)

OPENING_COLUMNS = ("category_code", "district", "headcount", "filled", "pay_min", "pay_max")


def due_seekers(date_from: date, date_to: date) -> pd.DataFrame:
    """One row per surveyed seeker due for release in the window, from their latest survey.

    Seekers already placed in a job are left out: they are no longer looking. Every
    facility is loaded; a facility's summary is published against the whole city's.
    """
    due = sa.and_(
        Seeker.expected_release_date.between(date_from, date_to),
        Seeker.status != SeekerStatus.PLACED,
    )
    surveys = pd.DataFrame(
        db.session.execute(
            sa.select(
                Survey.id, Survey.seeker_id, Survey.surveyed_on, Seeker.facility_id,
                Seeker.expected_release_date, Survey.salary_min, Survey.salary_hoped,
                Survey.home_district, Survey.districts,
            ).join(Seeker, Seeker.id == Survey.seeker_id).where(due)
        ).all(),
        columns=["survey_id", "seeker_id", "surveyed_on", "facility_id", "release_date",
                 "salary_min", "salary_hoped", "home_district", "districts"],
    )
    latest = latest_surveys(surveys)
    ranked = db.session.execute(
        sa.select(SurveyIntention.survey_id, SurveyIntention.category_code)
        .join(Survey, Survey.id == SurveyIntention.survey_id)
        .join(Seeker, Seeker.id == Survey.seeker_id)
        .where(due)
        .order_by(SurveyIntention.survey_id, SurveyIntention.rank)
    ).all()
    categories: dict[int, list[str]] = {}
    for survey_id, code in ranked:
        categories.setdefault(survey_id, []).append(code)
    latest["categories"] = [categories.get(i, []) for i in latest["survey_id"]]
    latest["districts"] = [list(d or []) for d in latest["districts"]]
    for column in ("salary_min", "salary_hoped"):
        latest[column] = pd.to_numeric(latest[column], errors="coerce").astype("Float64")
    latest["home_district"] = latest["home_district"].astype(object)
    return latest[list(SEEKER_COLUMNS)]


def open_openings() -> pd.DataFrame:
    """Every open opening's category, district, headcount, filled places and pay range."""
    rows = db.session.execute(
        sa.select(*(getattr(Opening, c) for c in OPENING_COLUMNS))
        .where(Opening.status == OpeningStatus.OPEN)
    ).all()
    frame = pd.DataFrame(rows, columns=list(OPENING_COLUMNS))
    for column in ("headcount", "filled", "pay_min", "pay_max"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    for column in ("category_code", "district"):
        frame[column] = frame[column].astype(object)
    return frame


def category_codes() -> list[str]:
    """Category codes in the taxonomy's display order."""
    return list(db.session.scalars(
        sa.select(JobCategory.code).order_by(JobCategory.position, JobCategory.code)))


def district_codes() -> list[str]:
    """District adcodes in order."""
    return list(db.session.scalars(sa.select(District.adcode).order_by(District.adcode)))


def facilities() -> list[Facility]:
    return list(db.session.scalars(sa.select(Facility).order_by(Facility.code)))


def seeker_summary(window) -> SeekerSummary:
    """The published demand summary of a window (raises FacilityTooSmall for a small facility)."""
    return summarise_seekers(
        due_seekers(window.date_from, window.date_to),
        categories=category_codes(), districts=district_codes(),
        months=release_months(window.date_from, window.date_to),
        facility_id=window.facility.id if window.facility is not None else None,
    )


def gap(window) -> GapReport:
    """The published gap report of a window, over all facilities."""
    seekers = due_seekers(window.date_from, window.date_to)
    categories, districts = category_codes(), district_codes()
    summary = summarise_seekers(
        seekers, categories=categories, districts=districts,
        months=release_months(window.date_from, window.date_to),
    )
    return gap_report(seekers, open_openings(), summary, categories=categories,
                      districts=districts)
