"""Replay a year of the year-round mechanism into the demo database.

The rows come from seed_data/demo/ (written by seed_data/generate_demo_year.py): people
released during the past year, course enrolments, job-practice days and bookings,
targeted referrals, self-found jobs, start-up guidance, hand-overs to community social
workers, their check-ins and the placements' follow-ups. Each row goes through the
models' own rules (and `place_seeker` for every placement), dated in days before
`today`. Loading is all or nothing per database: once the first person released in the
past year exists, the year is not loaded again.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.fairs.placements import place_seeker
from models import (
    AFTERCARE_MONTHS,
    AftercareCheck,
    BookingStatus,
    Course,
    CourseEnrolment,
    CourseSession,
    DeclineReason,
    Employer,
    EnrolmentStatus,
    FollowUpReason,
    GuidanceKind,
    Handover,
    Opening,
    Placement,
    PlacementChannel,
    PlacementKind,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralSource,
    ReferralStatus,
    Seeker,
    SeekerCertificate,
    SessionAttendance,
    StaffUser,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    StartupService,
    StateError,
    db,
)
from models.placements import add_months

# office hours in Shanghai, as naive UTC (how Qibu stores times): 10:00 local
_RECORDED_AT = time(2, 0)


def load_demo_year(demo: Path, facility_by_code: dict, today: date, report) -> None:
    """Load the year's rows unless the first released person is already there."""
    from app.seeding import _bool, _int, _rows, seeker_from_row, survey_from_row

    alumni_path = demo / "alumni.csv"
    if not alumni_path.is_file():
        return
    alumni = _rows(alumni_path)
    if not alumni or db.session.scalar(sa.select(Seeker.id).where(
            Seeker.code == alumni[0]["code"])) is not None:
        return
    ago = _Days(today)

    people = {}
    for row in alumni:
        seeker = seeker_from_row(row, facility_by_code, today)
        seeker.admitted_on = ago(row["admitted_days_ago"])
        seeker.release(seeker.expected_release_date)
        people[row["code"]] = seeker
        report.count("people released during the year")
    db.session.flush()
    for row in _rows(demo / "alumni_surveys.csv"):
        survey_from_row(row, people[row["seeker_code"]], today)
    db.session.flush()
    people.update({s.code: s for s in db.session.scalars(sa.select(Seeker))
                   if s.code not in people})

    _load_enrolments(_rows(demo / "enrolments.csv"), facility_by_code, people, ago, today,
                     report, _int)
    bookings = _load_practice(_rows(demo / "practice_days.csv"),
                              _rows(demo / "practice_bookings.csv"), people, ago, today,
                              report, _int, _bool)
    _load_referrals(_rows(demo / "referrals.csv"), people, bookings, ago, today, report, _int)
    for row in _rows(demo / "self_found.csv"):
        _place(people[row["seeker_code"]], ago(row["start_days_ago"]), _int(row["pay"]),
               today, channel=PlacementChannel.SELF_FOUND, job_title=row["job_title"],
               category_code=row["category"] or None)
        report.count("self-found jobs")
    _load_startup(_rows(demo / "startup_cases.csv"), _rows(demo / "startup_guidance.csv"),
                  people, ago, today, report)
    _load_handovers(_rows(demo / "handovers.csv"), _rows(demo / "aftercare.csv"), people,
                    ago, today, report, _int, _bool)
    _load_follow_ups(_rows(demo / "follow_ups.csv"), people, ago, today, report, _int, _bool)
    db.session.flush()


class _Days:
    """Turns "days ago" cells into dates (empty → None)."""

    def __init__(self, today: date):
        self.today = today

    def __call__(self, cell) -> date | None:
        if cell in ("", None):
            return None
        return self.today - timedelta(days=int(cell))


def _at(day: date) -> datetime:
    return datetime.combine(day, _RECORDED_AT)


def _place(seeker: Seeker, start: date, pay, today: date, **kwargs) -> Placement | None:
    """A placement by the one rule for every channel; a full opening is left out."""
    try:
        placement = place_seeker(seeker.id, start, pay, today=today, **kwargs)
    except StateError:
        return None
    placement.created_at = _at(start)
    return placement


def _load_enrolments(rows, facility_by_code, people, ago, today, report, _int):
    courses = {(c.facility_id, c.name): c for c in db.session.scalars(sa.select(Course))}
    for row in rows:
        course = courses[(facility_by_code[row["facility"]].id, row["course"])]
        if not course.sessions and course.starts_on and course.ends_on:
            day = course.starts_on
            while day <= course.ends_on:
                course.sessions.append(CourseSession(held_on=day, topic=course.name,
                                                     place="教育楼培训教室"))
                day += timedelta(days=7)
            db.session.flush()
        seeker = people[row["seeker_code"]]
        enrolled_on = min((course.starts_on or today) - timedelta(days=7), today)
        enrolment = CourseEnrolment(course_id=course.id, seeker_id=seeker.id,
                                    enrolled_on=enrolled_on, created_at=_at(enrolled_on))
        enrolment.course = course
        db.session.add(enrolment)
        status = EnrolmentStatus(row["status"])
        if status is not EnrolmentStatus.WITHDRAWN:
            course.enrolled = (course.enrolled or 0) + 1
        else:
            enrolment.status = EnrolmentStatus.WITHDRAWN
        db.session.flush()
        attended = _int(row["sessions_attended"]) or 0
        for session in course.sessions[:attended]:
            db.session.add(SessionAttendance(session_id=session.id, enrolment_id=enrolment.id,
                                             present=True))
        if status is EnrolmentStatus.COMPLETED:
            on = ago(row["completed_days_ago"])
            enrolment.complete(on, today)
            if course.certificate_code and course.certificate_code not in {
                    c.certificate_code for c in seeker.earned_certificates}:
                seeker.earned_certificates.append(SeekerCertificate(
                    certificate_code=course.certificate_code, earned_on=on,
                    course_id=course.id))
            report.count("course completions")
        report.count("enrolments")
    db.session.flush()


def _load_practice(day_rows, booking_rows, people, ago, today, report, _int, _bool):
    employers = {e.uscc: e for e in db.session.scalars(sa.select(Employer))}
    openings = {o.ref: o for o in db.session.scalars(
        sa.select(Opening).where(Opening.ref.is_not(None)))}
    days = {}
    for row in day_rows:
        opening = openings[row["opening_ref"]]
        day = PracticeDay(employer_id=employers[row["employer_uscc"]].id,
                          opening_id=opening.id, category_code=opening.category_code,
                          held_on=ago(row["days_ago"]), place=row["place"],
                          tasks=row["tasks"], capacity=_int(row["capacity"]), booked=0)
        db.session.add(day)
        days[row["key"]] = day
        report.count("practice days")
    db.session.flush()
    bookings = {}
    for row in booking_rows:
        day, seeker = days[row["day_key"]], people[row["seeker_code"]]
        booking = PracticeBooking(practice_day_id=day.id, seeker_id=seeker.id,
                                  created_at=_at(day.held_on - timedelta(days=7)))
        booking.practice_day = day
        day.booked += 1
        db.session.add(booking)
        booking.record_attendance(_bool(row["attended"]), today)
        if booking.status is BookingStatus.ATTENDED:
            booking.assess(_bool(row["punctual"]), _bool(row["able"]),
                           _bool(row["would_hire"]), row["note"])
            booking.assessed_at = _at(day.held_on)
        bookings[(row["day_key"], row["seeker_code"])] = booking
        report.count("practice bookings")
    db.session.flush()
    return bookings


def _load_referrals(rows, people, bookings, ago, today, report, _int):
    openings = {o.ref: o for o in db.session.scalars(
        sa.select(Opening).where(Opening.ref.is_not(None)))}
    for row in rows:
        seeker, opening = people[row["seeker_code"]], openings[row["opening_ref"]]
        booking = bookings.get((row["practice_day_key"], row["seeker_code"]))
        referred = ago(row["referred_days_ago"])
        referral = Referral(seeker_id=seeker.id, opening_id=opening.id,
                            source=ReferralSource(row["source"]), referred_on=referred,
                            practice_booking_id=booking.id if booking else None,
                            created_at=_at(referred))
        db.session.add(referral)
        status = ReferralStatus(row["status"])
        last = referred
        if row["interview_days_ago"] and status is not ReferralStatus.WITHDRAWN:
            last = ago(row["interview_days_ago"])
            referral.invite_to_interview(last)
        if status in (ReferralStatus.OFFERED, ReferralStatus.PLACED):
            last = ago(row["offered_days_ago"])
            referral.make_offer(last, _int(row["offered_pay"]))
        if status is ReferralStatus.DECLINED:
            last = min(last + timedelta(days=2), today)
            referral.decline(DeclineReason(row["decline_reason"]), last)
        if status is ReferralStatus.WITHDRAWN:
            last = min(referred + timedelta(days=5), today)
            referral.withdraw()
        referral.answered_at = _at(last) if status is not ReferralStatus.OPEN else None
        db.session.flush()
        if status is ReferralStatus.PLACED:
            placement = _place(
                seeker, ago(row["start_days_ago"]), _int(row["start_pay"]), today,
                opening_id=opening.id, referral_id=referral.id, referred_on=referred,
                channel=PlacementChannel.PRACTICE if booking else PlacementChannel.REFERRAL)
            if placement is not None:
                referral.mark_placed()
                report.count("placements by referral")
        report.count("referrals")
    db.session.flush()


def _load_startup(case_rows, guidance_rows, people, ago, today, report):
    services = {s.code: s for s in db.session.scalars(sa.select(StartupService))}
    cases = {}
    for row in case_rows:
        seeker = people[row["seeker_code"]]
        case = StartupCase(seeker_id=seeker.id, opened_on=ago(row["opened_days_ago"]))
        db.session.add(case)
        cases[row["seeker_code"]] = (case, row)
        report.count("start-up cases")
    db.session.flush()
    for row in guidance_rows:
        case, _ = cases[row["seeker_code"]]
        service = services.get(row["service_code"])
        case.entries.append(StartupGuidance(
            kind=GuidanceKind(row["kind"]), held_on=ago(row["days_ago"]), topic=row["topic"],
            adviser=row["adviser"], next_step=row["next_step"],
            service_id=service.id if service else None))
    db.session.flush()
    for case, row in cases.values():
        outcome = StartupOutcome(row["outcome"])
        if outcome is StartupOutcome.OPEN:
            continue
        on = ago(row["outcome_days_ago"])
        case.record_outcome(outcome, on, today, business=row["business"])
        if outcome is StartupOutcome.BUSINESS_REGISTERED:
            _place(people[row["seeker_code"]], on, None, today,
                   channel=PlacementChannel.STARTUP,
                   kind=PlacementKind.SELF_EMPLOYMENT, job_title=row["business"])
    db.session.flush()


def _load_handovers(rows, check_rows, people, ago, today, report, _int, _bool):
    workers = {u.username: u for u in db.session.scalars(sa.select(StaffUser))}
    handovers = {}
    for row in rows:
        seeker, worker = people[row["seeker_code"]], workers[row["social_worker"]]
        handed = ago(row["handed_days_ago"])
        handover = Handover(seeker_id=seeker.id, social_worker_id=worker.id, handed_on=handed,
                            consent_at=_at(handed), note="")
        db.session.add(handover)
        db.session.flush()
        for month in AFTERCARE_MONTHS:
            db.session.add(AftercareCheck(handover_id=handover.id, month=month,
                                          due_on=add_months(handed, month)))
        handovers[row["seeker_code"]] = handover
        report.count("hand-overs")
    db.session.flush()
    checks = {(c.handover.seeker.code, c.month): c
              for c in db.session.scalars(sa.select(AftercareCheck))}
    for row in check_rows:
        if not row["done_days_ago"]:
            continue
        check = checks[(row["seeker_code"], _int(row["month"]))]
        reached = _bool(row["reached"])
        check.record(max(ago(row["done_days_ago"]), check.handover.handed_on), reached,
                     _bool(row["working"]) if reached else None, today)
        report.count("aftercare check-ins")
    db.session.flush()


def _load_follow_ups(rows, people, ago, today, report, _int, _bool):
    for row in rows:
        placement = db.session.scalars(
            sa.select(Placement).where(Placement.seeker_id == people[row["seeker_code"]].id)
            .order_by(Placement.start_date.desc())).first()
        if placement is None:
            continue
        follow_up = next(f for f in placement.follow_ups if f.month == _int(row["month"]))
        on = max(ago(row["done_days_ago"]), placement.start_date + timedelta(days=1))
        if on > today:
            continue
        employed = _bool(row["still_employed"])
        follow_up.record(on, employed, None if employed else FollowUpReason(row["reason"]),
                         today=today)
        report.count("follow-ups recorded")
    db.session.flush()
