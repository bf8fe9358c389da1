"""Turn database rows into the matcher's frames, and the matcher's results back into rows.

This module and its siblings in app/services are the only code that knows both the ORM
and `matching`. Protected attributes (gender, birth year, facility, hukou, rehabilitation
history, name) are never put into a frame.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

import matching
from app.serving import freeze_rebuilt_cache
from models import (
    Employer,
    Interest,
    InterestStage,
    MatcherModel,
    Opening,
    Placement,
    PracticeBooking,
    PracticeDay,
    Referral,
    ReferralStatus,
    Seeker,
    SeekerStatus,
    Survey,
    db,
)
from models.jobs import N_

# An opening whose headcount is '若干' (unknown) counts as this many places for load caps.
UNKNOWN_HEADCOUNT = 3
_lock = threading.Lock()
_prepared_cache: dict = {}
_RANKING_COLUMNS = ["seeker_id", "opening_id", "rank", "score", "reasons"]


def _nan(value) -> float:
    return float(value) if value is not None else math.nan


def seeker_row(seeker: Seeker, survey: Survey | None, text: bool = True) -> dict:
    """One seeker as the matcher's contract row (job-relevant facts only); without `text`
    the skills text is left empty (for questions that never read it)."""
    survey_education = survey.education if survey is not None else None
    return {
        "seeker_id": str(seeker.id),
        "categories": survey.categories if survey else [],
        "salary_min": _nan(survey.salary_min if survey else None),
        "salary_hoped": _nan(survey.salary_hoped if survey else None),
        "home_district": survey.home_district if survey else None,
        "districts": list(survey.districts or []) if survey else [],
        "needs_accommodation": bool(survey.needs_accommodation) if survey else False,
        "shifts": list(survey.shifts or ["day"]) if survey else ["day"],
        "education": int(survey_education if survey_education is not None else seeker.education),
        "experience_years": survey.experience_years if survey else 0.0,
        "certificates": seeker.certificates_held(survey),
        "skills_text": survey.skills_text if survey and text else "",
        "riasec": list(seeker.riasec_scores) if seeker.riasec_scores else None,
        "avoid": list(survey.avoid or []) if survey else [],
    }


def seekers_frame(seekers: list[Seeker], text: bool = True) -> pd.DataFrame:
    """The seekers frame from each seeker's latest survey (`text`: see `seeker_row`)."""
    rows = [seeker_row(s, s.latest_survey, text=text) for s in seekers]
    return pd.DataFrame(rows, columns=list(matching.SEEKER_COLUMNS))


def opening_row(opening: Opening) -> dict:
    return {
        "opening_id": str(opening.id),
        "employer_id": str(opening.employer_id),
        "category": opening.category_code,
        "title": opening.title,
        "description": opening.description or "",
        "pay_min": _nan(opening.pay_min),
        "pay_max": _nan(opening.pay_max),
        "pay_months": int(opening.pay_months or 12),
        "pay_period": opening.pay_period or "month",
        "district": opening.district,
        "accommodation": bool(opening.accommodation),
        "shift": opening.shift.value,
        "education_min": int(opening.education_min or 0),
        "experience_min": float(opening.experience_min or 0.0),
        "certificates_required": list(opening.certificates_required or []),
        "headcount": int(opening.headcount if opening.headcount is not None
                         else UNKNOWN_HEADCOUNT),
        "environments": list(opening.environments or []),
    }


def openings_frame(openings: list[Opening]) -> pd.DataFrame:
    """The openings frame; openings without a Shanghai district are left out."""
    rows = [opening_row(o) for o in openings if o.district]
    return pd.DataFrame(rows, columns=list(matching.OPENING_COLUMNS))


def reference():
    """The taxonomy and geography from seed_data/ (loaded once per process)."""
    seed = Path(current_app.config["SEED_DIR"])
    key = ("reference", str(seed))
    with _lock:
        if key not in _prepared_cache:
            _prepared_cache[key] = (matching.load_taxonomy(seed), matching.load_geography(seed))
        return _prepared_cache[key]


def _open_openings_fingerprint() -> tuple:
    # an employer verified, un-verified or suspended changes the pool without touching
    # its openings: its last status change is part of the fingerprint
    return (str(db.engine.url),) + tuple(db.session.execute(
        sa.select(sa.func.count(Opening.id), sa.func.max(Opening.id),
                  sa.func.max(Opening.updated_at),
                  sa.select(sa.func.max(Employer.status_changed_at)).scalar_subquery())
        .where(Opening.visible_to_seekers)
    ).one())


def _visible_openings():
    return db.session.scalars(
        sa.select(Opening).where(Opening.visible_to_seekers)
        .options(selectinload(Opening.employer))
    ).all()


def prepared_open_openings():
    """The openings job seekers may see, prepared for the matcher (once per data version
    per process; the openings themselves are read only to rebuild it)."""
    fingerprint = _open_openings_fingerprint()
    with _lock:
        cached = _prepared_cache.get("open_openings")
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    return _prepare(fingerprint, _visible_openings())


def _prepare(fingerprint: tuple, openings) -> object:
    taxonomy, geography = reference()
    prepared = matching.prepare_openings(openings_frame(openings), taxonomy=taxonomy,
                                         geography=geography)
    with _lock:
        _prepared_cache["open_openings"] = (fingerprint, prepared)
    freeze_rebuilt_cache()
    return prepared


def active_model() -> matching.Matcher:
    """The matcher in use: the last one trained with `qibu match train` (on any host: it is
    kept in the database, by version), else expert weights."""
    version = db.session.scalar(sa.select(MatcherModel.version).where(MatcherModel.active))
    if version is not None:
        key = ("model", str(db.engine.url), version)
        with _lock:
            found = _prepared_cache.get(key)
        if found is None:
            found = matching.Matcher.from_document(db.session.scalar(
                sa.select(MatcherModel.document).where(MatcherModel.version == version)))
            with _lock:
                _prepared_cache[key] = found
        return found
    path = active_model_path()  # one trained on this host before the database kept them
    if path is None:
        return matching.default_matcher()
    key = ("model", str(path), path.stat().st_mtime_ns)
    with _lock:
        if key not in _prepared_cache:
            _prepared_cache[key] = matching.Matcher.load(path)
        return _prepared_cache[key]


def models_dir() -> Path:
    return Path(current_app.config["CACHE_DIR"]).parent / "models"


def active_model_path() -> Path | None:
    pointer = models_dir() / "active.json"
    if not pointer.exists():
        return None
    path = models_dir() / json.loads(pointer.read_text(encoding="utf-8"))["file"]
    return path if path.exists() else None


def active_model_info() -> dict:
    """Version and training facts of the model in use, for admins."""
    model = active_model()
    return {
        "version": getattr(model, "version_", "expert"),
        "trained": getattr(model, "version_", None) != matching.default_matcher().version_,
        "training": dict(getattr(model, "training_", {}) or {}),
        "weights": model.weights,
    }


def save_model(model: matching.Matcher, activate: bool = True) -> Path:
    """Keep a fitted matcher in the database (every host ranks with the active one) and a
    copy under the instance folder; optionally make it active. Flushes, never commits."""
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"matcher-{model.version_}.json"
    model.save(path)
    row = db.session.get(MatcherModel, model.version_) or MatcherModel(version=model.version_)
    row.document = model.to_document()
    db.session.add(row)
    if activate:
        db.session.execute(sa.update(MatcherModel).values(active=False).where(
            MatcherModel.active, MatcherModel.version != model.version_))
        row.active = True
        (folder / "active.json").write_text(json.dumps({"file": path.name}), encoding="utf-8")
    db.session.flush()
    return path


def visible_openings_by_id(ids) -> dict[str, Opening]:
    """The openings among `ids` job seekers may still see, by their id as text."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    return {str(o.id): o for o in db.session.scalars(
        sa.select(Opening).where(Opening.id.in_(ids), Opening.visible_to_seekers)
        .options(selectinload(Opening.employer)))}


def rank_frame(frame: pd.DataFrame, k: int, n_jobs: int | None = None) -> tuple[
        pd.DataFrame, int]:
    """Rank the seekers of `frame` against the open openings with the active matcher:
    the ranking (`matching.rank_openings`) and how many openings it ranked among."""
    prepared = prepared_open_openings()
    if len(prepared) == 0 or frame.empty:
        return pd.DataFrame(columns=_RANKING_COLUMNS), len(prepared)
    taxonomy, geography = reference()
    return matching.rank_openings(frame, prepared, k=k, model=active_model(),
                                  taxonomy=taxonomy, geography=geography,
                                  n_jobs=n_jobs), len(prepared)


def ranked_openings_for(seeker: Seeker, k: int = 10) -> list[dict]:
    """The best openings a seeker may see, each with its opening row, score and reasons
    (computed now; `app.services.rankings.recommendations_for` reads the stored one)."""
    ranking, _n = rank_frame(seekers_frame([seeker]), k)
    openings = visible_openings_by_id(ranking["opening_id"])
    return [
        {"opening": openings[row.opening_id], "rank": int(row.rank),
         "score": float(row.score), "reasons": list(row.reasons)}
        for row in ranking.itertuples() if row.opening_id in openings
    ]


def ranked_seekers_for(opening: Opening, k: int = 20) -> list[dict]:
    """The best-fitting consenting seekers for an opening, for employer-facing lists.

    Only seekers who consented to share a pseudonymous profile and are not yet placed
    are considered; callers show their code and job-relevant facts only.
    """
    seekers = db.session.scalars(
        sa.select(Seeker)
        .where(Seeker.consent_share.is_(True), Seeker.status != SeekerStatus.PLACED,
               Seeker.surveys.any())
        .options(selectinload(Seeker.surveys).selectinload(Survey.intentions))
    ).all()
    if not seekers or not opening.district:
        return []
    taxonomy, geography = reference()
    ranking = matching.rank_seekers(
        openings_frame([opening]), seekers_frame(seekers), k=k, model=active_model(),
        taxonomy=taxonomy, geography=geography,
    )
    by_id = {str(s.id): s for s in seekers}
    return [
        {"seeker": by_id[row.seeker_id], "rank": int(row.rank), "score": float(row.score),
         "reasons": list(row.reasons)}
        for row in ranking.itertuples()
    ]


def recorded_outcomes() -> pd.DataFrame:
    """Every recorded outcome as (seeker_id, opening_id, outcome), the highest per pair.

    Fair interests by stage; referrals (an interview counts as interest, an offer as an
    intent, a placement as a hire, a decline as none); job practice at an opening (a
    good assessment counts as an intent, any other assessment as none); placements.
    """
    level = {InterestStage.INTERESTED: "interest", InterestStage.INTERVIEWED: "interest",
             InterestStage.INTENT: "intent", InterestStage.HIRED: "hire",
             InterestStage.DECLINED: "none"}
    referral_level = {ReferralStatus.INTERVIEW: "interest", ReferralStatus.OFFERED: "intent",
                      ReferralStatus.PLACED: "hire", ReferralStatus.DECLINED: "none"}
    order = {"none": 0, "interest": 1, "intent": 2, "hire": 3}
    rows: dict[tuple[str, str], str] = {}

    def note(seeker_id, opening_id, outcome):
        key = (str(seeker_id), str(opening_id))
        if key not in rows or order[outcome] > order[rows[key]]:
            rows[key] = outcome

    for seeker_id, opening_id, stage in db.session.execute(
        sa.select(Interest.seeker_id, Interest.opening_id, Interest.stage)
    ):
        note(seeker_id, opening_id, level[stage])
    for seeker_id, opening_id, status in db.session.execute(
        sa.select(Referral.seeker_id, Referral.opening_id, Referral.status)
        .where(Referral.status.in_(list(referral_level)))
    ):
        note(seeker_id, opening_id, referral_level[status])
    for booking in db.session.scalars(
        sa.select(PracticeBooking).join(PracticeBooking.practice_day)
        .where(PracticeDay.opening_id.is_not(None), PracticeBooking.assessed_at.is_not(None))
        .options(selectinload(PracticeBooking.practice_day))
    ):
        note(booking.seeker_id, booking.practice_day.opening_id,
             "intent" if booking.good_assessment else "none")
    for seeker_id, opening_id in db.session.execute(
        sa.select(Placement.seeker_id, Placement.opening_id)
        .where(Placement.opening_id.is_not(None))
    ):
        note(seeker_id, opening_id, "hire")
    return pd.DataFrame(
        [(s, o, outcome) for (s, o), outcome in rows.items()],
        columns=["seeker_id", "opening_id", "outcome"],
    )


def all_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every surveyed seeker and every opening (open or not), for training and evaluation."""
    seekers = db.session.scalars(
        sa.select(Seeker).where(Seeker.surveys.any())
        .options(selectinload(Seeker.surveys).selectinload(Survey.intentions))
    ).all()
    openings = db.session.scalars(sa.select(Opening)).all()
    return seekers_frame(seekers), openings_frame(openings)


__all__ = ["Employer", "active_model", "ranked_openings_for", "ranked_seekers_for"]


class NothingToLearn(ValueError):
    """No interest, intent or hire has been recorded yet."""


def train_matcher(positive: str = "interest", activate: bool = True,
                  progress=lambda percent, message: None) -> tuple[matching.Matcher, Path]:
    """Refit the matcher's weights from recorded outcomes and save it (`qibu match train`)."""
    outcomes = recorded_outcomes()
    if outcomes.empty or not (outcomes["outcome"] != "none").any():
        raise NothingToLearn()
    progress(20, N_("Reading the people and the openings"))
    seekers, openings = all_frames()
    taxonomy, geography = reference()
    progress(40, N_("Preparing the openings"))
    prepared = matching.prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    progress(60, N_("Fitting the matcher's weights"))
    model = matching.fit_matcher(seekers, prepared, outcomes, positive=positive)
    return model, save_model(model, activate=activate)
