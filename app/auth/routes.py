"""Login, logout and password change."""

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth import operations, second_factor
from app.auth.access import ALL_ROLES, STAFF_ROLES, allow, public, role_required_home
from app.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    LoginForm,
    ReplaceSecondFactorForm,
)
from app.auth.passwords import verify_password
from app.auth.redirects import safe_next
from app.extensions import login_manager
from app.qr import qr_svg
from models import StaffUser, db

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id):
    return operations.load_session_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _wait_message(wait) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return _("Too many failed attempts. Try again in %(n)s seconds.", n=seconds)
    return _("Too many failed attempts. Try again in %(n)s minutes.", n=math.ceil(seconds / 60))


def _home_after_login(user, target: str | None) -> str:
    if user.must_change_password:
        return url_for("auth.change_password")
    return target or url_for(role_required_home(user))


def _check_password_again(user, password: str, code: str | None, *, where: str,
                          form_field) -> bool:
    """Check a signed-in user's password (and second-factor code when `code` is given)
    again, throttled and audited like a login; put the message on `form_field`."""
    keys = operations.throttle_keys(user.username)
    wait = operations.locked_for(keys)
    if wait is not None:
        log_event(f"{where}_delayed", user, seconds=math.ceil(wait.total_seconds()))
        db.session.commit()
        form_field.errors.append(_wait_message(wait))
        return False
    ok = verify_password(user.password_hash, password)
    if ok and code is not None:
        ok = second_factor.verify(user, code)
    if not ok:
        operations.count_failure(keys)
        log_event(f"{where}_failed", user)
        db.session.commit()
    return ok


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
        username = form.username.data.strip()[:40]
        keys = operations.throttle_keys(username)
        wait = operations.locked_for(keys)
        if wait is not None:
            # refused without the password being checked, so guessing gains nothing
            log_event("login_delayed", username=username,
                      seconds=math.ceil(wait.total_seconds()))
            db.session.commit()
            form.password.errors.append(_wait_message(wait))
        else:
            user = operations.authenticate(form.username.data, form.password.data)
            if user is None:
                operations.count_failure(keys)
                log_event("login_failed", username=username)
                db.session.commit()
                form.password.errors.append(
                    _("The user name or password is wrong, or the account is disabled.")
                )
            else:
                operations.clear_failures(username)
                target = safe_next(request.args.get("next"))
                if second_factor.needs_second_factor(user):
                    session.clear()
                    session["pending_2fa"] = {"user": user.id, "next": target}
                    db.session.commit()
                    return redirect(url_for("auth.login_code"))
                operations.start_session(user)
                second_factor.mark_reauthenticated()
                db.session.commit()
                return redirect(_home_after_login(user, target))
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
        keys = [operations.second_factor_key(user)]
        wait = operations.locked_for(keys)
        if wait is not None:
            log_event("login_code_delayed", user, actor=user,
                      seconds=math.ceil(wait.total_seconds()))
            db.session.commit()
            form.code.errors.append(_("Too many wrong codes. Try again later."))
        elif second_factor.verify(user, form.code.data):
            operations.start_session(user)
            second_factor.mark_reauthenticated()
            db.session.commit()
            return redirect(_home_after_login(user, safe_next(pending.get("next"))))
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
    needs_code = second_factor.needs_second_factor(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if _check_password_again(user, form.password.data,
                                 (form.code.data or "") if needs_code else None,
                                 where="reauthentication", form_field=form.password):
            operations.clear_failures(user.username)
            second_factor.mark_reauthenticated()
            log_event("reauthenticated", user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"))
                            or url_for(role_required_home(user)))
        if not form.password.errors:
            form.password.errors.append(_("The password or code is wrong."))
    return render_template("auth/confirm.html", form=form, needs_code=needs_code)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@allow(*STAFF_ROLES)
def second_factor_setup():
    """Turn on the second factor: scan the key with an authenticator app, type a code.

    Replacing a second factor that is on takes the password and a current code of the
    present one as well: a session left open is not enough to take the account over."""
    user = current_user._get_current_object()
    replacing = second_factor.needs_second_factor(user)
    secret = session.get("totp_setup") or second_factor.new_secret()
    session["totp_setup"] = secret
    form = ReplaceSecondFactorForm() if replacing else CodeForm()
    if form.validate_on_submit():
        # the new key's code first: it is only checked, and a mistake there costs no
        # password attempt
        step = second_factor.matching_step(secret, form.code.data)
        if step is None:
            form.code.errors.append(
                _("The code is wrong or has expired; type the current one."))
        elif replacing and not _check_password_again(
                user, form.password.data, form.current_code.data,
                where="second_factor_change", form_field=form.password):
            if not form.password.errors:
                form.password.errors.append(
                    _("The password or the code of your present authenticator app is "
                      "wrong."))
        else:
            second_factor.store_secret(user, secret, accepted_step=step)
            user.totp_enabled = True
            session.pop("totp_setup", None)
            if replacing:
                operations.clear_failures(user.username)
            log_event("second_factor_replaced" if replacing else "second_factor_enabled", user)
            db.session.commit()
            flash(_("The second factor is on. You will be asked for a code when you log in."),
                  "success")
            return redirect(url_for(role_required_home(user)))
    uri = second_factor.provisioning_uri(user, secret)
    return render_template("auth/second_factor.html", form=form, secret=secret,
                           qr=qr_svg(uri), required=second_factor.must_enrol(user),
                           replacing=replacing)


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
    """Change one's password; after an administrator's reset, before anything else."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user.username)
    if form.validate_on_submit():
        if form.new_password.data == form.current_password.data:
            form.new_password.errors.append(
                _("Choose a new password, different from the current one."))
        elif _check_password_again(user, form.current_password.data, None,
                                   where="password_change", form_field=form.current_password):
            operations.clear_failures(user.username)
            operations.change_password(user, form.new_password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for(role_required_home(user)))
        elif not form.current_password.errors:
            form.current_password.errors.append(_("The current password is wrong."))
    return render_template("auth/change_password.html", form=form,
                           forced=user.must_change_password)
