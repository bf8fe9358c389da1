"""Employment centre pages: employers, their openings, and the category suggestion."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.access import allow
from app.employment import operations
from app.employment.forms import (
    EDUCATION_LABELS,
    SHIFT_LABELS,
    ActionForm,
    EmployerForm,
    OpeningForm,
    SuspendEmployerForm,
    VerifyEmployerForm,
)
from app.labels import category_name
from app.main.queries import PAGE_SIZE, Page
from app.services.categories import needs_confirmation, suggest_category
from app.services.matching import ranked_seekers_for
from app.submissions import record_result
from models import Employer, JobCategory, Opening, Role, StateError, db

bp = Blueprint("employment", __name__, url_prefix="/employment")
STAFF = (Role.EMPLOYMENT, Role.ADMIN)


def _employer(employer_id: int) -> Employer:
    return db.session.get(Employer, employer_id) or abort(404)


def _opening(opening_id: int) -> Opening:
    return db.session.get(Opening, opening_id) or abort(404)


@bp.get("/employers")
@allow(*STAFF)
def employers():
    search = request.args.get("q", "").strip()
    number = max(1, request.args.get("page", 1, type=int) or 1)
    query = sa.select(Employer).order_by(Employer.name)
    if search:
        pattern = f"%{search}%"
        query = query.where(sa.or_(Employer.name.ilike(pattern), Employer.uscc.ilike(pattern)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    counts = dict(db.session.execute(
        sa.select(Opening.employer_id, sa.func.count()).group_by(Opening.employer_id)
    ).all())
    return render_template("employment/employers.html", search=search, counts=counts,
                           page=Page(items=list(items), number=number, total=total))


@bp.route("/employers/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_employer():
    form = EmployerForm()
    if form.validate_on_submit():
        employer = operations.save_employer(None, _employer_data(form))
        location = url_for("employment.employer", employer_id=employer.id)
        record_result(location)
        db.session.commit()
        flash(_("Employer %(name)s registered.", name=employer.name), "success")
        return redirect(location)
    return render_template("employment/employer_form.html", form=form, employer=None)


@bp.get("/employers/<int:employer_id>")
@allow(*STAFF)
def employer(employer_id):
    employer = _employer(employer_id)
    return render_template("employment/employer.html", employer=employer,
                           shift_labels=SHIFT_LABELS, action=ActionForm())


@bp.route("/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit_employer(employer_id):
    employer = _employer(employer_id)
    form = EmployerForm(obj=employer, employer=employer)
    if form.validate_on_submit():
        try:
            operations.save_employer(employer, _employer_data(form))
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
            return render_template("employment/employer_form.html", form=form,
                                   employer=employer)
        location = url_for("employment.employer", employer_id=employer.id)
        record_result(location)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(location)
    return render_template("employment/employer_form.html", form=form, employer=employer)


def _employer_data(form: EmployerForm) -> dict:
    return {name: form[name].data for name in (
        "name", "uscc", "industry", "district", "address", "contact_person", "contact_phone",
        "contact_shareable", "pledge_date", "notes")}


@bp.route("/employers/<int:employer_id>/openings/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_opening(employer_id):
    employer = _employer(employer_id)
    form = OpeningForm()
    suggestion = None
    if request.method == "GET" and request.args.get("title"):
        form.title.data = request.args["title"]
    if form.title.data:
        suggestion = _suggestion(form.title.data)
        # filled in only when sure; an unsure suggestion is a hint, never a silent choice
        if request.method == "GET" and suggestion["confident"]:
            form.category_code.data = suggestion["category"]
    if form.validate_on_submit():
        return _save_opening(None, employer, form)
    _explain_missing_category(form, suggestion)
    return render_template("employment/opening_form.html", form=form, employer=employer,
                           opening=None, suggestion=suggestion)


@bp.get("/openings/<int:opening_id>")
@allow(Role.EMPLOYMENT, Role.ADMIN, Role.ORGANIZER)
def opening(opening_id):
    opening = db.session.scalar(
        sa.select(Opening).where(Opening.id == opening_id)
        .options(selectinload(Opening.employer))
    ) or abort(404)
    if current_user.role is Role.ORGANIZER and not opening.employer.verified:
        abort(404)  # until its employer is verified, employment staff only
    candidates = ranked_seekers_for(opening, k=20) if opening.is_open else []
    return render_template("employment/opening.html", opening=opening, action=ActionForm(),
                           shift_labels=SHIFT_LABELS, education=dict(EDUCATION_LABELS),
                           candidates=candidates)


@bp.route("/openings/<int:opening_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit_opening(opening_id):
    opening = _opening(opening_id)
    form = OpeningForm(obj=opening, data={"shift": opening.shift.value})
    suggestion = None
    if not opening.category_confirmed:  # the stored category is an unsure guess
        suggestion = _suggestion(opening.title)
        if request.method == "GET":
            form.category_code.data = ""
    if form.validate_on_submit():
        return _save_opening(opening, opening.employer, form)
    _explain_missing_category(form, suggestion)
    return render_template("employment/opening_form.html", form=form, employer=opening.employer,
                           opening=opening, suggestion=suggestion)


def _save_opening(opening, employer, form):
    try:
        opening = operations.save_opening(opening, employer, form.opening_data(),
                                          user=current_user)
    except StateError as error:
        db.session.rollback()
        form.headcount.errors.append(error.user_message())
        return render_template("employment/opening_form.html", form=form, employer=employer,
                               opening=opening, suggestion=None)
    location = url_for("employment.opening", opening_id=opening.id)
    record_result(location)
    db.session.commit()
    flash(_("Opening %(title)s saved.", title=opening.title), "success")
    return redirect(location)


@bp.post("/openings/<int:opening_id>/close")
@allow(*STAFF)
def close_opening(opening_id):
    return _change_state(opening_id, operations.close_opening, _("The opening is closed."))


@bp.post("/openings/<int:opening_id>/reopen")
@allow(*STAFF)
def reopen_opening(opening_id):
    return _change_state(opening_id, operations.reopen_opening, _("The opening is open again."))


def _apply_state_change(target, operation, done_message, back):
    """Run a state transition posted from a button: commit and say so, or roll back and
    say why the state rules refuse it; then go `back`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(target)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        flash(done_message, "success")
    return redirect(back)


def _change_state(opening_id, operation, done_message):
    return _apply_state_change(_opening(opening_id), operation, done_message,
                               url_for("employment.opening", opening_id=opening_id))


@bp.get("/suggest-category")
@allow(*STAFF)
def suggest_category_json():
    """The category suggested for ?title=, with its confidence, for the opening form."""
    return _suggestion(request.args.get("title", ""))


def _suggestion(title: str) -> dict:
    code, confidence = suggest_category(title)
    return {"category": code, "name": category_name(code) if code else "",
            "confidence": round(confidence, 2),
            "confident": bool(code) and not needs_confirmation(confidence)}


def _explain_missing_category(form: OpeningForm, suggestion: dict | None) -> None:
    """Say why a category left empty under an unsure suggestion is refused."""
    if form.category_code.errors and not form.category_code.data and suggestion \
            and suggestion["category"] and not suggestion["confident"]:
        form.category_code.errors = [_(
            "Choose the job category. The title suggests %(name)s, but only with "
            "%(pct)s%% confidence: too unsure to apply without a person choosing.",
            name=suggestion["name"], pct=round(suggestion["confidence"] * 100))]


# --- vetting: the review queue, verify, un-verify, suspend -----------------------------


@bp.get("/review")
@allow(*STAFF)
def review_queue():
    """Unverified employers, oldest first, with the openings held back until they are
    verified."""
    queue = operations.review_queue()
    return render_template("employment/review.html", queue=queue,
                           held_back=sum(len(openings) for _employer, openings in queue))


@bp.route("/employers/<int:employer_id>/verify", methods=["GET", "POST"])
@allow(*STAFF)
def verify_employer(employer_id):
    employer = _employer(employer_id)
    form = VerifyEmployerForm(obj=employer, employer=employer)
    if form.validate_on_submit():
        try:
            operations.verify_employer(employer, form.verification_data(), current_user)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is verified: its open openings now reach job seekers.",
                    name=employer.name), "success")
            return redirect(url_for("employment.review_queue"))
    elif form.errors:
        flash(_("Not verified yet. Check: %(fields)s.", fields=_(", ").join(
            str(form[name].label.text) for name in form.errors if name != "csrf_token")),
            "error")
    return render_template("employment/verify_form.html", form=form, employer=employer)


@bp.route("/employers/<int:employer_id>/suspend", methods=["GET", "POST"])
@allow(*STAFF)
def suspend_employer(employer_id):
    employer = _employer(employer_id)
    form = SuspendEmployerForm()
    if form.validate_on_submit():
        try:
            operations.suspend_employer(employer, form.reason.data)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is suspended: its openings no longer reach job seekers.",
                    name=employer.name), "success")
            return redirect(url_for("employment.employer", employer_id=employer.id))
    return render_template("employment/suspend_form.html", form=form, employer=employer)


@bp.post("/employers/<int:employer_id>/unverify")
@allow(*STAFF)
def unverify_employer(employer_id):
    return _vetting_step(employer_id, operations.unverify_employer, _(
        "Un-verified: its openings no longer reach job seekers, and it is back in the "
        "review queue."))


@bp.post("/employers/<int:employer_id>/lift-suspension")
@allow(*STAFF)
def lift_employer_suspension(employer_id):
    return _vetting_step(employer_id, operations.lift_employer_suspension, _(
        "The suspension is lifted; the employer is back in the review queue, to be "
        "verified again."))


def _vetting_step(employer_id, operation, done_message):
    return _apply_state_change(_employer(employer_id), operation, done_message,
                               url_for("employment.employer", employer_id=employer_id))


# --- categories to confirm: openings whose category is an unsure guess ------------------


@bp.get("/categories-to-confirm")
@allow(*STAFF)
def categories_to_confirm():
    """Openings whose category the title classifier guessed without enough confidence,
    oldest first: shown to no job seeker until staff set the category here."""
    number = max(1, request.args.get("page", 1, type=int) or 1)
    query = (sa.select(Opening).where(Opening.category_confirmed == sa.false())
             .options(selectinload(Opening.employer))
             .order_by(Opening.created_at, Opening.id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return render_template("employment/categories_to_confirm.html", action=ActionForm(),
                           page=Page(items=list(items), number=number, total=total))


@bp.post("/openings/<int:opening_id>/category")
@allow(*STAFF)
def confirm_category(opening_id):
    """Set and confirm an opening's category from the queue, or with ``same_title`` that
    of every opening to confirm with the same title."""
    opening = _opening(opening_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    category = request.form.get("category", "")
    if db.session.get(JobCategory, category) is None:
        flash(_("Choose a category for “%(title)s”, then press Set.", title=opening.title),
              "error")
        return redirect(url_for("employment.categories_to_confirm"))
    openings = [opening]
    if request.form.get("same_title"):
        openings += db.session.scalars(sa.select(Opening).where(
            Opening.title == opening.title, Opening.category_confirmed == sa.false(),
            Opening.id != opening.id)).all()
    operations.confirm_categories(openings, category, user=current_user)
    db.session.commit()
    flash(_("Category %(name)s set for %(n)s openings titled “%(title)s”.",
            name=category_name(category), n=len(openings), title=opening.title), "success")
    if request.form.get("next") == "opening":
        return redirect(url_for("employment.opening", opening_id=opening.id))
    return redirect(url_for("employment.categories_to_confirm"))
