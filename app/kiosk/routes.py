"""Kiosk pages: badge keypad, my options, interest, slip, self-test, the fair's openings."""

import json
from datetime import datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

import matching
from app.audit import client_address
from app.auth import operations as auth_operations
from app.auth.access import allow, public
from app.bureau.operations import record_selftest
from app.fairs.operations import format_badge_code
from app.fairs.routes import given_name
from app.i18n import locale_code
from app.kiosk import cards, devices, operations, throttle
from app.kiosk.forms import EnrolForm
from app.services.matching import ranked_openings_for
from models import (
    Fair,
    FairStatus,
    JobCategory,
    Role,
    Seeker,
    SeekerCertificate,
    StateError,
    db,
    utcnow,
)
from surveys.selftest import (
    RIASEC,
    best_fitting_categories,
    load_selftest_definition,
    load_selftest_items,
    score_selftest,
)

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
bp.record_once(lambda state: cards.init_app(state.app))


@bp.before_request
def _kiosk_visit():
    """No page of the kiosk may be cached; an idle kiosk starts again on the server too.

    After `KIOSK_IDLE_SECONDS` without a request the visit ends and the language goes
    back to Chinese, and a page asked for is answered with the start page (so the
    filters someone chose on the openings list are gone too)."""
    g.personal_data = True
    if not (current_user.is_authenticated and current_user.role is Role.KIOSK):
        return None  # the device sign-in page, before the kiosk is signed in
    state = session.get(operations.SESSION_KEY) or {}
    seen = state.get("seen")
    if seen:
        idle = (utcnow() - datetime.fromisoformat(seen)).total_seconds()
        if idle > current_app.config["KIOSK_IDLE_SECONDS"]:
            reset_kiosk()
            if request.method == "GET" and request.endpoint != "kiosk.start":
                return redirect(url_for("kiosk.start"))
    operations.touch()
    return None


def reset_kiosk() -> None:
    """Start the kiosk again for the next person: no visitor, self-test answers, result
    or filters, and the default language."""
    operations.end_visit()
    g.kiosk_reset_language = True


def _fair() -> Fair:
    fair = db.session.get(Fair, current_user.fair_id) if current_user.fair_id else None
    if fair is None:
        abort(404)
    return fair


def _closed(fair: Fair) -> bool:
    """A closed fair's kiosk offers the openings list and the self-test only."""
    return fair.status is FairStatus.CLOSED


def _visitor(fair):
    participant = operations.current_participant(fair)
    if participant is not None:
        operations.touch()
    return participant


def frame(fair_name: str, **context) -> dict:
    """What the kiosk's page frame (kiosk/_base.html) shows besides the page: the fair's
    name in the visitor's language and the idle time-out."""
    return dict(fair_name=fair_name, idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
                **context)


def closed_fair_frame(fair: Fair, **context) -> dict:
    return frame(fair.name(locale_code()), fair_closed=_closed(fair), **context)


def _common(fair, **context):
    return closed_fair_frame(fair, **context)


@bp.after_request
def _keep_device_id(response):
    """Give this kiosk browser its device id the first time it opens a kiosk page, and
    forget the language a visitor chose when the kiosk starts again."""
    if g.get("kiosk_device_new"):
        throttle.set_device_cookie(response, g.kiosk_device_id)
    if g.get("kiosk_reset_language"):
        response.delete_cookie(current_app.config["LANGUAGE_COOKIE"])
    return response


def _device_id() -> str:
    """This kiosk browser's device id (app.kiosk.throttle), made on its first visit.

    A badge sent without the cookie every kiosk page sets counts against one shared
    device of the account, so dropping the cookie does not buy fresh tries."""
    if "kiosk_device_id" not in g:
        device_id = throttle.device_id_from_cookie()
        if device_id is None and request.method == "GET":
            device_id, g.kiosk_device_new = throttle.new_device_id(), True
        g.kiosk_device_id = device_id or throttle.NO_COOKIE_DEVICE
    return g.kiosk_device_id


@bp.get("")
@allow(Role.KIOSK)
def start():
    fair = _fair()
    if _closed(fair):
        operations.end_visit()
        return render_template("kiosk/closed.html", **_common(fair, visitor=None))
    if _visitor(fair) is not None:
        return redirect(url_for("kiosk.options"))
    wait = throttle.check_device(current_user, _device_id(), utcnow())
    return render_template("kiosk/start.html", **_common(fair, visitor=None, wait=wait))


@bp.post("/badge")
@allow(Role.KIOSK)
def badge():
    fair = _fair()
    operations.end_visit()
    if _closed(fair):
        return redirect(url_for("kiosk.start"))  # the start page says the fair has ended
    participant, tried = operations.sign_in(fair, current_user, _device_id(),
                                            request.form.get("code", ""))
    db.session.commit()
    if participant is None:
        # a device under delay: the keypad page says how long to wait, and counts down
        if tried:
            flash(_("We could not find this number. Please check the number on your badge "
                    "and try again, or ask a staff member."), "error")
        return redirect(url_for("kiosk.start"))
    operations.touch()
    return redirect(url_for("kiosk.options"))


@bp.route("/enrol", methods=["GET", "POST"])
@public
def enrol():
    """Make this browser one of a fair's kiosks with the organizer's one-time code.

    The link the organizer hands out fills the code in; only pressing the button spends
    it (a link opened by a preview or a prefetch spends nothing). Wrong codes from one
    address are throttled like wrong passwords."""
    form = EnrolForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        keys = [f"kiosk-enrol:{client_address()}"]
        if auth_operations.locked_for(keys) is not None:
            form.code.errors.append(_("Too many wrong codes from this device. Wait a few "
                                      "minutes, then ask the organizer for a new code."))
        else:
            kiosk = devices.enrol_device(form.code.data)
            if kiosk is None:
                auth_operations.count_failure(keys)
                db.session.commit()
                form.code.errors.append(_(
                    "This code is not valid: it may be mistyped, used already or older "
                    "than 30 minutes. Ask the organizer for a new code on the fair's "
                    "Kiosks page."))
            else:
                auth_operations.start_session(kiosk)
                db.session.commit()
                flash(_("This device is now %(kiosk)s.", kiosk=kiosk.display_name), "success")
                return redirect(url_for("kiosk.start"))
    return render_template("kiosk/enrol.html", form=form), 400 if form.errors else 200


@bp.post("/finish")
@allow(Role.KIOSK)
def finish():
    reset_kiosk()
    return redirect(url_for("kiosk.start"))


def _require_visitor(fair):
    participant = _visitor(fair)
    if participant is None:
        return None, redirect(url_for("kiosk.start"))
    return participant, None


@bp.get("/options")
@allow(Role.KIOSK)
def options():
    visit = operations.current_visit(current_user.fair_id)
    if visit is None or visit.fair_closed:
        _fair()  # a kiosk bound to no fair: 404
        return redirect(url_for("kiosk.start"))
    plan, more = operations.option_cards(visit, _more_that_fit(visit))
    return render_template(
        "kiosk/options.html",
        **frame(visit.fair_name(locale_code()), visitor=visit, name=given_name(visit.name),
                plan=plan, more=more, card_drawer=cards.card_drawer),
    )


def _more_that_fit(visit) -> list[tuple[int, str]]:
    """(opening id, reasons as JSON text) of up to 5 more fitting openings at the fair,
    ranked once per visit (again after the self-test or a new fair plan), so each page
    view does not rank every opening again. Kept in the visit with the reasons as JSON
    text: the signed cookie is then not walked reason by reason on every request."""
    state = session.get(operations.SESSION_KEY) or {}
    # a certificate earned (or taken back) during the visit changes what fits at once
    earned = db.session.execute(
        sa.select(sa.func.count(SeekerCertificate.id), sa.func.max(SeekerCertificate.id))
        .where(SeekerCertificate.seeker_id == visit.seeker_id)).one()
    plan_stamp = [visit.planned_at.isoformat() if visit.planned_at else None, *earned]
    if not isinstance(state.get("more_options"), list) or state.get("more_plan") != plan_stamp:
        more = []
        seeker = db.session.get(Seeker, visit.seeker_id)
        if seeker.surveys:
            booths = operations.booths_by_opening(visit.fair_id)
            planned_ids = operations.planned_opening_ids(visit.participant_id)
            more = [(r["opening"].id, json.dumps(r["reasons"], ensure_ascii=False))
                    for r in ranked_openings_for(seeker, k=30)
                    if r["opening"].id in booths and r["opening"].id not in planned_ids][:5]
        state["more_options"], state["more_plan"] = more, plan_stamp
        session[operations.SESSION_KEY] = state
    return [(opening_id, reasons) for opening_id, reasons in state["more_options"]]


@bp.post("/interest/<int:opening_id>")
@allow(Role.KIOSK)
def interest(opening_id):
    fair = _fair()
    participant, back = _require_visitor(fair)
    if back:
        return back
    try:
        operations.mark_interest(fair, participant, opening_id)
    except StateError as error:
        db.session.rollback()
        flash(error.user_message(), "error")
    else:
        db.session.commit()
        flash(_("Noted! Go to the booth and talk to the employer."), "success")
    if request.form.get("from") == "openings":
        filters = {name: value for name, value in _openings_filters(request.form).items()
                   if value}
        return redirect(url_for("kiosk.openings", **filters) + f"#opening-{opening_id}")
    return redirect(url_for("kiosk.options") + f"#opening-{opening_id}")


@bp.get("/slip")
@allow(Role.KIOSK)
def slip():
    fair = _fair()
    participant, back = _require_visitor(fair)
    if back:
        return back
    booths = operations.booths_by_opening(fair.id)
    wanted = operations.interested_openings(fair, participant)
    plan = operations.planned_openings(participant)
    chosen = [rec.opening for rec in plan if rec.opening_id in wanted] or \
        [rec.opening for rec in plan]
    others = [opening for opening, _booth in operations.fair_openings(fair)
              if opening.id in wanted and opening not in chosen]
    return render_template("kiosk/slip.html", **_common(
        fair, visitor=participant, name=given_name(participant.seeker.name),
        openings=chosen + others, booths=booths,
        badge=format_badge_code(participant.badge_code)))


@bp.route("/selftest", methods=["GET", "POST"])
@allow(Role.KIOSK)
def selftest():
    """One statement per screen with five big buttons; the result feeds the options.

    Without a signed-in visitor (anyone, and everyone once the fair has closed) the
    self-test is for the person at the screen only: its result is shown, never kept."""
    fair = _fair()
    participant = _visitor(fair)
    items = load_selftest_items()
    state = session.get(operations.SESSION_KEY) or {}
    answers = dict(state.get("answers") or {})
    if request.method == "POST":
        item_id, value = request.form.get("item", ""), request.form.get("value", "")
        if item_id in {i.item_id for i in items} and value in {"1", "2", "3", "4", "5"}:
            answers[item_id] = int(value)
        elif request.form.get("back") and answers:
            answers.pop(next(reversed(answers)))
        state["answers"] = answers
        session[operations.SESSION_KEY] = state
        if len(answers) == len(items):
            result = score_selftest(answers)
            if participant is not None:
                record_selftest(participant.seeker, result)
                db.session.commit()
            else:
                state["anonymous_result"] = {"scores": [result.scores[t] for t in RIASEC],
                                             "code": result.code}
            state["answers"] = {}
            state["result"] = True
            state.pop("more_options", None)  # the self-test changes what fits
            session[operations.SESSION_KEY] = state
            return redirect(url_for("kiosk.selftest_result"))
        return redirect(url_for("kiosk.selftest"))
    position = len(answers)
    return render_template("kiosk/selftest.html", **_common(
        fair, visitor=participant, item=items[position], number=position + 1,
        total=len(items), definition=load_selftest_definition()))


@bp.get("/selftest/result")
@allow(Role.KIOSK)
def selftest_result():
    fair = _fair()
    participant = _visitor(fair)
    if participant is not None:
        scores, code = participant.seeker.riasec_scores, participant.seeker.riasec_code
    else:
        kept = (session.get(operations.SESSION_KEY) or {}).get("anonymous_result") or {}
        scores, code = kept.get("scores"), kept.get("code")
    if not scores:
        return redirect(url_for("kiosk.selftest"))
    from app.services.taxonomy import category_riasec_table
    from surveys.selftest import SelfTestResult

    result = SelfTestResult(scores=dict(zip(RIASEC, scores, strict=True)),
                            raw={}, code=code or "", answered=48)
    fits = best_fitting_categories(result, category_riasec_table(), n=5)
    definition = load_selftest_definition()
    types = {t["code"]: t for t in definition["types"]}
    return render_template("kiosk/selftest_result.html", **_common(
        fair, visitor=participant, result=result, fits=fits, types=types,
        definition=definition))


def _none_nan(amount: int | None) -> float:
    return float("nan") if amount is None else float(amount)


@bp.get("/openings")
@allow(Role.KIOSK)
def openings():
    """Every opening at the fair, by category, with simple filters."""
    fair = _fair()
    participant = _visitor(fair)
    rows = operations.fair_openings(fair)
    filters = _openings_filters(request.args)
    if filters["pay"]:
        # "at least X": the bottom of the range reaches X (matching.pay_at_least)
        reaches = matching.pay_at_least([_none_nan(r[0].pay_min) for r in rows],
                                        [_none_nan(r[0].pay_max) for r in rows],
                                        filters["pay"])
        rows = [r for r, keep in zip(rows, reaches.tolist(), strict=True) if keep]
    if filters["district"]:
        rows = [r for r in rows if r[0].district == filters["district"]]
    if filters["shift"]:
        rows = [r for r in rows if r[0].shift.value == filters["shift"]]
    if filters["housing"] == "1":
        rows = [r for r in rows if r[0].accommodation]
    order = {code: i for i, code in enumerate(
        db.session.scalars(sa.select(JobCategory.code).order_by(JobCategory.position)))}
    groups: dict[str, list] = {}
    for opening, booth in sorted(rows, key=lambda r: (order.get(r[0].category_code, 99),
                                                      r[1] or "", r[0].title)):
        groups.setdefault(opening.category_code, []).append((opening, booth))
    districts = sorted({opening.district for opening, _b in operations.fair_openings(fair)
                        if opening.district})
    interested = operations.interested_openings(fair, participant) if participant else set()
    return render_template("kiosk/openings.html", **_common(
        fair, visitor=participant, groups=groups, filters=filters, districts=districts,
        interested=interested, can_mark=participant is not None and fair.records_stages))


def _openings_filters(values) -> dict:
    """The openings list's filters, from the query or from a form sent from the list."""
    return {
        "pay": values.get("pay", type=int),
        "district": values.get("district", ""),
        "shift": values.get("shift", ""),
        "housing": values.get("housing", ""),
    }
