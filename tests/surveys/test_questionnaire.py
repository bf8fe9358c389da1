import json

import pytest
from flask import Flask
from flask_babel import Babel
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from surveys.questionnaire import (
    QUESTIONNAIRE_DIR,
    answers_for_version,
    build_survey_form,
    form_to_answers,
    iter_form_sections,
    load_questionnaire,
    questionnaire_versions,
)

# What the app reads from the database, labels already in the page's locale.
CHOICES = {
    "categories": [
        ("sales", "销售人员"),
        ("workshop", "车间工人/普工"),
        ("logistics", "物流仓储操作员"),
        ("forklift", "叉车司机"),
    ],
    "districts": [("310115", "浦东新区"), ("310112", "闵行区"), ("310101", "黄浦区")],
    "certificates": [("forklift", "叉车司机证(N1)"), ("health_cert", "健康证")],
    "environments": [("nightlife", "夜场及娱乐场所"), ("bar", "酒吧"), ("late_night", "深夜工作")],
}

REQUIRED_IDS = {
    "categories", "salary_min", "salary_hoped", "home_district", "districts",
    "needs_accommodation", "shifts", "work_pattern", "education", "work_history",
    "certificates", "skills_text", "health_limits", "avoid", "training_interests",
    "expected_release_date", "consent_share", "consent_contact",
}

# A complete paper questionnaire as bureau staff would type it in.
FILLED = [
    ("categories_1", "forklift"),
    ("categories_2", "logistics"),
    ("salary_min", "6000"),
    ("salary_hoped", "8000"),
    ("work_pattern", "full_time"),
    ("shifts", "day"),
    ("shifts", "rotating"),
    ("home_district", "310112"),
    ("districts", "310115"),
    ("districts", "310112"),
    ("needs_accommodation", "y"),
    ("education", "2"),
    ("work_history-0-category", "workshop"),
    ("work_history-0-years", "4"),
    ("work_history-1-category", "logistics"),
    ("work_history-1-years", "0"),
    ("certificates", "forklift"),
    ("skills_text", "  会开电动叉车  "),
    ("training_interests", "forklift"),
    ("health_limits", "腰不好，不能搬重物"),
    ("avoid", "bar"),
    ("avoid", "nightlife"),
    ("expected_release_date", "2026-07-15"),
    ("consent_share", "y"),
]

FILLED_ANSWERS = {
    "categories": ["forklift", "logistics"],
    "salary_min": 6000,
    "salary_hoped": 8000,
    "work_pattern": "full_time",
    "shifts": ["day", "rotating"],
    "home_district": "310112",
    "districts": ["310115", "310112"],
    "needs_accommodation": True,
    "education": 2,
    "work_history": [
        {"category": "workshop", "years": 4},
        {"category": "logistics", "years": 0},
    ],
    "certificates": ["forklift"],
    "skills_text": "会开电动叉车",
    "training_interests": ["forklift"],
    "health_limits": "腰不好，不能搬重物",
    # in the order of the options, not of the ticks
    "avoid": ["nightlife", "bar"],
    "expected_release_date": "2026-07-15",
    "consent_share": True,
    "consent_contact": False,
}


@pytest.fixture
def questionnaire():
    return load_questionnaire(1)


@pytest.fixture
def survey_form(questionnaire):
    return build_survey_form(questionnaire, CHOICES, "zh_CN")


def submit(form_class, changes=(), drop=()):
    """Post FILLED with some fields replaced (name → value) or left out."""
    changes = dict(changes)
    pairs = [(k, v) for k, v in FILLED if k not in changes and k not in drop]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    form = form_class(MultiDict(pairs))
    return form, form.validate()


def errors_of(form, name):
    return [str(message) for message in form[name].errors]


# --- the definition -------------------------------------------------------------------------


def test_latest_version_is_loaded_by_default():
    assert questionnaire_versions() == [1]
    assert load_questionnaire().version == 1
    with pytest.raises(LookupError, match="available: \\[1\\]"):
        load_questionnaire(99)


def test_definition_asks_every_question_with_chinese_and_english_text(questionnaire):
    assert {q.id for q in questionnaire.questions} == REQUIRED_IDS
    for q in questionnaire.questions:
        for text in (q.label, *q.rank_labels, *(c.label for c in q.choices)):
            assert text["zh"] and text["en"], q.id
        assert q.help["zh"] and q.help["en"], q.id


def test_health_limits_and_avoid_are_bureau_only_and_avoid_is_a_hard_filter(questionnaire):
    assert {q.id for q in questionnaire.questions if q.bureau_only} == {"health_limits", "avoid"}
    avoid = questionnaire.question("avoid")
    assert avoid.hard_filter
    assert "用人单位永远看不到" in avoid.help["zh"]
    assert "never see" in avoid.help["en"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"type": "slider"}, "unknown type"),
        ({"choices_from": None}, "choices_from or inline choices"),
        ({"max": 2}, "one rank label per rank"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_a_broken_definition_is_refused_on_load(tmp_path, change, problem):
    raw = json.loads((QUESTIONNAIRE_DIR / "v1.json").read_text(encoding="utf-8"))
    raw["sections"][0]["questions"][0].update(change)
    (tmp_path / "v1.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        load_questionnaire(1, directory=tmp_path)


# --- building and filling the form ----------------------------------------------------------


def test_blank_form_starts_from_the_definition_defaults(survey_form):
    form = survey_form()
    assert form.work_pattern.data == "full_time"
    assert form.shifts.data == ["day"]
    assert form.needs_accommodation.data is False
    assert form.categories_1.data is None
    assert len(form.work_history.entries) == 3
    day = '<input checked id="shifts-0" name="shifts" type="checkbox" value="day">'
    assert day in form.shifts()


def test_labels_and_help_follow_the_locale(questionnaire):
    zh = build_survey_form(questionnaire, CHOICES, "zh_CN")()
    en = build_survey_form(questionnaire, CHOICES, "en")()
    assert zh.categories_1.label.text == "第一志愿"
    assert en.categories_3.label.text == "Third choice"
    assert en.salary_min.label.text == "Lowest acceptable monthly pay (RMB)"
    assert "digits only" in en.salary_min.description
    assert ">（未填）</option>" in zh.home_district()
    assert ">Junior middle school</option>" in en.education()
    titles = [title for title, _questions in iter_form_sections(en)]
    assert titles[0] == "1. Job intentions" and len(titles) == 5


def test_iter_form_sections_gives_every_field_once(survey_form):
    form = survey_form()
    names = [
        field.name
        for _title, questions in iter_form_sections(form)
        for _question, fields in questions
        for field in fields
    ]
    assert names[:3] == ["categories_1", "categories_2", "categories_3"]
    assert sorted(names) == sorted(f.name for f in form)


def test_a_filled_questionnaire_validates_and_gives_canonical_answers(survey_form):
    form, valid = submit(survey_form)
    assert valid, form.errors
    assert form_to_answers(form) == FILLED_ANSWERS


def test_a_resurvey_starts_from_the_previous_answers(questionnaire):
    form_class = build_survey_form(questionnaire, CHOICES, "zh_CN", previous=FILLED_ANSWERS)
    form = form_class()
    assert form_to_answers(form) == FILLED_ANSWERS
    assert '<option selected value="logistics">' in form.categories_2()
    assert form.expected_release_date._value() == "2026-07-15"
    assert form.work_history.entries[0].form.years._value() == "4"


def test_a_resurvey_can_clear_previous_answers(questionnaire):
    form_class = build_survey_form(questionnaire, CHOICES, "zh_CN", previous=FILLED_ANSWERS)
    form, valid = submit(
        form_class,
        {"categories_2": ""},
        drop=("needs_accommodation", "avoid", "shifts", "work_history-1-category",
              "work_history-1-years"),
    )
    assert valid, form.errors
    answers = form_to_answers(form)
    assert answers["categories"] == ["forklift"]
    assert answers["needs_accommodation"] is False
    assert answers["avoid"] == []
    assert answers["shifts"] == []
    assert answers["work_history"] == [{"category": "workshop", "years": 4}]


FIRST = "Choose at least the first choice."
DIFFERENT = "Choose a different category for each choice."
GAP = "Fill in the earlier choice first, or move this one up."


@pytest.mark.parametrize(
    ("ranks", "errors"),
    [
        (("sales", "sales", ""), {"categories_2": [DIFFERENT]}),
        (("sales", "workshop", "sales"), {"categories_3": [DIFFERENT]}),
        (("sales", "", "workshop"), {"categories_3": [GAP]}),
        (("", "sales", ""), {"categories_1": [FIRST], "categories_2": [GAP]}),
        (("", "", ""), {"categories_1": [FIRST]}),
    ],
)
def test_ranked_categories_are_distinct_and_without_gaps(survey_form, ranks, errors):
    changes = {f"categories_{rank}": value for rank, value in enumerate(ranks, start=1)}
    form, valid = submit(survey_form, changes)
    assert not valid
    assert {name: [str(m) for m in messages] for name, messages in form.errors.items()} == errors


def test_three_distinct_categories_are_kept_in_rank_order(survey_form):
    changes = {"categories_1": "sales", "categories_2": "forklift", "categories_3": "workshop"}
    form, valid = submit(survey_form, changes)
    assert valid
    assert form_to_answers(form)["categories"] == ["sales", "forklift", "workshop"]


def test_a_category_not_offered_is_refused(survey_form):
    form, valid = submit(survey_form, {"categories_1": "astronaut"})
    assert errors_of(form, "categories_1") == ["Choose one of the options in the list."]


def test_hoped_for_pay_may_not_be_below_the_lowest_acceptable(survey_form):
    form, valid = submit(survey_form, {"salary_min": "6000", "salary_hoped": "5500"})
    assert not valid
    assert errors_of(form, "salary_hoped") == [
        "This cannot be lower than “最低能接受的月工资（元）” (6000): raise it, or lower"
        " that answer."
    ]
    form, valid = submit(survey_form, {"salary_min": "6000", "salary_hoped": "6000"})
    assert valid


def test_pay_may_be_left_empty_for_negotiable(survey_form):
    form, valid = submit(survey_form, {"salary_min": "", "salary_hoped": " "})
    assert valid
    answers = form_to_answers(form)
    assert answers["salary_min"] is None and answers["salary_hoped"] is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("6千", "Enter a whole number using digits only, without units."),
        ("6000.5", "Enter a whole number using digits only, without units."),
        ("500", "Enter a whole number from 1000 to 50000."),
        ("60000", "Enter a whole number from 1000 to 50000."),
    ],
)
def test_a_bad_pay_says_how_to_fix_it(survey_form, typed, message):
    form, valid = submit(survey_form, {"salary_min": typed, "salary_hoped": ""})
    assert not valid
    assert errors_of(form, "salary_min") == [message]


@pytest.mark.parametrize("typed", ["６０００", " 6000 "])
def test_full_width_digits_and_spaces_in_pay_are_accepted(survey_form, typed):
    form, valid = submit(survey_form, {"salary_min": typed})
    assert valid
    assert form_to_answers(form)["salary_min"] == 6000


def test_education_none_is_an_answer_not_a_blank(survey_form):
    form, valid = submit(survey_form, {"education": "0"})
    assert valid
    assert form_to_answers(form)["education"] == 0
    form, valid = submit(survey_form, {"education": ""})
    assert valid
    assert form_to_answers(form)["education"] is None


@pytest.mark.parametrize(
    ("typed", "answer", "message"),
    [
        ("2026/7/15", "2026-07-15", None),
        ("2026.07.15", "2026-07-15", None),
        ("15.7.2026", None, "Enter the date as year-month-day, for example 2026-07-15."),
        ("", None, "This question needs an answer."),
    ],
)
def test_release_date(survey_form, typed, answer, message):
    form, valid = submit(survey_form, {"expected_release_date": typed})
    if message is None:
        assert valid
        assert form_to_answers(form)["expected_release_date"] == answer
    else:
        assert errors_of(form, "expected_release_date") == [message]


def test_required_fields_are_flagged_for_the_browser(survey_form):
    form = survey_form()
    assert form.categories_1.flags.required
    assert form.expected_release_date.flags.required
    assert not form.salary_min.flags.required


def test_checkbox_groups_refuse_unlisted_values(survey_form):
    form, valid = submit(survey_form, {"districts": "999999"})
    assert errors_of(form, "districts") == ["“999999” is not in the list; tick listed options."]


def test_work_history_rows_must_be_complete(survey_form):
    form, valid = submit(
        survey_form,
        {"work_history-1-years": "", "work_history-2-years": "3"},
    )
    assert not valid
    rows = form.work_history.entries
    assert [str(e) for e in rows[1].form.years.errors] == [
        "Fill this in too, or clear the whole row."
    ]
    assert [str(e) for e in rows[2].form.category.errors] == [
        "Fill this in too, or clear the whole row."
    ]


def test_work_history_years_are_bounded(survey_form):
    form, valid = submit(survey_form, {"work_history-0-years": "60"})
    assert [str(e) for e in form.work_history.entries[0].form.years.errors] == [
        "Enter a whole number from 0 to 50."
    ]


def test_long_free_text_is_refused_with_its_limit(survey_form):
    form, valid = submit(survey_form, {"skills_text": "会" * 501})
    assert errors_of(form, "skills_text") == ["Shorten this to 500 characters or fewer."]


def test_missing_choice_list_is_a_clear_programming_error(questionnaire):
    with pytest.raises(KeyError, match="choices\\['districts'\\]"):
        build_survey_form(questionnaire, {"categories": [], "certificates": []}, "zh")


def test_the_form_can_be_built_on_flask_wtf_for_csrf(questionnaire):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=True)
    Babel(app)
    form_class = build_survey_form(questionnaire, CHOICES, "zh_CN", base=FlaskForm)
    with app.test_request_context(method="POST", data=MultiDict(FILLED)):
        form = form_class()
        assert not form.validate()
        assert set(form.errors) == {"csrf_token"}
    with app.test_request_context(method="POST"):
        form = form_class(MultiDict([*FILLED, ("csrf_token", generate_csrf())]))
        assert form.validate(), form.errors
        assert form_to_answers(form) == FILLED_ANSWERS


# --- a new version never breaks old surveys -------------------------------------------------


@pytest.fixture
def two_versions(tmp_path):
    """Write v1 and a v2 that drops `needs_accommodation` and adds a `languages` question."""
    raw = json.loads((QUESTIONNAIRE_DIR / "v1.json").read_text(encoding="utf-8"))
    (tmp_path / "v1.json").write_text(json.dumps(raw), encoding="utf-8")
    raw["version"] = 2
    location = raw["sections"][1]
    location["questions"] = [q for q in location["questions"] if q["id"] != "needs_accommodation"]
    location["questions"].append({
        "id": "languages",
        "type": "multi_choice",
        "label": {"zh": "会说的话", "en": "Languages spoken"},
        "help": {"zh": "可多选。", "en": "Tick all that apply."},
        "default": ["mandarin"],
        "choices": [
            {"value": "mandarin", "label": {"zh": "普通话", "en": "Mandarin"}},
            {"value": "shanghainese", "label": {"zh": "上海话", "en": "Shanghainese"}},
        ],
    })
    (tmp_path / "v2.json").write_text(json.dumps(raw), encoding="utf-8")
    return tmp_path


def test_the_latest_of_several_versions_is_the_default(two_versions):
    assert questionnaire_versions(two_versions) == [1, 2]
    assert load_questionnaire(directory=two_versions).version == 2


def test_a_v1_survey_loads_and_renders_under_v2(two_versions):
    v2 = load_questionnaire(directory=two_versions)
    answers = answers_for_version(FILLED_ANSWERS, v2)
    assert "needs_accommodation" not in answers
    assert answers["languages"] == ["mandarin"]
    expected = {k: v for k, v in FILLED_ANSWERS.items() if k != "needs_accommodation"}
    assert {k: v for k, v in answers.items() if k != "languages"} == expected

    form = build_survey_form(v2, CHOICES, "zh_CN", previous=FILLED_ANSWERS)()
    html = "".join(str(field()) for field in form)
    assert "上海话" in html and 'value="forklift"' in html
    assert form_to_answers(form) == answers


def test_a_v2_survey_read_as_v1_ignores_what_v1_does_not_ask(two_versions):
    v1 = load_questionnaire(1, directory=two_versions)
    v2_answers = {**answers_for_version(FILLED_ANSWERS, load_questionnaire(2, two_versions))}
    answers = answers_for_version(v2_answers, v1)
    assert "languages" not in answers
    assert answers["needs_accommodation"] is False


def test_malformed_stored_answers_fall_back_to_defaults(questionnaire):
    stored = {
        "categories": "sales",
        "salary_min": "abc",
        "salary_hoped": 7000.0,
        "shifts": "night",
        "work_pattern": "weekends",
        "education": "3",
        "work_history": [{"category": "workshop", "years": "x"}, "junk", {}],
        "expected_release_date": "2026-13-01",
        "consent_share": "yes",
        "obsolete_question": 42,
    }
    answers = answers_for_version(stored, questionnaire)
    assert answers["categories"] == ["sales"]
    assert answers["salary_min"] is None
    assert answers["salary_hoped"] == 7000
    assert answers["shifts"] == ["night"]
    assert answers["work_pattern"] == "full_time"
    assert answers["education"] == 3
    assert answers["work_history"] == [{"category": "workshop", "years": None}]
    assert answers["expected_release_date"] is None
    assert answers["consent_share"] is False
    assert answers["districts"] == [] and answers["skills_text"] == ""
    assert "obsolete_question" not in answers
