"""The survey row parser reads real-world spreadsheet cells into the canonical answers."""

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.imports.rows import CERTIFICATE_ALIASES, Option, Reference
from app.imports.surveys import SURVEY_COLUMNS, SurveyRowParser
from surveys.questionnaire import answers_for_version, load_questionnaire

SEED = Path(__file__).resolve().parents[2] / "seed_data"
TODAY = date(2026, 6, 1)


def _options(name, key, aliases=None):
    with (SEED / name).open(encoding="utf-8") as handle:
        return tuple(Option(row[key], row["name_zh"], row["name_en"],
                            (aliases or {}).get(row[key], ()))
                     for row in csv.DictReader(handle))


@pytest.fixture(scope="module")
def parser():
    reference = Reference(
        categories=_options("categories.csv", "code"),
        certificates=_options("certificates.csv", "code", CERTIFICATE_ALIASES),
        environments=_options("environments.csv", "tag"),
    )
    return SurveyRowParser(reference, today=TODAY)


def cells(**overrides):
    row = {"facility_ref": "QP20260001", "name": "张三", "surveyed_on": "2026-05-20",
           "categories_1": "物流仓储操作员", "expected_release_date": "2026-07-15"}
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def answers(parser, **overrides):
    record, problems = parser.parse_row(cells(**overrides))
    assert problems == [], [(k, str(e)) for k, e in problems]
    return record["answers"]


def problems_of(parser, **overrides):
    record, problems = parser.parse_row(cells(**overrides))
    assert record is None
    return {key: error.message_key for key, error in problems}


def test_a_minimal_row_gives_every_question_its_canonical_answer(parser):
    record, problems = parser.parse_row(cells())
    assert problems == []
    questionnaire = load_questionnaire()
    assert list(record["answers"]) == [q.id for q in questionnaire.questions]
    # the answers are already what the questionnaire reads back: nothing is coerced
    assert answers_for_version(record["answers"], questionnaire) == record["answers"]
    assert record["ref"] == "QP20260001" and record["surveyed_on"] == "2026-05-20"
    assert record["personal"] == {"name": "张三", "gender": None, "birth_year": None,
                                  "hukou_shanghai": False}
    # blank cells take the questionnaire's defaults, as a new form does
    assert record["answers"]["work_pattern"] == "full_time"
    assert record["answers"]["shifts"] == ["day"]
    assert record["answers"]["consent_share"] is False
    assert parser.identity(record) == ("QP20260001", "2026-05-20")


@pytest.mark.parametrize(
    ("written", "lowest", "hoped"),
    [
        ("8千", 8000, None),
        ("8000元", 8000, None),
        ("8k", 8000, None),
        ("8K", 8000, None),
        (8000, 8000, None),
        (8000.0, 8000, None),
        ("８０００", 8000, None),  # full-width digits
        ("6000-8000", 6000, 8000),  # a range fills the empty hoped-for column
        ("６０００－８０００", 6000, 8000),  # full-width digits and dash
        ("6000～8000元", 6000, 8000),
        ("6-8千", 6000, 8000),
        ("6000以上", 6000, None),
        ("200元/天", 4350, None),  # per working day, 21.75 days a month
        ("面议", None, None),
        (" 5000 ", 5000, None),  # stray spaces
    ],
)
def test_pay_as_people_write_it(parser, written, lowest, hoped):
    result = answers(parser, salary_min=written)
    assert (result["salary_min"], result["salary_hoped"]) == (lowest, hoped)


def test_pay_ranges_and_the_two_columns(parser):
    only_hoped = answers(parser, salary_hoped="6000-8000")
    assert (only_hoped["salary_min"], only_hoped["salary_hoped"]) == (6000, 8000)
    both = answers(parser, salary_min="5000-6000", salary_hoped="7000-9000")
    assert (both["salary_min"], both["salary_hoped"]) == (5000, 9000)
    own = answers(parser, salary_min="6000-8000", salary_hoped="7000")
    assert (own["salary_min"], own["salary_hoped"]) == (6000, 7000)


@pytest.mark.parametrize(
    ("overrides", "column", "key"),
    [
        ({"salary_min": "8OOO"}, "salary_min", "pay.unreadable"),
        ({"salary_min": "300"}, "salary_min", "pay.out_of_range"),
        ({"salary_min": "800"}, "salary_min", "survey.pay_range"),  # the form's 1,000 floor
        ({"salary_min": "6万"}, "salary_min", "survey.pay_range"),
        ({"salary_min": "9000", "salary_hoped": "8k"}, "salary_hoped", "survey.pay_order"),
        ({"salary_min": "8000-6000"}, "salary_min", "pay.min_above_max"),
    ],
)
def test_pay_that_cannot_be_read_is_explained(parser, overrides, column, key):
    assert problems_of(parser, **overrides) == {column: key}


@pytest.mark.parametrize(
    ("written", "adcode"),
    [("浦东", "310115"), ("浦东新区", "310115"), ("上海市浦东新区", "310115"),
     (" 徐汇区 ", "310104"), ("闸北", "310106"), ("Pudong", "310115"), ("310112", "310112")],
)
def test_districts_in_short_and_old_forms(parser, written, adcode):
    assert answers(parser, home_district=written)["home_district"] == adcode


def test_preferred_districts_are_a_list(parser):
    result = answers(parser, districts="浦东、闵行 徐汇，青浦")
    assert result["districts"] == ["310104", "310112", "310115", "310118"]


@pytest.mark.parametrize(("written", "key"), [("北京-朝阳区", "district.outside_shanghai"),
                                              ("蒲东", "district.unknown")])
def test_a_place_that_is_no_shanghai_district_is_explained(parser, written, key):
    assert problems_of(parser, home_district=written) == {"home_district": key}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (46218, "2026-07-15"),  # an Excel serial number
        (46218.0, "2026-07-15"),
        ("46218", "2026-07-15"),
        (datetime(2026, 7, 15), "2026-07-15"),  # a cell formatted as a date
        ("2026.7", "2026-07-01"),  # a month: its first day
        ("2026年7月", "2026-07-01"),
        ("2026年7月15日", "2026-07-15"),
        ("2026/7/15", "2026-07-15"),
        ("２０２６．７．１５", "2026-07-15"),  # full-width digits and dots
        (" 2026-07-15 ", "2026-07-15"),
    ],
)
def test_release_dates_as_people_write_them(parser, written, expected):
    assert answers(parser, expected_release_date=written)["expected_release_date"] == expected


def test_survey_dates_are_read_the_same_way(parser):
    record, _ = parser.parse_row(cells(surveyed_on=46150))
    assert record["surveyed_on"] == "2026-05-08"
    record, _ = parser.parse_row(cells(surveyed_on="2026年5月"))
    assert record["surveyed_on"] == "2026-05-01"


@pytest.mark.parametrize(
    ("overrides", "column", "key"),
    [
        ({"expected_release_date": "2026年13月"}, "expected_release_date", "date.invalid"),
        ({"expected_release_date": "下个月"}, "expected_release_date", "date.unreadable"),
        ({"expected_release_date": None}, "expected_release_date", "survey.required"),
        ({"surveyed_on": None}, "surveyed_on", "survey.required"),
        ({"surveyed_on": (TODAY + timedelta(days=1)).isoformat()}, "surveyed_on",
         "survey.future_survey_date"),
    ],
)
def test_bad_or_missing_dates_are_explained(parser, overrides, column, key):
    assert problems_of(parser, **overrides) == {column: key}


def test_stray_spaces_and_case_are_tolerated(parser):
    record, problems = parser.parse_row(cells(facility_ref=" qp2026 0001 ", name=" 张 三 ",
                                              categories_1="  物流仓储操作员 "))
    assert problems == []
    assert record["ref"] == "QP20260001"
    assert record["personal"]["name"] == "张三"
    assert record["answers"]["categories"] == ["logistics"]


@pytest.mark.parametrize(
    ("written", "code"),
    [("物流仓储操作员", "logistics"), ("logistics", "logistics"), ("Security guard", "security"),
     ("普工", "workshop"), ("车间工人", "workshop"), ("收银员", "retail"), ("叉车", "forklift"),
     ("厨师", "kitchen")],
)
def test_categories_by_name_code_or_part_of_a_name(parser, written, code):
    assert answers(parser, categories_1=written)["categories"] == [code]


def test_ranked_choices(parser):
    result = answers(parser, categories_1="物流", categories_2="普工", categories_3="保安员")
    assert result["categories"] == ["logistics", "workshop", "security"]
    assert problems_of(parser, categories_2="物流") == {"categories_2": "survey.repeated_choice"}
    assert problems_of(parser, categories_3="保安员") == {"categories_3": "survey.choice_gap"}
    assert problems_of(parser, categories_1=None) == {"categories_1": "survey.required"}
    # text found only inside a name is not guessed: 司机 could be any driver
    assert problems_of(parser, categories_1="司机") == {"categories_1": "row.unknown_choice"}
    assert problems_of(parser, categories_1="co") == {"categories_1": "row.ambiguous_choice"}


def test_lists_of_certificates_environments_shifts_and_training(parser):
    result = answers(parser, certificates="叉车证、C1，健康证", avoid="夜场；酒吧",
                     shifts="白班 / 倒班", training_interests="电工/焊工")
    assert sorted(result["certificates"]) == ["driving_c1", "forklift", "health_cert"]
    assert sorted(result["avoid"]) == ["bar", "nightlife"]
    assert result["shifts"] == ["day", "rotating"]
    assert result["training_interests"] == ["electrician", "welder"]
    assert answers(parser, shifts="不限")["shifts"] == ["day", "night", "rotating"]
    assert problems_of(parser, certificates="厨师证、潜水证") == {
        "certificates": "row.unknown_choice"}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("物流仓储操作员 3年；保安员 两年", [{"category": "logistics", "years": 3},
                                       {"category": "security", "years": 2}]),
        ("物流:3", [{"category": "logistics", "years": 3}]),
        ("普工3年、叉车司机1年", [{"category": "workshop", "years": 3},
                              {"category": "forklift", "years": 1}]),
    ],
)
def test_work_history_items(parser, written, expected):
    assert answers(parser, work_history=written)["work_history"] == expected


@pytest.mark.parametrize(
    ("written", "key"),
    [("物流 半年", "survey.work_history_years"), ("物流", "survey.work_history_item"),
     ("物流1年；保安1年；普工1年；电工1年", "survey.too_many"),
     ("潜水员 3年", "row.unknown_choice")],
)
def test_work_history_problems(parser, written, key):
    assert problems_of(parser, work_history=written) == {"work_history": key}


@pytest.mark.parametrize(("written", "expected"),
                         [("是", True), ("否", False), ("Y", True), ("no", False), (1, True),
                          ("√", True), ("需要", True), ("不需要", False)])
def test_yes_and_no(parser, written, expected):
    assert answers(parser, needs_accommodation=written)["needs_accommodation"] is expected


def test_yes_or_no_that_is_neither(parser):
    assert problems_of(parser, consent_share="也许") == {"consent_share": "bool.unreadable"}


@pytest.mark.parametrize(("written", "level"),
                         [("初中", 2), ("高中、中专或技校", 3), ("中专", 3), ("没上过学", 0),
                          ("本科", 5), (2, 2), ("Junior college", 4)])
def test_education(parser, written, level):
    assert answers(parser, education=written)["education"] == level


def test_personal_facts(parser):
    record, problems = parser.parse_row(cells(gender="女", birth_year="1985年",
                                              hukou_shanghai="是"))
    assert problems == []
    assert record["personal"] == {"name": "张三", "gender": "F", "birth_year": 1985,
                                  "hukou_shanghai": True}
    record, _ = parser.parse_row(cells(birth_year=datetime(1990, 3, 1)))
    assert record["personal"]["birth_year"] == 1990
    assert problems_of(parser, gender="?", birth_year="1890") == {
        "gender": "survey.gender_unknown", "birth_year": "survey.birth_year"}


@pytest.mark.parametrize(("written", "key"), [(None, "survey.ref_blank"),
                                              ("A" * 33, "survey.ref_invalid"),
                                              ("QP/2026/0001", "survey.ref_invalid")])
def test_facility_references(parser, written, key):
    assert problems_of(parser, facility_ref=written) == {"facility_ref": key}


def test_every_problem_in_a_row_is_reported_with_a_message_that_says_how_to_fix_it(parser):
    _, problems = parser.parse_row(cells(salary_min="8OOO", home_district="蒲东",
                                         expected_release_date="下个月", skills_text="x" * 501))
    assert [key for key, _ in problems] == ["salary_min", "home_district", "skills_text",
                                            "expected_release_date"]
    messages = {key: str(error) for key, error in problems}
    assert "8OOO" in messages["salary_min"] and "6000" in messages["salary_min"]
    assert "500" in messages["skills_text"]


def test_every_column_has_both_headers_and_help():
    keys = [c.key for c in SURVEY_COLUMNS]
    assert len(set(keys)) == len(keys)
    for column in SURVEY_COLUMNS:
        assert column.header["zh"] and column.header["en"]
        assert column.help["zh"] and column.help["en"]
    required = {c.key for c in SURVEY_COLUMNS if c.required}
    assert required == {"facility_ref", "surveyed_on", "categories_1", "expected_release_date"}
