"""Load the rows behind the reports (seekers due for release, open openings) and publish them."""

from datetime import date

import pandas as pd
import sqlalchemy as sa

from app.reports.gap import GapReport, gap_report
from app.reports.outcomes import (
    FOLLOW_UP_COLUMNS,
    PLACEMENT_COLUMNS,
    REACHED_COLUMNS,
    ChannelOutcomes,
    publish_outcomes,
)
from app.reports.summary import (
    SEEKER_COLUMNS,
    SeekerSummary,
    latest_surveys,
    release_months,
    summarise_seekers,
)
from models import (
    BookingStatus,
    CourseEnrolment,
    District,
    EnrolmentStatus,
    Facility,
    FairParticipant,
    FollowUp,
    JobCategory,
    Opening,
    OpeningStatus,
    Placement,
    PlacementChannel,
    PracticeBooking,
    Referral,
    Seeker,
    SeekerStatus,
    StartupCase,
    Survey,
    SurveyIntention,
    db,
)
from models.placements import FOLLOW_UP_MONTHS

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


# --------------------------------------------------------------------------- outcomes

# what each channel's own activity is, as the people it reached (a channel without one,
# such as a self-found job, has no row here); channels are read from PlacementChannel
REACHED_BY = {
    "fair": sa.select(FairParticipant.seeker_id),
    "referral": sa.select(Referral.seeker_id),
    "practice": sa.select(PracticeBooking.seeker_id)
    .where(PracticeBooking.status == BookingStatus.ATTENDED),
    "training": sa.select(CourseEnrolment.seeker_id)
    .where(CourseEnrolment.status == EnrolmentStatus.COMPLETED),
    "startup": sa.select(StartupCase.seeker_id),
}


def outcome_channels() -> list[str]:
    """Every placement channel, in the model's order."""
    return [channel.value for channel in PlacementChannel]


def outcome_frames(date_from: date, date_to: date) -> tuple[pd.DataFrame, ...]:
    """The placements, recorded follow-ups and people reached of the people due for
    release in the window (every facility), as :mod:`app.reports.outcomes` reads them.

    A job found on one's own or an own business has no opening or fair: only the
    placement's channel is read.
    """
    cohort = Seeker.expected_release_date.between(date_from, date_to)
    released = Seeker.status.in_([SeekerStatus.RELEASED, SeekerStatus.PLACED])
    placements = pd.DataFrame(db.session.execute(
        sa.select(Placement.id, Placement.seeker_id, Seeker.facility_id, Placement.channel,
                  Placement.start_date, Seeker.expected_release_date, released)
        .join(Seeker, Seeker.id == Placement.seeker_id).where(cohort)
    ).all(), columns=list(PLACEMENT_COLUMNS))
    placements["channel"] = [c.value for c in placements["channel"]]
    placements["released"] = placements["released"].astype(bool)
    follow_ups = pd.DataFrame(db.session.execute(
        sa.select(FollowUp.placement_id, FollowUp.month, FollowUp.still_employed)
        .join(Placement, Placement.id == FollowUp.placement_id)
        .join(Seeker, Seeker.id == Placement.seeker_id)
        .where(cohort, FollowUp.done_on.is_not(None))
    ).all(), columns=list(FOLLOW_UP_COLUMNS))
    follow_ups["still_employed"] = follow_ups["still_employed"].fillna(False).astype(bool)
    rows = []
    for channel in outcome_channels():
        query = REACHED_BY.get(channel)
        if query is None:
            continue
        people = query.subquery()
        rows += [(seeker_id, facility_id, channel) for seeker_id, facility_id in
                 db.session.execute(sa.select(Seeker.id, Seeker.facility_id)
                                    .where(cohort, Seeker.id.in_(sa.select(people.c[0]))))]
    reached = pd.DataFrame(rows, columns=list(REACHED_COLUMNS))
    return placements, follow_ups, reached


def outcomes(window) -> ChannelOutcomes:
    """The published outcomes by channel of a window (raises FacilityTooSmall for a
    facility whose placements cannot be shown)."""
    placements, follow_ups, reached = outcome_frames(window.date_from, window.date_to)
    return publish_outcomes(
        placements, follow_ups, reached, channels=outcome_channels(),
        months=FOLLOW_UP_MONTHS,
        facility_id=window.facility.id if window.facility is not None else None,
        facilities=[f.id for f in facilities()],
    )
