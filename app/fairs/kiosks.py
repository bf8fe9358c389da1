"""The organizer's kiosk devices of a fair: register, sign-in codes, move, retire."""

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import allow
from app.fairs import scope
from app.fairs.forms import ActionForm, KioskForm, MoveKioskForm
from app.i18n import locale_code
from app.kiosk import devices
from app.qr import qr_svg
from app.submissions import record_result
from models import Fair, Role, StateError, db

bp = Blueprint("fairkiosks", __name__, url_prefix="/fairs")
PLANNERS = (Role.ORGANIZER, Role.ADMIN)
# a new sign-in code, kept in the organizer's session only until the list has shown it
CODE_KEY = "kiosk_code"


def _fair(fair_id: int) -> Fair:
    return db.session.get(Fair, fair_id) or abort(404)


def _kiosk(fair: Fair, kiosk_id: int):
    return devices.fair_kiosk(fair, kiosk_id) or abort(404)


def _show_code_once(fair: Fair, kiosk, code: str):
    """Answer a new code with a redirect to the list, which shows it once: reloading the
    list then neither registers another kiosk nor shows the code again."""
    session[CODE_KEY] = {"fair": fair.id, "kiosk": kiosk.id, "code": code}
    return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id) + "#kiosk-code")


def _code_to_show(fair: Fair):
    kept = session.pop(CODE_KEY, None)
    if not kept or kept.get("fair") != fair.id:
        return None
    kiosk = devices.fair_kiosk(fair, kept.get("kiosk", 0))
    return (kiosk, kept["code"]) if kiosk is not None and kiosk.active else None


def _page(fair: Fair, *, form=None, status=200):
    kiosks = devices.fair_kiosks(fair)
    others = devices.fairs_to_move_to(fair, scope.visible_fairs(current_user))
    shown_code = None
    new_code = _code_to_show(fair)
    if new_code is not None:
        kiosk, code = new_code
        link = url_for("kiosk.enrol", code=devices.format_code(code), _external=True)
        shown_code = {"kiosk": kiosk, "code": devices.format_code(code), "link": link,
                      "qr": qr_svg(link), "minutes": int(devices.CODE_VALID.total_seconds() // 60)}
    return render_template(
        "fairs/kiosks.html", fair=fair, kiosks=kiosks, form=form or KioskForm(),
        move=MoveKioskForm(others) if others else None, action=ActionForm(),
        shown_code=shown_code), status


@bp.get("/<int:fair_id>/kiosks")
@allow(*PLANNERS)
def kiosks(fair_id):
    return _page(_fair(fair_id))


@bp.post("/<int:fair_id>/kiosks")
@allow(*PLANNERS)
def register(fair_id):
    fair = _fair(fair_id)
    form = KioskForm()
    if not form.validate_on_submit():
        return _page(fair, form=form, status=400)
    try:
        kiosk, code = devices.register_kiosk(fair, form.label.data or "", current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))
    record_result(url_for("fairkiosks.kiosks", fair_id=fair.id))
    db.session.commit()
    return _show_code_once(fair, kiosk, code)


@bp.post("/<int:fair_id>/kiosks/<int:kiosk_id>/code")
@allow(*PLANNERS)
def new_code(fair_id, kiosk_id):
    fair = _fair(fair_id)
    kiosk = _kiosk(fair, kiosk_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        code = devices.issue_code(kiosk, current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))
    db.session.commit()
    return _show_code_once(fair, kiosk, code)


@bp.post("/<int:fair_id>/kiosks/<int:kiosk_id>/move")
@allow(*PLANNERS)
def move(fair_id, kiosk_id):
    fair = _fair(fair_id)
    kiosk = _kiosk(fair, kiosk_id)
    form = MoveKioskForm(devices.fairs_to_move_to(fair, scope.visible_fairs(current_user)))
    if not form.validate_on_submit():
        for message in form.fair_id.errors:
            flash(message, "error")
        return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))
    target = db.session.get(Fair, form.fair_id.data) or abort(404)
    if current_user.role is Role.ORGANIZER and not scope.organizes(current_user, target.id):
        abort(404)
    try:
        devices.move_kiosk(kiosk, target, current_user)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
        return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))
    db.session.commit()
    flash(_("%(kiosk)s now shows %(fair)s. Its screen changes at the next touch.",
            kiosk=kiosk.display_name, fair=target.name(locale_code())),
          "success")
    return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))


@bp.post("/<int:fair_id>/kiosks/<int:kiosk_id>/retire")
@allow(*PLANNERS)
def retire(fair_id, kiosk_id):
    fair = _fair(fair_id)
    kiosk = _kiosk(fair, kiosk_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    devices.retire_kiosk(kiosk, current_user)
    db.session.commit()
    flash(_("%(kiosk)s is retired: it is signed out and can no longer be used.",
            kiosk=kiosk.display_name), "success")
    return redirect(url_for("fairkiosks.kiosks", fair_id=fair.id))

