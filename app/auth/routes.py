"""Login, logout and password change."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth import operations, second_factor
from app.auth.access import ALL_ROLES, STAFF_ROLES, allow, public, role_required_home
from app.auth.forms import ChangePasswordForm, CodeForm, ConfirmForm, LoginForm
from app.auth.passwords import hash_password, verify_password
from app.auth.redirects import safe_next
from app.extensions import login_manager
from app.qr import qr_svg
from models import StaffUser, db, utcnow

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id):
    return operations.load_session_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


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
                target = safe_next(request.args.get("next"))
                if second_factor.needs_second_factor(user):
                    session.clear()
                    session["pending_2fa"] = {"user": user.id, "next": target}
                    db.session.commit()
                    return redirect(url_for("auth.login_code"))
                operations.start_session(user)
                second_factor.mark_reauthenticated()
                db.session.commit()
                return redirect(target or url_for(role_required_home(user)))
    return render_template("auth/login.html", form=form), 200


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of logging in: the code from the authenticator app."""
    pending = session.get("pending_2fa")
    user = db.session.get(StaffUser, pending["user"]) if pending else None
    if user is None or not user.active:
        session.pop("pending_2fa", None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        keys = [f"totp:{user.id}"]
        if operations.locked_for(keys) is not None:
            form.code.errors.append(_("Too many wrong codes. Try again later."))
        elif second_factor.verify(user, form.code.data):
            operations.start_session(user)
            second_factor.mark_reauthenticated()
            db.session.commit()
            return redirect(safe_next(pending.get("next")) or url_for(role_required_home(user)))
        else:
            operations.count_failure(keys)
            log_event("login_code_failed", user, actor=user)
            db.session.commit()
            form.code.errors.append(_("The code is wrong or has expired; type the current one."))
    return render_template("auth/login_code.html", form=form)


@bp.route("/account/confirm", methods=["GET", "POST"])
@allow(*STAFF_ROLES)
def confirm():
    """Type the password (and code) again before exporting personal or summary data."""
    form = ConfirmForm()
    if form.validate_on_submit():
        ok = verify_password(current_user.password_hash, form.password.data)
        if ok and second_factor.needs_second_factor(current_user):
            ok = second_factor.verify(current_user, form.code.data or "")
        if ok:
            second_factor.mark_reauthenticated()
            log_event("reauthenticated", current_user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"))
                            or url_for(role_required_home(current_user)))
        log_event("reauthentication_failed", current_user)
        db.session.commit()
        form.password.errors.append(_("The password or code is wrong."))
    return render_template("auth/confirm.html", form=form,
                           needs_code=second_factor.needs_second_factor(current_user))


@bp.route("/account/second-factor", methods=["GET", "POST"])
@allow(*STAFF_ROLES)
def second_factor_setup():
    """Turn on the second factor: scan the key with an authenticator app, type a code."""
    secret = session.get("totp_setup") or second_factor.new_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        second_factor.store_secret(user, secret)
        if second_factor.verify(user, form.code.data):
            user.totp_enabled = True
            session.pop("totp_setup", None)
            log_event("second_factor_enabled", user)
            db.session.commit()
            flash(_("The second factor is on. You will be asked for a code when you log in."),
                  "success")
            return redirect(url_for(role_required_home(user)))
        db.session.rollback()
        form.code.errors.append(_("The code is wrong or has expired; type the current one."))
    uri = second_factor.provisioning_uri(current_user, secret)
    return render_template("auth/second_factor.html", form=form, secret=secret,
                           qr=qr_svg(uri), required=second_factor.must_enrol(current_user))


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
