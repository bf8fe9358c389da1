"""The seekers frame read with column SELECTs equals the one built from ORM objects."""

from datetime import timedelta

import pandas as pd
import sqlalchemy as sa

from app.clock import local_today
from app.corner.training import gap_seekers, gap_seekers_frame
from app.services.matching import seekers_frame
from app.services.seeker_rows import load_seekers_frame
from models import Seeker, SeekerCertificate, SeekerStatus, db

TODAY = local_today()


def _people(make):
    facility = make.facility(code="SH-R1")
    other = make.facility(code="SH-R2")
    # two surveys: the latest one counts (its categories, certificates, education, ...)
    twice = make.seeker(facility_id=facility.id, education=1, riasec_scores=[1, 2, 3, 4, 5, 6])
    make.survey(twice, categories=["security"], certificates=["welder"],
                surveyed_on=TODAY - timedelta(days=90), education=4)
    make.survey(twice, categories=["forklift", "logistics", "driver"],
                certificates=["forklift"], surveyed_on=TODAY - timedelta(days=5),
                districts=["310115", "310112"], needs_accommodation=True,
                shifts=["day", "night"], avoid=["precursor_chemicals"],
                work_history=[{"years": 2.5}, {"years": "1"}, {"title": "无年限"}],
                salary_hoped=None, skills_text="会开叉车")
    # earned certificates: one also named in the survey, two not (by date earned)
    earned = make.seeker(facility_id=facility.id, education=3)
    make.survey(earned, categories=["forklift"], certificates=["forklift"], education=None)
    db.session.add_all([
        SeekerCertificate(seeker_id=earned.id, certificate_code="security_guard",
                          earned_on=TODAY - timedelta(days=3)),
        SeekerCertificate(seeker_id=earned.id, certificate_code="forklift",
                          earned_on=TODAY - timedelta(days=20)),
        SeekerCertificate(seeker_id=earned.id, certificate_code="welder",
                          earned_on=TODAY - timedelta(days=30)),
    ])
    # a survey with no intentions, and earned certificates only
    no_intentions = make.seeker(facility_id=facility.id)
    make.survey(no_intentions, categories=(), shifts=[], home_district=None,
                salary_min=None, education=5)
    db.session.add(SeekerCertificate(seeker_id=no_intentions.id, certificate_code="welder",
                                     earned_on=TODAY))
    # not counted by the gap: placed, no survey, another facility
    make.survey(make.seeker(facility_id=facility.id, status=SeekerStatus.PLACED),
                categories=["forklift"])
    make.seeker(facility_id=facility.id, riasec_scores=[6, 5, 4, 3, 2, 1])
    make.survey(make.seeker(facility_id=other.id), categories=["security"])
    db.session.commit()
    db.session.expire_all()
    return facility, twice, earned, no_intentions


def _orm_frame(seekers):
    return seekers_frame(sorted(seekers, key=lambda s: s.id), text=False)


def test_the_fast_frame_equals_the_orm_frame_for_everyone(make):
    _people(make)
    everyone = db.session.scalars(sa.select(Seeker)).all()

    fast = load_seekers_frame()

    assert len(fast) == 6
    pd.testing.assert_frame_equal(fast, _orm_frame(everyone))


def test_the_fast_frame_reads_the_latest_survey_and_every_certificate_held(make):
    facility, twice, earned, no_intentions = _people(make)

    fast = load_seekers_frame(Seeker.facility_id == facility.id).set_index("seeker_id")

    latest = fast.loc[str(twice.id)]
    assert latest.categories == ["forklift", "logistics", "driver"]
    assert latest.certificates == ["forklift"]
    assert latest.education == 1  # the latest survey gives none; the older one's 4 is old
    assert latest.experience_years == 3.5
    assert latest.skills_text == ""
    assert fast.loc[str(earned.id)].certificates == ["forklift", "welder", "security_guard"]
    assert fast.loc[str(earned.id)].education == 3
    assert fast.loc[str(no_intentions.id)].categories == []
    assert fast.loc[str(no_intentions.id)].certificates == ["welder"]
    assert fast.loc[str(no_intentions.id)].shifts == ["day"]
    assert fast.loc[str(no_intentions.id)].education == 5


def test_the_gap_reads_the_same_people_as_before(make):
    facility, twice, earned, no_intentions = _people(make)

    fast = gap_seekers_frame(facility.id)

    assert list(fast.seeker_id) == [str(s.id) for s in (twice, earned, no_intentions)]
    pd.testing.assert_frame_equal(fast, _orm_frame(gap_seekers(facility.id)))


def test_with_text_the_skills_text_is_read(make):
    facility, twice, _earned, _none = _people(make)
    everyone = db.session.scalars(
        sa.select(Seeker).where(Seeker.facility_id == facility.id)).all()

    fast = load_seekers_frame(Seeker.facility_id == facility.id, text=True)

    assert fast.set_index("seeker_id").loc[str(twice.id)].skills_text == "会开叉车"
    pd.testing.assert_frame_equal(
        fast, seekers_frame(sorted(everyone, key=lambda s: s.id), text=True))
