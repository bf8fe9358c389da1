"""Staff pages at a city's register: the course gap and a bulletin issue (``make bench``).

A temporary SQLite file holds the reference data, 10,000 open openings from 1,400
verified employers (``synthetic.make_openings``, BENCH_CITY_OPENINGS) and 5,000 people
with a survey each (``synthetic.make_seekers``, BENCH_CITY_PEOPLE): four fifths in one
large facility (the worst case for its pages), one fifth in a second. A bureau user of
each facility logs in through the real login form of the app in this process (Flask's
test client), the week's bulletin issue is made, and each page is requested once cold
(the first request after a change of the register) and BENCH_CITY_REQUESTS times warm
(7 by default); /healthz of the same app in the same run is the baseline. Prints each
page's cold time, warm median and fastest, the ratio of the median to /healthz and
PASS/MISS against 300 ms (never asserted). The app is prepared as a gunicorn worker is
(``app.serving.prepare_worker``: warm-up and ``gc.freeze``). The openings the course gap
counts are prepared once per version of the register and shared by both facilities' pages.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from register import load_open_register
from synthetic import make_seekers

from app import create_app
from app.admin.operations import create_user
from app.clock import local_today
from app.config import TestingConfig
from app.corner.operations import make_bulletin
from app.seeding import load_reference_data
from app.serving import prepare_worker
from models import (
    Base,
    Facility,
    Opening,
    Role,
    Seeker,
    SeekerStatus,
    Survey,
    db,
    iso_week_of,
)

OPENINGS = int(os.environ.get("BENCH_CITY_OPENINGS", 10_000))
PEOPLE = int(os.environ.get("BENCH_CITY_PEOPLE", 5_000))
REQUESTS = int(os.environ.get("BENCH_CITY_REQUESTS", 7))
TARGET_MS = 300.0
PASSWORD = "bench-city-pages-1"  # noqa: S105 - a throwaway account on a temporary file


def _load_register(seed_dir) -> list[Facility]:
    load_reference_data(Path(seed_dir))
    facilities = [Facility(code=code, name_zh=f"城市测试所{code}", name_en=f"City {code}",
                           district="310118") for code in ("SH-CITY", "SH-TOWN")]
    db.session.add_all(facilities)
    load_open_register(OPENINGS, "上海城市测试公司")
    today = local_today()
    people = make_seekers(PEOPLE, seed=1)
    for i, p in enumerate(people.itertuples(index=False)):
        facility = facilities[0] if i < PEOPLE * 4 // 5 else facilities[1]
        seeker = Seeker(code=f"QC{i:06d}", facility_id=facility.id, name=f"城市测试{i}",
                        gender="M", birth_year=1985, education=int(p.education),
                        status=SeekerStatus.IN_FACILITY,
                        expected_release_date=today + timedelta(days=30 + i % 300))
        db.session.add(seeker)
        db.session.flush()
        survey = Survey(
            seeker_id=seeker.id, surveyed_on=today - timedelta(days=10),
            salary_min=None if np.isnan(p.salary_min) else int(p.salary_min),
            salary_hoped=None if np.isnan(p.salary_hoped) else int(p.salary_hoped),
            home_district=p.home_district, districts=list(p.districts),
            needs_accommodation=bool(p.needs_accommodation), shifts=list(p.shifts),
            education=int(p.education), certificates=list(p.certificates),
            skills_text=p.skills_text, avoid=list(p.avoid))
        survey.set_categories(list(p.categories))
        db.session.add(survey)
    db.session.flush()
    return facilities


def _timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def test_city_pages(tmp_path):
    app = create_app(TestingConfig,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'city.sqlite3'}",
                     CACHE_DIR=str(tmp_path / "cache"))
    started = time.perf_counter()
    with app.app_context():
        Base.metadata.create_all(db.engine)
        facilities = _load_register(app.config["SEED_DIR"])
        sizes, pages = {}, {}
        for facility in facilities:
            create_user(f"bureau-{facility.code}", PASSWORD, Role.BUREAU,
                        facility_id=facility.id)
            bulletin, _new = make_bulletin(facility, iso_week_of(local_today()))
            sizes[facility.code] = db.session.scalar(
                sa.select(sa.func.count(Seeker.id)).where(Seeker.facility_id == facility.id))
            pages[facility.code] = {
                "course gap": "/corner/courses/gap",
                "bulletin issue": f"/corner/bulletins/{facility.code}/{bulletin.week}"}
        db.session.commit()
        listed = len(bulletin.opening_ids)
        open_count = db.session.scalar(sa.select(sa.func.count(Opening.id)))
        db.session.remove()
    loaded = time.perf_counter() - started
    # as gunicorn's post_worker_init does for each worker (gunicorn.conf.py): warm up, then
    # freeze the heap; a worker then freezes the openings register again once it is built
    prepare_worker(app)

    print(f"\n[city pages] {open_count} open openings, {PEOPLE} people "
          f"({', '.join(f'{n} in {code}' for code, n in sizes.items())}; loaded in "
          f"{loaded:.0f} s); each issue lists {listed} openings")
    base = None
    for code, urls in pages.items():
        client = app.test_client()
        assert client.post("/login", data={"username": f"bureau-{code}",
                                           "password": PASSWORD}).status_code == 302
        if base is None:
            base = statistics.median([_timed(client, "/healthz") for _ in range(20)])
            print(f"  {'/healthz':16s} median {base * 1000:8.1f} ms")
        for label, url in urls.items():
            cold = _timed(client, url)
            warm = [_timed(client, url) for _ in range(REQUESTS)]
            median = statistics.median(warm)
            size = len(client.get(url).data)
            print(f"  {code} {label:15s} cold {cold * 1000:6.0f} ms, warm median "
                  f"{median * 1000:6.0f} ms (fastest {min(warm) * 1000:5.0f}), "
                  f"{median / base:6.0f}x /healthz, {size / 1024:5.0f} KiB; "
                  f"target <= {TARGET_MS:.0f} ms: "
                  f"{'PASS' if median * 1000 <= TARGET_MS else 'MISS'}")
