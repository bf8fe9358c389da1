"""The nightly city-wide ranking at a city's scale (issue 19, deliverable 3; ``make bench``).

A scratch PostgreSQL database (made and dropped here on BENCH_PG_URL's server; the bench
skips without one, or without Redis at BENCH_REDIS_URL) holds the reference data,
BENCH_RANK_OPENINGS (20,000) open openings from verified employers and BENCH_RANK_PEOPLE
(50,000) people in four facilities, each with a survey and due for release within six
months (``synthetic.make_openings`` / ``make_seekers``; loaded with bulk inserts and
ANALYZEd, not timed).

For 1 and then 2 workers — ``qibu worker`` processes on a queue of this run's own,
started and idle before the clock starts — the run is started as the nightly command
starts it (``queue_city_ranking``: the people cut into blocks, one job per block) and
timed until the last block's commit, so the time includes each worker's first
preparation of the openings, reading and decrypting the people, ranking with reasons and
writing every person's top 10. Each worker's peak resident memory is its VmHWM. Prints
the time, rows, peak MiB per worker, the 2-worker speed-up over 1, and PASS/MISS against
30 s and 1 GiB (never asserted). The second run writes over the first: its people's old
rankings are deleted in the same transactions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from databases import scratch_database
from register import load_open_register
from synthetic import make_seekers

from app import create_app
from app.clock import local_today
from app.config import TestingConfig
from app.seeding import load_reference_data
from models import (
    Base,
    Facility,
    RankedOpening,
    RankingRun,
    Seeker,
    SeekerStatus,
    Survey,
    SurveyIntention,
    db,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
OPENINGS = int(os.environ.get("BENCH_RANK_OPENINGS", 20_000))
PEOPLE = int(os.environ.get("BENCH_RANK_PEOPLE", 50_000))
TARGET_SECONDS, TARGET_MIB = 30.0, 1024.0
CHUNK = 5_000


def _load(seed_dir) -> None:
    load_reference_data(Path(seed_dir))
    facilities = [Facility(code=f"SH-R{i}", name_zh=f"排序测试所{i}", name_en=f"Ranking {i}",
                           district="310118") for i in range(4)]
    db.session.add_all(facilities)
    load_open_register(OPENINGS, "上海排序测试公司")
    today = local_today()
    people = make_seekers(PEOPLE, seed=1)
    rows = list(people.itertuples(index=False))
    for lo in range(0, len(rows), CHUNK):
        chunk = range(lo, min(lo + CHUNK, len(rows)))
        db.session.execute(sa.insert(Seeker), [{
            "id": i + 1, "code": f"QR{i:06d}", "facility_id": facilities[i % 4].id,
            "name": f"排序测试{i}", "gender": "M", "birth_year": 1985,
            "education": int(rows[i].education), "status": SeekerStatus.IN_FACILITY,
            "expected_release_date": today + timedelta(days=10 + i % 170)} for i in chunk])
        db.session.execute(sa.insert(Survey), [{
            "id": i + 1, "seeker_id": i + 1, "surveyed_on": today - timedelta(days=10),
            "salary_min": None if np.isnan(rows[i].salary_min) else int(rows[i].salary_min),
            "salary_hoped": (None if np.isnan(rows[i].salary_hoped)
                             else int(rows[i].salary_hoped)),
            "home_district": rows[i].home_district if isinstance(rows[i].home_district, str)
            else None, "districts": list(rows[i].districts),
            "needs_accommodation": bool(rows[i].needs_accommodation),
            "shifts": list(rows[i].shifts), "education": int(rows[i].education),
            "certificates": list(rows[i].certificates), "skills_text": rows[i].skills_text,
            "avoid": list(rows[i].avoid)} for i in chunk])
        db.session.execute(sa.insert(SurveyIntention), [
            {"survey_id": i + 1, "rank": rank, "category_code": code}
            for i in chunk for rank, code in enumerate(rows[i].categories, start=1)])
    for table in ("seekers", "surveys"):  # explicit ids: move the sequences past them
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {PEOPLE + 1})"))
    db.session.commit()
    # the statistics autovacuum gathers within a minute of a load this size (without them
    # the planner nests loops over 20,000 openings per employer)
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def _peak_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _start_workers(n: int, env: dict, logs: Path) -> list[subprocess.Popen]:
    script = "import sys; from app.cli import main; sys.argv = ['qibu', 'worker']; main()"
    workers = []
    for i in range(n):
        with open(logs / f"worker-{n}-{i}.log", "wb") as log:
            workers.append(subprocess.Popen([sys.executable, "-c", script], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT))
    time.sleep(4)  # imported and listening before the clock starts
    for worker in workers:
        assert worker.poll() is None, "a worker did not start"
    return workers


def _run_with(n_workers: int, app, env, logs: Path) -> dict:
    from app.jobs.kinds import queue_city_ranking

    workers = _start_workers(n_workers, env, logs)
    try:
        with app.app_context():
            started = time.perf_counter()
            run, _jobs = queue_city_ranking(6)
            run_id = run.id
            while True:
                db.session.expire_all()
                run = db.session.get(RankingRun, run_id)
                if run.finished:
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(RankedOpening))
            result = {"seconds": seconds, "people": run.n_seekers, "blocks": run.blocks_total,
                      "openings": run.n_openings, "rows": rows,
                      "peak_mib": [_peak_mib(w.pid) for w in workers]}
            db.session.remove()
    finally:
        for worker in workers:
            worker.terminate()  # RQ's warm shut-down: idle, it stops at once
        for i, worker in enumerate(workers):
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
                tail = (logs / f"worker-{n_workers}-{i}.log").read_text("utf-8")[-1500:]
                print(f"  worker {i} did not stop within 60 s of SIGTERM (killed); its log "
                      f"ends:\n{tail}")
    return result


def test_city_ranking_with_one_and_two_workers(tmp_path):
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error})")
    with scratch_database("qibu_bench_rank") as url:
        _rank_on(url, connection, tmp_path)


def _rank_on(url: str, connection, tmp_path) -> None:
    queue = f"qibu-bench-{uuid.uuid4().hex[:8]}"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL, "JOBS_QUEUE": queue,
                "JOBS_SYNC": False, "CACHE_DIR": str(tmp_path / "cache")}
    env = dict(os.environ, QIBU_ENV="testing", QIBU_TEST_DATABASE_URL=url,
               QIBU_REDIS_URL=REDIS_URL, QIBU_JOBS_QUEUE=queue, QIBU_JOBS_SYNC="0",
               QIBU_CACHE_DIR=str(tmp_path / "cache"))
    try:
        app = create_app(TestingConfig, **settings)
        started = time.perf_counter()
        with app.app_context():
            Base.metadata.create_all(db.engine)
            _load(app.config["SEED_DIR"])
            db.session.remove()
        print(f"\n[city ranking] {PEOPLE} people x {OPENINGS} openings on PostgreSQL, "
              f"loaded in {time.perf_counter() - started:.0f} s")
        results = {n: _run_with(n, app, env, tmp_path) for n in (1, 2)}
        for n, r in results.items():
            print(f"  {n} worker{'s' if n > 1 else ' '}: {r['seconds']:6.1f} s end to end "
                  f"({r['people']} people in {r['blocks']} blocks against {r['openings']} "
                  f"open openings, {r['rows']} rows written); peak per worker "
                  f"{', '.join(f'{m:.0f}' for m in r['peak_mib'])} MiB")
        two = results[2]
        print(f"  speed-up 1 -> 2 workers: {results[1]['seconds'] / two['seconds']:.2f}x; "
              f"target <= {TARGET_SECONDS:.0f} s with 2 workers: "
              f"{'PASS' if two['seconds'] <= TARGET_SECONDS else 'MISS'}; "
              f"<= {TARGET_MIB:.0f} MiB per worker: "
              f"{'PASS' if max(two['peak_mib']) <= TARGET_MIB else 'MISS'}")
    finally:
        for key in connection.scan_iter(f"*{queue}*"):
            connection.delete(key)
        with app.app_context():
            db.engine.dispose()
