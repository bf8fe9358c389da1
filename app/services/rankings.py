"""Stored rankings: the nightly city-wide ranking of everyone due for release, written in
blocks by parallel jobs, and one person's ranking refreshed when what the matcher reads of
them changes.

A stored ranking is shown only while it is current: computed from the person's present
matcher row (a keyed digest of it is stored beside it), by the matcher now active, and
with every ranked opening still open. Otherwise the page ranks the person now and stores
that. Openings posted since the ranking was computed join at the next run; pages say
when the ranking they show was computed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask import current_app

from app.services.matching import (
    active_model,
    rank_frame,
    ranked_openings_for,
    seekers_frame,
    visible_openings_by_id,
)
from app.services.seeker_rows import load_seekers_frame
from models import (
    RankedOpening,
    RankingRun,
    Seeker,
    SeekerRanking,
    SeekerStatus,
    Survey,
    db,
    utcnow,
)
from models.jobs import N_
from models.placements import add_months

#: Openings kept per person: the bureau page shows 10, the referral list 10.
STORED_K = 10
#: People per block job: a block's scores are computed in slices of ~1M pairs, so memory
#: does not grow with this; it bounds one job's write (STORED_K rows per person).
BLOCK_SEEKERS = 2000


def _plain(value: Any) -> Any:
    """A JSON value the same whichever way the row was read (ORM or column SELECTs)."""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return int(value) if float(value).is_integer() else round(float(value), 6)
    if isinstance(value, np.integer | bool | np.bool_):
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def inputs_digest(row: dict) -> str:
    """A keyed digest of one person's matcher row: equal rows, equal digests; the row
    (which holds the skills they described) cannot be recovered or tested for from it
    without the app's secret key."""
    payload = json.dumps({name: _plain(value) for name, value in row.items()},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _model_version() -> str:
    return str(getattr(active_model(), "version_", "expert"))


def due_for_release(horizon_months: int, today: date):
    """The people the nightly ranking covers: still in a facility, with a survey, and due
    for release within `horizon_months` (or overdue), in every facility."""
    until = add_months(today, horizon_months)
    return (Seeker.status == SeekerStatus.IN_FACILITY, Seeker.anonymised_at.is_(None),
            Seeker.expected_release_date <= until,
            sa.exists().where(Survey.seeker_id == Seeker.id))


def store_rankings(frame: pd.DataFrame, run_id: int | None = None,
                   n_jobs: int | None = None) -> tuple[int, int]:
    """Rank the people of `frame` (matcher rows) and store each one's best openings in
    place of their previous ranking. Flushes; the caller commits. Returns the rows
    written and the number of open openings ranked among."""
    if frame.empty:
        return 0, 0
    ranking, n_openings = rank_frame(frame, STORED_K, n_jobs=n_jobs)
    now, model = utcnow(), _model_version()
    ids = [int(i) for i in frame["seeker_id"]]
    digests = [inputs_digest(row) for row in frame.to_dict("records")]
    delete_rankings(ids)
    db.session.execute(sa.insert(SeekerRanking), [
        {"seeker_id": seeker_id, "computed_at": now, "inputs_digest": digest,
         "model_version": model, "run_id": run_id}
        for seeker_id, digest in zip(ids, digests, strict=True)])
    rows = list(zip(ranking["seeker_id"].astype(int).tolist(),
                    ranking["rank"].astype(int).tolist(),
                    ranking["opening_id"].astype(int).tolist(),
                    ranking["score"].astype(float).tolist(), ranking["reasons"], strict=True))
    _insert_ranked(rows)
    return len(rows), n_openings


_COPY_RANKED = ("COPY ranked_openings (seeker_id, rank, opening_id, score, reasons) "
                "FROM STDIN")


def _insert_ranked(rows: list[tuple]) -> None:
    """Write (seeker_id, rank, opening_id, score, reasons) rows in the session's
    transaction: PostgreSQL's COPY (a block's 20,000 rows in a fraction of the time of
    an INSERT each), else one executemany."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(_COPY_RANKED) as copy:
            for seeker_id, rank, opening_id, score, reasons in rows:
                copy.write_row((seeker_id, rank, opening_id, score,
                                json.dumps(list(reasons), ensure_ascii=False)))
        return
    db.session.execute(sa.insert(RankedOpening), [
        {"seeker_id": seeker_id, "rank": rank, "opening_id": opening_id, "score": score,
         "reasons": list(reasons)} for seeker_id, rank, opening_id, score, reasons in rows])


def delete_rankings(seeker_ids: list[int]) -> None:
    for lo in range(0, len(seeker_ids), 5000):
        chunk = seeker_ids[lo:lo + 5000]
        db.session.execute(sa.delete(RankedOpening).where(RankedOpening.seeker_id.in_(chunk)))
        db.session.execute(sa.delete(SeekerRanking).where(SeekerRanking.seeker_id.in_(chunk)))


def refresh_ranking(seeker: Seeker) -> list[dict]:
    """Rank one person now and store it (in a savepoint: when two requests refresh the
    same person at once, the second keeps the first's). Returns the page's rows; an
    anonymised person is not ranked."""
    if seeker.anonymised_at is not None:
        return []
    db.session.flush()
    db.session.expire(seeker, ["surveys", "earned_certificates"])  # read what changed
    frame = seekers_frame([seeker])
    try:
        with db.session.begin_nested():
            store_rankings(frame)
    except sa.exc.IntegrityError:
        pass
    head = db.session.get(SeekerRanking, seeker.id, populate_existing=True)
    return _rows(head, STORED_K)[0] if head is not None else []


def _rows(head: SeekerRanking, k: int) -> tuple[list[dict], bool]:
    entries = db.session.scalars(
        sa.select(RankedOpening).where(RankedOpening.seeker_id == head.seeker_id)
        .order_by(RankedOpening.rank).limit(k)
        .execution_options(populate_existing=True)).all()
    openings = visible_openings_by_id(e.opening_id for e in entries)
    rows = [{"opening": openings[str(e.opening_id)], "rank": e.rank, "score": e.score,
             "reasons": list(e.reasons or []), "computed_at": head.computed_at}
            for e in entries if str(e.opening_id) in openings]
    return rows, len(rows) == len(entries)


def recommendations_for(seeker: Seeker, k: int = STORED_K) -> tuple[list[dict],
                                                                    datetime | None]:
    """A person's best openings and when they were ranked: the stored ranking while it is
    current (same matcher row, same matcher, every opening still open), else ranked now
    and stored. Flushes when it stores; the page's request commits. An anonymised
    person's ranking is made now and never stored."""
    if seeker.anonymised_at is not None:
        return ranked_openings_for(seeker, k), None
    head = db.session.get(SeekerRanking, seeker.id)
    if head is not None and head.model_version == _model_version() and \
            head.inputs_digest == inputs_digest(seekers_frame([seeker]).iloc[0].to_dict()):
        rows, complete = _rows(head, k)
        if complete:
            return rows, head.computed_at
    rows = refresh_ranking(seeker)[:k]
    head = db.session.get(SeekerRanking, seeker.id)  # refreshed just now
    return rows, head.computed_at if head is not None else None


# --------------------------------------------------------------------- the nightly run

def start_city_ranking(horizon_months: int, today: date, *, block_seekers: int | None = None
                       ) -> tuple[RankingRun, list[list[int]]]:
    """Record a city-wide run over everyone due for release within `horizon_months` and
    cut them into blocks (lists of seeker ids). Flushes; the caller queues one job per
    block and commits."""
    ids = list(db.session.scalars(
        sa.select(Seeker.id).where(*due_for_release(horizon_months, today))
        .order_by(Seeker.id)))
    size = block_seekers or BLOCK_SEEKERS
    blocks = [ids[lo:lo + size] for lo in range(0, len(ids), size)]
    run = RankingRun(horizon_months=horizon_months, k=STORED_K, n_seekers=len(ids),
                     n_openings=0, blocks_total=len(blocks), blocks_done=0,
                     started_at=utcnow(), finished_at=None if blocks else utcnow())
    db.session.add(run)
    db.session.flush()
    return run, blocks


def rank_block(run_id: int, seeker_ids: list[int],
               progress: Callable[[int, str], None] | None = None,
               n_jobs: int | None = None) -> int:
    """Rank and store one block of a run, and count it done (the last block finishes the
    run). Flushes; the job commits the rows and the count together, so a block killed
    mid-way leaves its people's previous rankings and can be run again."""
    frame = load_seekers_frame(Seeker.id.in_(seeker_ids), text=True)
    if progress:
        progress(20, N_("Ranking the people of this block"))
    written, n_openings = store_rankings(frame, run_id=run_id, n_jobs=n_jobs)
    if progress:
        progress(90, N_("Storing their rankings"))
    db.session.execute(
        sa.update(RankingRun).where(RankingRun.id == run_id)
        .values(blocks_done=RankingRun.blocks_done + 1, n_openings=n_openings))
    db.session.execute(
        sa.update(RankingRun).where(RankingRun.id == run_id,
                                    RankingRun.blocks_done == RankingRun.blocks_total,
                                    RankingRun.finished_at.is_(None))
        .values(finished_at=utcnow()))
    return written


__all__ = ["recommendations_for", "refresh_ranking", "start_city_ranking", "rank_block"]
