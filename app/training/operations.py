"""Run a course: its sessions, enrolment with a limited number of seats, attendance and
completion, which adds the course's certificate to the person's (flush and audit; never
commit)."""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.audit import log_event
from app.clock import local_today
from app.services.rankings import refresh_ranking
from models import (
    Course,
    CourseEnrolment,
    CourseSession,
    EnrolmentStatus,
    Seeker,
    SeekerCertificate,
    SessionAttendance,
    StateError,
    db,
)

# an enrolment that holds a seat and appears in the attendance grid
TAKING_PART = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class CourseFull(StateError):
    """No seat, or fewer seats than people chosen, is left on a course."""


# --------------------------------------------------------------------------- sessions


def add_session(course: Course, held_on: date, topic: str, place: str) -> CourseSession:
    """Add a class to a course; it must fall within the course's dates when they are known."""
    if course.starts_on is not None and held_on < course.starts_on:
        raise StateError(_l("The course starts on %(start)s: a session cannot be held "
                            "before that."), start=course.starts_on.isoformat())
    if course.ends_on is not None and held_on > course.ends_on:
        raise StateError(_l("The course ends on %(end)s: a session cannot be held after "
                            "that. Change the course's dates first if it runs longer."),
                         end=course.ends_on.isoformat())
    session = CourseSession(course=course, held_on=held_on, topic=(topic or "").strip(),
                            place=(place or "").strip())
    db.session.add(session)
    db.session.flush()
    log_event("course_session_added", session, course_id=course.id,
              held_on=held_on.isoformat())
    return session


def remove_session(session: CourseSession) -> None:
    """Remove a session and the attendance recorded at it."""
    log_event("course_session_removed", session, course_id=session.course_id,
              held_on=session.held_on.isoformat(), attendance=len(session.attendance))
    db.session.delete(session)
    db.session.flush()


# --------------------------------------------------------------------------- enrolment


def enrolments_of(course: Course) -> list[CourseEnrolment]:
    """The course's enrolments, people taking part first (by code), withdrawn last."""
    return sorted(course.enrolments,
                  key=lambda e: (e.status is EnrolmentStatus.WITHDRAWN, e.seeker.code))


def people_to_enrol(course: Course) -> list[Seeker]:
    """The course's facility's people who may be enrolled: not taking part already, and
    whose personal data has not been erased."""
    taking_part = sa.select(CourseEnrolment.seeker_id).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.status.in_(TAKING_PART))
    return list(db.session.scalars(
        sa.select(Seeker)
        .where(Seeker.facility_id == course.facility_id, Seeker.anonymised_at.is_(None),
               Seeker.id.not_in(taking_part))
        .order_by(Seeker.code)))


def find_people(course: Course, ids: Iterable[int], codes: Iterable[str]) -> list[Seeker]:
    """The people chosen by id in the list or typed by code, of the course's facility only.

    Refuse a code no person of the facility has, saying which (another facility's person
    is "not found" too: the page says nothing about who exists elsewhere).
    """
    ids, codes = set(ids), {code.strip().upper() for code in codes if code.strip()}
    found = {}
    if ids or codes:
        found = {seeker.id: seeker for seeker in db.session.scalars(
            sa.select(Seeker).where(
                Seeker.facility_id == course.facility_id, Seeker.anonymised_at.is_(None),
                sa.or_(Seeker.id.in_(ids), Seeker.code.in_(codes))))}
    unknown = sorted(codes - {seeker.code for seeker in found.values()})
    if unknown:
        raise StateError(_l("No person of this facility has the code %(codes)s; check the "
                            "code on the person's page."), codes="、".join(unknown))
    if ids - set(found):
        raise StateError(_l("Someone chosen is no longer on the list; open the page again "
                            "and choose again."))
    if not found:
        raise StateError(_l("Choose the people to enrol, or type their codes."))
    return sorted(found.values(), key=lambda seeker: seeker.code)


def take_seats(course: Course, count: int) -> None:
    """Take `count` seats on the course, or refuse when fewer are left.

    One conditional UPDATE on the course's counter: concurrent enrolments wait for each
    other on the course's row and each sees the count the other left, so no more people
    are enrolled than the course has seats, whatever the timing.
    """
    taken = db.session.execute(
        sa.update(Course)
        .where(Course.id == course.id,
               sa.or_(Course.seats.is_(None), Course.enrolled + count <= Course.seats))
        .values(enrolled=Course.enrolled + count)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(course, ["enrolled"])
    if taken != 1:
        left = course.seats_left or 0
        if left == 0:
            raise CourseFull(_l("%(course)s is full: all %(seats)s seats are taken. Nobody "
                                "was enrolled; withdraw someone or add seats to the course "
                                "first."), course=course.name, seats=course.seats)
        raise CourseFull(_l("Only %(left)s of the %(seats)s seats of %(course)s are left and "
                            "%(n)s people were chosen. Nobody was enrolled; choose at most "
                            "%(left)s."), left=left, seats=course.seats, course=course.name,
                         n=count)


def free_seat(course: Course) -> None:
    """Give back one seat of the course (one conditional UPDATE, never below zero)."""
    db.session.execute(
        sa.update(Course).where(Course.id == course.id, Course.enrolled > 0)
        .values(enrolled=Course.enrolled - 1)
        .execution_options(synchronize_session=False))
    db.session.expire(course, ["enrolled"])


def enrol_people(course: Course, people: list[Seeker], by=None,
                 today: date | None = None) -> list[CourseEnrolment]:
    """Enrol people of the course's facility, all or none, each taking a seat.

    A person who withdrew earlier is enrolled again. Refused: a course already over, a
    person of another facility or already taking part, and more people than seats left.
    """
    today = today or local_today()
    if course.is_over(today):
        raise StateError(_l("%(course)s ended on %(end)s; nobody can be enrolled any more."),
                         course=course.name, end=course.ends_on.isoformat())
    existing = {e.seeker_id: e for e in db.session.scalars(
        sa.select(CourseEnrolment).where(CourseEnrolment.course_id == course.id,
                                         CourseEnrolment.seeker_id.in_([p.id for p in people])))}
    for person in people:
        if person.facility_id != course.facility_id:
            raise StateError(_l("%(code)s is not a person of this course's facility."),
                             code=person.code)
        earlier = existing.get(person.id)
        if earlier is not None and earlier.status in TAKING_PART:
            raise StateError(_l("%(code)s is already enrolled on %(course)s."),
                             code=person.code, course=course.name)
    take_seats(course, len(people))
    enrolments = []
    for person in people:
        enrolment = existing.get(person.id)
        if enrolment is None:
            enrolment = CourseEnrolment(course_id=course.id, seeker_id=person.id)
            db.session.add(enrolment)
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_on = today
        enrolment.completed_on = None
        enrolment.enrolled_by_id = getattr(by, "id", None)
        enrolments.append(enrolment)
    db.session.flush()
    for enrolment, person in zip(enrolments, people, strict=True):
        log_event("course_enrolled", enrolment, actor=by, course_id=course.id,
                  seeker=person.code)
    return enrolments


def withdraw_enrolment(enrolment: CourseEnrolment, by=None) -> None:
    """A person leaves the course: their seat is free again."""
    enrolment.withdraw()
    free_seat(enrolment.course)
    db.session.flush()
    log_event("course_withdrawn", enrolment, actor=by, course_id=enrolment.course_id,
              seeker=enrolment.seeker.code)


# --------------------------------------------------------------------------- attendance


def record_attendance(course: Course, present: set[tuple[int, int]], by=None,
                      today: date | None = None) -> int:
    """Record who was at each session held so far; return how many marks changed.

    `present` holds (enrolment id, session id) pairs ticked in the grid; every other pair
    of a person taking part and a session held by today is recorded as absent. Sessions
    still to come are left alone.
    """
    today = today or local_today()
    sessions = [s for s in course.sessions if s.held_on <= today]
    enrolments = [e for e in course.enrolments if e.status in TAKING_PART]
    recorded = {(a.enrolment_id, a.session_id): a for a in db.session.scalars(
        sa.select(SessionAttendance).join(SessionAttendance.session)
        .where(CourseSession.course_id == course.id))}
    changed = 0
    for session in sessions:
        for enrolment in enrolments:
            key = (enrolment.id, session.id)
            mark = recorded.get(key)
            if mark is None:
                db.session.add(SessionAttendance(session_id=session.id,
                                                 enrolment_id=enrolment.id,
                                                 present=key in present))
                changed += 1
            elif mark.present != (key in present):
                mark.present = key in present
                changed += 1
    db.session.flush()
    log_event("course_attendance_recorded", course, actor=by, changed=changed,
              sessions=len(sessions), people=len(enrolments))
    return changed


def attendance_of(course: Course) -> dict[tuple[int, int], bool]:
    """(enrolment id, session id) → whether the person was there, where recorded."""
    return {(a.enrolment_id, a.session_id): a.present for a in db.session.scalars(
        sa.select(SessionAttendance).join(SessionAttendance.session)
        .where(CourseSession.course_id == course.id))}


# --------------------------------------------------------------------------- completion


def _holds_earned(seeker: Seeker, code: str) -> SeekerCertificate | None:
    return next((c for c in seeker.earned_certificates if c.certificate_code == code), None)


def _award(seeker: Seeker, code: str, on: date, course_id: int) -> SeekerCertificate | None:
    """Add an earned certificate to the person's; None when they hold it already (from an
    earlier course, or saved by another request at this moment)."""
    if _holds_earned(seeker, code) is not None:
        return None
    certificate = SeekerCertificate(seeker_id=seeker.id, certificate_code=code,
                                    earned_on=on, course_id=course_id)
    try:
        with db.session.begin_nested():
            seeker.earned_certificates.append(certificate)
            db.session.flush()
    except IntegrityError:
        db.session.expire(seeker, ["earned_certificates"])
        return None
    return certificate


def complete_enrolment(enrolment: CourseEnrolment, on: date, by=None,
                       today: date | None = None) -> SeekerCertificate | None:
    """Record that a person completed the course on `on`; when the course awards a
    certificate, add it to theirs with that date (return it; None when the course awards
    none or they hold it already through an earlier course).

    A certificate the person named in a survey is recorded all the same: the earned one
    has a date and a course. The matcher counts it from now on.
    """
    enrolment.complete(on, today or local_today())
    course, seeker = enrolment.course, enrolment.seeker
    certificate = None
    if course.certificate_code:
        certificate = _award(seeker, course.certificate_code, on, course.id)
    db.session.flush()
    log_event("course_completed", enrolment, actor=by, course_id=course.id,
              seeker=seeker.code, completed_on=on.isoformat(),
              certificate=course.certificate_code,
              certificate_added=certificate is not None)
    if certificate is not None:
        refresh_ranking(seeker)  # licence-required openings open up at once
    return certificate


def undo_completion(enrolment: CourseEnrolment, reason: str, by=None) -> bool:
    """Correct a completion recorded by mistake: the person is enrolled again and the
    certificate this completion added is removed (given instead by another course the
    person completed that awards it, if any). Return whether a certificate was removed
    and not given again.

    Never silent: the reason, the date taken back and the certificate go to the audit
    trail.
    """
    reason = (reason or "").strip()
    if not reason:
        raise StateError(_l("Say why the completion is taken back."))
    completed_on = enrolment.completed_on
    enrolment.undo_completion()
    course, seeker = enrolment.course, enrolment.seeker
    removed = next((c for c in seeker.earned_certificates if c.course_id == course.id), None)
    replacement = None
    if removed is not None:
        seeker.earned_certificates.remove(removed)
        db.session.flush()
        other = db.session.scalars(
            sa.select(CourseEnrolment).join(CourseEnrolment.course)
            .where(CourseEnrolment.seeker_id == seeker.id,
                   CourseEnrolment.id != enrolment.id,
                   CourseEnrolment.status == EnrolmentStatus.COMPLETED,
                   Course.certificate_code == removed.certificate_code)
            .order_by(CourseEnrolment.completed_on, CourseEnrolment.id)).first()
        if other is not None:
            replacement = _award(seeker, removed.certificate_code, other.completed_on,
                                 other.course_id)
    db.session.flush()
    log_event("course_completion_undone", enrolment, actor=by, course_id=course.id,
              seeker=seeker.code, completed_on=completed_on.isoformat(), reason=reason,
              certificate_removed=removed.certificate_code if removed else None,
              certificate_from_course=replacement.course_id if replacement else None)
    if removed is not None:
        refresh_ranking(seeker)
    return removed is not None and replacement is None


def completions_of(course_ids: Iterable[int]) -> dict[int, int]:
    """How many people completed each course."""
    ids = list(course_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(CourseEnrolment.course_id, sa.func.count(CourseEnrolment.id))
        .where(CourseEnrolment.course_id.in_(ids),
               CourseEnrolment.status == EnrolmentStatus.COMPLETED)
        .group_by(CourseEnrolment.course_id)).all())
