"""Login, logout and password change."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth import operations
from app.auth.access import ALL_ROLES, STAFF_ROLES, allow, public, role_required_home
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.passwords import hash_password, verify_password
from app.extensions import login_manager
from models import db, utcnow

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id):
    return operations.load_session_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for(role_required_home(current_user)))
    if session.pop("expired", False):
        flash(_("You were logged out after a period without activity. Please log in again."),
              "info")
    form = LoginForm()
    if form.validate_on_submit():
        keys = operations.throttle_keys(form.username.data)
        wait = operations.locked_for(keys)
        if wait is not None:
            minutes = max(1, round(wait.total_seconds() / 60))
            form.password.errors.append(
                _("Too many failed attempts. Try again in %(n)s minutes.", n=minutes)
            )
        else:
            user = operations.authenticate(form.username.data, form.password.data)
            if user is None:
                operations.count_failure(keys)
                log_event("login_failed", username=form.username.data.strip()[:40])
                db.session.commit()
                form.password.errors.append(
                    _("The user name or password is wrong, or the account is disabled.")
                )
            else:
                operations.clear_failures(form.username.data)
                operations.start_session(user)
                db.session.commit()
                target = _safe_next(request.args.get("next"))
                return redirect(target or url_for(role_required_home(user)))
    return render_template("auth/login.html", form=form), 200


@bp.post("/logout")
@allow(*ALL_ROLES)
def logout():
    log_event("logout", current_user)
    operations.end_session()
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*STAFF_ROLES)
def change_password():
    form = ChangePasswordForm(current_user.username)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            current_user.password_hash = hash_password(form.new_password.data)
            current_user.password_changed_at = utcnow()
            log_event("password_changed", current_user)
            user = current_user._get_current_object()
            operations.revoke_sessions(user)
            operations.start_session(user)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(role_required_home(current_user)))
    return render_template("auth/change_password.html", form=form)
