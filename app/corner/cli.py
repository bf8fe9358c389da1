"""`qibu bulletin make`: make a facility's weekly job bulletin (and write its PDF)."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.audit import log_event
from app.clock import local_today
from models import Facility, StateError, db, iso_week_of


@click.group("bulletin")
def bulletin_group():
    """Make the weekly job bulletin (岗位信息周刊) of a facility."""


@bulletin_group.command("make")
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. SH-QP.")
@click.option("--week", help="ISO week, e.g. 2026-W48 (default: this week).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the issue as a PDF to this file.")
@with_appcontext
def make_command(facility_code, week, pdf_path):
    """Make the facility's issue for a week; an issue already made is kept as printed."""
    from app.corner.operations import keep_bulletin_pdf, kept_bulletin_pdf, make_bulletin

    facility = db.session.scalar(sa.select(Facility).where(Facility.code == facility_code))
    if facility is None:
        raise click.BadParameter(f"no facility with code {facility_code}",
                                 param_hint="--facility")
    try:
        bulletin, created = make_bulletin(facility, week or iso_week_of(local_today()))
    except StateError as error:
        raise click.ClickException(error.user_message()) from None
    if pdf_path is not None:
        # the kept PDF the pages serve (made now if none is kept, or it is out of date)
        kept = kept_bulletin_pdf(bulletin) or keep_bulletin_pdf(bulletin)
        pdf_path.write_bytes(kept.data)
        log_event("bulletin_exported", bulletin, format="pdf", via="cli",
                  facility=facility.code, week=bulletin.week, number=bulletin.number)
    db.session.commit()
    state = "made" if created else "already made; kept as printed"
    click.echo(f"{facility.code} {bulletin.week}: issue {bulletin.number} {state}, "
               f"{len(bulletin.opening_ids)} openings ({len(bulletin.new_opening_ids)} new).")
    if pdf_path is not None:
        click.echo(f"PDF written to {pdf_path}.")
