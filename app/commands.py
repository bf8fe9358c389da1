"""Qibu's own commands: seeding, accounts, translations (registered by `app.cli.init_app`)."""

import getpass
import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from models import Facility, Fair, Role, StateError, db

ROOT = Path(__file__).resolve().parent.parent


@click.command("seed-reference")
@with_appcontext
def seed_reference_command():
    """Load or update the reference tables (districts, categories, certificates, environments,
    the city's start-up services)."""
    from app.seeding import load_reference_data

    report = load_reference_data(Path(current_app.config["SEED_DIR"]))
    db.session.commit()
    click.echo(f"Reference data: {report}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database holds no facility.")
@with_appcontext
def seed_demo_command(if_empty):
    """Load the demo data set (running it twice changes nothing)."""
    from app.seeding import database_is_empty, load_demo_data

    if if_empty and not database_is_empty():
        click.echo("The database already holds data; demo data not loaded.")
        return
    report = load_demo_data(Path(current_app.config["SEED_DIR"]))
    db.session.commit()
    click.echo(f"Demo data: {report}")


@click.command("demo-accounts")
def demo_accounts_command():
    """Print the demo accounts and their passwords."""
    from app.seeding import DEMO_ACCOUNTS

    click.echo("Demo accounts (user name / password / role):")
    for username, password, role, _ in DEMO_ACCOUNTS:
        click.echo(f"  {username:<11} {password:<22} {role.value}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--facility", "facility_code", help="Facility code (bureau staff).")
@click.option("--fair", "fair_code", help="Fair code (kiosk accounts).")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", envvar="QIBU_NEW_PASSWORD", help="Password (else asked for).")
@with_appcontext
def create_user_command(username, role, facility_code, fair_code, display_name, password):
    """Create a staff or kiosk account."""
    from app.admin.operations import create_user

    facility_id = fair_id = None
    if facility_code:
        facility_id = db.session.scalar(
            sa.select(Facility.id).where(Facility.code == facility_code)
        )
        if facility_id is None:
            raise click.BadParameter(
                f"no facility with code {facility_code}", param_hint="--facility"
            )
    if fair_code:
        fair_id = db.session.scalar(sa.select(Fair.id).where(Fair.code == fair_code))
        if fair_id is None:
            raise click.BadParameter(f"no fair with code {fair_code}", param_hint="--fair")
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            raise click.ClickException("The passwords differ.")
    try:
        user = create_user(username, password, Role(role), display_name=display_name,
                           facility_id=facility_id, fair_id=fair_id)
    except StateError as error:
        raise click.ClickException(error.user_message()) from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}).")


@click.command("set-password")
@click.argument("username")
@click.option("--temporary", is_flag=True,
              help="Make up a temporary password, print it once; it must be changed at "
                   "the next login.")
@click.option("--clear-second-factor", is_flag=True,
              help="Also turn the second factor off (the authenticator app was lost).")
@with_appcontext
def set_password_command(username, temporary, clear_second_factor):
    """Set a staff account's password (asked for), or a temporary one; audited."""
    from app.admin.operations import replace_password, reset_password
    from models import StaffUser

    user = db.session.scalar(
        sa.select(StaffUser).where(sa.func.lower(StaffUser.username) == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"There is no account {username}.")
    try:
        if temporary:
            password = reset_password(user, None, clear_second_factor=clear_second_factor,
                                      via="shell")
        else:
            password = click.prompt("New password", hide_input=True,
                                    confirmation_prompt="Repeat the new password")
            replace_password(user, password, clear_second_factor=clear_second_factor)
    except StateError as error:
        raise click.ClickException(str(error.user_message())) from None
    db.session.commit()
    if temporary:
        click.echo(f"Temporary password of {user.username}: {password}")
        click.echo("It is shown this once; it must be changed at the next login.")
    else:
        click.echo(f"The password of {user.username} is set.")
    if clear_second_factor:
        click.echo("The second factor is off.")


@click.group("i18n")
def i18n_group():
    """Maintain the translation catalogs."""


@i18n_group.command("update")
def i18n_update_command():
    """Extract strings, update both catalogs and fill the English one with its msgids."""
    translations = ROOT / "app" / "translations"
    pot = translations / "messages.pot"
    pybabel = [str(Path(sys.executable).parent / "pybabel")]
    subprocess.run(  # noqa: S603 (our own pybabel, fixed arguments)
        [*pybabel, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "--no-location",
         "--sort-output", "-o", str(pot), "app", "models", "surveys"],
        check=True, cwd=ROOT,
    )
    for locale in ("zh_Hans_CN", "en"):
        po = translations / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        subprocess.run(  # noqa: S603
            [*pybabel, command, "-i", str(pot), "-d", str(translations), "-l", locale,
             *(["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else [])],
            check=True, cwd=ROOT,
        )
    from app.translation_tools import fill_english_catalog

    filled = fill_english_catalog(translations / "en" / "LC_MESSAGES" / "messages.po")
    click.echo(f"Catalogs updated; {filled} English entries filled from their msgids.")
