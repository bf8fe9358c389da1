"""Retention: anonymise people released longer ago than the retention period, forget old
client addresses, and anonymise one person early when they ask (erasure reuses this).

A person is anonymised by `anonymise_person`, the same for `qibu purge` and for an
erasure on request: name, ID hash and last characters, gender, birth year, hukou,
self-test result, the free-text survey answers and every staff note about them (on
interests, intents and follow-ups) are erased, and both consents are withdrawn so they
leave every employer-facing list. Pseudonymous codes, badge codes, surveys' structured
answers, interests, placements and follow-ups remain, so every aggregate (demand
summaries, fair reports, retention in work) stays the same.

Client addresses (login sessions, login throttles, the audit trail's "from where") are
kept for QIBU_IP_RETENTION_DAYS: older login sessions and expired throttles are deleted,
and older audit events lose their address but stay. Forms' spent one-time keys
(app/submissions.py) are deleted after QIBU_SUBMISSION_KEY_DAYS, when a form that old is
refused anyway. Files export jobs made (a fair's sheets and shortlists, app/jobs/files.py)
are deleted once QIBU_JOB_FILE_HOURS have passed.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import selectinload

from app.audit import log_event
from app.clock import local_today
from app.imports.store import purge_uploads
from app.jobs.files import purge_job_files
from app.services.rankings import delete_rankings
from app.submissions import forget_submission_keys
from models import (
    FollowUp,
    Interest,
    LoginSession,
    LoginThrottle,
    Placement,
    Seeker,
    SeekerStatus,
    db,
    utcnow,
)
from models.audit import forget_addresses


@dataclass
class PurgeReport:
    """What a purge anonymised and forgot (or, in a dry run, would)."""

    people: int = 0
    notes: int = 0
    sessions: int = 0
    throttles: int = 0
    audit_addresses: int = 0
    submission_keys: int = 0
    uploads: int = 0
    job_files: int = 0


def seekers_past_retention(today: date | None = None) -> list[Seeker]:
    """Released or placed people whose release is older than the retention period."""
    cutoff = (today or local_today()) - timedelta(days=current_app.config["RETENTION_DAYS"])
    return db.session.scalars(
        sa.select(Seeker).where(
            Seeker.anonymised_at.is_(None),
            Seeker.status.in_((SeekerStatus.RELEASED, SeekerStatus.PLACED)),
            Seeker.expected_release_date.is_not(None),
            Seeker.expected_release_date < cutoff,
        ).options(selectinload(Seeker.surveys)).order_by(Seeker.id)
    ).all()


def _notes_of(seeker_ids: list[int]):
    """(model, condition) for every non-empty staff note about these people."""
    placements = sa.select(Placement.id).where(Placement.seeker_id.in_(seeker_ids))
    return [
        (Interest, sa.and_(Interest.seeker_id.in_(seeker_ids), Interest.note != "")),
        (FollowUp, sa.and_(FollowUp.placement_id.in_(placements), FollowUp.note != "")),
    ]


def blank_notes(seeker_ids: list[int], *, dry_run: bool = False) -> int:
    """Blank the staff notes on these people's interests, intents and follow-ups."""
    blanked = 0
    for chunk_start in range(0, len(seeker_ids), 500):
        chunk = seeker_ids[chunk_start:chunk_start + 500]
        for model, condition in _notes_of(chunk):
            if dry_run:
                blanked += db.session.scalar(
                    sa.select(sa.func.count()).select_from(model).where(condition))
                continue
            values = {"note": ""}
            if model is Interest:  # keep the record's time: fair-day statistics read it
                values["updated_at"] = Interest.updated_at
            blanked += db.session.execute(
                sa.update(model).where(condition).values(**values)
                .execution_options(synchronize_session="fetch")
            ).rowcount
    return blanked


def anonymise_person(seeker: Seeker) -> int:
    """Erase what identifies one person and withdraw their consents; return notes blanked.

    Flushes, never commits or audits: `purge` and `erase_seeker` audit in their own words.
    """
    seeker.anonymise()
    seeker.hukou_shanghai = False
    seeker.riasec_code = None
    seeker.riasec_taken_at = None
    for kind in ("share", "contact"):
        if getattr(seeker, f"consent_{kind}"):
            seeker.record_consent(kind, False, None)
    db.session.flush()
    delete_rankings([seeker.id])  # made from their survey; never ranked again
    return blank_notes([seeker.id])


def forget_client_addresses(now: datetime | None = None, *, dry_run: bool = False) -> dict:
    """Delete login sessions and expired throttles older than the address retention period,
    and blank the address of older audit events; return how many of each."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    # a session unused that long was revoked by the idle timeout and its cookie has expired
    sessions = LoginSession.last_seen_at < cutoff
    throttles = sa.and_(LoginThrottle.window_started_at < cutoff,
                        sa.or_(LoginThrottle.locked_until.is_(None),
                               LoginThrottle.locked_until < now))
    if dry_run:
        return {
            "sessions": db.session.scalar(sa.select(sa.func.count(LoginSession.id))
                                          .where(sessions)),
            "throttles": db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)
                                           .where(throttles)),
            "audit_addresses": forget_addresses(db.session, cutoff, dry_run=True),
        }
    return {
        "sessions": db.session.execute(
            sa.delete(LoginSession).where(sessions)
            .execution_options(synchronize_session=False)).rowcount,
        "throttles": db.session.execute(
            sa.delete(LoginThrottle).where(throttles)
            .execution_options(synchronize_session=False)).rowcount,
        "audit_addresses": forget_addresses(db.session, cutoff),
    }


def purge(today: date | None = None, dry_run: bool = False,
          now: datetime | None = None, by=None) -> PurgeReport:
    """Anonymise everyone past retention and forget old addresses (flush and audit, no commit).

    With `dry_run` only count what would change; `by`: who asked (the audit trail's actor).
    """
    people = seekers_past_retention(today)
    report = PurgeReport(people=len(people))
    if dry_run:
        report.notes = blank_notes([s.id for s in people], dry_run=True)
    else:
        for seeker in people:
            report.notes += anonymise_person(seeker)
    for key, count in forget_client_addresses(now, dry_run=dry_run).items():
        setattr(report, key, count)
    report.submission_keys = forget_submission_keys(now, dry_run=dry_run)
    # unconfirmed imports hold personal data; an upload also purges them, on any host
    report.uploads = purge_uploads(current_app.config["IMPORT_KEEP_HOURS"], dry_run=dry_run)
    report.job_files = purge_job_files(now, dry_run=dry_run)
    if not dry_run:
        log_event("retention_purge", **asdict(report), actor=by,
                  retention_days=current_app.config["RETENTION_DAYS"],
                  ip_retention_days=current_app.config["IP_RETENTION_DAYS"])
    return report


def _describe(report: PurgeReport) -> str:
    return (f"{report.notes} staff notes about them; "
            f"{report.sessions} login sessions, {report.throttles} login throttles and "
            f"{report.audit_addresses} audit client addresses older than the address "
            f"retention period; {report.submission_keys} spent form keys older than "
            f"{current_app.config['SUBMISSION_KEY_DAYS']} days; {report.uploads} unconfirmed "
            f"import uploads older than {current_app.config['IMPORT_KEEP_HOURS']} hours; "
            f"{report.job_files} export files past their "
            f"{current_app.config['JOB_FILE_HOURS']} hours")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be anonymised or removed.")
@with_appcontext
def purge_command(dry_run):
    """Anonymise people released longer ago than QIBU_RETENTION_DAYS, forget client
    addresses older than QIBU_IP_RETENTION_DAYS, spent form keys older than
    QIBU_SUBMISSION_KEY_DAYS, unconfirmed import uploads older than
    QIBU_IMPORT_KEEP_HOURS and export jobs' files older than QIBU_JOB_FILE_HOURS."""
    report = purge(dry_run=dry_run)
    if dry_run:
        click.echo(f"{report.people} people are past the retention period; nothing was "
                   f"changed.")
        click.echo(f"Would blank or remove: {_describe(report)}.")
        return
    db.session.commit()
    click.echo(f"Anonymised {report.people} people past the retention period.")
    click.echo(f"Blanked or removed: {_describe(report)}.")
