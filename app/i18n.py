"""Language choice: Chinese by default, English on request, remembered in a cookie."""

from flask import Blueprint, current_app, g, has_app_context, redirect, request, url_for
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from app.auth.access import public
from app.auth.redirects import path_of_same_origin, safe_next

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
    # the locale Flask-Babel chose for this request (or forced), without its lookups
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None) or get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def translations():
    """Flask-Babel's translations for the active locale, looked up once per request (and
    again whenever the locale changes, as under `force_locale`): templates translate a
    few dozen strings per page, and Flask-Babel finds the catalog anew for each one."""
    if not has_app_context():
        return get_translations()
    state = g.get("_flask_babel")
    known = getattr(state, "qibu_translations", None)
    if known is not None and known[0] is getattr(state, "babel_locale", None):
        return known[1]
    found = get_translations()  # sets the context's babel_locale
    state = g._flask_babel
    state.qibu_translations = (getattr(state, "babel_locale", None), found)
    return found


@bp.get("/lang/<code>")
@public
def switch_language(code):
    """Remember the chosen language and go back to the page the user came from."""
    target = (safe_next(request.args.get("next"))
              or path_of_same_origin(request.referrer, request.host)
              or url_for("main.home"))
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


def _gettext(string: str) -> str:
    return translations().ugettext(string)


@pass_context
def _template_gettext(context, string: str, **variables):
    """Jinja's new-style gettext (escaped where autoescaping is on, always %-formatted)
    on this request's catalog in one call: `_()` would otherwise go through three."""
    text = _gettext(string)
    if context.eval_ctx.autoescape:
        # bandit B704 reviewed: a msgstr of Qibu's own catalogs, marked safe as Jinja's
        # gettext marks it; the values put into it are escaped by Markup's %
        text = Markup(text)  # noqa: S704  # nosec B704
    return text % variables


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals["locale_code"] = locale_code
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # the same callables Flask-Babel installs, with the catalog looked up once per request;
    # then gettext and its alias _ as one call each
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
