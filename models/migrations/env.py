"""Alembic environment for Qibu, run through Flask-Migrate (`qibu db upgrade`)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_db = current_app.extensions["migrate"].db
target_metadata = target_db.metadata


def run_migrations_offline():
    """Emit SQL for the configured URL without connecting."""
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations on the app's engine (batch mode so SQLite can alter tables).

    On SQLite, batch mode recreates a table: with foreign keys enforced, dropping the old
    copy of a table that child rows refer to fails. Enforcement is turned off around the
    migrations (outside any transaction, where SQLite honours it) and every reference is
    checked afterwards.
    """
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("compare_type", True)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.commit()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
