"""The city-wide nightly ranking (issue 19, deliverable 3): everyone due for release in
every facility ranked against every open opening in blocks, each block a job that
commits its people's rankings with its count; the bureau page reads the stored ranking
with its time, and ranks a person again when their survey or certificates change, when
the matcher changes, or when an opening it holds has closed."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import local_today
from app.jobs import run_job
from app.jobs.kinds import queue_city_ranking
from app.services import rankings
from app.services.matching import ranked_openings_for
from models import (
    Job,
    JobState,
    OpeningStatus,
    RankedOpening,
    RankingRun,
    Role,
    Seeker,
    SeekerRanking,
    SeekerStatus,
    db,
)
from tests.app.test_bureau import survey_data

TODAY = local_today()


@pytest.fixture
def city(make):
    """Two facilities; people due in 1, 3 and 9 months, one placed, one without a
    survey; warehouse and kitchen openings."""
    east, west = make.facility(code="SH-E"), make.facility(code="SH-W")
    make.user(Role.BUREAU, username="clerk", facility_id=east.id)
    make.user(Role.ADMIN, username="boss")
    people = {}
    for name, facility, months, categories in [
            ("soon", east, 1, ["logistics"]), ("later", west, 3, ["kitchen"]),
            ("far", east, 9, ["logistics"])]:
        person = make.seeker(facility_id=facility.id,
                             expected_release_date=TODAY + timedelta(days=30 * months))
        make.survey(person, categories=categories)
        people[name] = person
    people["placed"] = make.seeker(facility_id=east.id, status=SeekerStatus.PLACED)
    make.survey(people["placed"])
    people["unsurveyed"] = make.seeker(facility_id=west.id)
    warehouse = [make.opening(title=f"仓库分拣员{i}", pay_min=6000 + 100 * i)
                 for i in range(12)]
    kitchen = [make.opening(title=f"厨房帮工{i}", category_code="kitchen")
               for i in range(3)]
    db.session.commit()
    return {"people": people, "warehouse": warehouse, "kitchen": kitchen}


def _stored(person) -> list[tuple[int, int]]:
    return [(e.rank, e.opening_id) for e in db.session.scalars(
        sa.select(RankedOpening).where(RankedOpening.seeker_id == person.id)
        .order_by(RankedOpening.rank))]


def _live(person) -> list[tuple[int, int]]:
    return [(r["rank"], r["opening"].id) for r in ranked_openings_for(person, k=10)]


def test_a_city_run_ranks_everyone_due_in_every_facility_as_the_live_ranking_does(city):
    run, jobs = queue_city_ranking(6)  # the tests run jobs right away (JOBS_SYNC)
    people = city["people"]
    db.session.expire_all()
    run = db.session.get(RankingRun, run.id)
    assert (run.n_seekers, run.blocks_total, run.blocks_done) == (2, 1, 1)
    assert run.finished and run.n_openings == 15
    assert [db.session.get(Job, j.id).state for j in jobs] == [JobState.DONE]
    for name in ("soon", "later"):
        assert _stored(people[name]) == _live(people[name]) != []
    # the kitchen hand wants kitchen work: the three kitchen openings come first
    assert {o for _r, o in _stored(people["later"])[:3]} == {o.id for o in city["kitchen"]}
    for name in ("far", "placed", "unsurveyed"):
        assert db.session.get(SeekerRanking, people[name].id) is None


def test_blocks_split_the_people_and_the_last_one_finishes_the_run(city, make):
    for _ in range(5):
        person = make.seeker(expected_release_date=TODAY + timedelta(days=20))
        make.survey(person)
    db.session.commit()
    run, blocks = rankings.start_city_ranking(6, TODAY, block_seekers=3)
    assert [len(b) for b in blocks] == [3, 3, 1] and run.blocks_total == 3
    for block in blocks[:2]:
        rankings.rank_block(run.id, block)
    db.session.refresh(run)
    assert run.blocks_done == 2 and not run.finished
    rankings.rank_block(run.id, blocks[2])
    db.session.refresh(run)
    assert run.blocks_done == 3 and run.finished
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeekerRanking)) == 7


def test_a_block_that_fails_midway_keeps_the_previous_rankings_and_can_be_tried_again(
        city, monkeypatch, app):
    person = city["people"]["soon"]
    queue_city_ranking(6)
    before = _stored(person)
    computed = db.session.get(SeekerRanking, person.id).computed_at

    real_insert = rankings._insert_ranked
    calls = []

    def insert_then_die(rows):
        real_insert(rows)  # the people's old rows are deleted and the new ones written
        calls.append(len(rows))
        raise RuntimeError("worker killed")

    monkeypatch.setattr(rankings, "_insert_ranked", insert_then_die)
    run, jobs = queue_city_ranking(6)
    assert calls == [20]
    db.session.expire_all()
    assert db.session.get(Job, jobs[0].id).state is JobState.FAILED
    assert db.session.get(RankingRun, run.id).blocks_done == 0
    assert _stored(person) == before
    assert db.session.get(SeekerRanking, person.id).computed_at == computed

    monkeypatch.setattr(rankings, "_insert_ranked", real_insert)
    job = db.session.get(Job, jobs[0].id)
    job.requeue(stale=False)
    db.session.commit()
    run_job(job.id)
    db.session.expire_all()
    assert db.session.get(RankingRun, run.id).finished
    assert db.session.get(SeekerRanking, person.id).run_id == run.id
    assert _stored(person) == before


def _seeker_page(client, person) -> str:
    return client.get(f"/bureau/seekers/{person.code}").get_data(as_text=True)


def _shown(page: str, openings) -> list[str]:
    return [o.title for o in openings if o.title in page]


def test_the_bureau_page_shows_the_stored_ranking_with_its_time(city, client, auth):
    person = city["people"]["soon"]
    queue_city_ranking(6)
    head = db.session.get(SeekerRanking, person.id)
    auth.login("clerk")
    client.get("/lang/en")
    page = _seeker_page(client, person)
    shown_at = head.computed_at.replace(tzinfo=None)
    assert "Ranked " in page and "(Shanghai time)" in page
    assert len(_shown(page, city["warehouse"])) == 10
    db.session.expire_all()
    assert db.session.get(SeekerRanking, person.id).computed_at == shown_at  # not redone


def test_a_new_survey_ranks_the_person_again_at_once(city, client, auth):
    person = city["people"]["soon"]
    queue_city_ranking(6)
    auth.login("clerk")
    client.get("/lang/en")
    assert _shown(_seeker_page(client, person), city["kitchen"]) == []
    response = client.post(f"/bureau/seekers/{person.code}/surveys/new",
                           data=survey_data(categories_1="kitchen", categories_2="",
                                            certificates=[]))
    assert response.status_code == 302
    db.session.expire_all()
    head = db.session.get(SeekerRanking, person.id)
    assert head.run_id is None  # refreshed by the change, not by the night's run
    stored = {o for _r, o in _stored(person)}
    assert {o.id for o in city["kitchen"]} <= stored
    page = _seeker_page(client, person)
    assert len(_shown(page, city["kitchen"])) == 3


def test_a_closed_opening_or_another_matcher_is_never_shown_from_the_store(city, client,
                                                                          auth, app):
    person = city["people"]["soon"]
    queue_city_ranking(6)
    first = db.session.get(Seeker, person.id)
    best = db.session.get(type(city["warehouse"][0]), _stored(first)[0][1])
    best.status = OpeningStatus.CLOSED
    db.session.commit()
    auth.login("clerk")
    client.get("/lang/en")
    page = _seeker_page(client, person)
    assert best.title not in page
    assert len(_shown(page, city["warehouse"])) == 10  # ranked again: still ten
    db.session.expire_all()
    assert best.id not in {o for _r, o in _stored(person)}

    head = db.session.get(SeekerRanking, person.id)
    head.model_version = "a-matcher-no-longer-active"
    db.session.commit()
    _seeker_page(client, person)
    db.session.expire_all()
    assert db.session.get(SeekerRanking, person.id).model_version != \
        "a-matcher-no-longer-active"


def test_two_requests_refreshing_one_person_at_once_leave_one_ranking(city, app):
    person_id = city["people"]["soon"].id
    errors = []
    barrier = threading.Barrier(4)

    def refresh():
        with app.app_context():
            try:
                barrier.wait()
                rankings.refresh_ranking(db.session.get(Seeker, person_id))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SeekerRanking)) == 1
    assert len(_stored(db.session.get(Seeker, person_id))) == 10
    # a refresh that lost the race gives up its write, not the request (no error page)
    assert not [e for e in errors if "IntegrityError" in e]


def test_admins_start_a_run_and_follow_its_blocks(city, client, auth):
    auth.login("boss")
    client.get("/lang/en")
    page = client.get("/admin/rankings").get_data(as_text=True)
    assert "No city-wide ranking has run yet." in page
    bad = client.post("/admin/rankings", data={"months": "0"})
    assert "Enter a number of months from 1 to 24." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RankingRun)) == 0
    response = client.post("/admin/rankings", data={"months": "6"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "City ranking started: 2 people in 1 blocks." in page
    assert "1 of 1 blocks" in page and "6 months" in page
    auth.logout()
    auth.login("clerk")
    assert client.get("/admin/rankings").status_code == 403


def test_the_nightly_command_ranks_and_reports(city, runner):
    result = runner.invoke(args=["match", "rank-city", "--months", "4"])
    assert result.exit_code == 0, result.output
    assert "2 people due within 4 months, 1 blocks" in result.output
    assert "2 people ranked against 15 open openings" in result.output


def test_an_anonymised_person_loses_the_stored_ranking_and_is_not_ranked_again(city):
    from app.retention import anonymise_person

    person = city["people"]["soon"]
    queue_city_ranking(6)
    assert _stored(person) != []
    anonymise_person(person)
    db.session.commit()
    assert db.session.get(SeekerRanking, person.id) is None and _stored(person) == []
    run, _jobs = queue_city_ranking(6)
    assert run.n_seekers == 1  # the other person due; not the anonymised one
    rankings.refresh_ranking(person)
    db.session.commit()
    assert db.session.get(SeekerRanking, person.id) is None
