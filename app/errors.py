"""Bilingual error pages."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from app.api import api_error, is_api_request
from app.i18n import locale_code
from app.submissions import is_unique_violation
from models import Fair, Role, StateError, db


def _page(status: int, title: str, message: str):
    db.session.rollback()
    if is_api_request():
        return api_error(status)
    if request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": message}, status
    if _at_kiosk():
        return render_template("kiosk/error.html", status=status, title=title, message=message,
                               **_kiosk_frame()), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _at_kiosk() -> bool:
    """A kiosk device is signed in: its error pages keep the kiosk's frame, never the
    staff bar."""
    try:
        return current_user.is_authenticated and current_user.role is Role.KIOSK
    except Exception:  # noqa: BLE001 - a page about an error must not fail in turn
        return False


def _kiosk_frame() -> dict:
    """The kiosk frame of an error page: the fair's name and the visitor's own buttons
    (My options, Finish) if someone is signed in at the kiosk."""
    from app.kiosk.operations import current_participant
    from app.kiosk.routes import frame

    fair = db.session.get(Fair, current_user.fair_id) if current_user.fair_id else None
    if fair is None:
        return frame("", visitor=None)
    return frame(fair.name(locale_code()), visitor=current_participant(fair))


def init_app(app):
    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return _page(
            400,
            _("The form has expired"),
            _("For your safety the form expired or came from another page. "
              "Go back, reload the page and submit it again."),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, _("Access denied"), _("Your account is not allowed to open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(
            404, _("Page not found"), _("There is no such page, or it is not yours to see.")
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _page(405, _("Not allowed"), _("This page cannot be used that way."))

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return _page(
            413,
            _("The file is too large"),
            _("Upload a file of at most %(n)s MB, or split it into several files.", n=limit),
        )

    @app.errorhandler(StateError)
    def state_error(error):
        return _page(409, _("This cannot be done now"), error.user_message())

    @app.errorhandler(IntegrityError)
    def recorded_meanwhile(error):
        # the same thing saved by another request at the same moment: say so, never 500
        if not is_unique_violation(error):
            raise error
        return _page(
            409,
            _("Already recorded"),
            _("The same was saved by another request at the same moment, so nothing more "
              "was saved. Reload the page to see what is recorded."),
        )

    @app.errorhandler(500)
    def server_error(error):
        return _page(
            500,
            _("Something went wrong"),
            _("Nothing was saved. Try again; if it happens again, tell the administrator."),
        )
