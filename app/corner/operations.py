"""Make bulletin issues and keep their PDFs, and keep the course registry (flush and
audit; never commit)."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.audit import log_event
from app.clock import local_today
from app.corner.bulletin import (
    Issue,
    issue_contents,
    issue_digest,
    latest_issue,
    select_openings,
)
from app.corner.documents import bulletin_pdf
from models import (
    Bulletin,
    BulletinPdf,
    Course,
    Facility,
    StateError,
    db,
    iso_week_of,
    utcnow,
    week_monday,
)

# The printed issue is in Chinese for the people in the facility, whoever makes or
# downloads it (the pages follow the reader's language): one kept PDF per issue.
PRINTED_LOCALE = "zh_CN"

# How far ahead an issue may be made: the coming week, for printing on Friday.
WEEKS_AHEAD = 1


def make_bulletin(facility: Facility, week: str, by=None,
                  today: date | None = None) -> tuple[Bulletin, bool]:
    """Make the facility's issue for an ISO week; return (issue, whether it is new).

    One issue per facility per week: when the week's issue exists it is returned as it
    was printed. Issues are numbered 1, 2, 3 … per facility in week order, so an issue
    cannot be made for a week before the latest one, nor more than a week ahead.
    """
    monday = week_monday(week)
    week = iso_week_of(monday)
    existing = _issue_of_week(facility.id, week)
    if existing is not None:
        return existing, False
    previous = latest_issue(facility.id)
    if previous is not None and previous.week > week:
        raise StateError(_l("Issue %(number)s is for the later week %(week)s; an issue cannot "
                            "be made for an earlier week."),
                         number=previous.number, week=previous.week)
    today = today or local_today()
    if monday > today - timedelta(days=today.weekday()) + timedelta(weeks=WEEKS_AHEAD):
        raise StateError(_l("An issue can be made for this week or the next one only."))
    ids, new_ids, order = select_openings(facility.id, monday + timedelta(days=6), previous)
    bulletin = Bulletin(facility_id=facility.id, week=week,
                        number=previous.number + 1 if previous is not None else 1,
                        generated_by_id=getattr(by, "id", None), opening_ids=ids,
                        new_opening_ids=new_ids, category_order=order)
    try:
        with db.session.begin_nested():
            db.session.add(bulletin)
            db.session.flush()
    except IntegrityError:
        # someone made this facility's issue at the same moment: show theirs
        existing = _issue_of_week(facility.id, week)
        if existing is None:
            raise StateError(_l("Another issue was being made at the same time; "
                                "try again.")) from None
        return existing, False
    log_event("bulletin_made", bulletin, actor=by, facility=facility.code, week=week,
              number=bulletin.number, openings=len(ids), new=len(new_ids))
    return bulletin, True


def printed_issue(bulletin: Bulletin) -> Issue:
    """The issue as its PDF prints it: worded in the printed language."""
    with force_locale(PRINTED_LOCALE):
        return issue_contents(bulletin)


def kept_bulletin_pdf(bulletin: Bulletin) -> BulletinPdf | None:
    """The issue's kept PDF if it still prints what the issue holds now; else None."""
    kept = db.session.get(BulletinPdf, bulletin.id)
    if kept is None or kept.contents_digest != issue_digest(printed_issue(bulletin)):
        return None
    return kept


def keep_bulletin_pdf(bulletin: Bulletin) -> BulletinPdf:
    """Render the issue's PDF and keep it (in place of an out-of-date one). Flushes."""
    issue = printed_issue(bulletin)
    data, digest = bulletin_pdf(issue), issue_digest(issue)
    kept = db.session.get(BulletinPdf, bulletin.id)
    if kept is None:
        try:
            with db.session.begin_nested():
                kept = BulletinPdf(bulletin_id=bulletin.id, contents_digest=digest, data=data)
                db.session.add(kept)
                db.session.flush()
            return kept
        except IntegrityError:
            # another job kept this issue's PDF at the same moment: write over it
            kept = db.session.get(BulletinPdf, bulletin.id)
    kept.contents_digest, kept.data, kept.made_at = digest, data, utcnow()
    db.session.flush()
    return kept


def _issue_of_week(facility_id: int, week: str) -> Bulletin | None:
    return db.session.scalar(
        sa.select(Bulletin).where(Bulletin.facility_id == facility_id, Bulletin.week == week))


COURSE_FIELDS = ("name", "category_code", "certificate_code", "notes")


def save_course(course: Course | None, facility_id: int, data: dict) -> Course:
    """Create a course of a facility, or change one; `data` holds the form's fields."""
    created = course is None
    if created:
        course = Course(facility_id=facility_id)
        db.session.add(course)
    before = {name: getattr(course, name) for name in (*COURSE_FIELDS, "starts_on", "ends_on",
                                                       "seats")}
    for name in COURSE_FIELDS:
        setattr(course, name, data.get(name) or ("" if name == "notes" else None))
    course.name = (data.get("name") or "").strip()
    course.facility_id = facility_id
    course.schedule(data.get("starts_on"), data.get("ends_on"))
    course.set_seats(data.get("seats"))
    db.session.flush()
    changed = sorted(name for name, value in before.items() if getattr(course, name) != value)
    log_event("course_created" if created else "course_updated", course,
              facility_id=facility_id, **({} if created else {"fields": changed}))
    return course


def delete_course(course: Course) -> None:
    """Delete a course nobody was ever enrolled on (an enrolment, attendance and the
    certificates completions gave are part of people's records)."""
    if course.enrolments:
        raise StateError(_l("%(n)s people were enrolled on %(course)s: it cannot be deleted. "
                            "Change its dates instead if it will not run again."),
                         n=len(course.enrolments), course=course.name)
    log_event("course_deleted", course, facility_id=course.facility_id, name=course.name)
    db.session.delete(course)
    db.session.flush()
