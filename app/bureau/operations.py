"""Create seekers and record their surveys and self-tests (flush, audit; never commit)."""

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.audit import log_event
from app.services.importing import (
    CHUNK_ROWS,
    ImportScope,
    ParsedRow,
    PlannedRow,
    Problem,
    in_chunks,
)
from models import (
    Seeker,
    SeekerStatus,
    StaffUser,
    StateError,
    Survey,
    SurveyIntention,
    db,
    utcnow,
)
from surveys.questionnaire import answers_for_version, load_questionnaire
from surveys.selftest import SelfTestResult, scores_as_vector

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L look-alikes


def new_seeker_code() -> str:
    """Return an unused random pseudonymous code like QB7K3M9X."""
    while True:
        code = "QB" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if db.session.scalar(sa.select(Seeker.id).where(Seeker.code == code)) is None:
            return code


def set_id_number(seeker: Seeker, number: str | None) -> None:
    """Keep a seeker's ID number as a keyed hash; refuse one registered to somebody else."""
    if number is None:
        return
    seeker.set_id_number(number)
    other = db.session.scalar(
        sa.select(Seeker).where(Seeker.id_number_hash == seeker.id_number_hash,
                                Seeker.id != seeker.id if seeker.id else sa.true())
    )
    if other is not None:
        if other.facility_id == seeker.facility_id:
            raise StateError(_l("This ID number is already registered as %(code)s."),
                             code=other.code)
        raise StateError(_l("This ID number is already registered; ask an administrator."))


def create_seeker(facility_id: int, personal: dict, answers: dict, by: StaffUser,
                  surveyed_on: date | None = None) -> Seeker:
    """Register a seeker of a facility together with their first survey."""
    personal = dict(personal)
    id_number = personal.pop("id_number", None)
    seeker = Seeker(code=new_seeker_code(), facility_id=facility_id, **personal)
    set_id_number(seeker, id_number)
    db.session.add(seeker)
    db.session.flush()
    log_event("seeker_created", seeker)
    record_survey(seeker, answers, by, surveyed_on=surveyed_on)
    return seeker


def update_seeker(seeker: Seeker, personal: dict) -> None:
    personal = dict(personal)
    id_number = personal.pop("id_number", None)
    set_id_number(seeker, id_number)
    changed = sorted(k for k, v in personal.items() if getattr(seeker, k) != v)
    for key, value in personal.items():
        setattr(seeker, key, value)
    if changed:
        log_event("seeker_updated", seeker, fields=changed)


def record_survey(seeker: Seeker, answers: dict, by: StaffUser, *, version: int = 1,
                  surveyed_on: date | None = None, survey: Survey | None = None) -> Survey:
    """Store a survey's answers (a new one, or corrections to `survey`)."""
    surveyed_on = surveyed_on or date.today()
    if survey is None:
        survey = db.session.scalar(
            sa.select(Survey).where(Survey.seeker_id == seeker.id,
                                    Survey.surveyed_on == surveyed_on)
        )
    created = survey is None
    if created:
        survey = Survey(seeker_id=seeker.id, surveyed_on=surveyed_on)
        db.session.add(survey)
    apply_answers(survey, seeker, answers, by)
    survey.questionnaire_version = version
    survey.recorded_by_id = by.id
    db.session.flush()
    log_event("survey_recorded" if created else "survey_corrected", seeker, survey=survey.id)
    return survey


def survey_values(answers: dict) -> dict:
    """The survey columns canonical answers give (besides the ranked categories).

    The survey form and the spreadsheet import both store a survey through this one
    mapping, so a survey means the same whichever way it was entered.
    """
    return {
        "answers": dict(answers),
        "salary_min": answers.get("salary_min"),
        "salary_hoped": answers.get("salary_hoped"),
        "home_district": answers.get("home_district") or None,
        "districts": list(answers.get("districts") or []),
        "needs_accommodation": bool(answers.get("needs_accommodation")),
        "shifts": list(answers.get("shifts") or []),
        "work_pattern": answers.get("work_pattern") or "full_time",
        "education": answers.get("education"),
        "work_history": [
            {"category": row.get("category"), "years": float(row.get("years") or 0)}
            for row in answers.get("work_history") or []
        ],
        "certificates": list(answers.get("certificates") or []),
        "skills_text": answers.get("skills_text") or "",
        "health_limits": answers.get("health_limits") or "",
        "avoid": list(answers.get("avoid") or []),
        "training_interests": list(answers.get("training_interests") or []),
    }


def apply_answers(survey: Survey, seeker: Seeker, answers: dict, by: StaffUser | None, *,
                  seeker_facts: bool = True, audit: bool = True) -> None:
    """Copy canonical answers onto the survey's columns and the seeker's current facts.

    With `seeker_facts` False (an older survey imported after a newer one) the seeker's
    education, release date and consents are left as the newer survey set them.
    """
    survey.set_categories(list(answers.get("categories") or []))
    for name, value in survey_values(answers).items():
        setattr(survey, name, value)
    if seeker_facts:
        apply_seeker_facts(seeker, answers, by, audit=audit)


def apply_seeker_facts(seeker: Seeker, answers: dict, by: StaffUser | None, *,
                       audit: bool = True) -> None:
    """Set the facts a seeker's latest survey gives: education, release date, consents.

    With `audit` False consent changes are not logged one by one (an import logs itself).
    """
    if answers.get("education") is not None:
        seeker.education = answers["education"]
    if answers.get("expected_release_date"):
        seeker.expected_release_date = date.fromisoformat(answers["expected_release_date"])
    by_id = by.id if by is not None else None
    for kind in ("share", "contact"):
        given = bool(answers.get(f"consent_{kind}"))
        if getattr(seeker, f"consent_{kind}") != given or getattr(
            seeker, f"consent_{kind}_at"
        ) is None:
            seeker.record_consent(kind, given, by_id)
            if by is not None and audit:
                log_event("consent_changed", seeker, kind=kind, given=given)


def change_consent(seeker: Seeker, kind: str, given: bool, by: StaffUser) -> None:
    """Give or withdraw a consent (share with employers / contact after release); audited."""
    seeker.record_consent(kind, given, by.id)
    log_event("consent_changed", seeker, kind=kind, given=given)


def record_selftest(seeker: Seeker, result: SelfTestResult) -> None:
    """Store a self-test result on the seeker, for the matcher and their page."""
    seeker.riasec_scores = scores_as_vector(result)
    seeker.riasec_code = result.code
    seeker.riasec_taken_at = utcnow()
    log_event("selftest_recorded", seeker, code=result.code)


# --- spreadsheet import (app/services/importing.py runs the flow) --------------------------

_PERSONAL = ("name", "gender", "birth_year", "hukou_shanghai")


def _same_name(a: str, b: str) -> bool:
    def key(name):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))

    return key(a) == key(b)


def _comparable(answers: dict | None, questionnaire) -> dict:
    """Answers as the questionnaire reads them, lists of ticked options sorted."""
    canonical = answers_for_version(answers, questionnaire)
    for question in questionnaire.questions:
        if question.type == "multi_choice":
            canonical[question.id] = sorted(map(str, canonical[question.id]))
    return canonical


def _same_answers(stored: dict | None, new: dict, questionnaire) -> bool:
    """Whether stored answers say what the new ones say (list order aside)."""
    return stored == new or _comparable(stored, questionnaire) == _comparable(new, questionnaire)


def _latest_survey_dates(seeker_ids: Iterable[int]) -> dict[int, date]:
    ids = sorted(set(seeker_ids))
    latest = {}
    for chunk in in_chunks(ids):
        latest.update(db.session.execute(
            sa.select(Survey.seeker_id, sa.func.max(Survey.surveyed_on))
            .where(Survey.seeker_id.in_(chunk)).group_by(Survey.seeker_id)
        ).all())
    return latest


def plan_survey_import(rows: list[ParsedRow], scope: ImportScope) -> tuple[
        list[PlannedRow], list[Problem]]:
    """Decide for each imported survey row whether it creates, updates or changes nothing.

    A row's seeker code either belongs to the importing facility (the survey of that date
    is created or updated; unchanged answers change nothing), is new (the seeker is
    created; a name is needed), or belongs to another facility (rejected, saying nothing
    about that seeker). Looks everything up in a few bulk queries; writes nothing.
    """
    questionnaire = load_questionnaire()
    codes = sorted({row.record["code"] for row in rows})
    known: dict[str, tuple[int, int]] = {}
    for chunk in in_chunks(codes):
        for seeker_id, code, facility_id in db.session.execute(
            sa.select(Seeker.id, Seeker.code, Seeker.facility_id).where(Seeker.code.in_(chunk))
        ):
            known[code] = (seeker_id, facility_id)
    own_ids = sorted(v[0] for v in known.values() if v[1] == scope.facility_id)
    names: dict[int, str] = {}  # only the importing facility's names are decrypted
    stored: dict[tuple[int, str], dict] = {}
    for chunk in in_chunks(own_ids):
        names.update(db.session.execute(
            sa.select(Seeker.id, Seeker.name).where(Seeker.id.in_(chunk))).all())
        for seeker_id, surveyed_on, answers in db.session.execute(
            sa.select(Survey.seeker_id, Survey.surveyed_on, Survey.answers)
            .where(Survey.seeker_id.in_(chunk))
        ):
            stored[(seeker_id, surveyed_on.isoformat())] = answers

    planned: list[PlannedRow] = []
    problems: list[Problem] = []
    new_seekers: dict[str, tuple[str, int]] = {}  # code -> (name, first row)

    def reject(parsed: ParsedRow, column: str, value: str, key: str, **params) -> None:
        problems.append(Problem(parsed.row, column, "", value, key, params, stage="plan"))
        planned.append(PlannedRow(parsed.row, "reject", parsed.record))

    for row in rows:
        record = row.record
        code, name = record["code"], record["personal"].get("name") or ""
        if code in known:
            seeker_id, facility_id = known[code]
            if facility_id != scope.facility_id:
                reject(row, "seeker_code", code, "survey.code_elsewhere", text=code)
            elif name and not _same_name(name, names[seeker_id]):
                reject(row, "name", name, "survey.name_mismatch", text=name)
            elif (seeker_id, record["surveyed_on"]) not in stored:
                planned.append(PlannedRow(row.row, "create", record))
            elif _same_answers(stored[(seeker_id, record["surveyed_on"])], record["answers"],
                               questionnaire):
                planned.append(PlannedRow(row.row, "unchanged", record))
            else:
                planned.append(PlannedRow(row.row, "update", record))
        elif not name:
            reject(row, "seeker_code", code, "survey.name_required", text=code)
        elif code in new_seekers and not _same_name(name, new_seekers[code][0]):
            reject(row, "name", name, "survey.name_conflict", text=name,
                   row=new_seekers[code][1])
        else:
            first = code not in new_seekers
            new_seekers.setdefault(code, (name, row.row))
            planned.append(PlannedRow(row.row, "create", record, {"new_seeker": first}))
    return planned, problems


def import_surveys(rows: list[PlannedRow], scope: ImportScope,
                   progress: Callable[[int], None] = lambda done: None) -> None:
    """Write planned survey rows: new seekers, new surveys and corrected surveys.

    Each survey is stored through `survey_values` and each seeker's facts through
    `apply_seeker_facts`, as the survey form stores them; a survey older than the
    seeker's latest leaves the seeker's facts alone. Rows are written CHUNK_ROWS at a
    time with bulk statements (a handful of queries per chunk, none per row), inside the
    session's transaction: nothing is committed here, so a failure leaves nothing. The
    caller logs one audit event for the whole import instead of one per row.
    """
    by = scope.user
    by_id = by.id if by is not None else None
    version = load_questionnaire().version
    now = utcnow()
    codes = sorted({row.record["code"] for row in rows})
    seekers: dict[str, Seeker] = {}
    for chunk in in_chunks(codes):
        seekers.update((s.code, s) for s in db.session.scalars(
            sa.select(Seeker).where(Seeker.code.in_(chunk),
                                    Seeker.facility_id == scope.facility_id)))
    survey_ids: dict[tuple[int, date], int] = {}
    for chunk in in_chunks(sorted(s.id for s in seekers.values())):
        survey_ids.update(((seeker_id, day), survey_id) for survey_id, seeker_id, day in
                          db.session.execute(sa.select(Survey.id, Survey.seeker_id,
                                                       Survey.surveyed_on)
                                             .where(Survey.seeker_id.in_(chunk))))
    # Only a seeker's latest survey sets their current facts (release date, consents …).
    latest: dict[str, date] = {}
    for row in rows:
        day = date.fromisoformat(row.record["surveyed_on"])
        latest[row.record["code"]] = max(day, latest.get(row.record["code"], day))
    code_of = {seeker.id: code for code, seeker in seekers.items()}
    for seeker_id, stored in _latest_survey_dates(code_of).items():
        latest[code_of[seeker_id]] = max(latest[code_of[seeker_id]], stored)

    # Seekers first, all of them: a new seeker's rows may fall in different chunks.
    new_seekers: dict[str, Seeker] = {}
    for row in rows:
        code = row.record["code"]
        if code not in seekers and code not in new_seekers:
            personal = {k: row.record["personal"].get(k) for k in _PERSONAL}
            personal["hukou_shanghai"] = bool(personal["hukou_shanghai"])
            # a transient object (never added to the session): the model's own rules set
            # the name's search key and the consents; its columns are inserted in bulk
            new_seekers[code] = Seeker(code=code, facility_id=scope.facility_id, **personal)
    for row in rows:
        code = row.record["code"]
        if date.fromisoformat(row.record["surveyed_on"]) >= latest[code]:
            apply_seeker_facts(seekers.get(code) or new_seekers[code], row.record["answers"],
                               by, audit=False)
    new_codes = list(new_seekers)
    for chunk in in_chunks(new_codes, CHUNK_ROWS):
        db.session.execute(Seeker.__table__.insert(),
                           [_seeker_columns(new_seekers[code], now) for code in chunk])
        for seeker_id, code in db.session.execute(
            sa.select(Seeker.id, Seeker.code).where(Seeker.code.in_(chunk))
        ):
            new_seekers[code].id = seeker_id
    db.session.flush()  # the facts of seekers registered before
    ids = {code: seeker.id for code, seeker in {**seekers, **new_seekers}.items()}

    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        _write_survey_chunk(chunk, ids, survey_ids, by_id, version, now)
        progress(start + len(chunk))
    progress(len(rows))


def _write_survey_chunk(rows, ids, survey_ids, by_id, version, now):
    """Insert and update the chunk's surveys, then their ranked intentions.

    Inserts are Core executemany statements on the tables (the ORM's bulk path costs
    several times more per row); the rows carry every column, defaults included.
    """
    inserts, updates, intentions = [], [], {}
    for row in rows:
        record = row.record
        seeker_id = ids[record["code"]]
        day = date.fromisoformat(record["surveyed_on"])
        values = {**survey_values(record["answers"]), "questionnaire_version": version,
                  "recorded_by_id": by_id, "updated_at": now}
        survey_id = survey_ids.get((seeker_id, day))
        if survey_id is None:
            inserts.append({**values, "seeker_id": seeker_id, "surveyed_on": day,
                            "source": "import", "created_at": now})
        else:
            updates.append({**values, "id": survey_id})
        intentions[(seeker_id, day)] = list(record["answers"].get("categories") or [])
    if inserts:
        db.session.execute(Survey.__table__.insert(), inserts)
        for survey_id, seeker_id, day in db.session.execute(
            sa.select(Survey.id, Survey.seeker_id, Survey.surveyed_on).where(
                Survey.seeker_id.in_(sorted({v["seeker_id"] for v in inserts})))
        ):
            survey_ids[(seeker_id, day)] = survey_id
    if updates:
        db.session.execute(sa.update(Survey), updates)
        db.session.execute(sa.delete(SurveyIntention).where(
            SurveyIntention.survey_id.in_([v["id"] for v in updates])))
    ranked = [{"survey_id": survey_ids[key], "rank": rank, "category_code": code}
              for key, codes in intentions.items()
              for rank, code in enumerate(codes, start=1)]
    if ranked:
        db.session.execute(SurveyIntention.__table__.insert(), ranked)


_SEEKER_DEFAULTS = {"education": 0, "hukou_shanghai": False, "consent_share": False,
                    "consent_contact": False, "status": SeekerStatus.IN_FACILITY}


def _seeker_columns(seeker: Seeker, now) -> dict:
    """A transient seeker's row: every column, defaults filled in, ready to insert."""
    columns = [c.key for c in sa.inspect(Seeker).column_attrs if c.key != "id"]
    # the instance dict holds what was set; reading unset attributes through the ORM
    # would cost more than everything else here
    values = dict.fromkeys(columns)
    values.update(_SEEKER_DEFAULTS)
    values.update((k, v) for k, v in vars(seeker).items() if k in values and v is not None)
    values["created_at"] = now
    return values
