"""Admin pages: overview, staff accounts, roles."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user

from app.admin import audit_view, operations
from app.admin.forms import (
    ROLE_LABELS,
    EditRoleForm,
    ResetPasswordForm,
    ToggleForm,
    UserForm,
)
from app.audit import log_event
from app.auth.access import allow
from app.auth.operations import login_delay
from app.auth.second_factor import reauthentication_required
from app.i18n import locale_code
from app.main.queries import Page
from app.services.matching import active_model_info
from models import (
    AuditEvent,
    Employer,
    Facility,
    Fair,
    Opening,
    Role,
    Seeker,
    StaffUser,
    StateError,
    Survey,
    db,
)
from surveys.values import ValueParseError, parse_date

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _scopes():
    facilities = db.session.scalars(sa.select(Facility).order_by(Facility.code)).all()
    fairs = db.session.scalars(sa.select(Fair).order_by(Fair.held_on.desc())).all()
    return facilities, fairs


def _scope_ids(form):
    role = Role(form.role.data)
    return role, (form.facility_id.data or None), (form.fair_id.data or None)


@bp.get("/")
@allow(Role.ADMIN)
def dashboard():
    counts = {
        label: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for label, model in [
            ("facilities", Facility),
            ("seekers", Seeker),
            ("surveys", Survey),
            ("employers", Employer),
            ("openings", Opening),
            ("fairs", Fair),
            ("users", StaffUser),
        ]
    }
    return render_template("admin/dashboard.html", counts=counts, model=active_model_info())


@bp.get("/users")
@allow(Role.ADMIN)
def users():
    accounts = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.username)).all()
    delays = {user.id: login_delay(user) for user in accounts}
    return render_template(
        "admin/users.html", users=accounts, role_labels=ROLE_LABELS, toggle=ToggleForm(),
        delays=delays,
    )


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@allow(Role.ADMIN)
@reauthentication_required
def reset_password(user_id):
    """Give a staff member a temporary password, shown once here, that they must replace
    at their next login."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            temporary = operations.reset_password(
                user, current_user, clear_second_factor=form.clear_second_factor.data)
        except StateError as error:
            db.session.rollback()
            flash(error.user_message(), "error")
            return redirect(url_for("admin.users"))
        db.session.commit()
        # shown in this answer only: never flashed (the session cookie) nor stored
        return render_template("admin/password_reset.html", user=user, temporary=temporary,
                               second_factor_cleared=form.clear_second_factor.data)
    return render_template("admin/password_reset.html", user=user, form=form)


@bp.post("/users/<int:user_id>/login-delay/clear")
@allow(Role.ADMIN)
def clear_login_delay(user_id):
    """Let an account whose logins are being slowed down try again at once."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    if not ToggleForm().validate_on_submit():
        abort(400)
    if operations.clear_delay(user):
        db.session.commit()
        flash(_("%(name)s can log in again at once.", name=user.username), "success")
    else:
        flash(_("%(name)s had no failed login attempts.", name=user.username), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def create_user():
    form = UserForm()
    form.set_scopes(*_scopes(), locale_code())
    if form.validate_on_submit():
        role, facility_id, fair_id = _scope_ids(form)
        try:
            operations.create_user(
                form.username.data,
                form.password.data,
                role,
                display_name=form.display_name.data,
                facility_id=facility_id,
                fair_id=fair_id,
            )
        except StateError as error:
            db.session.rollback()
            form.username.errors.append(error.user_message())
        else:
            db.session.commit()
            flash(_("Account %(name)s created.", name=form.username.data), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_role(user_id):
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = EditRoleForm(
        data={
            "role": user.role.value,
            "facility_id": user.facility_id or 0,
            "fair_id": user.fair_id or 0,
        }
    )
    form.set_scopes(*_scopes(), locale_code())
    if form.validate_on_submit():
        role, facility_id, fair_id = _scope_ids(form)
        operations.change_role(user, role, facility_id, fair_id)
        db.session.commit()
        flash(_("The role of %(name)s was saved.", name=user.username), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/role_form.html", form=form, user=user)


@bp.post("/users/<int:user_id>/active/<int:active>")
@allow(Role.ADMIN)
def set_active(user_id, active):
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.set_active(user, bool(active), current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        message = _("%(name)s can log in again.") if active else _("%(name)s is disabled.")
        flash(message % {"name": user.username}, "success")
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@allow(Role.ADMIN)
def audit():
    """The audit trail, newest first, with filters; entries cannot be changed here."""
    args = request.args
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if args.get("action"):
        query = query.where(AuditEvent.action == args["action"])
    if args.get("actor"):
        query = query.where(AuditEvent.actor_name == args["actor"].strip())
    if args.get("target_type"):  # links from a record's page name it by type and id
        query = query.where(AuditEvent.target_type == args["target_type"])
    if args.get("target_id"):
        query = query.where(AuditEvent.target_id == args["target_id"].strip())
    if args.get("record"):
        found = audit_view.find_record(args["record"])
        if found is None:
            flash(_("No person, fair, opening or user has the code %(code)s.",
                    code=args["record"].strip()), "error")
            query = query.where(sa.false())
        else:
            query = query.where(AuditEvent.target_type == found[0],
                                AuditEvent.target_id == found[1])
    for name, op in (("since", "__ge__"), ("until", "__lt__")):
        if args.get(name):
            try:
                day = parse_date(args[name])
            except ValueParseError:
                flash(_("Write dates as 2026-07-15."), "error")
                continue
            if name == "until":
                day = day + timedelta(days=1)
            # the reader's days are Shanghai days; the trail is kept in UTC
            start = to_utc(datetime.combine(day, time())).replace(tzinfo=None)
            query = query.where(getattr(AuditEvent.at, op)(start))
    number = max(1, args.get("page", 1, type=int) or 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    events = db.session.scalars(query.limit(100).offset((number - 1) * 100)).all()
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    log_event("audit_viewed", filters={k: v for k, v in args.items() if k != "page"})
    db.session.commit()
    return render_template("admin/audit.html", events=events,
                           actions=audit_view.action_choices(actions),
                           action_label=audit_view.action_label,
                           role_label=audit_view.role_label,
                           records=audit_view.record_names(events),
                           page=Page(items=list(events), number=number, total=total, size=100),
                           args=args, filters={k: v for k, v in args.items() if k != "page"})
