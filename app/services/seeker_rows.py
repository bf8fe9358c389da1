"""The matcher's seekers frame read with plain column SELECTs, for pages that ask about
thousands of people at once (the course gap).

:func:`app.services.matching.seekers_frame` builds the frame from ORM objects (a Seeker,
its surveys, their intentions and its earned certificates: about five objects a person).
:func:`load_seekers_frame` gives the same frame (same columns, same values, seekers by
id) from four SELECTs of only the columns a row needs: each person's latest survey (the
same order as ``Seeker.surveys``: latest ``surveyed_on``, then highest id), its ranked
intentions, and the certificates held (``Seeker.certificates_held``: the survey's, then
those earned through courses, by date earned).
"""

import json
import math

import pandas as pd
import sqlalchemy as sa

import matching
from models import Seeker, SeekerCertificate, Survey, SurveyIntention, db


def _nan(value) -> float:
    return float(value) if value is not None else math.nan


def _experience_years(work_history) -> float:
    # the same sum as Survey.experience_years
    return float(sum(float(row.get("years") or 0) for row in work_history or []))


class _Json:
    """JSON lists read as text and decoded once per distinct text (most people's shifts,
    districts and certificates repeat), each row getting its own copy."""

    def __init__(self):
        self._seen: dict[str, object] = {}

    def __call__(self, text: str | None):
        if text is None:
            return None
        if text not in self._seen:
            self._seen[text] = json.loads(text)
        value = self._seen[text]
        return list(value) if isinstance(value, list) else json.loads(text)


_JSON_COLUMNS = ("districts", "shifts", "work_history", "certificates", "avoid")


def load_seekers_frame(*where, text: bool = False) -> pd.DataFrame:
    """The seekers frame of the seekers matching the `where` clauses (on ``Seeker``
    columns), ordered by seeker id, from each one's latest survey; without `text` the
    skills text is left empty and never read (it is encrypted)."""
    seeker_ids = sa.select(Seeker.id).where(*where)
    seekers = db.session.execute(
        sa.select(Seeker.id, Seeker.education, Seeker.riasec_scores)
        .where(Seeker.id.in_(seeker_ids)).order_by(Seeker.id)).all()

    newest = sa.func.row_number().over(
        partition_by=Survey.seeker_id,
        order_by=(Survey.surveyed_on.desc(), Survey.id.desc())).label("newest")
    ranked = (sa.select(Survey.id, newest)
              .where(Survey.seeker_id.in_(seeker_ids)).subquery())
    latest_ids = sa.select(ranked.c.id).where(ranked.c.newest == 1)
    columns = [Survey.id, Survey.seeker_id, Survey.salary_min, Survey.salary_hoped,
               Survey.home_district, Survey.needs_accommodation, Survey.education,
               *(sa.cast(getattr(Survey, name), sa.Text).label(name)
                 for name in _JSON_COLUMNS)]
    if text:
        columns.append(Survey.skills_text)
    decode = _Json()
    surveys = {}
    result = db.session.execute(sa.select(*columns).where(Survey.id.in_(latest_ids)))
    keys = list(result.keys())
    for row in result:
        survey = dict(zip(keys, row, strict=True))
        survey.update((name, decode(survey[name])) for name in _JSON_COLUMNS)
        surveys[survey["seeker_id"]] = survey

    categories: dict[int, list[str]] = {}
    for survey_id, code in db.session.execute(
            sa.select(SurveyIntention.survey_id, SurveyIntention.category_code)
            .where(SurveyIntention.survey_id.in_(latest_ids))
            .order_by(SurveyIntention.survey_id, SurveyIntention.rank)):
        categories.setdefault(survey_id, []).append(code)

    earned: dict[int, list[str]] = {}
    for seeker_id, code in db.session.execute(
            sa.select(SeekerCertificate.seeker_id, SeekerCertificate.certificate_code)
            .where(SeekerCertificate.seeker_id.in_(seeker_ids))
            .order_by(SeekerCertificate.seeker_id, SeekerCertificate.earned_on,
                      SeekerCertificate.id)):
        earned.setdefault(seeker_id, []).append(code)

    rows = []
    for seeker in seekers:
        survey = surveys.get(seeker.id)
        held = list(survey["certificates"] or []) if survey is not None else []
        held += [code for code in earned.get(seeker.id, []) if code not in held]
        if survey is None:
            rows.append({
                "seeker_id": str(seeker.id), "categories": [], "salary_min": math.nan,
                "salary_hoped": math.nan, "home_district": None, "districts": [],
                "needs_accommodation": False, "shifts": ["day"],
                "education": int(seeker.education), "experience_years": 0.0,
                "certificates": held, "skills_text": "",
                "riasec": list(seeker.riasec_scores) if seeker.riasec_scores else None,
                "avoid": []})
            continue
        rows.append({
            "seeker_id": str(seeker.id),
            "categories": categories.get(survey["id"], []),
            "salary_min": _nan(survey["salary_min"]),
            "salary_hoped": _nan(survey["salary_hoped"]),
            "home_district": survey["home_district"],
            "districts": list(survey["districts"] or []),
            "needs_accommodation": bool(survey["needs_accommodation"]),
            "shifts": list(survey["shifts"] or ["day"]),
            "education": int(survey["education"] if survey["education"] is not None
                             else seeker.education),
            "experience_years": _experience_years(survey["work_history"]),
            "certificates": held,
            "skills_text": survey["skills_text"] if text else "",
            "riasec": list(seeker.riasec_scores) if seeker.riasec_scores else None,
            "avoid": list(survey["avoid"] or []),
        })
    return pd.DataFrame(rows, columns=list(matching.SEEKER_COLUMNS))


__all__ = ["load_seekers_frame"]
