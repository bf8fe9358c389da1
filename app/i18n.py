"""Language choice: Chinese by default, English on request, remembered in a cookie."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_locale

from app.auth.access import public

bp = Blueprint("i18n", __name__)
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_locale_code(req) -> str:
    """Return the language remembered in the cookie, or the default (zh_CN)."""
    chosen = req.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def locale_code() -> str:
    """The active locale as Qibu's code: 'zh_CN' or 'en'."""
    return "en" if str(get_locale()).startswith("en") else "zh_CN"


@bp.get("/lang/<code>")
@public
def switch_language(code):
    """Remember the chosen language and go back to the page the user came from."""
    target = request.args.get("next") or request.referrer or url_for("main.home")
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        target = url_for("main.home")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            code,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals["locale_code"] = locale_code
    app.jinja_env.policies["ext.i18n.trimmed"] = True
