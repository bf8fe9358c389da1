"""Job postings from a spreadsheet as a kind of import: plan rows against the database
and write them (see `app.services.importing` for the flow).

Each row's employer is found by its unified social credit code when the row gives one,
else by its normalised name; an employer found nowhere is registered as unverified for
staff to complete (once, however many rows name it). Each row's opening is found by its
reference (the file's, or one made from employer, title and place, see
`app.employment.importing.opening_ref`): a known opening is updated when the row says
something new and left alone when it does not, so importing a file twice changes nothing.
A row without a category gets the title classifier's suggestion (`matching.categorize`,
fitted once and cached), with its confidence shown in the preview; on an opening that
exists, staff's category is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from app.employment.importing import OpeningRowParser
from app.services.categories import category_classifier
from app.services.importing import (
    CHUNK_ROWS,
    ImportScope,
    ParsedRow,
    PlannedRow,
    Problem,
    in_chunks,
)
from matching.categorize import suggest_categories
from models import Employer, Opening, OpeningStatus, Shift, db
from surveys.importing import SurveyReference

# Opening columns an import sets, compared to tell an update from an unchanged row.
_FIELDS = ("title", "description", "salary_min", "salary_max", "salary_text", "district",
           "education_min", "experience_min", "headcount", "accommodation", "shift",
           "certificates_required", "posted_on")


class OpeningImport:
    """Job postings as a kind of import (see `app.services.importing.ImportKind`)."""

    name = "openings"

    def parser(self) -> OpeningRowParser:
        return OpeningRowParser(SurveyReference.from_database())

    def plan(self, rows, scope):
        return plan_opening_import(rows, scope)

    def write(self, rows, scope, progress):
        import_openings(rows, scope, progress)


OPENING_IMPORT = OpeningImport()


def opening_values(record: dict, category: str | None) -> dict:
    """The opening's column values a row gives (the category only when it is set)."""
    values = {
        "title": record["title"], "description": record["description"],
        "salary_min": record["salary_min"], "salary_max": record["salary_max"],
        "salary_text": record["salary_text"], "district": record["district"],
        "education_min": record["education_min"], "experience_min": record["experience_min"],
        "headcount": record["headcount"], "accommodation": record["accommodation"],
        "shift": Shift(record["shift"]), "certificates_required": record["certificates"],
        "posted_on": date.fromisoformat(record["posted_on"]) if record["posted_on"] else None,
    }
    if category is not None:
        values["category_code"] = category
    return values


def _suggest(records: list[dict]) -> dict[str, tuple[str, float]]:
    """The classifier's category and confidence for each distinct title without one."""
    titles = sorted({r["title"] for r in records if r["category"] is None})
    if not titles:
        return {}
    frame = suggest_categories(titles, model=category_classifier())
    return {title: (str(category), round(float(confidence), 3))
            for title, category, confidence in frame[["title", "category", "confidence"]]
            .itertuples(index=False)}


def _employers(records: list[dict]) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Registered employers by credit code and by normalised name: (id, name, uscc)."""
    codes = sorted({r["employer"]["uscc"] for r in records if r["employer"]["uscc"]})
    keys = sorted({r["employer"]["key"] for r in records})
    by_code: dict[str, tuple] = {}
    by_key: dict[str, tuple] = {}
    columns = (Employer.id, Employer.name, Employer.uscc, Employer.normalized_name)
    for chunk in in_chunks(codes):
        for row in db.session.execute(sa.select(*columns).where(Employer.uscc.in_(chunk))):
            by_code[row.uscc] = tuple(row[:3])
    for chunk in in_chunks(keys):
        # several registrations of one name: the verified one, else the oldest
        for row in db.session.execute(
            sa.select(*columns).where(Employer.normalized_name.in_(chunk))
            .order_by(Employer.verified.desc(), Employer.id)
        ):
            by_key.setdefault(row.normalized_name, tuple(row[:3]))
    return by_code, by_key


def _openings(refs: list[str]) -> dict[str, dict]:
    """Openings already recorded, by reference: the compared columns, id, employer,
    places filled and category."""
    found: dict[str, dict] = {}
    columns = [getattr(Opening, name) for name in _FIELDS]
    for chunk in in_chunks(refs):
        for row in db.session.execute(
            sa.select(Opening.ref, Opening.id, Opening.employer_id, Opening.filled,
                      Opening.category_code, *columns).where(Opening.ref.in_(chunk))
        ):
            found[row.ref] = dict(row._mapping)
    return found


def plan_opening_import(rows: list[ParsedRow], scope: ImportScope) -> tuple[
        list[PlannedRow], list[Problem]]:
    """Decide for each job-posting row whether it creates, updates or changes nothing.

    ``detail`` of a planned row holds the employer (``employer_id``, or ``new_employer``
    with the employer's key when it is registered by this import, ``employer_name``),
    the category and whether it was suggested (``category``, ``confidence``,
    ``suggested``) and, for an update, ``opening_id``. Looks everything up in a few bulk
    queries; writes nothing.
    """
    records = [row.record for row in rows]
    suggestions = _suggest(records)
    by_code, by_key = _employers(records)
    existing = _openings(sorted({r["ref"] for r in records}))
    planned: list[PlannedRow] = []
    problems: list[Problem] = []
    new_employers: set[str] = set()
    new_by_name: dict[str, str] = {}  # normalised name -> key of an employer to register
    new_by_code: dict[str, str] = {}  # credit code -> the same

    for row in rows:
        record = row.record
        employer = record["employer"]
        found = by_code.get(employer["uscc"]) if employer["uscc"] else None
        if found is None:
            found = by_key.get(employer["key"])
            if found is not None and employer["uscc"] and found[2] and \
                    found[2] != employer["uscc"]:
                problems.append(Problem(
                    row.row, "uscc", "", employer["uscc"], "opening.employer_uscc_conflict",
                    {"name": found[1], "registered": found[2]}, stage="plan"))
                planned.append(PlannedRow(row.row, "reject", record))
                continue
        detail: dict = {}
        if found is not None:
            detail.update(employer_id=found[0], employer_name=found[1])
        else:
            # one new employer however its rows name it: by code, else by name
            code = employer["uscc"]
            key = new_by_code.get(code) if code else None
            key = key or new_by_name.get(employer["key"], employer["key"])
            new_by_name.setdefault(employer["key"], key)
            if code:
                new_by_code.setdefault(code, key)
            detail.update(new_employer=key, employer_name=employer["name"],
                          first_of_employer=key not in new_employers)
            new_employers.add(key)
        if record["category"] is not None:
            detail.update(category=record["category"], suggested=False)
        else:
            category, confidence = suggestions[record["title"]]
            detail.update(category=category, confidence=confidence, suggested=True)

        stored = existing.get(record["ref"])
        if stored is None:
            planned.append(PlannedRow(row.row, "create", record, detail))
            continue
        detail["opening_id"] = stored["id"]
        if record["headcount"] is not None and record["headcount"] < stored["filled"]:
            problems.append(Problem(
                row.row, "headcount", "", str(record["headcount"]),
                "opening.headcount_below_filled", {"filled": stored["filled"]}, stage="plan"))
            planned.append(PlannedRow(row.row, "reject", record))
            continue
        values = opening_values(record, None if detail["suggested"] else detail["category"])
        changed = any(stored[name] != value for name, value in values.items()
                      if not (name == "posted_on" and value is None))
        if found is not None and stored["employer_id"] != found[0]:
            changed = True
        planned.append(PlannedRow(row.row, "update" if changed else "unchanged", record, detail))
    return planned, problems


def import_openings(rows: list[PlannedRow], scope: ImportScope,
                    progress: Callable[[int], None] = lambda done: None) -> None:
    """Write planned job-posting rows: new employers (unverified), new openings and
    corrected openings, in the session's transaction (nothing is committed here: a
    failure leaves nothing). The caller logs one audit event for the whole import."""
    employers: dict[str, Employer] = {}
    for row in rows:
        key = row.detail.get("new_employer")
        if key is None:
            continue
        facts = row.record["employer"]
        if key not in employers:
            notes = f"单位性质：{facts['company_type']}" if facts["company_type"] else ""
            employers[key] = Employer(
                name=facts["name"], normalized_name=facts["key"], uscc=facts["uscc"],
                verified=False, notes=notes)
        elif employers[key].uscc is None:  # a later row gives the code
            employers[key].uscc = facts["uscc"]
    db.session.add_all(employers.values())
    db.session.flush()

    updates = {row.detail["opening_id"]: row for row in rows if row.action == "update"}
    done = 0
    creates = [row for row in rows if row.action == "create"]
    # One executemany per chunk (ORM bulk INSERT): adding 10,000 Opening objects to the
    # session took about 2 s more. render_nulls keeps rows whose unknown pay, district
    # or headcount is None in the same batch instead of one INSERT per row.
    insert = sa.insert(Opening).execution_options(render_nulls=True)
    for chunk in in_chunks(creates, CHUNK_ROWS):
        values = []
        for row in chunk:
            employer_id = row.detail.get("employer_id") or employers[
                row.detail["new_employer"]].id
            opening = opening_values(row.record, row.detail["category"])
            opening["posted_on"] = opening["posted_on"] or date.today()
            values.append({"ref": row.record["ref"], "employer_id": employer_id,
                           "source": "import", "filled": 0, "status": OpeningStatus.OPEN,
                           **opening})
        db.session.execute(insert, values)
        done += len(chunk)
        progress(done)
    ids = sorted(updates)
    for chunk in in_chunks(ids, CHUNK_ROWS):
        for opening in db.session.scalars(sa.select(Opening).where(Opening.id.in_(chunk))):
            row = updates[opening.id]
            values = opening_values(row.record, None if row.detail["suggested"]
                                    else row.detail["category"])
            headcount = values.pop("headcount")
            for name, value in values.items():
                if name != "posted_on" or value is not None:
                    setattr(opening, name, value)
            opening.set_headcount(headcount)
            if row.detail.get("employer_id"):
                opening.employer_id = row.detail["employer_id"]
        db.session.flush()
        done += len(chunk)
        progress(done)
