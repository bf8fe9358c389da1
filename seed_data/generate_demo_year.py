"""Generate a year of Qibu's year-round mechanism for the demo (both facilities).

Usage::

    python seed_data/generate_demo_year.py [--demo DIR]

Reads the demo tables `generate_demo.py` wrote (employers, openings, seekers, courses)
and writes, into the same folder, what a year of the programme's standing agreement
produced besides the fairs: people released during the past year (``alumni.csv``,
``alumni_surveys.csv``: the same columns as seekers and surveys, ``release_in_days``
negative, plus the day they entered the facility), past runs of courses and who
enrolled, attended and completed them (``enrolments.csv``), job-practice days and their
bookings with attendance and the employer's assessment (``practice_days.csv``,
``practice_bookings.csv``), targeted referrals and how far each went (``referrals.csv``),
self-found jobs (``self_found.csv``), start-up guidance (``startup_cases.csv``,
``startup_guidance.csv``), hand-overs at release to community social workers
(``handovers.csv``) and the check-ins and follow-ups recorded since (``aftercare.csv``,
``follow_ups.csv``). Dates are days before the day the demo is loaded, so it stays
current; `qibu seed-demo` replays every row through the models' rules.

Everything is drawn from one ``random.Random(YEAR_SEED)``, so the output is the same on
every run, and `generate_demo.py` calls this after writing its own tables (their bytes
do not change). All people and details are fictional.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(SEED_DIR))

import generate_demo as base  # noqa: E402  (the sibling script: names, surveys, codes)

YEAR_SEED = 20261207
ALUMNI_PER_FACILITY = {"SH-QP": 36, "SH-JD": 24}
# the community social workers each facility's people are handed to (demo accounts)
SOCIAL_WORKER_OF = {"SH-QP": "socialworker", "SH-JD": "socialworker2"}
PAST_COURSES = {  # (name of the course in courses.csv, days before today it ended)
    "SH-QP": (("叉车司机（N1）培训班（春季班）", 250), ("保安员培训班（春季班）", 200)),
    "SH-JD": (("养老护理员培训班（春季班）", 230),),
}
DECLINE_REASONS = {"skills": 25, "distance": 20, "pay": 20, "record": 10, "no_show": 10,
                   "other": 15}
LEAVING_REASONS = {"resigned": 35, "contract_ended": 15, "pay": 15, "commute": 15,
                   "health": 5, "unreachable": 10, "other": 5}
STARTUP_TOPICS = ("创业政策与创业担保贷款", "小店选址与成本测算", "营业执照办理流程",
                  "早餐摊点食品安全要求", "网店开设与运营")
STARTUP_BUSINESSES = ("早餐摊点", "社区便利店", "家电维修铺")
ADVISERS = ("区就业促进中心创业指导专家", "创业导师（志愿者）", "所内就业指导员")
AFTERCARE_MONTHS = (1, 3, 6, 12)
FOLLOW_UP_MONTHS = (1, 3, 6, 12)

ALUMNI_HEADER = (*base.SEEKER_HEADER, "admitted_days_ago")
ENROLMENT_HEADER = ("facility", "course", "seeker_code", "status", "completed_days_ago",
                    "sessions_attended")
PRACTICE_DAY_HEADER = ("key", "employer_uscc", "opening_ref", "days_ago", "place",
                       "capacity", "tasks")
BOOKING_HEADER = ("day_key", "seeker_code", "attended", "punctual", "able", "would_hire",
                  "note")
REFERRAL_HEADER = ("seeker_code", "opening_ref", "source", "practice_day_key",
                   "referred_days_ago", "status", "interview_days_ago", "offered_days_ago",
                   "offered_pay", "decline_reason", "start_days_ago", "start_pay")
SELF_FOUND_HEADER = ("seeker_code", "start_days_ago", "job_title", "category", "pay")
STARTUP_HEADER = ("seeker_code", "opened_days_ago", "outcome", "outcome_days_ago",
                  "business")
GUIDANCE_HEADER = ("seeker_code", "days_ago", "kind", "topic", "adviser", "next_step",
                   "service_code")
HANDOVER_HEADER = ("seeker_code", "social_worker", "handed_days_ago")
AFTERCARE_HEADER = ("seeker_code", "month", "done_days_ago", "reached", "working")
FOLLOW_UP_HEADER = ("seeker_code", "month", "done_days_ago", "still_employed", "reason")


def month_days(months: int) -> int:
    """Days in `months` months, as the demo counts them (the loader uses real months)."""
    return round(months * 30.44)


def build_alumni(rng, seekers, districts, riasec_profiles):
    """People released during the past year, with the survey taken before release."""
    related = base.related_categories()
    categories = list(riasec_profiles)
    taken = {seeker["code"] for seeker in seekers}
    codes = [code for code in base.seeker_codes(rng, sum(ALUMNI_PER_FACILITY.values()) + 20)
             if code not in taken]
    alumni, surveys = [], []
    code_iter = iter(codes)
    for facility, count in ALUMNI_PER_FACILITY.items():
        for _ in range(count):
            gender = "M" if rng.random() < 0.85 else "F"
            hukou = rng.random() < 0.6
            released = rng.randint(20, 360)
            share = rng.random() < 0.85
            person = {
                "code": next(code_iter), "facility": facility,
                "name": base.person_name(rng, gender), "gender": gender,
                "birth_year": round(rng.triangular(1970, 2004, 1987)),
                "education": rng.choices(range(7), weights=(2, 8, 42, 33, 11, 3.5, 0.5))[0],
                "hukou_shanghai": int(hukou), "release_in_days": -released,
                "consent_share": int(share),
                "consent_contact": int(rng.random() < (0.9 if share else 0.3)),
                "home_district": base.weighted_choice(rng, base.DISTRICT_POPULATION),
                "admitted_days_ago": released + rng.randint(365, 730),
            }
            survey = base.build_survey(rng, person, released + rng.randint(20, 90), related,
                                       districts, categories)
            first = survey["categories"].split(";")[0]
            person["riasec"] = (base.riasec_result(rng, riasec_profiles[first])
                                if rng.random() < 0.5 else "")
            alumni.append(person)
            surveys.append(survey)
    return alumni, surveys


def build_enrolments(rng, courses, alumni, seekers, surveys):
    """Who took each course: alumni in past runs (in the facility at the time), people
    still inside in the runs that ended lately or start soon."""
    rows = []
    wants = {s["seeker_code"]: set(s["training_interests"].split(";")) for s in surveys}
    for course in courses:
        facility, name = course["facility"], course["name"]
        starts, ends = int(course["starts_in_days"]), int(course["ends_in_days"])
        seats = int(course["seats"])
        if ends < -60:  # a past run: people released since
            pool = [a for a in alumni if a["facility"] == facility
                    and a["admitted_days_ago"] > -starts and -a["release_in_days"] < -ends]
        else:
            pool = [s for s in seekers if s["facility"] == facility
                    and s["release_in_days"] > ends]
        keen = [p for p in pool if course["category"] in wants.get(p["code"], ())]
        others = [p for p in pool if p not in keen]
        size = min(len(pool), max(3, round(seats * rng.uniform(0.6, 0.9))))
        chosen = (keen + rng.sample(others, len(others)))[:size]
        sessions = max(1, (ends - starts) // 7 + 1)
        for person in chosen:
            if ends >= 0:  # not over yet
                rows.append((facility, name, person["code"], "enrolled", "", ""))
                continue
            roll = rng.random()
            status = "completed" if roll < 0.82 else ("withdrawn" if roll < 0.9 else "enrolled")
            attended = sessions if status == "completed" else rng.randint(0, sessions - 1)
            rows.append((facility, name, person["code"], status,
                         -ends if status == "completed" else "",
                         min(sessions, max(attended, sessions - rng.randint(0, 1)))
                         if status == "completed" else attended))
    return rows


def pick_opening(rng, person_survey, openings_by_category, verified):
    """An opening of a verified employer in one of the person's wanted categories."""
    for category in person_survey["categories"].split(";"):
        choices = [o for o in openings_by_category.get(category, ())
                   if o["employer_uscc"] in verified]
        if choices:
            return rng.choice(choices)
    return None


def build_year(rng, employers, openings, alumni, surveys, courses, seekers, all_surveys):
    """Practice, referrals, self-found jobs, start-up guidance, hand-overs, follow-ups."""
    verified = {e["uscc"] for e in employers if e["status"] == "verified"}
    by_category: dict[str, list] = {}
    for opening in openings:
        by_category.setdefault(opening["category"], []).append(opening)
    survey_of = {s["seeker_code"]: s for s in surveys}
    released = {a["code"]: -a["release_in_days"] for a in alumni}
    out = {name: [] for name in ("days", "bookings", "referrals", "self_found", "startup",
                                 "guidance", "handovers", "aftercare", "follow_ups")}
    placed: dict[str, tuple[int, str]] = {}  # code -> (start days ago, channel)

    # job practice: a day every few weeks at a verified employer, alumni booked
    practice_openings = [o for o in openings if o["employer_uscc"] in verified
                         and o["category"] in ("logistics", "workshop", "kitchen", "security",
                                               "machine_operator", "retail", "waiter")]
    for index, days_ago in enumerate([*range(340, 20, -24), -6, -13, -27]):
        opening = rng.choice(practice_openings)
        key = f"PD-{index + 1:02d}"
        capacity = rng.randint(3, 6)
        out["days"].append((key, opening["employer_uscc"], opening["ref"], days_ago,
                            "用人单位现场（" + opening["title"] + "岗位）", capacity,
                            "跟岗体验" + opening["title"] + "的日常工作，由带班师傅讲解安全要求"))
        if days_ago < 0:
            continue
        pool = [a for a in alumni if 0 < released[a["code"]] - days_ago <= 150
                and a["consent_share"]]
        for person in rng.sample(pool, min(len(pool), rng.randint(1, capacity))):
            attended = rng.random() < 0.85
            punctual = able = would_hire = ""
            if attended:
                punctual = int(rng.random() < 0.85)
                able = int(rng.random() < 0.75)
                would_hire = int(bool(punctual and able and rng.random() < 0.7))
            out["bookings"].append((key, person["code"], int(attended), punctual, able,
                                    would_hire, "表现认真，愿意学习" if would_hire else ""))
            if would_hire and person["code"] not in placed:
                referred = max(days_ago - rng.randint(1, 5), 1)
                start = max(referred - rng.randint(5, 15), 0)
                offered = min(referred, start + rng.randint(1, 4))
                out["referrals"].append((person["code"], opening["ref"], "practice", key,
                                         referred, "placed", "", offered,
                                         opening["salary_min"] or "", "", start,
                                         opening["salary_min"] or ""))
                placed[person["code"]] = (start, "practice")

    # targeted referrals after release
    for person in alumni:
        code = person["code"]
        if not person["consent_share"] or code in placed or rng.random() > 0.75:
            continue
        day = released[code] - rng.randint(3, 25)
        for _ in range(rng.choice((1, 1, 2))):
            if day < 1 or code in placed:
                break
            opening = pick_opening(rng, survey_of[code], by_category, verified)
            if opening is None:
                break
            roll = rng.random()
            row = dict.fromkeys(REFERRAL_HEADER, "")
            row.update(seeker_code=code, opening_ref=opening["ref"],
                       source=rng.choice(("recommendation", "opening")),
                       referred_days_ago=day)
            if roll < 0.42 and day > 12:
                interview = day - rng.randint(2, 6)
                offered = interview - rng.randint(1, 4)
                start = max(offered - rng.randint(3, 10), 0)
                row.update(status="placed", interview_days_ago=interview,
                           offered_days_ago=offered, offered_pay=opening["salary_min"] or "",
                           start_days_ago=start, start_pay=opening["salary_min"] or "")
                placed[code] = (start, "referral")
            elif roll < 0.72 and day > 8:
                row.update(status="declined", interview_days_ago=day - rng.randint(2, 6),
                           decline_reason=base.weighted_choice(rng, DECLINE_REASONS))
            elif roll < 0.8:
                row.update(status="withdrawn")
            elif roll < 0.9 and day > 3:
                row.update(status="interview", interview_days_ago=max(day - 20, -5))
            else:
                row.update(status="open")  # those referred long ago show as open too long
            out["referrals"].append(tuple(row[key] for key in REFERRAL_HEADER))
            day -= rng.randint(15, 40)

    # start-up guidance for a few, two of whom register a business
    candidates = [a for a in alumni if a["code"] not in placed and released[a["code"]] > 90]
    outcomes = ["business_registered", "business_registered", "loan_applied", "dropped",
                "open", "open"]
    for person, outcome in zip(rng.sample(candidates, len(outcomes)), outcomes, strict=True):
        code = person["code"]
        opened = released[code] + rng.randint(10, 40)  # began before release
        business = rng.choice(STARTUP_BUSINESSES) if outcome == "business_registered" else ""
        entries = rng.randint(2, 4)
        day = opened
        for n in range(entries):
            kind = "session" if n == 0 else "one_to_one"
            service = ("SH-STARTUP-LOAN" if outcome in ("loan_applied", "business_registered")
                       and n == entries - 1 else "")
            out["guidance"].append((code, day, kind, rng.choice(STARTUP_TOPICS),
                                    rng.choice(ADVISERS),
                                    "准备营业执照材料" if n == entries - 1 else "完成经营计划书",
                                    service))
            day = max(day - rng.randint(14, 40), 1)
        ended = max(day - rng.randint(5, 20), 1) if outcome != "open" else ""
        out["startup"].append((code, opened, outcome, ended, business))
        if outcome == "business_registered":
            placed[code] = (ended, "startup")

    # jobs people found themselves
    for person in alumni:
        code = person["code"]
        if code in placed or released[code] < 30 or rng.random() > 0.3:
            continue
        start = released[code] - rng.randint(10, 25)
        category = survey_of[code]["categories"].split(";")[0]
        title = rng.choice([o["title"] for o in by_category.get(category, [])] or ["普工"])
        pay = round(rng.uniform(4500, 7500), -2)
        out["self_found"].append((code, start, title, category, int(pay)))
        placed[code] = (start, "self_found")

    # hand-over at release, check-ins since, and follow-ups of every placement
    for person in alumni:
        code = person["code"]
        if not person["consent_contact"] or rng.random() > 0.9:
            continue
        out["handovers"].append((code, SOCIAL_WORKER_OF[person["facility"]], released[code]))
        for month in AFTERCARE_MONTHS:
            due = released[code] - month_days(month)  # days ago it fell due
            if due < 0:
                continue  # not due yet
            done = rng.random() < (0.6 if due < 20 else 0.92)
            reached = rng.random() < 0.9
            working = code in placed and placed[code][0] >= due
            out["aftercare"].append((
                code, month, max(due - rng.randint(0, 6), 0) if done else "",
                int(reached) if done else "",
                int(working or rng.random() < 0.2) if done and reached else ""))
    for code, (start, _channel) in placed.items():
        employed = True
        for month in FOLLOW_UP_MONTHS:
            due = start - month_days(month)
            if due < 0 or not employed:
                continue
            if rng.random() < (0.7 if due < 20 else 0.9):
                employed = rng.random() < 0.82
                out["follow_ups"].append((
                    code, month, max(due - rng.randint(0, 5), 0), int(employed),
                    "" if employed else base.weighted_choice(rng, LEAVING_REASONS)))
    return out


def generate(demo: Path) -> None:
    """Write the year's tables next to the demo tables in `demo`."""
    read = base.read_table
    employers = read(demo / "employers.csv")
    openings = read(demo / "openings.csv")
    seekers = [dict(s, release_in_days=int(s["release_in_days"]))
               for s in read(demo / "seekers.csv")]
    all_surveys = read(demo / "surveys.csv")
    # courses.csv is written by hand (the facilities' course plans), not generated
    courses = read(demo / "courses.csv" if (demo / "courses.csv").is_file()
                   else base.DEFAULT_OUT / "courses.csv")
    districts = {row["adcode"]: row for row in read(SEED_DIR / "districts.csv")}
    riasec_profiles = {row["code"]: [float(row[letter]) for letter in "RIASEC"]
                       for row in read(SEED_DIR / "category_riasec.csv")}
    rng = random.Random(YEAR_SEED)

    alumni, surveys = build_alumni(rng, seekers, districts, riasec_profiles)
    enrolments = build_enrolments(rng, courses, alumni, seekers, [*all_surveys, *surveys])
    year = build_year(rng, employers, openings, alumni, surveys, courses, seekers,
                      all_surveys)

    base.write_table(demo / "alumni.csv", ALUMNI_HEADER,
                     [[person[key] for key in ALUMNI_HEADER] for person in alumni])
    base.write_table(demo / "alumni_surveys.csv", base.SURVEY_HEADER,
                     [[survey[key] for key in base.SURVEY_HEADER] for survey in surveys])
    base.write_table(demo / "enrolments.csv", ENROLMENT_HEADER, enrolments)
    for name, header, key in (
        ("practice_days.csv", PRACTICE_DAY_HEADER, "days"),
        ("practice_bookings.csv", BOOKING_HEADER, "bookings"),
        ("referrals.csv", REFERRAL_HEADER, "referrals"),
        ("self_found.csv", SELF_FOUND_HEADER, "self_found"),
        ("startup_cases.csv", STARTUP_HEADER, "startup"),
        ("startup_guidance.csv", GUIDANCE_HEADER, "guidance"),
        ("handovers.csv", HANDOVER_HEADER, "handovers"),
        ("aftercare.csv", AFTERCARE_HEADER, "aftercare"),
        ("follow_ups.csv", FOLLOW_UP_HEADER, "follow_ups"),
    ):
        base.write_table(demo / name, header, year[key])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=base.DEFAULT_OUT,
                        help="folder holding the demo tables (read and written)")
    generate(parser.parse_args(argv).demo)


if __name__ == "__main__":
    sys.exit(main())
