"""Retention: anonymise people released longer ago than the retention period.

Names, ID hashes, birth years, gender, self-test scores and free-text answers are erased;
pseudonymous codes, surveys' structured answers, interests and placements remain, so every
aggregate (summaries, fair reports) stays the same.
"""

from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import selectinload

from app.audit import log_event
from models import Seeker, SeekerStatus, db


def seekers_past_retention(today: date | None = None) -> list[Seeker]:
    """Released or placed people whose release is older than the retention period."""
    cutoff = (today or date.today()) - timedelta(days=current_app.config["RETENTION_DAYS"])
    return db.session.scalars(
        sa.select(Seeker).where(
            Seeker.anonymised_at.is_(None),
            Seeker.status.in_((SeekerStatus.RELEASED, SeekerStatus.PLACED)),
            Seeker.expected_release_date.is_not(None),
            Seeker.expected_release_date < cutoff,
        ).options(selectinload(Seeker.surveys)).order_by(Seeker.id)
    ).all()


def purge(today: date | None = None, dry_run: bool = False) -> int:
    """Anonymise everyone past retention; return how many (flush and audit, no commit)."""
    people = seekers_past_retention(today)
    if not dry_run:
        for seeker in people:
            seeker.anonymise()
        log_event("retention_purge", count=len(people),
                  retention_days=current_app.config["RETENTION_DAYS"])
    return len(people)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count who would be anonymised.")
@with_appcontext
def purge_command(dry_run):
    """Anonymise personal data of people released longer ago than QIBU_RETENTION_DAYS."""
    count = purge(dry_run=dry_run)
    if dry_run:
        click.echo(f"{count} people are past the retention period; nothing was changed.")
        return
    db.session.commit()
    click.echo(f"Anonymised {count} people past the retention period.")
