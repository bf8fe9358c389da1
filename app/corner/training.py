"""Skills courses per facility, the course that awards a missing certificate, and the
course gap: which certificates would open the most openings for the facility's people,
and what each course would add."""

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from app.clock import local_today
from app.corner.bulletin import open_openings
from app.services.certificate_gap import CertificateGap, certificate_gaps, prepared_gap_openings
from app.services.seeker_rows import load_seekers_frame
from models import Certificate, Course, Seeker, SeekerStatus, Survey, db


def facility_courses(facility_id: int | None = None) -> list[Course]:
    """A facility's courses (every facility's when None), soonest first, undated last."""
    query = sa.select(Course).options(selectinload(Course.facility)).order_by(
        Course.facility_id, Course.starts_on.is_(None), Course.starts_on, Course.name)
    if facility_id is not None:
        query = query.where(Course.facility_id == facility_id)
    return list(db.session.scalars(query))


def courses_by_certificate(facility_id: int, today: date | None = None,
                           include_past: bool = False) -> dict[str, list[Course]]:
    """The facility's courses that award a certificate, by certificate code.

    Courses already over are left out unless `include_past`.
    """
    today = today or local_today()
    courses: dict[str, list[Course]] = {}
    for course in facility_courses(facility_id):
        if course.certificate_code and (include_past or not course.is_over(today)):
            courses.setdefault(course.certificate_code, []).append(course)
    return courses


def gap_seekers(facility_id: int) -> list[Seeker]:
    """The facility's seekers the course gap counts: surveyed and not yet placed."""
    return list(db.session.scalars(
        sa.select(Seeker)
        .where(Seeker.facility_id == facility_id, Seeker.status != SeekerStatus.PLACED,
               Seeker.surveys.any())
        # the gap reads no name nor free text: those encrypted columns stay unread
        .options(defer(Seeker.name),
                 selectinload(Seeker.surveys).options(
                     defer(Survey.skills_text), defer(Survey.health_limits),
                     defer(Survey.answers),
                     selectinload(Survey.intentions)))
    ))


def gap_seekers_frame(facility_id: int) -> pd.DataFrame:
    """The seekers frame of :func:`gap_seekers`, by seeker id, read with column SELECTs
    (no ORM objects: a facility may hold thousands of people; no name nor free text)."""
    return load_seekers_frame(
        Seeker.facility_id == facility_id, Seeker.status != SeekerStatus.PLACED,
        Seeker.surveys.any())


@dataclass
class GapRow:
    """One certificate of the course gap, with the facility's courses that award it."""

    gap: CertificateGap
    certificate: Certificate
    courses: list[Course] = field(default_factory=list)


def course_gap(facility_id: int, today: date | None = None) -> tuple[list[GapRow], int, int]:
    """The course gap of a facility: (rows, seekers counted, open openings counted).

    For each certificate, the (seeker, opening) pairs it would open (see
    :class:`app.services.certificate_gap.CertificateGap` for the exact definition), over
    the facility's surveyed seekers not yet placed and every open opening with a place
    left. Rows are the certificates that would open at least one pair or that a course of
    the facility awards, most pairs first.
    """
    seekers = gap_seekers_frame(facility_id)
    openings, counted = prepared_gap_openings(open_openings)
    gaps = certificate_gaps(seekers, openings)
    certificates = {c.code: c for c in db.session.scalars(sa.select(Certificate))}
    courses = courses_by_certificate(facility_id, today, include_past=True)
    rows = [GapRow(gap=gap, certificate=certificates[code], courses=courses.get(code, []))
            for code, gap in gaps.items()
            if code in certificates and (gap.pairs or code in courses)]
    rows.sort(key=lambda row: (-row.gap.pairs, -row.gap.seekers, row.gap.certificate))
    return rows, len(seekers), counted


@dataclass
class CourseReach:
    """What one course of the facility would add: its certificate's gap (the people for
    whom it would add at least one opening, and the openings it would add)."""

    course: Course
    certificate: Certificate
    gap: CertificateGap


def course_reach(rows: list[GapRow]) -> list[CourseReach]:
    """Per course of the facility that awards a certificate, from the course gap's rows
    (computed once for every certificate: nothing is asked of the matcher again), the
    courses adding options for the most people first."""
    reach = [CourseReach(course=course, certificate=row.certificate, gap=row.gap)
             for row in rows for course in row.courses]
    reach.sort(key=lambda r: (-r.gap.unlocked_seekers, -r.gap.unlocked_openings,
                              r.course.name))
    return reach
