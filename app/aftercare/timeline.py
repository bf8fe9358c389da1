"""Each person's one timeline (进所出所全过程), from admission to the last follow-up, with
the next action due.

`load_records` queries a person's rows once; `build_timeline` is a pure function of those
rows, the audience and today; `timeline_for` does both. Two audiences: bureau staff and
administrators see the full record; a community social worker sees what follow-up needs
(no admission, facility, survey free text or health notes, and no fair names, which
often carry the facility's).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.clock import local_today
from app.i18n import locale_code
from app.labels import category_name, certificate_name
from models import (
    REFERRAL_STALE_DAYS,
    AftercareCheck,
    BookingStatus,
    CourseEnrolment,
    CourseSession,
    DeclineReason,
    EnrolmentStatus,
    FairParticipant,
    FollowUpReason,
    Handover,
    Interest,
    InterestStage,
    Opening,
    Placement,
    PlacementChannel,
    PlacementKind,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralStatus,
    Seeker,
    SeekerCertificate,
    SeekerStatus,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    Survey,
    db,
)

FULL = "full"  # bureau staff of the person's facility, administrators
FOLLOW_UP = "follow_up"  # the community social worker the person is handed to
AUDIENCES = (FULL, FOLLOW_UP)

# a release this close without a survey or a hand-over is an action due
RELEASE_SOON_DAYS = 30

CHANNEL_LABELS = {
    PlacementChannel.FAIR: _l("job fair"),
    PlacementChannel.REFERRAL: _l("targeted referral"),
    PlacementChannel.PRACTICE: _l("job practice"),
    PlacementChannel.TRAINING: _l("training"),
    PlacementChannel.SELF_FOUND: _l("found by themselves"),
    PlacementChannel.STARTUP: _l("start-up guidance"),
}
DECLINE_LABELS = {
    DeclineReason.SKILLS: _l("skills"),
    DeclineReason.DISTANCE: _l("distance"),
    DeclineReason.PAY: _l("pay"),
    DeclineReason.RECORD: _l("record"),
    DeclineReason.NO_SHOW: _l("did not come"),
    DeclineReason.OTHER: _l("other"),
}
FOLLOW_UP_REASON_LABELS = {
    FollowUpReason.RESIGNED: _l("resigned"),
    FollowUpReason.DISMISSED: _l("dismissed"),
    FollowUpReason.CONTRACT_ENDED: _l("contract ended"),
    FollowUpReason.HEALTH: _l("health"),
    FollowUpReason.PAY: _l("pay"),
    FollowUpReason.COMMUTE: _l("commute"),
    FollowUpReason.RELAPSE_OR_RETURN: _l("returned to a facility"),
    FollowUpReason.UNREACHABLE: _l("could not be reached"),
    FollowUpReason.OTHER: _l("other"),
}
STAGE_LABELS = {
    InterestStage.INTERESTED: _l("interested"),
    InterestStage.INTERVIEWED: _l("interviewed"),
    InterestStage.INTENT: _l("preliminary employment intention"),
    InterestStage.HIRED: _l("hired"),
    InterestStage.DECLINED: _l("declined"),
}
OUTCOME_LABELS = {
    StartupOutcome.BUSINESS_REGISTERED: _l("business registered"),
    StartupOutcome.LOAN_APPLIED: _l("loan applied for"),
    StartupOutcome.DROPPED: _l("dropped"),
}
YES_NO = {True: _l("yes"), False: _l("no"), None: "—"}

# kinds of event, in the order they are listed when they fall on the same day
KINDS = (
    "admitted", "survey", "selftest", "fair", "interest", "course", "certificate",
    "practice", "startup", "referral", "referral_request", "release", "handover",
    "placement", "follow_up", "aftercare_check",
)
# the kinds a social worker never sees
FULL_ONLY_KINDS = frozenset({"admitted"})


@dataclass(frozen=True)
class Event:
    """Something that happened to the person, on a day."""

    on: date
    kind: str
    text: object  # a lazy translated string, rendered in the reader's language


@dataclass(frozen=True)
class Due:
    """An action due for the person; `target` is (endpoint, URL values) to do it, if any."""

    on: date
    kind: str
    text: object
    target: tuple[str, dict] | None = None

    def overdue(self, today: date) -> bool:
        return self.on < today


@dataclass
class Timeline:
    events: list[Event]
    due: list[Due]
    today: date

    @property
    def next_due(self) -> Due | None:
        return self.due[0] if self.due else None


@dataclass
class Records:
    """The rows of one person's record, as queried (see `load_records`)."""

    seeker: Seeker
    facility_name: str = ""
    surveys: list = field(default_factory=list)
    participations: list = field(default_factory=list)
    interests: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    # the next class (on or after today) of each enrolment, by enrolment id
    next_sessions: dict = field(default_factory=dict)
    certificates: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    startup_case: StartupCase | None = None
    referrals: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    handovers: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    placements: list = field(default_factory=list)
    tz: object = UTC
    locale: str = "zh_CN"


def _local_day(moment: datetime | None, tz) -> date | None:
    """The day in Qibu's time zone of a naive UTC time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def _job(opening: Opening | None, title: str = "") -> str:
    if opening is None:
        return title
    return f"{opening.title} · {opening.employer.name}"


def build_timeline(records: Records, audience: str, today: date,
                   category_name: Callable[[str | None], str] = lambda code: code or "—",
                   certificate_name: Callable[[str | None], str] = lambda code: code or "—",
                   ) -> Timeline:
    """The person's events in date order and the actions due, earliest first.

    Pure: reads only `records`. `audience` is FULL or FOLLOW_UP (see the module's doc).
    """
    if audience not in AUDIENCES:
        raise ValueError(audience)
    full = audience == FULL
    seeker, tz = records.seeker, records.tz
    events: list[tuple[date, int, int, Event]] = []
    due: list[Due] = []

    def add(on, kind, text, order=0):
        if on is None or (kind in FULL_ONLY_KINDS and not full):
            return
        events.append((on, KINDS.index(kind), order, Event(on, kind, text)))

    add(seeker.admitted_on, "admitted",
        _l("Admitted to %(facility)s", facility=records.facility_name))

    for survey in records.surveys:
        jobs = "、".join(category_name(code) for code in survey.categories) or "—"
        pay = f"{survey.salary_min:,}" if survey.salary_min else "—"
        text = _l("Job-intention survey: wants %(jobs)s; lowest acceptable pay %(pay)s "
                  "yuan/month", jobs=jobs, pay=pay)
        if full and (survey.skills_text or survey.health_limits):
            text = _l("%(survey)s; skills: %(skills)s; health or physical limits: %(limits)s",
                      survey=text, skills=(survey.skills_text or "—")[:80],
                      limits=(survey.health_limits or "—")[:80])
        add(survey.surveyed_on, "survey", text, survey.id)

    add(_local_day(seeker.riasec_taken_at, tz), "selftest",
        _l("Career-interest self-test: interest code %(code)s",
           code=seeker.riasec_code or "—"))

    for participant in records.participations:
        fair = participant.fair
        text = (_l("Registered for the job fair %(fair)s", fair=fair.name(records.locale)) if full
                else _l("Registered for a job fair"))
        add(fair.held_on, "fair", text, participant.id)
    for interest in records.interests:
        on = _local_day(interest.updated_at if interest.stage is not InterestStage.INTERESTED
                        else interest.created_at, tz)
        add(on, "interest", _l("At a job fair: %(stage)s, %(job)s",
                               stage=STAGE_LABELS[interest.stage], job=_job(interest.opening)),
            interest.id)

    for enrolment in records.enrolments:
        course = enrolment.course.name
        add(enrolment.enrolled_on, "course",
            _l("Enrolled on the course %(course)s", course=course), enrolment.id)
        if enrolment.status is EnrolmentStatus.COMPLETED:
            add(enrolment.completed_on, "course",
                _l("Completed the course %(course)s", course=course), enrolment.id)
        elif enrolment.status is EnrolmentStatus.ENROLLED:
            session = records.next_sessions.get(enrolment.id)
            if session is not None:
                due.append(Due(session.held_on, "course",
                               _l("Course class: %(course)s", course=course)))
    for certificate in records.certificates:
        add(certificate.earned_on, "certificate",
            _l("Certificate earned: %(certificate)s",
               certificate=certificate_name(certificate.certificate_code)), certificate.id)

    for booking in records.bookings:
        day = booking.practice_day
        what = (_job(day.opening) if day.opening is not None
                else f"{category_name(day.category_code)} · {day.employer.name}")
        add(_local_day(booking.created_at, tz), "practice",
            _l("Booked for job practice on %(day)s: %(job)s", day=day.held_on.isoformat(),
               job=what), booking.id)
        if booking.status is BookingStatus.ATTENDED:
            text = _l("Job practice attended: %(job)s", job=what)
            if booking.assessed_at is not None:
                text = _l("%(practice)s; punctual: %(punctual)s, able: %(able)s, employer "
                          "would hire: %(hire)s", practice=text,
                          punctual=YES_NO[booking.punctual], able=YES_NO[booking.able],
                          hire=YES_NO[booking.would_hire])
            add(day.held_on, "practice", text, booking.id)
        elif booking.status is BookingStatus.NO_SHOW:
            add(day.held_on, "practice", _l("Did not come to job practice: %(job)s", job=what),
                booking.id)
        elif booking.status is BookingStatus.BOOKED:
            due.append(Due(day.held_on, "practice",
                           _l("Job practice: %(job)s, %(place)s", job=what, place=day.place)
                           if day.held_on >= today else
                           _l("Job practice of %(day)s: record attendance (%(job)s)",
                              day=day.held_on.isoformat(), job=what)))

    case = records.startup_case
    if case is not None:
        add(case.opened_on, "startup", _l("Start-up guidance began"), 0)
        for entry in case.entries:
            text = _l("Start-up guidance: %(topic)s", topic=entry.topic)
            if entry.adviser:
                text = _l("%(guidance)s (adviser: %(adviser)s)", guidance=text,
                          adviser=entry.adviser)
            if entry.service is not None:
                text = _l("%(guidance)s; referred to %(service)s", guidance=text,
                          service=entry.service.name(records.locale))
            if entry.next_step:
                text = _l("%(guidance)s; next step: %(step)s", guidance=text,
                          step=entry.next_step)
            add(entry.held_on, "startup", text, entry.id)
        if case.outcome in OUTCOME_LABELS:
            add(case.outcome_on, "startup",
                _l("Start-up guidance ended: %(outcome)s %(business)s",
                   outcome=OUTCOME_LABELS[case.outcome], business=case.business), case.id)

    for referral in records.referrals:
        job = _job(referral.opening)
        add(referral.referred_on, "referral", _l("Referred to %(job)s", job=job), referral.id)
        if referral.interview_on is not None:
            add(referral.interview_on, "referral", _l("Interview: %(job)s", job=job),
                referral.id)
        if referral.offered_on is not None:
            add(referral.offered_on, "referral", _l("Job offer: %(job)s", job=job), referral.id)
        if referral.status is ReferralStatus.DECLINED:
            add(referral.declined_on, "referral",
                _l("Referral did not go on (%(reason)s): %(job)s",
                   reason=DECLINE_LABELS.get(referral.decline_reason, "—"), job=job),
                referral.id)
        elif referral.status is ReferralStatus.WITHDRAWN:
            add(_local_day(referral.answered_at, tz), "referral",
                _l("Referral withdrawn: %(job)s", job=job), referral.id)
        if referral.active:
            if referral.interview_on is not None and referral.interview_on >= today:
                due.append(Due(referral.interview_on, "referral",
                               _l("Interview: %(job)s", job=job)))
            else:
                due.append(Due(referral.last_activity_on + timedelta(days=REFERRAL_STALE_DAYS),
                               "referral",
                               _l("Referral awaiting the employer's answer: %(job)s", job=job)))
    for request in records.requests:
        add(request.asked_on, "referral_request",
            _l("Asked the employment centre for a new referral: %(note)s", note=request.note),
            request.id)
        if request.status is ReferralRequestStatus.OPEN:
            due.append(Due(request.asked_on + timedelta(days=REFERRAL_STALE_DAYS),
                           "referral_request",
                           _l("Request for a new referral awaiting the employment centre")))

    released = seeker.status is not SeekerStatus.IN_FACILITY
    release_on = seeker.expected_release_date
    if released and release_on is not None:
        add(release_on, "release",
            _l("Released from %(facility)s", facility=records.facility_name) if full
            else _l("Released from the facility"))
    current = next((h for h in records.handovers if h.ended_on is None), None)
    for handover in records.handovers:
        add(handover.handed_on, "handover",
            _l("Handed over to the community social worker %(worker)s",
               worker=handover.social_worker.display_name), handover.id)
        if handover.ended_on is not None:
            add(handover.ended_on, "handover",
                _l("Hand-over to %(worker)s ended",
                   worker=handover.social_worker.display_name), handover.id)
    if full and release_on is not None and current is None:
        if not released and release_on <= today + timedelta(days=RELEASE_SOON_DAYS):
            if not records.surveys:
                due.append(Due(release_on, "release", _l(
                    "Release on %(day)s: no job-intention survey yet",
                    day=release_on.isoformat()), ("bureau.new_survey", {"code": seeker.code})))
            due.append(Due(release_on, "release", _l(
                "Release on %(day)s: record the release and hand over to a community "
                "social worker", day=release_on.isoformat()),
                ("aftercare.person", {"code": seeker.code})))
        elif released and release_on >= today - timedelta(days=RELEASE_SOON_DAYS):
            due.append(Due(release_on, "handover", _l(
                "Released on %(day)s and not handed over", day=release_on.isoformat()),
                ("aftercare.person", {"code": seeker.code})))

    for check in records.checks:
        if check.done_on is not None:
            if not check.reached:
                text = _l("Aftercare check after %(n)s months: could not be reached",
                          n=check.month)
            elif check.working:
                text = _l("Aftercare check after %(n)s months: reached, working", n=check.month)
            else:
                text = _l("Aftercare check after %(n)s months: reached, not working",
                          n=check.month)
            add(check.done_on, "aftercare_check", text, check.id)
        elif current is not None and check.handover_id == current.id:
            due.append(Due(check.due_on, "aftercare_check",
                           _l("Aftercare check after %(n)s months", n=check.month),
                           ("aftercare.check", {"check_id": check.id})))

    for placement in records.placements:
        job = _job(placement.opening, placement.job_title or "")
        text = (_l("Started their own business: %(job)s", job=job)
                if placement.kind is PlacementKind.SELF_EMPLOYMENT
                else _l("Started work: %(job)s (%(channel)s)", job=job,
                        channel=CHANNEL_LABELS.get(placement.channel, placement.channel.value)))
        add(placement.start_date, "placement", text, placement.id)
        for follow_up in placement.follow_ups:
            if follow_up.done_on is not None:
                text = (_l("Follow-up after %(n)s months: still employed (%(job)s)",
                           n=follow_up.month, job=job) if follow_up.still_employed else
                        _l("Follow-up after %(n)s months: no longer employed, %(reason)s "
                           "(%(job)s)", n=follow_up.month, job=job,
                           reason=FOLLOW_UP_REASON_LABELS.get(follow_up.reason, "—")))
                add(follow_up.done_on, "follow_up", text, follow_up.id)
            elif not _ended(placement):
                due.append(Due(follow_up.due_on, "follow_up",
                               _l("Follow-up after %(n)s months: %(job)s", n=follow_up.month,
                                  job=job),
                               ("aftercare.follow_up", {"follow_up_id": follow_up.id})))

    events.sort(key=lambda row: row[:3])
    due.sort(key=lambda item: (item.on, KINDS.index(item.kind)))
    return Timeline(events=[row[3] for row in events], due=due, today=today)


def _ended(placement: Placement) -> bool:
    """A job a follow-up found ended needs no later follow-up."""
    return any(f.still_employed is False for f in placement.follow_ups)


def load_records(seeker: Seeker, today: date, locale: str = "zh_CN") -> Records:
    """Query every row of the person's record (a handful of queries)."""
    session = db.session
    by_seeker = seeker.id
    enrolments = session.scalars(
        sa.select(CourseEnrolment).where(CourseEnrolment.seeker_id == by_seeker)
        .options(selectinload(CourseEnrolment.course))).all()
    open_ids = [e.id for e in enrolments if e.status is EnrolmentStatus.ENROLLED]
    next_sessions = {}
    if open_ids:
        rows = session.execute(
            sa.select(CourseEnrolment.id, CourseSession)
            .join(CourseSession, CourseSession.course_id == CourseEnrolment.course_id)
            .where(CourseEnrolment.id.in_(open_ids), CourseSession.held_on >= today)
            .order_by(CourseSession.held_on.desc(), CourseSession.id.desc())).all()
        # ordered latest first, so the earliest class is the one kept
        next_sessions = {row[0]: row[1] for row in rows}
    handovers = session.scalars(
        sa.select(Handover).where(Handover.seeker_id == by_seeker)
        .options(selectinload(Handover.social_worker))
        .order_by(Handover.handed_on, Handover.id)).all()
    return Records(
        seeker=seeker,
        facility_name=seeker.facility.name(locale),
        surveys=session.scalars(
            sa.select(Survey).where(Survey.seeker_id == by_seeker)
            .options(selectinload(Survey.intentions))).all(),
        participations=session.scalars(
            sa.select(FairParticipant).where(FairParticipant.seeker_id == by_seeker)
            .options(selectinload(FairParticipant.fair))).all(),
        interests=session.scalars(
            sa.select(Interest).where(Interest.seeker_id == by_seeker)
            .options(selectinload(Interest.opening).selectinload(Opening.employer))).all(),
        enrolments=enrolments,
        next_sessions=next_sessions,
        certificates=session.scalars(
            sa.select(SeekerCertificate).where(SeekerCertificate.seeker_id == by_seeker)).all(),
        bookings=session.scalars(
            sa.select(PracticeBooking).where(PracticeBooking.seeker_id == by_seeker)
            .options(selectinload(PracticeBooking.practice_day).selectinload(
                PracticeDay.employer),
                selectinload(PracticeBooking.practice_day).selectinload(
                    PracticeDay.opening).selectinload(Opening.employer))).all(),
        startup_case=session.scalar(
            sa.select(StartupCase).where(StartupCase.seeker_id == by_seeker)
            .options(selectinload(StartupCase.entries).selectinload(
                StartupGuidance.service))),
        referrals=session.scalars(
            sa.select(Referral).where(Referral.seeker_id == by_seeker)
            .options(selectinload(Referral.opening).selectinload(Opening.employer))).all(),
        requests=session.scalars(
            sa.select(ReferralRequest).where(ReferralRequest.seeker_id == by_seeker)).all(),
        handovers=handovers,
        checks=session.scalars(
            sa.select(AftercareCheck).where(
                AftercareCheck.handover_id.in_([h.id for h in handovers]))
            .order_by(AftercareCheck.due_on)).all() if handovers else [],
        placements=session.scalars(
            sa.select(Placement).where(Placement.seeker_id == by_seeker)
            .options(selectinload(Placement.follow_ups),
                     selectinload(Placement.opening).selectinload(Opening.employer))).all(),
        tz=get_timezone(),
        locale=locale,
    )


def timeline_for(seeker: Seeker, audience: str, today: date | None = None) -> Timeline:
    """The person's timeline as `audience` (FULL or FOLLOW_UP) may see it."""
    today = today or local_today()
    records = load_records(seeker, today, locale_code())
    return build_timeline(records, audience, today, category_name=category_name,
                          certificate_name=certificate_name)
