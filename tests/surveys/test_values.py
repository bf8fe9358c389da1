"""Tests for surveys.values: every messy form the surveys, postings and forms bring."""

import ast
import csv
import datetime as dt
import math
import sys
from functools import partial
from pathlib import Path

import pytest

import surveys.values
from surveys.values import (
    DEFAULT_MESSAGES,
    DISTRICTS_BY_ADCODE,
    SHANGHAI_DISTRICTS,
    Pay,
    Place,
    ValueParseError,
    is_blank,
    normalize_text,
    organisation_code_check_character,
    parse_bool,
    parse_date,
    parse_district,
    parse_education_level,
    parse_experience_years,
    parse_headcount,
    parse_job_attributes,
    parse_monthly_pay,
    parse_place,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "seed_data"
SEED_DISTRICTS = SEED_DIR / "districts.csv"
SHARED_DATA = ROOT.parent / "shared" / "data"
TODAY = dt.date(2026, 12, 8)  # the surveys package is told the day; it never reads a clock
JOBS_51 = SHARED_DATA / "jobs" / "51job_national_2021.csv"
GEO_DISTRICTS = SHARED_DATA / "geo" / "shanghai_districts.csv"


def error_of(function, value):
    with pytest.raises(ValueParseError) as caught:
        function(value)
    return caught.value


# --------------------------------------------------------------------------- errors


def test_error_carries_key_params_and_an_english_fix():
    error = error_of(parse_monthly_pay, "八千块左右吧")
    assert error.message_key == "pay.unreadable"
    assert error.params == {"text": "八千块左右吧"}
    assert "八千块左右吧" in str(error)
    assert "6-8千/月" in str(error)


def test_every_message_formats_with_its_own_placeholders():
    sample = {"text": "x", "monthly": 1.0, "low": 1, "high": 2, "city": "北京", "length": 3,
              "position": 4, "character": "O", "expected": "3", "found": "4"}
    for key in DEFAULT_MESSAGES:
        message = ValueParseError(key, **sample).default_message
        assert "{" not in message, key


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("６０００－８０００", "6000-8000"),
        ("６０００～８０００元", "6000-8000元"),
        ("6000〜8000", "6000-8000"),
        ("6000—8000", "6000-8000"),
        ("6000–8000", "6000-8000"),
        ("ＡＢＣ（双休）", "ABC(双休)"),
        ("  上海\u3000 浦东新区  ", "上海 浦东新区"),
        ("叉车\u200b司机", "叉车司机"),
        ("浦东新区", "浦东新区"),
        (None, ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("value", [None, float("nan"), "", "   ", "\u3000"])
def test_is_blank(value):
    assert is_blank(value)


@pytest.mark.parametrize("value", [0, "0", "面议", False])
def test_is_not_blank(value):
    assert not is_blank(value)


# --------------------------------------------------------------------------- pay


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("6-8千/月", 6000, 8000),
        ("1-1.5万/月", 10000, 15000),
        ("0.8-1万/月", 8000, 10000),
        ("7-14万/年", 5833.33, 11666.67),
        ("150元/天", 3262.5, 3262.5),
        ("25元/小时", 4350, 4350),
        ("20-30K", 20000, 30000),
        ("18-35K·13薪", 18000, 35000),
        ("15k-30k", 15000, 30000),
        ("4500", 4500, 4500),
        ("8千", 8000, 8000),
        ("８千", 8000, 8000),
        ("8000元", 8000, 8000),
        ("8k", 8000, 8000),
        ("6000-8000", 6000, 8000),
        ("６０００－８０００", 6000, 8000),
        ("6000～8000元/月", 6000, 8000),
        (" 6000 - 8000 ", 6000, 8000),
        ("6000至8000", 6000, 8000),
        ("6000以上", 6000, None),
        ("6000元/月以上", 6000, None),
        ("底薪4000+提成", 4000, None),
        ("5000以下", None, 5000),
        ("月薪6000", 6000, 6000),
        ("年薪20万", 16666.67, 16666.67),
        ("¥6,500", 6500, 6500),
        ("5000-8k", 5000, 8000),
        ("6000-1万", 6000, 10000),
        ("6000(税前)", 6000, 6000),
        ("1.5w", 15000, 15000),
        (4500, 4500, 4500),
        (4500.0, 4500, 4500),
    ],
)
def test_parse_monthly_pay(text, low, high):
    pay = parse_monthly_pay(text)
    assert (pay.min, pay.max, pay.unknown) == (low, high, False)
    assert pay.text == str(text).strip()


@pytest.mark.parametrize("text", ["面议", "薪资面议", "", "  ", None, float("nan")])
def test_unstated_pay_is_unknown_never_zero(text):
    pay = parse_monthly_pay(text)
    assert pay.unknown
    assert pay.min is None and pay.max is None


@pytest.mark.parametrize(
    ("text", "low", "high", "months", "period", "annual"),
    [
        # The 13th month is not spread over the year: the base is what a month pays.
        ("8-12K·13薪", 8000, 12000, 13, "month", (104000, 156000)),
        ("8-12k/月·14薪", 8000, 12000, 14, "month", (112000, 168000)),
        ("6-8千/月", 6000, 8000, 12, "month", (72000, 96000)),
        # 21.75 working days a month, 8 hours a day (China's legal averages).
        ("150元/天", 3262.5, 3262.5, 12, "day", (39150, 39150)),
        ("25元/小时", 4350, 4350, 12, "hour", (52200, 52200)),
        # A yearly total without 'N薪' is paid over 12 months; with it, over N.
        ("7-14万/年", 5833.33, 11666.67, 12, "year", (69999.96, 140000.04)),
        ("年薪20万·13薪", 15384.62, 15384.62, 13, "year", (200000.06, 200000.06)),
        ("6000以上", 6000, None, 12, "month", (72000, None)),
    ],
)
def test_pay_keeps_base_months_and_period(text, low, high, months, period, annual):
    pay = parse_monthly_pay(text)
    assert (pay.min, pay.max, pay.months, pay.period) == (low, high, months, period)
    assert (pay.annual_min, pay.annual_max) == annual


def test_a_bonus_month_never_lifts_the_monthly_base():
    pay = parse_monthly_pay("8-12K·13薪")
    assert pay.min == 8000  # not 8,667: a 9,000 floor is not met by the base pay
    assert pay.min < 9000


def test_pay_keeps_the_original_text():
    assert parse_monthly_pay(" ６-８千/月 ") == Pay(6000.0, 8000.0, "６-８千/月")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("8-6千/月", "pay.min_above_max"),
        ("8000-6000", "pay.min_above_max"),
        ("300万/月", "pay.out_of_range"),
        ("100", "pay.out_of_range"),
        ("10元/天", "pay.out_of_range"),
        ("abc", "pay.unreadable"),
        ("8OOO", "pay.unreadable"),
        ("6千/月x", "pay.unreadable"),
        (True, "pay.unreadable"),
        (float("inf"), "pay.unreadable"),
        (0, "pay.out_of_range"),
    ],
)
def test_parse_monthly_pay_rejects(text, key):
    assert error_of(parse_monthly_pay, text).message_key == key


# --------------------------------------------------------------------------- places


def test_district_table_has_the_16_districts():
    assert len(SHANGHAI_DISTRICTS) == 16
    assert DISTRICTS_BY_ADCODE["310115"].name == "浦东新区"
    assert DISTRICTS_BY_ADCODE["310115"].english_name == "Pudong New Area"
    assert DISTRICTS_BY_ADCODE["310151"].short_name == "崇明"


@pytest.mark.skipif(not SEED_DISTRICTS.exists(), reason="seed_data/districts.csv not built yet")
def test_district_table_matches_seed_data():
    with SEED_DISTRICTS.open(encoding="utf-8") as handle:
        rows = {row["adcode"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(DISTRICTS_BY_ADCODE)
    for adcode, district in DISTRICTS_BY_ADCODE.items():
        assert rows[adcode]["name_zh"] == district.name
        assert rows[adcode]["name_en"] == district.english_name


@pytest.mark.skipif(not GEO_DISTRICTS.exists(), reason="shared geo data absent")
def test_district_table_matches_shared_geography():
    with GEO_DISTRICTS.open(encoding="utf-8") as handle:
        rows = {row["adcode"]: row["name"] for row in csv.DictReader(handle)}
    assert rows == {d.adcode: d.name for d in SHANGHAI_DISTRICTS}


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("上海-浦东新区", "310115"),
        ("上海·徐汇区·漕河泾", "310104"),
        ("浦东", "310115"),
        ("浦东新区", "310115"),
        ("Pudong", "310115"),
        ("Pudong New Area", "310115"),
        ("Jing'an", "310106"),
        ("上海市浦东新区张江镇", "310115"),
        ("上海 - 浦东", "310115"),
        ("上海-闵行区", "310112"),
        ("闸北区", "310106"),
        ("卢湾区", "310101"),
        ("南汇区", "310115"),
        ("南市区", "310101"),
        ("崇明县", "310151"),
        ("上海县", "310112"),
        ("310115", "310115"),
        ("　徐汇 ", "310104"),
        ("上海", None),
        ("上海市", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_district(text, adcode):
    assert parse_district(text) == adcode


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("北京-朝阳区", "district.outside_shanghai"),
        ("杭州市", "district.outside_shanghai"),
        ("蒲东", "district.unknown"),
        ("上海-外滩", "district.unknown"),
        ("异地招聘", "district.unknown"),
        ("123", "district.unknown"),
    ],
)
def test_parse_district_rejects(text, key):
    assert error_of(parse_district, text).message_key == key


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("上海-浦东新区", Place("上海", "310115", True)),
        ("上海", Place("上海", None, True)),
        ("Shanghai", Place("上海", None, True)),
        ("浦东", Place("上海", "310115", True)),
        ("北京-朝阳区", Place("北京", None, False)),
        ("深圳", Place("深圳", None, False)),
        ("安徽省", Place("安徽省", None, False)),
        ("异地招聘", Place(None, None, False)),
        # Zhoushan has a 普陀区 too; only Shanghai's context makes it Shanghai's.
        ("舟山市普陀区", Place("舟山市普陀区", None, False)),
        ("上海·张江镇(浦东新区)", Place("上海", "310115", True)),
    ],
)
def test_parse_place(text, place):
    assert parse_place(text) == place


def test_parse_place_with_separate_district_column():
    assert parse_place("上海", "浦东") == Place("上海", "310115", True)
    assert parse_place("上海市", "") == Place("上海", None, True)


@pytest.mark.parametrize(("text", "key"), [("", "place.blank"), ("123", "place.unreadable")])
def test_parse_place_rejects(text, key):
    assert error_of(parse_place, text).message_key == key


# --------------------------------------------------------------------------- people


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("不限", 0), ("无学历要求", 0), ("学历不限", 0),
        ("小学", 1),
        ("初中", 2), ("初中及以上", 2), ("初中及以下", 2),
        ("高中", 3), ("中专", 3), ("中技", 3), ("职高", 3), ("高中/中专", 3),
        ("大专", 4), ("大专及以上", 4),
        ("本科", 5), ("本科及以上", 5),
        ("硕士", 6), ("博士", 6), ("研究生", 6),
        ("junior college", 4), ("Bachelor", 5),
        ("3", 3), (4, 4), ("", None), (None, None),
    ],
)
def test_parse_education_level(text, level):
    assert parse_education_level(text) == level


@pytest.mark.parametrize("text", ["高级", "7", 7, "x"])
def test_parse_education_level_rejects(text):
    assert error_of(parse_education_level, text).message_key == "education.unknown"


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("无需经验", 0), ("无工作经验", 0), ("经验不限", 0),
        ("在校生/应届生", 0), ("应届毕业生", 0),
        ("1年经验", 1), ("2年经验", 2), ("3-4年经验", 3), ("5-7年经验", 5),
        ("8-9年经验", 8), ("10年以上经验", 10), ("一年以上", 1), ("两年", 2),
        ("半年", 0.5), ("1年以下", 0), ("3", 3), (2, 2), ("", None), (None, None),
    ],
)
def test_parse_experience_years(text, years):
    assert parse_experience_years(text) == years


@pytest.mark.parametrize("text", ["无锡", "很多", "100年"])
def test_parse_experience_years_rejects(text):
    assert error_of(parse_experience_years, text).message_key == "experience.unknown"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("招1人", 1), ("招10人", 10), ("5人", 5), ("10", 10), (10, 10), (10.0, 10),
        ("招两人", 2), ("招若干人", None), ("若干", None), ("", None),
    ],
)
def test_parse_headcount(text, count):
    assert parse_headcount(text) == count


@pytest.mark.parametrize(
    ("text", "key"),
    [("0", "headcount.not_positive"), ("招人", "headcount.unknown"), (2.5, "headcount.unknown")],
)
def test_parse_headcount_rejects(text, key):
    assert error_of(parse_headcount, text).message_key == key


# --------------------------------------------------------------------------- 51job cells


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "['上海-静安区', '无需经验', '本科', '招若干人']",
            {"place": Place("上海", "310106", True), "experience": 0.0, "education": 5,
             "headcount": None},
        ),
        (
            "['北京-朝阳区', '5-7年经验', '招1人']",
            {"place": Place("北京", None, False), "experience": 5.0, "headcount": 1},
        ),
        ("['上海', '招若干人']", {"place": Place("上海", None, True), "headcount": None}),
        # Recognised by kind, not by position:
        (
            "['招3人', '中专', '上海-闵行区', '1年经验']",
            {"place": Place("上海", "310112", True), "experience": 1.0, "education": 3,
             "headcount": 3},
        ),
        (["上海-浦东新区", "大专"], {"place": Place("上海", "310115", True), "education": 4}),
        ("", {}),
        (
            "['上海-徐汇区', '大专', '五险一金福利齐全待遇优厚']",
            {"place": Place("上海", "310104", True), "education": 4,
             "unrecognised": ("五险一金福利齐全待遇优厚",)},
        ),
    ],
)
def test_parse_job_attributes(cell, expected):
    assert parse_job_attributes(cell) == expected


def test_headcount_key_tells_open_from_missing():
    assert "headcount" in parse_job_attributes("['上海', '招若干人']")
    assert "headcount" not in parse_job_attributes("['上海', '本科']")


@pytest.mark.parametrize(
    "cell",
    ["__import__('os').system('true')", "['a', 1]", "{'a': 'b'}", "[" * 3000, "not a list ["],
)
def test_parse_job_attributes_never_evaluates_code(cell):
    assert error_of(parse_job_attributes, cell).message_key == "attributes.unreadable"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-07-01", dt.date(2026, 7, 1)),
        ("2026/7/1", dt.date(2026, 7, 1)),
        ("2026.7", dt.date(2026, 7, 1)),
        ("2026-07", dt.date(2026, 7, 1)),
        ("2026年7月", dt.date(2026, 7, 1)),
        ("2026 年 7 月", dt.date(2026, 7, 1)),
        ("2026年7月15日", dt.date(2026, 7, 15)),
        ("2026.07.15", dt.date(2026, 7, 15)),
        ("２０２６．７．１５", dt.date(2026, 7, 15)),
        ("20260715", dt.date(2026, 7, 15)),
        ("2026-07-01 00:00:00", dt.date(2026, 7, 1)),
        ("2026-07-01T08:30", dt.date(2026, 7, 1)),
        (46204, dt.date(2026, 7, 1)),
        (46204.0, dt.date(2026, 7, 1)),
        (46204.6, dt.date(2026, 7, 1)),
        ("46204", dt.date(2026, 7, 1)),
        (45658, dt.date(2025, 1, 1)),
        (dt.datetime(2026, 7, 1, 9, 30), dt.date(2026, 7, 1)),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 1)),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("2026-02-30", "date.invalid"),
        ("2026.13", "date.invalid"),
        ("2026", "date.unreadable"),
        (2026, "date.unreadable"),
        ("7月1日", "date.unreadable"),
        ("1850-01-01", "date.out_of_range"),
        (999999, "date.out_of_range"),
    ],
)
def test_parse_date_rejects(value, key):
    assert error_of(parse_date, value).message_key == key


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    "value", ["是", "有", "需要", "Y", "y", "yes", "YES", "1", "✓", "√", 1, True, "是 "]
)
def test_parse_bool_true(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["否", "无", "不需要", "N", "no", "0", "✗", "×", 0, False])
def test_parse_bool_false(value):
    assert parse_bool(value) is False


def test_parse_bool_blank_and_unreadable():
    assert parse_bool("") is None
    assert error_of(parse_bool, "也许").message_key == "bool.unreadable"


# --------------------------------------------------------------------------- identifiers

# Codes printed on published business licences.
VALID_USCC = [
    "91350100M000100Y43",
    "91110000802100433B",
    "914403001922038216",
    "91440300708461136T",
    "91110108551385082Q",
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_validate_uscc_accepts_published_codes(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "written",
    ["91350100m000100y43", " 9135 0100 M000 100Y43 ", "９１３５０１００Ｍ０００１００Ｙ４３"],
)
def test_validate_uscc_normalises_case_spaces_and_width(written):
    assert validate_uscc(written) == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "key", "params"),
    [
        ("91350100M000100Y4", "uscc.length", {"length": 17}),
        ("91350100M000100Y433", "uscc.length", {"length": 19}),
        ("91350100M000100Y44", "uscc.check_character", {"expected": "3", "found": "4"}),
        # two neighbouring characters swapped
        ("91350100M000010Y43", "uscc.check_character", {"expected": "J", "found": "3"}),
        ("91350100MO00100Y43", "uscc.illegal_character", {"position": 10, "character": "O"}),
        ("9135010OM000100Y43", "uscc.illegal_character", {"position": 8, "character": "O"}),
        ("91350100M000100I43", "uscc.illegal_character", {"position": 16, "character": "I"}),
        ("", "uscc.blank", {}),
    ],
)
def test_validate_uscc_says_what_is_wrong(code, key, params):
    error = error_of(validate_uscc, code)
    assert error.message_key == key
    assert params.items() <= error.params.items()


def test_uscc_check_character_message_names_the_expected_character():
    assert "should be '3', not '4'" in str(error_of(validate_uscc, "91350100M000100Y44"))


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("M000100Y", "4"),  # 91350100M000100Y43
        ("80210043", "3"),  # 91110000802100433B
        ("19220382", "1"),  # 914403001922038216
        ("MA1WWG6L", "6"),  # 91310113MA1WWG6L63 (demo)
        ("00000000", "0"),  # 11 - 0 = 11 is written '0'
        ("00000006", "X"),  # 11 - (6 x 2 mod 11) = 10 is written 'X'
    ],
)
def test_organisation_code_check_character_follows_gb_11714(body, check):
    assert organisation_code_check_character(body) == check


def test_validate_uscc_checks_the_embedded_organisation_code():
    # the 18th character fits the first 17, but the 17th does not fit characters 9-16
    error = error_of(validate_uscc, "91350100M000100Y56")
    assert error.message_key == "uscc.organisation_check_character"
    assert (error.params["expected"], error.params["found"]) == ("4", "5")
    assert "should be '4', not '5'" in str(error)


def test_the_demo_employers_codes_are_valid():
    rows = (SEED_DIR / "demo" / "employers.csv").read_text(encoding="utf-8").splitlines()
    codes = [row["uscc"] for row in csv.DictReader(rows)]
    assert len(codes) == 61
    assert [validate_uscc(code) for code in codes] == codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [("11010519491231002X", "11010519491231002X"), ("11010519491231002x", "11010519491231002X"),
     ("110105 19491231 002X", "11010519491231002X")],
)
def test_validate_resident_id(code, expected):
    assert validate_resident_id(code, today=TODAY) == expected


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("110105194912310021", "resident_id.check_digit"),
        ("11010519491331002X", "resident_id.birth_date"),
        # The check digit is right but 1880 is no plausible birth year.
        ("440524188001010014", "resident_id.birth_date"),
        ("1101051949123100", "resident_id.length"),
        ("1101051949123100X2", "resident_id.illegal_character"),
        ("", "resident_id.blank"),
    ],
)
def test_validate_resident_id_rejects(code, key):
    error = error_of(partial(validate_resident_id, today=TODAY), code)
    assert error.message_key == key
    assert "1101051949" not in str(error)  # personal data stays out of messages


def test_validate_resident_id_rejects_a_future_birth_date():
    code = "110105" + "20300101" + "001"
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(code))
    code += "10X98765432"[total % 11]
    assert error_of(partial(validate_resident_id, today=dt.date(2029, 12, 31)), code).message_key \
        == "resident_id.birth_date"
    assert validate_resident_id(code, today=dt.date(2031, 1, 1)) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("19912345678", "19912345678"),
        ("021-12345678", "021-12345678"),
        ("021 6234 5678", "021-62345678"),
        ("(021)62345678", "021-62345678"),
        ("02162345678", "021-62345678"),
        ("021-62345678-123", "021-62345678-123"),
        ("021-62345678转123", "021-62345678-123"),
        ("0571-87654321", "0571-87654321"),
        ("400-123-4567", "400-123-4567"),
    ],
)
def test_validate_mobile(text, expected):
    assert validate_mobile(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("12812345678", "phone.unreadable"),
        ("1381234567", "phone.unreadable"),
        ("62345678", "phone.missing_area_code"),
        ("abc", "phone.unreadable"),
        ("", "phone.blank"),
    ],
)
def test_validate_mobile_rejects(text, key):
    assert error_of(validate_mobile, text).message_key == key


def test_validate_mobile_can_insist_on_a_mobile():
    with pytest.raises(ValueParseError) as caught:
        validate_mobile("021-62345678", allow_landline=False)
    assert caught.value.message_key == "phone.not_mobile"


# --------------------------------------------------------------------------- real data


def test_survey_mess_from_issue_3():
    """The survey import's mess list: each is accepted, none is mangled."""
    assert parse_monthly_pay("８０００").min == 8000
    assert parse_monthly_pay("8千").min == 8000
    assert parse_monthly_pay("8000元").min == 8000
    assert parse_monthly_pay("8k").min == 8000
    assert (parse_monthly_pay("6000-8000").min, parse_monthly_pay("6000-8000").max) == (
        6000, 8000,
    )
    assert parse_district("浦东") == "310115"
    assert parse_district(" 浦东 ") == "310115"
    assert parse_date(46204) == dt.date(2026, 7, 1)
    assert parse_date("2026.7") == dt.date(2026, 7, 1)
    assert parse_date("2026年7月") == dt.date(2026, 7, 1)
    assert parse_headcount(" ３ ") == 3


@pytest.mark.skipif(not JOBS_51.exists(), reason=f"real 51job file absent: {JOBS_51}")
def test_real_51job_file_shanghai_rows_parse():
    with JOBS_51.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    shanghai = [row for row in rows if parse_place(row["workarea_text"]).in_shanghai]
    counts = dict.fromkeys(
        ["salary", "place", "district", "education", "experience", "headcount"], 0
    )
    for row in shanghai:
        try:
            pay = parse_monthly_pay(row["providesalary_text"])
        except ValueParseError:
            pass
        else:
            # Read correctly as unknown counts as understood; a number must be a number.
            assert pay.unknown or not math.isnan(pay.min)
            counts["salary"] += 1
        place = parse_place(row["workarea_text"])
        counts["place"] += 1  # in Shanghai, with or without a named district
        counts["district"] += place.adcode is not None
        attributes = parse_job_attributes(row["attribute_text"])
        assert attributes["place"] == place
        assert "unrecognised" not in attributes, attributes
        for field in ("education", "experience", "headcount"):
            counts[field] += field in attributes

    n = len(shanghai)
    shares = {field: count / n for field, count in counts.items()}
    print(f"\n51job Shanghai rows: {n} of {len(rows)}")
    for field, share in shares.items():
        print(f"  {field:<10} {counts[field]:>4} / {n}  {share:6.1%}")
    assert n == 370
    assert shares["salary"] >= 0.95
    # '上海' alone is understood as Shanghai with no district named; the rest name one.
    assert shares["place"] >= 0.95
    assert shares["district"] >= 0.85
    blank_district = [r for r in shanghai if parse_place(r["workarea_text"]).adcode is None]
    assert {r["workarea_text"] for r in blank_district} == {"上海"}
    assert shares["headcount"] >= 0.95



def test_values_module_imports_only_the_standard_library():
    tree = ast.parse(Path(surveys.values.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
