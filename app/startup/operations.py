"""Start-up guidance (创业指导): the city's services as data, cases, guidance, outcomes.

Operations flush and log; the view commits once per request.
"""

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.clock import local_today
from app.fairs.placements import place_seeker
from app.i18n import locale_code
from models import (
    GuidanceKind,
    Placement,
    PlacementChannel,
    PlacementKind,
    Seeker,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    StartupService,
    StateError,
    db,
)

SERVICES_FILE = "startup_services.csv"
SERVICE_COLUMNS = ("name_zh", "name_en", "offers_zh", "offers_en", "contact")


def load_startup_services(seed_dir: Path, report=None) -> None:
    """Upsert the city's start-up services from `seed_dir`/startup_services.csv by code.

    The file says what a service is called, offers and how to reach it; whether it is
    offered (`active`) is the administrator's choice and is kept. Flush only. `report`
    (a seeding report) counts the services added.
    """
    path = Path(seed_dir) / SERVICES_FILE
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [{k: (v or "").strip() for k, v in row.items()}
                for row in csv.DictReader(handle)]
    known = {s.code: s for s in db.session.scalars(sa.select(StartupService))}
    for row in rows:
        values = {name: row[name] for name in SERVICE_COLUMNS}
        service = known.get(row["code"])
        if service is None:
            db.session.add(StartupService(code=row["code"], active=True, **values))
            if report is not None:
                report.count("start-up services")
            continue
        for name, value in values.items():
            if getattr(service, name) != value:
                setattr(service, name, value)
    db.session.flush()


def active_services() -> list[StartupService]:
    return db.session.scalars(sa.select(StartupService).where(StartupService.active)
                              .order_by(StartupService.id)).all()


def set_service_active(service: StartupService, active: bool) -> None:
    """Offer a service for new referrals again, or stop offering it (past referrals stay)."""
    if service.active == active:
        return
    service.active = active
    log_event("startup_service_activated" if active else "startup_service_deactivated",
              service, code=service.code)


def case_of(seeker: Seeker) -> StartupCase | None:
    return db.session.scalar(sa.select(StartupCase).where(StartupCase.seeker_id == seeker.id))


def _check_not_future(on: date, today: date) -> None:
    if on > today:
        raise StateError(_l("The date %(on)s is in the future."), on=on.isoformat())


def open_case(seeker: Seeker, opened_on: date, by=None, today: date | None = None
              ) -> StartupCase:
    """Open the person's start-up guidance (one case per person)."""
    _check_not_future(opened_on, today or local_today())
    existing = case_of(seeker)
    if existing is not None:
        raise StateError(_l("%(code)s already has start-up guidance, begun on %(start)s."),
                         code=seeker.code, start=existing.opened_on.isoformat())
    case = StartupCase(seeker_id=seeker.id, opened_on=opened_on,
                       opened_by_id=getattr(by, "id", None))
    case.seeker = seeker
    db.session.add(case)
    db.session.flush()
    log_event("startup_case_opened", case, seeker=seeker.code)
    return case


def record_guidance(case: StartupCase, kind: GuidanceKind, held_on: date, topic: str,
                    adviser: str = "", next_step: str = "",
                    service: StartupService | None = None, by=None,
                    today: date | None = None) -> StartupGuidance:
    """Record one piece of guidance the person received, with an optional referral to
    one of the city's start-up services."""
    _check_not_future(held_on, today or local_today())
    if held_on < case.opened_on:
        raise StateError(_l("The date %(on)s is before the guidance began (%(start)s)."),
                         on=held_on.isoformat(), start=case.opened_on.isoformat())
    if not (topic or "").strip():
        raise StateError(_l("Say what the guidance was about."))
    if service is not None and not service.active:
        raise StateError(_l("“%(service)s” is no longer offered; choose another service."),
                         service=service.name(locale_code()))
    entry = StartupGuidance(kind=kind, held_on=held_on, topic=topic.strip()[:200],
                            adviser=(adviser or "").strip()[:120],
                            next_step=(next_step or "").strip()[:300],
                            service=service, recorded_by_id=getattr(by, "id", None))
    case.entries.append(entry)
    db.session.flush()
    log_event("startup_guidance_recorded", case, kind=kind.value,
              service=service.code if service is not None else None)
    return entry


def record_group_session(seekers: list[Seeker], held_on: date, topic: str,
                         adviser: str = "", next_step: str = "",
                         service: StartupService | None = None, by=None,
                         today: date | None = None) -> list[StartupGuidance]:
    """Record one group session for several people: an entry in each person's case,
    opening a case (from the session's date) for a person who has none."""
    today = today or local_today()
    if not seekers:
        raise StateError(_l("Choose the people who took part."))
    entries = []
    for seeker in seekers:
        case = case_of(seeker) or open_case(seeker, held_on, by=by, today=today)
        if held_on < case.opened_on:
            raise StateError(
                _l("The date %(on)s is before %(code)s's start-up guidance began "
                   "(%(start)s)."),
                on=held_on.isoformat(), code=seeker.code, start=case.opened_on.isoformat())
        entries.append(record_guidance(case, GuidanceKind.SESSION, held_on, topic, adviser,
                                       next_step, service, by=by, today=today))
    return entries


def record_startup_outcome(case: StartupCase, outcome: StartupOutcome, on: date,
                           business: str = "", monthly_income: int | None = None,
                           additional_job_reason: str | None = None, by=None,
                           today: date | None = None) -> Placement | None:
    """Record how the guidance ended; a registered business is a self-employment placement.

    The placement (channel "startup", kind self-employment, the business as its work)
    follows the rules of every placement (`place_seeker`): not in the future, one current
    job unless a reason is given, follow-ups at 1, 3, 6 and 12 months.
    """
    today = today or local_today()
    case.record_outcome(outcome, on, today, business=business)
    placement = None
    if outcome is StartupOutcome.BUSINESS_REGISTERED:
        placement = place_seeker(
            case.seeker_id, on, monthly_income, channel=PlacementChannel.STARTUP,
            kind=PlacementKind.SELF_EMPLOYMENT, job_title=case.business, by=by,
            additional_job_reason=additional_job_reason, today=today)
    log_event("startup_outcome_recorded", case, outcome=outcome.value,
              placement=placement.id if placement is not None else None)
    return placement


def startup_placement(case: StartupCase) -> Placement | None:
    """The self-employment placement recorded for the case's business, if any."""
    return db.session.scalar(
        sa.select(Placement).where(Placement.seeker_id == case.seeker_id,
                                   Placement.channel == PlacementChannel.STARTUP)
        .order_by(Placement.id.desc()).limit(1))
