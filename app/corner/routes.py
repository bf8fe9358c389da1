"""Pages of the job information corner: bulletin issues and their archive, the handbook,
the course registry and the course gap; and the kiosk's handbook and current bulletin."""


import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth.access import allow
from app.clock import local_today
from app.corner import documents, operations
from app.corner.bulletin import facility_issues, issue_contents, latest_issue
from app.corner.forms import ActionForm, BulletinForm, CourseForm
from app.corner.handbook import handbook_page, handbook_pages, markdown_html
from app.corner.training import course_gap, course_reach, facility_courses
from app.i18n import locale_code
from app.jobs import enqueue_job
from app.jobs.files import active_job
from app.kiosk import operations as kiosk_operations
from app.kiosk.routes import _kiosk_visit
from app.kiosk.routes import frame as kiosk_frame
from app.submissions import record_result
from models import Bulletin, Course, Facility, Fair, Role, StateError, db, iso_week_of

bp = Blueprint("corner", __name__, url_prefix="/corner")
kiosk_bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
bp.add_app_template_global(markdown_html, "markdown")

BULLETIN_ROLES = (Role.BUREAU, Role.EMPLOYMENT, Role.ADMIN)
HANDBOOK_ROLES = (Role.ADMIN, Role.BUREAU, Role.EMPLOYMENT, Role.ORGANIZER)
COURSE_ROLES = (Role.BUREAU, Role.ADMIN)


def _is_bureau() -> bool:
    return current_user.role is Role.BUREAU


def _facilities() -> list[Facility]:
    return list(db.session.scalars(sa.select(Facility).order_by(Facility.code)))


def _facility(code: str) -> Facility:
    """The facility with this code; bureau staff reach only their own (others' are a 404)."""
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == code))
    if facility is None or (_is_bureau() and facility.id != current_user.facility_id):
        abort(404)
    return facility


def _facility_arg(facility: Facility | None) -> str | None:
    """The ?facility= value that keeps a non-bureau user's choice across pages."""
    return facility.code if facility is not None and not _is_bureau() else None


def _chosen_facility() -> Facility | None:
    """Bureau staff's own facility; for other staff the one in ?facility=, if any."""
    if _is_bureau():
        return current_user.facility
    code = request.args.get("facility", "")
    return db.session.scalar(sa.select(Facility).where(Facility.code == code)) if code else None


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={name}.pdf",
        "Cache-Control": "no-store"})


# --------------------------------------------------------------------------- bulletin


@bp.get("/bulletins")
@allow(*BULLETIN_ROLES)
def bulletins():
    if _is_bureau():
        return redirect(url_for("corner.bulletin_archive", facility=current_user.facility.code))
    facilities = _facilities()
    return render_template("corner/bulletins.html", facilities=facilities,
                           latest={f.id: latest_issue(f.id) for f in facilities})


@bp.get("/bulletins/<facility>")
@allow(*BULLETIN_ROLES)
def bulletin_archive(facility):
    facility = _facility(facility)
    form = BulletinForm(week=iso_week_of(local_today()))
    return render_template("corner/bulletin_archive.html", facility=facility, form=form,
                           issues=facility_issues(facility.id))


@bp.post("/bulletins/<facility>")
@allow(*BULLETIN_ROLES)
def make_issue(facility):
    facility = _facility(facility)
    form = BulletinForm()
    back = redirect(url_for("corner.bulletin_archive", facility=facility.code))
    if not form.validate_on_submit():
        for error in form.week.errors or [_("The form has expired; please try again.")]:
            flash(error, "error")
        return back
    try:
        bulletin, created = operations.make_bulletin(facility, form.week.data, by=current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return back
    db.session.commit()
    if created:
        # its PDF is made once, now, and kept for every download
        enqueue_job("bulletin_pdf", current_user, subject=bulletin, bulletin_id=bulletin.id)
        flash(_("Issue %(number)s is made, with %(n)s openings.", number=bulletin.number,
                n=len(bulletin.opening_ids)), "success")
    else:
        flash(_("This week's issue exists already; here it is as it was printed."), "info")
    return redirect(url_for("corner.bulletin_issue", facility=facility.code, week=bulletin.week))


def _issue(facility_code: str, week: str) -> Bulletin:
    facility = _facility(facility_code)
    bulletin = db.session.scalar(
        sa.select(Bulletin).where(Bulletin.facility_id == facility.id, Bulletin.week == week))
    return bulletin or abort(404)


@bp.get("/bulletins/<facility>/<week>")
@allow(*BULLETIN_ROLES)
def bulletin_issue(facility, week):
    bulletin = _issue(facility, week)
    return render_template("corner/bulletin.html", issue=issue_contents(bulletin))


@bp.get("/bulletins/<facility>/<week>/bulletin.pdf")
@allow(*BULLETIN_ROLES)
def bulletin_pdf(facility, week):
    """The issue's kept PDF. While none is kept (an issue made before PDFs were kept, its
    job not done yet, or an opening left the issue since), a job makes it: this follows
    the user's own job of it if one is under way, else starts one, and shows its page,
    whose download button comes back here."""
    bulletin = _issue(facility, week)
    kept = operations.kept_bulletin_pdf(bulletin)
    if kept is None:
        job = (active_job("bulletin_pdf", bulletin, current_user)
               or enqueue_job("bulletin_pdf", current_user, subject=bulletin,
                              bulletin_id=bulletin.id))
        return redirect(url_for("jobs.job", job_id=job.id))
    log_event("bulletin_exported", bulletin, format="pdf", facility=bulletin.facility.code,
              week=bulletin.week, number=bulletin.number)
    db.session.commit()
    return _pdf(kept.data, f"bulletin-{bulletin.facility.code}-{bulletin.week}")


# --------------------------------------------------------------------------- handbook


def _handbook_courses(facility: Facility | None) -> list[Course]:
    """The courses the handbook lists: not over yet, of the facility (or of every one)."""
    today = local_today()
    return [course for course in facility_courses(facility.id if facility else None)
            if not course.is_over(today)]


@bp.get("/handbook")
@allow(*HANDBOOK_ROLES)
def handbook():
    facility = _chosen_facility()
    return render_template("corner/handbook.html", pages=handbook_pages(locale_code()),
                           facility=facility, facility_arg=_facility_arg(facility),
                           facilities=[] if _is_bureau() else _facilities())


@bp.get("/handbook/<slug>")
@allow(*HANDBOOK_ROLES)
def handbook_chapter(slug):
    page = handbook_page(locale_code(), slug) or abort(404)
    facility = _chosen_facility()
    return render_template("corner/handbook_page.html", page=page, facility=facility,
                           facility_arg=_facility_arg(facility),
                           pages=handbook_pages(locale_code()),
                           courses=_handbook_courses(facility) if page.has_courses else [])


@bp.get("/handbook.pdf")
@allow(*HANDBOOK_ROLES)
def handbook_pdf():
    facility = _chosen_facility()
    data = documents.handbook_pdf(handbook_pages("zh_CN"), _handbook_courses(facility),
                                  facility.name("zh_CN") if facility else None)
    log_event("handbook_exported", facility, format="pdf")
    db.session.commit()
    return _pdf(data, f"handbook-{facility.code}" if facility else "handbook")


# --------------------------------------------------------------------------- courses


def _course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or (_is_bureau() and course.facility_id != current_user.facility_id):
        abort(404)
    return course


def _course_facilities() -> list[Facility]:
    return [current_user.facility] if _is_bureau() else _facilities()


@bp.get("/courses")
@allow(*COURSE_ROLES)
def courses():
    facility = _chosen_facility()
    return render_template("corner/courses.html", facility=facility,
                           courses=facility_courses(facility.id if facility else None),
                           facilities=[] if _is_bureau() else _facilities(),
                           action=ActionForm(), today=local_today())


@bp.route("/courses/new", methods=["GET", "POST"])
@allow(*COURSE_ROLES)
def new_course():
    facility = _chosen_facility()
    form = CourseForm(facilities=_course_facilities(),
                      data={"facility_id": facility.id} if facility else None)
    return _course_page(form, None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@allow(*COURSE_ROLES)
def edit_course(course_id):
    course = _course(course_id)
    form = CourseForm(obj=course, facilities=_course_facilities(), course=course)
    return _course_page(form, course)


def _course_page(form: CourseForm, course: Course | None):
    if _is_bureau():
        form.facility_id.data = current_user.facility_id
    if form.validate_on_submit():
        try:
            course = operations.save_course(course, form.facility_id.data, form.course_data())
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            location = url_for("corner.courses", facility=course.facility.code,
                               _anchor=f"course-{course.id}")
            record_result(location)
            db.session.commit()
            flash(_("Course %(name)s saved.", name=course.name), "success")
            return redirect(location)
    return render_template("corner/course_form.html", form=form, course=course,
                           choose_facility=not _is_bureau())


@bp.post("/courses/<int:course_id>/delete")
@allow(*COURSE_ROLES)
def delete_course(course_id):
    course = _course(course_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    code, name = course.facility.code, course.name
    try:
        operations.delete_course(course)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(url_for("corner.courses", facility=code, _anchor=f"course-{course.id}"))
    db.session.commit()
    flash(_("Course %(name)s deleted.", name=name), "success")
    return redirect(url_for("corner.courses", facility=code))


@bp.get("/courses/gap")
@allow(*COURSE_ROLES)
def gap():
    """Which certificates would open the most openings for the facility's people."""
    facility = _chosen_facility()
    facilities = [] if _is_bureau() else _facilities()
    if facility is None:
        facility = facilities[0] if facilities else abort(404)
    rows, seekers, openings = course_gap(facility.id)
    log_event("course_gap_viewed", facility, seekers=seekers, openings=openings)
    db.session.commit()
    return render_template("corner/gap.html", facility=facility, facilities=facilities,
                           rows=rows, seekers=seekers, openings=openings, today=local_today(),
                           reach=course_reach(rows))


# --------------------------------------------------------------------------- kiosk

# the kiosk's own rules: no caching, and an idle visit ends on the server too
kiosk_bp.before_request(_kiosk_visit)


def _kiosk_page(template: str, **context):
    fair = db.session.get(Fair, current_user.fair_id) if current_user.fair_id else None
    if fair is None:
        abort(404)
    visitor = kiosk_operations.current_participant(fair)
    if visitor is not None:
        kiosk_operations.touch()
    return render_template(template, **kiosk_frame(
        fair.name(locale_code()), visitor=visitor, chapter_endpoint="corner.kiosk.chapter",
        facility_arg=None, **context))


@kiosk_bp.get("/handbook", endpoint="handbook")
@allow(Role.KIOSK)
def kiosk_handbook():
    return _kiosk_page("corner/kiosk_handbook.html", pages=handbook_pages(locale_code()),
                       page=None)


@kiosk_bp.get("/handbook/<slug>", endpoint="chapter")
@allow(Role.KIOSK)
def kiosk_chapter(slug):
    page = handbook_page(locale_code(), slug) or abort(404)
    fair = db.session.get(Fair, current_user.fair_id) if current_user.fair_id else None
    courses = _handbook_courses(fair.facility) if fair and page.has_courses else []
    return _kiosk_page("corner/kiosk_handbook.html", pages=handbook_pages(locale_code()),
                       page=page, courses=courses)


@kiosk_bp.get("/bulletin", endpoint="bulletin")
@allow(Role.KIOSK)
def kiosk_bulletin():
    """The current issue of the bulletin of the facility where the kiosk's fair is held."""
    fair = db.session.get(Fair, current_user.fair_id) if current_user.fair_id else None
    bulletin = latest_issue(fair.facility_id) if fair else None
    return _kiosk_page("corner/kiosk_bulletin.html",
                       issue=issue_contents(bulletin) if bulletin else None)


bp.register_blueprint(kiosk_bp)
