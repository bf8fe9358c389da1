"""The reference tables and demo data in seed_data/: shape, codes, links and realism."""

import csv
import filecmp
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
DEMO_DIR = SEED_DIR / "demo"
SHARED_DATA = SEED_DIR.parent.parent / "shared" / "data"

HEADLINE = {"sales", "phone_service", "workshop", "logistics"}
REFERENCE_FILES = (
    "categories.csv", "category_riasec.csv", "districts.csv", "certificates.csv",
    "environments.csv", "category_training.csv",
)
DEMO_FILES = (
    "facilities.csv", "employers.csv", "openings.csv", "seekers.csv", "surveys.csv",
    "fairs.csv", "fair_booths.csv", "outcomes.csv",
)
COLUMNS = {
    "categories.csv": "code name_zh name_en csco_codes riasec",
    "category_riasec.csv": "code R I A S E C",
    "districts.csv": "adcode name_zh name_en lon lat neighbours",
    "certificates.csv": "code name_zh name_en legally_required_for",
    "environments.csv": "tag name_zh name_en",
    "category_training.csv": "text category",
    "category_weights.csv": "code weight",
    "demo/facilities.csv": "code name_zh name_en district address",
    "demo/employers.csv": "uscc name industry district address contact_person contact_phone "
                          "pledge_date contact_shareable status pledge_signed_by "
                          "suspension_reason",
    "demo/openings.csv": "ref employer_uscc title description category salary_min salary_max "
                         "salary_text district accommodation shift education_min "
                         "experience_min certificates_required environments headcount "
                         "posted_days_ago",
    "demo/seekers.csv": "code facility name gender birth_year education hukou_shanghai "
                        "release_in_days consent_share consent_contact riasec",
    "demo/surveys.csv": "seeker_code surveyed_days_ago categories salary_min salary_hoped "
                        "home_district districts needs_accommodation shifts work_pattern "
                        "education work_history certificates skills_text health_limits avoid "
                        "training_interests",
    "demo/fairs.csv": "code facility name_zh name_en in_days venue status",
    "demo/fair_booths.csv": "fair_code employer_uscc booth",
    "demo/outcomes.csv": "fair_code seeker_code opening_ref stage days_after_fair start_pay",
}
UNIQUE_KEYS = {
    "categories.csv": "code",
    "category_riasec.csv": "code",
    "districts.csv": "adcode",
    "certificates.csv": "code",
    "environments.csv": "tag",
    "category_training.csv": "text",
    "category_weights.csv": "code",
    "demo/facilities.csv": "code",
    "demo/employers.csv": "uscc",
    "demo/openings.csv": "ref",
    "demo/seekers.csv": "code",
    "demo/fairs.csv": "code",
}

# Written independently of seed_data/generate_demo.py, from GB 32100-2015 and GB 11714.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_PATTERN = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}$")


def uscc_is_valid(code):
    """Check an 18-character unified social credit code and its two check characters."""
    if not USCC_PATTERN.match(code):
        return False
    values = [int(c, 36) for c in code[8:16]]
    remainder = sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org_check = "0123456789X0"[11 - remainder]
    if code[16] != org_check:
        return False
    weights = [3**i % 31 for i in range(17)]
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return code[17] == USCC_CHARS[-total % 31]


def read(name):
    """Return the header and the rows (as dicts) of a seed_data CSV file."""
    with open(SEED_DIR / name, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def rows(name):
    """Return the rows of a seed_data CSV file as dicts."""
    return read(name)[1]


def split(cell):
    """Split a ';'-joined cell into its parts."""
    return [part for part in cell.split(";") if part]


def codes(name, key="code"):
    """Return the set of codes in one column of a seed_data CSV file."""
    return {row[key] for row in rows(name)}


def needs_shared_data():
    """Skip the calling test when the shared reference data is not next to the repository."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")


def run_script(script, *args):
    """Run one of the seed_data scripts with this interpreter and fail on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, str(SEED_DIR / script), *map(str, args)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def assert_same_files(left, right, names):
    """Assert that files of the same names in two folders are byte for byte equal."""
    _, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    assert (mismatch, errors) == ([], [])


# --- shape -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_each_file_has_exactly_its_columns(name):
    header, body = read(name)
    assert header == COLUMNS[name].split()
    assert body
    assert all(None not in row and None not in row.values() for row in body)


@pytest.mark.parametrize("name", sorted(UNIQUE_KEYS))
def test_codes_are_unique(name):
    values = [row[UNIQUE_KEYS[name]] for row in rows(name)]
    assert len(values) == len(set(values))


def test_files_are_plain_utf8_with_unix_line_ends():
    for name in COLUMNS:
        data = (SEED_DIR / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), name
        assert b"\r" not in data, name
        data.decode("utf-8")


# --- reference tables ----------------------------------------------------------------


def test_categories_follow_the_taxonomy():
    categories = rows("categories.csv")
    assert len(categories) == 30
    assert [row["code"] for row in categories[:4]] == [
        "sales", "phone_service", "workshop", "logistics",
    ]
    assert categories[2]["name_zh"] == "车间工人/普工"
    assert categories[-1] == {
        "code": "ecommerce", "name_zh": "电商运营助理", "name_en": "E-commerce assistant",
        "csco_codes": "4-01-06", "riasec": "CE",
    }
    for row in categories:
        assert split(row["csco_codes"])
        assert all(re.fullmatch(r"\d-\d\d-\d\d(-\d\d)?", c) for c in split(row["csco_codes"]))


def test_riasec_letters_are_the_high_points_of_the_mean_scores():
    scores = {row["code"]: row for row in rows("category_riasec.csv")}
    assert list(scores) == [row["code"] for row in rows("categories.csv")]
    for row in rows("categories.csv"):
        means = {letter: float(scores[row["code"]][letter]) for letter in "RIASEC"}
        assert all(1.0 <= value <= 7.0 for value in means.values())
        top = max(means.values())
        expected = [
            letter for letter in sorted("RIASEC", key=lambda x: (-means[x], "RIASEC".index(x)))
            if means[letter] >= 4.0 or top - means[letter] <= 1.0
        ][:3]
        assert row["riasec"] == "".join(expected)
    assert scores["forklift"]["R"] == "7.00"


def test_districts_are_shanghais_sixteen_with_symmetric_neighbours():
    districts = {row["adcode"]: row for row in rows("districts.csv")}
    assert len(districts) == 16
    assert districts["310101"]["name_zh"] == "黄浦区"
    assert districts["310115"]["name_en"] == "Pudong New Area"
    assert districts["310151"]["name_en"] == "Chongming"
    for adcode, row in districts.items():
        assert re.fullmatch(r"3101\d\d", adcode)
        assert 120.8 < float(row["lon"]) < 122.2 and 30.6 < float(row["lat"]) < 31.9
        for neighbour in split(row["neighbours"]):
            assert adcode in split(districts[neighbour]["neighbours"])
    assert split(districts["310101"]["neighbours"]) == ["310104", "310106", "310109", "310115"]


def test_certificates_and_environments_match_the_taxonomy():
    certificates = {row["code"]: row for row in rows("certificates.csv")}
    assert len(certificates) == 12
    # obtainable within days of hiring: a caveat, not a hard filter (build_reference.py)
    assert certificates["health_cert"]["legally_required_for"] == ""
    assert certificates["forklift"]["name_zh"] == "叉车司机证(N1)"
    assert certificates["driving_b2"]["legally_required_for"] == ""
    categories = codes("categories.csv")
    for row in certificates.values():
        assert set(split(row["legally_required_for"])) <= categories
    assert [row["tag"] for row in rows("environments.csv")] == [
        "nightlife", "bar", "pharmacy", "late_night", "precursor_chemicals",
    ]


def test_training_texts_cover_every_category_with_real_titles():
    training = rows("category_training.csv")
    labels = {row["text"]: row["category"] for row in training}
    assert set(labels.values()) == codes("categories.csv")
    assert labels["叉车司机"] == "forklift"
    assert labels["普工"] == "workshop"
    assert labels["电话客服"] == "phone_service"
    assert labels["洗碗工"] == "kitchen"
    assert "销售经理" not in labels
    assert all(row["text"].strip() == row["text"] and row["text"] for row in training)


def test_category_weights_cover_every_category():
    weights = {row["code"]: int(row["weight"]) for row in rows("category_weights.csv")}
    assert list(weights) == [row["code"] for row in rows("categories.csv")]
    assert all(weight > 0 for weight in weights.values())


# --- demo data: links to the reference tables ---------------------------------------


def test_demo_codes_exist_in_the_reference_tables():
    districts = codes("districts.csv", "adcode")
    categories = codes("categories.csv")
    certificates = codes("certificates.csv")
    environments = codes("environments.csv", "tag")
    facilities = codes("demo/facilities.csv")
    employers = codes("demo/employers.csv", "uscc")
    seekers = codes("demo/seekers.csv")

    assert {row["district"] for row in rows("demo/facilities.csv")} <= districts
    assert {row["district"] for row in rows("demo/employers.csv")} <= districts
    for row in rows("demo/openings.csv"):
        assert row["employer_uscc"] in employers
        assert row["district"] in districts
        assert row["category"] in categories
        assert set(split(row["certificates_required"])) <= certificates
        assert set(split(row["environments"])) <= environments
    for row in rows("demo/seekers.csv"):
        assert row["facility"] in facilities
    for row in rows("demo/surveys.csv"):
        assert row["seeker_code"] in seekers
        assert row["home_district"] in districts
        assert set(split(row["districts"])) <= districts
        assert set(split(row["categories"])) <= categories
        assert set(split(row["training_interests"])) <= categories
        assert {part.split(":")[0] for part in split(row["work_history"])} <= categories
        assert set(split(row["certificates"])) <= certificates
        assert set(split(row["avoid"])) <= environments
    for row in rows("demo/fairs.csv"):
        assert row["facility"] in facilities
    for row in rows("demo/fair_booths.csv"):
        assert row["fair_code"] in codes("demo/fairs.csv")
        assert row["employer_uscc"] in employers
    openings = codes("demo/openings.csv", "ref")
    for row in rows("demo/outcomes.csv"):
        assert row["fair_code"] in codes("demo/fairs.csv")
        assert row["seeker_code"] in seekers
        assert row["opening_ref"] in openings


def test_openings_list_the_certificates_the_law_requires():
    required = {}
    for row in rows("certificates.csv"):
        for category in split(row["legally_required_for"]):
            required.setdefault(category, set()).add(row["code"])
    licences = {"driving_c1", "driving_b2", "driving_a2"}
    for row in rows("demo/openings.csv"):
        listed = set(split(row["certificates_required"]))
        assert required.get(row["category"], set()) <= listed, row["ref"]
        if row["category"] == "driver":
            assert len(listed & licences) == 1, row["ref"]


# --- demo data: credit codes ---------------------------------------------------------


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # the example in GB 32100-2015
    "914403001922038216",
    "91110108551385082Q",
])
def test_published_credit_codes_pass_the_check(code):
    assert uscc_is_valid(code)


@pytest.mark.parametrize("code", [
    "91350100M000100Y44",  # wrong 18th character
    "91350100M000100Y53",  # wrong organisation check digit
    "91350100M000100I43",  # I is not in the character set
    "91350100M000100Y4",  # too short
])
def test_corrupted_credit_codes_fail_the_check(code):
    assert not uscc_is_valid(code)


def test_every_employer_has_a_valid_shanghai_credit_code():
    districts = codes("districts.csv", "adcode")
    for row in rows("demo/employers.csv"):
        assert uscc_is_valid(row["uscc"]), row["uscc"]
        assert row["uscc"][2:8] in districts


def test_demo_employers_are_vetted_and_fairs_invite_only_verified_ones():
    employers = {row["uscc"]: row for row in rows("demo/employers.csv")}
    statuses = Counter(row["status"] for row in employers.values())
    assert set(statuses) == {"verified", "unverified", "suspended"}
    assert statuses["unverified"] >= 2 and statuses["suspended"] >= 2
    for row in employers.values():
        if row["status"] == "suspended":
            assert row["suspension_reason"]
        if row["status"] in ("verified", "suspended"):  # verified once: the pledge is recorded
            assert row["pledge_date"] and row["pledge_signed_by"] and row["contact_phone"]
    assert {employers[row["employer_uscc"]]["status"]
            for row in rows("demo/fair_booths.csv")} == {"verified"}


# --- demo data: the programme's figures and realism ----------------------------------


def test_the_fair_has_the_programmes_employers_and_openings():
    employers = rows("demo/employers.csv")
    openings = rows("demo/openings.csv")
    assert len(employers) == 61
    assert len(openings) >= 400
    assert sum(int(row["headcount"]) for row in openings) >= 1000
    per_employer = Counter(row["employer_uscc"] for row in openings)
    assert set(per_employer) == {row["uscc"] for row in employers}
    assert all(3 <= count <= 12 for count in per_employer.values())
    assert [row["ref"] for row in openings][:2] == ["DEMO-O-0001", "DEMO-O-0002"]


def test_the_headline_categories_are_the_most_frequent():
    counts = Counter(row["category"] for row in rows("demo/openings.csv"))
    assert {code for code, _ in counts.most_common(4)} == HEADLINE
    assert min(counts[code] for code in HEADLINE) > max(
        count for code, count in counts.items() if code not in HEADLINE
    )


def test_openings_have_plausible_pay_shifts_and_flags():
    openings = rows("demo/openings.csv")
    negotiable = [row for row in openings if row["salary_text"] == "面议"]
    assert 0 < len(negotiable) < 0.1 * len(openings)
    assert all(row["salary_min"] == row["salary_max"] == "" for row in negotiable)
    for row in openings:
        if row["salary_text"] != "面议":
            assert 3000 <= int(row["salary_min"]) < int(row["salary_max"]) <= 15000
        assert row["shift"] in {"day", "night", "rotating"}
        assert row["accommodation"] in {"0", "1"}
        assert 0 <= int(row["posted_days_ago"]) <= 60
        assert int(row["headcount"]) >= 1
    workshop = [int(row["salary_min"]) for row in openings
                if row["category"] == "workshop" and row["salary_min"]]
    assert min(workshop) >= 5500 and max(workshop) <= 7500
    tags = Counter(tag for row in openings for tag in split(row["environments"]))
    assert tags["nightlife"] and tags["pharmacy"] and tags["precursor_chemicals"]


def test_employers_look_real_but_are_fictional():
    for row in rows("demo/employers.csv"):
        assert re.fullmatch(r"上海.+有限公司", row["name"])
        assert re.fullmatch(r"1[3-9]\d{9}", row["contact_phone"])
        assert row["contact_shareable"] in {"0", "1"}
        assert row["pledge_date"] == "" or re.fullmatch(r"\d{4}-\d\d-\d\d", row["pledge_date"])


def test_seekers_are_about_410_in_two_facilities():
    seekers = rows("demo/seekers.csv")
    assert 380 <= len(seekers) <= 440
    per_facility = Counter(row["facility"] for row in seekers)
    assert per_facility == {"SH-QP": 300, "SH-JD": 110}
    seeker_codes = [row["code"] for row in seekers]
    assert all(re.fullmatch(r"QB[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", c) for c in seeker_codes)
    assert seeker_codes != sorted(seeker_codes)
    men = sum(row["gender"] == "M" for row in seekers) / len(seekers)
    assert 0.8 <= men <= 0.9
    for row in seekers:
        assert 1970 <= int(row["birth_year"]) <= 2004
        assert 0 <= int(row["education"]) <= 6
        assert 1 <= int(row["release_in_days"]) <= 400
        scores = split(row["riasec"])
        assert scores == [] or (len(scores) == 6 and all(0 <= float(s) <= 1 for s in scores))


def test_every_seeker_has_a_survey_and_some_an_older_one():
    surveys = rows("demo/surveys.csv")
    per_seeker = {}
    for row in surveys:
        per_seeker.setdefault(row["seeker_code"], []).append(int(row["surveyed_days_ago"]))
    assert set(per_seeker) == codes("demo/seekers.csv")
    twice = [days for days in per_seeker.values() if len(days) == 2]
    assert 30 <= len(twice) <= 50
    assert all(days[0] < days[1] for days in twice)
    for row in surveys:
        assert 1 <= len(split(row["categories"])) <= 3
        assert len(split(row["districts"])) <= 3
        assert set(split(row["shifts"])) <= {"day", "night", "rotating"}
        assert row["work_pattern"] in {"full_time", "part_time", "flexible"}
        assert 5 <= int(row["surveyed_days_ago"]) <= 90
    avoiding_nightlife = sum("nightlife" in split(row["avoid"]) for row in surveys)
    assert 0.5 <= avoiding_nightlife / len(surveys) <= 0.7


def test_a_fair_in_planning_and_a_past_one_at_the_other_facility():
    fairs = rows("demo/fairs.csv")
    assert [(row["facility"], row["status"]) for row in fairs] == [
        ("SH-QP", "planning"), ("SH-JD", "closed"),
    ]
    assert int(fairs[0]["in_days"]) > 0 > int(fairs[1]["in_days"])
    booths = rows("demo/fair_booths.csv")
    for fair, expected in zip(fairs, (range(40, 41), range(25, 36)), strict=True):
        at_fair = [row for row in booths if row["fair_code"] == fair["code"]]
        assert len(at_fair) in expected
        assert len({row["employer_uscc"] for row in at_fair}) == len(at_fair)
        assert len({row["booth"] for row in at_fair}) == len(at_fair)
        assert all(re.fullmatch(r"[A-Z]\d\d", row["booth"]) for row in at_fair)


# --- demo data: the past fair's outcomes ---------------------------------------------


def past_fair():
    """Return the closed fair, its outcomes, the openings offered there and latest surveys."""
    fair = next(row for row in rows("demo/fairs.csv") if row["status"] == "closed")
    outcomes = [row for row in rows("demo/outcomes.csv") if row["fair_code"] == fair["code"]]
    invited = {row["employer_uscc"] for row in rows("demo/fair_booths.csv")
               if row["fair_code"] == fair["code"]}
    offered = {row["ref"]: row for row in rows("demo/openings.csv")
               if row["employer_uscc"] in invited}
    latest = {}
    for row in rows("demo/surveys.csv"):
        latest.setdefault(row["seeker_code"], row)  # the latest survey comes first
    return fair, outcomes, offered, latest


def test_every_seeker_of_the_facility_marked_one_to_four_openings_offered_there():
    fair, outcomes, offered, _ = past_fair()
    assert {row["fair_code"] for row in rows("demo/outcomes.csv")} == {fair["code"]}
    facility_seekers = {row["code"] for row in rows("demo/seekers.csv")
                        if row["facility"] == fair["facility"]}
    per_seeker = Counter(row["seeker_code"] for row in outcomes)
    assert set(per_seeker) == facility_seekers
    assert set(per_seeker.values()) == {1, 2, 3, 4}
    assert {row["opening_ref"] for row in outcomes} <= set(offered)
    pairs = [(row["seeker_code"], row["opening_ref"]) for row in outcomes]
    assert len(pairs) == len(set(pairs))


def test_nobody_marked_an_avoided_environment_or_a_job_they_may_not_do():
    _, outcomes, offered, latest = past_fair()
    legal = {}
    for row in rows("certificates.csv"):
        for category in split(row["legally_required_for"]):
            legal.setdefault(category, set()).add(row["code"])
    for row in outcomes:
        survey, opening = latest[row["seeker_code"]], offered[row["opening_ref"]]
        assert not set(split(survey["avoid"])) & set(split(opening["environments"])), row
        assert legal.get(opening["category"], set()) <= set(split(survey["certificates"])), row
        assert opening["category"] != "driver"  # nobody holds a driving licence


def test_interest_follows_what_people_asked_for():
    _, outcomes, offered, latest = past_fair()
    wanted = [(offered[row["opening_ref"]]["category"],
               split(latest[row["seeker_code"]]["categories"])) for row in outcomes]
    first_choice = sum(category == categories[0] for category, categories in wanted)
    surveyed = sum(category in categories for category, categories in wanted)
    # Had people marked openings at random, about 1 in 8 would be in a surveyed category
    # and 1 in 16 in their first choice; those needing a bed, 1 in 3 would have one.
    assert surveyed > 0.5 * len(outcomes)
    assert first_choice > 0.3 * len(outcomes)
    housed = [row for row in outcomes if latest[row["seeker_code"]]["needs_accommodation"] == "1"]
    with_bed = sum(offered[row["opening_ref"]]["accommodation"] == "1" for row in housed)
    offered_beds = sum(row["accommodation"] == "1" for row in offered.values())
    assert with_bed / len(housed) > 1.5 * offered_beds / len(offered)


def test_about_half_reach_an_intent_and_most_of_those_are_hired_within_headcount():
    _, outcomes, offered, _ = past_fair()
    stages = Counter(row["stage"] for row in outcomes)
    assert set(stages) == {"interested", "interviewed", "intent", "hired", "declined"}
    people = {row["seeker_code"] for row in outcomes}
    reached = {row["seeker_code"] for row in outcomes if row["stage"] in ("intent", "hired")}
    hired = [row for row in outcomes if row["stage"] == "hired"]
    assert 0.44 <= len(reached) / len(people) <= 0.52  # the programme: 205 of about 410
    assert 0.4 <= len(hired) / len(reached) <= 0.7
    assert len({row["seeker_code"] for row in hired}) == len(hired)
    per_opening = Counter(row["opening_ref"] for row in hired)
    assert all(n <= int(offered[ref]["headcount"]) for ref, n in per_opening.items())
    for row in outcomes:
        days = int(row["days_after_fair"])
        if row["stage"] == "hired":
            assert 7 <= days <= 40
            assert 3000 <= int(row["start_pay"]) <= 15000
        else:
            assert row["start_pay"] == ""
            assert days == 0 or row["stage"] == "declined"


# --- the scripts reproduce the committed files --------------------------------------


def test_generating_the_demo_without_shared_data_reproduces_the_files(tmp_path):
    run_script("generate_demo.py", "--shared", tmp_path / "no-shared-data",
               "--out", tmp_path / "demo")
    assert_same_files(DEMO_DIR, tmp_path / "demo", DEMO_FILES)


def test_generating_the_demo_with_shared_data_reproduces_the_files(tmp_path):
    needs_shared_data()
    run_script("generate_demo.py", "--shared", SHARED_DATA, "--out", tmp_path / "demo",
               "--weights", tmp_path / "category_weights.csv")
    assert_same_files(SEED_DIR, tmp_path, ["category_weights.csv"])
    assert_same_files(DEMO_DIR, tmp_path / "demo", DEMO_FILES)


def test_building_the_reference_tables_reproduces_the_files(tmp_path):
    needs_shared_data()
    run_script("build_reference.py", "--shared", SHARED_DATA, "--out", tmp_path)
    assert_same_files(SEED_DIR, tmp_path, REFERENCE_FILES)


def test_every_csco_code_exists_in_the_classification():
    needs_shared_data()
    with open(SHARED_DATA / "occupations" / "csco22.csv", encoding="utf-8") as handle:
        csco = {row["code"] for row in csv.DictReader(handle)}
    for row in rows("categories.csv"):
        for code in split(row["csco_codes"]):
            assert code in csco or f"{code}-00" in csco, (row["code"], code)
