"""The `qibu` command: Flask's commands plus Qibu's own (app/commands.py and each package's
cli), listed by `qibu --help` without building the app."""

import click
from flask.cli import FlaskGroup


def _create_app():
    from app import create_app

    return create_app()


#: The commands `qibu --help` lists and their summaries, so printing the list does not
#: build the app (a second of imports and set-up). tests/test_cli_help.py keeps it equal to
#: what the app registers: a command added, removed or re-described fails it.
COMMAND_SUMMARIES = {
    "api-token": "Manage the JSON API's client tokens.",
    "backup": "Write a consistent backup of the whole database to FILE (the app may keep running).",
    "bulletin": "Make the weekly job bulletin (岗位信息周刊) of a facility.",
    "create-user": "Create a staff or kiosk account.",
    "db": "Apply, revert and inspect the database migrations (Flask-Migrate's commands).",
    "demo-accounts": "Print the demo accounts and their passwords.",
    "i18n": "Maintain the translation catalogs.",
    "import-openings": (
        "Import job postings from an XLSX or CSV FILE (a job board's export or your own)."),
    "import-surveys": "Import job-intention surveys from an XLSX or CSV FILE into a facility.",
    "match": "Train and evaluate the matcher on recorded outcomes.",
    "purge": (
        "Anonymise people released longer ago than QIBU_RETENTION_DAYS, forget client "
        "addresses older than QIBU_IP_RETENTION_DAYS, spent form keys older than "
        "QIBU_SUBMISSION_KEY_DAYS, unconfirmed import uploads older than "
        "QIBU_IMPORT_KEEP_HOURS and export jobs' files older than QIBU_JOB_FILE_HOURS."),
    "restore": "Replace the database's contents with the backup in FILE (stop the app first).",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "seed-demo": "Load the demo data set (running it twice changes nothing).",
    "seed-reference": (
        "Load or update the reference tables (districts, categories, certificates, "
        "environments, the city's start-up services)."),
    "set-password": "Set a staff account's password (asked for), or a temporary one; audited.",
    "shell": "Run a shell in the app context.",
    "worker": (
        "Run queued jobs (fair plans, the city-wide ranking's blocks, training the matcher, "
        "...) from QIBU_REDIS_URL, one after the other in this process: what the matcher "
        "prepares once per version of the openings register (text features, facet tables) "
        "stays warm from one ranking block to the next."),
}


class QibuGroup(FlaskGroup):
    """Flask's command group, with Qibu's `qibu db` (app/upgrades.py) in place of the one
    Flask-Migrate registers as a plugin (plugins are otherwise looked up first), and a
    command list that is printed without building the app."""

    def get_command(self, ctx, name):
        if name == "db":
            from app.upgrades import db_group

            return db_group
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        limit = formatter.width - 6 - max(len(name) for name in COMMAND_SUMMARIES)
        # shortened as click shortens a command's own help
        rows = [(name, click.Command(name, help=summary).get_short_help_str(limit))
                for name, summary in sorted(COMMAND_SUMMARIES.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


main = QibuGroup(create_app=_create_app, help="Qibu (起步): job matching after rehabilitation.")


def init_app(app):
    from app.api.tokens import api_token_group
    from app.backup import backup_command, restore_command
    from app.commands import (
        create_user_command,
        demo_accounts_command,
        i18n_group,
        seed_demo_command,
        seed_reference_command,
        set_password_command,
    )
    from app.corner.cli import bulletin_group
    from app.imports.cli import import_openings_command, import_surveys_command
    from app.jobs.cli import worker_command
    from app.match_cli import match_group
    from app.retention import purge_command
    from app.upgrades import db_group

    for command in (seed_reference_command, seed_demo_command, demo_accounts_command,
                    create_user_command, set_password_command, i18n_group, match_group,
                    purge_command, import_surveys_command, import_openings_command, backup_command,
                    restore_command,
                    api_token_group, bulletin_group, db_group, worker_command):
        app.cli.add_command(command)
