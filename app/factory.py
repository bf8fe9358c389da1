"""create_app(): the web application built from a config class (`app.create_app`)."""

import logging
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g, request
from sqlalchemy.engine import Engine

from app import (
    MIGRATIONS_DIR,  # noqa: F401 (re-exported for the factory's users)
    typed_text,
)
from app.config import config_from_environment, production_problems
from app.extensions import babel, csrf, db, login_manager, migrate


def create_app(config=None, **overrides) -> Flask:
    """Build the app from a config class (default: chosen by QIBU_ENV) plus overrides."""
    app = Flask("app", instance_relative_config=False)
    app.request_class = typed_text.TypedTextRequest  # typed text without control characters
    typed_text.init_app(app)  # ... and a path, query or form holding some is refused
    app.config.from_object(config or config_from_environment())
    app.config.update(overrides)
    _refuse_unsafe_production(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Path(app.config["CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
    _hide_sql_parameters(app)
    _configure_sqlite(app)

    db.init_app(app)
    from app.crypto import decrypt_text, encrypt_text, keyed_hash
    from models.db import set_field_cipher

    set_field_cipher(encrypt_text, decrypt_text, keyed_hash)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=None)
    login_manager.init_app(app)

    from app import api, auth, errors, i18n, labels, main, opening_labels, reasons, submissions
    from app.admin import routes as admin_routes
    from app.aftercare import routes as aftercare_routes
    from app.auth import access
    from app.bureau import routes as bureau_routes
    from app.corner import routes as corner_routes
    from app.employment import routes as employment_routes
    from app.fairs import after as fair_after
    from app.fairs import day as fair_day
    from app.fairs import kiosks as fair_kiosks
    from app.fairs import routes as fair_routes
    from app.fairs import scope as fair_scope
    from app.imports import routes as import_routes
    from app.jobs import routes as job_routes
    from app.kiosk import routes as kiosk_routes
    from app.practice import routes as practice_routes
    from app.referrals import routes as referral_routes
    from app.reports import routes as report_routes
    from app.startup import routes as startup_routes
    from app.training import routes as training_routes

    access.init_app(app)
    # after the role rules: an organizer reaches only the fairs they organize
    app.before_request(fair_scope.guard_fair_pages)
    i18n.init_app(app)
    labels.init_app(app)
    opening_labels.init_app(app)
    reasons.init_app(app)
    errors.init_app(app)
    submissions.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(admin_routes.bp)
    app.register_blueprint(bureau_routes.bp)
    app.register_blueprint(import_routes.bureau_bp)
    app.register_blueprint(employment_routes.bp)
    app.register_blueprint(import_routes.employment_bp)
    app.register_blueprint(fair_routes.bp)
    app.register_blueprint(fair_day.bp)
    app.register_blueprint(fair_kiosks.bp)
    app.register_blueprint(fair_after.bp)
    app.register_blueprint(kiosk_routes.bp)
    app.register_blueprint(report_routes.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(corner_routes.bp)
    app.register_blueprint(referral_routes.bp)
    app.register_blueprint(practice_routes.bp)
    app.register_blueprint(training_routes.bp)
    app.register_blueprint(startup_routes.bp)
    app.register_blueprint(aftercare_routes.bp)
    app.register_blueprint(job_routes.bp)

    from app import cli

    cli.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        if getattr(g, "personal_data", False):
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        return response

    logging.getLogger("qibu").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    return app


def _select_locale():
    from flask import current_app, has_request_context

    from app.i18n import current_locale_code

    # Babel reads 'zh_CN' as zh_Hans_CN, hence the catalog folder's name
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_locale_code(request)


def _refuse_unsafe_production(app: Flask) -> None:
    problems = production_problems(app.config)
    if problems:
        raise RuntimeError("Refusing to start in production: " + " ".join(problems))


def _hide_sql_parameters(app: Flask) -> None:
    """Database errors are logged (and shown in tracebacks) without their bound values:
    those are names, ID hashes and survey answers. In every environment, whatever
    SQLALCHEMY_ENGINE_OPTIONS a deployment or a test sets."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["hide_parameters"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_sqlite(app: Flask) -> None:
    """Use WAL and a busy timeout so concurrent writers wait instead of failing; no
    liveness ping before each request's first query (a database file does not drop the
    connection as a server can)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    if uri.startswith("sqlite:///") and uri != "sqlite://":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("connect_args", {"timeout": 30})
    options["pool_pre_ping"] = False
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@sa.event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Enforce foreign keys, use WAL and wait on locks for every SQLite connection."""
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
