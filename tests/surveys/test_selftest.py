import re

import pandas as pd
import pytest

from surveys.selftest import (
    RIASEC,
    SELFTEST_ICONS,
    SelfTestAnswerError,
    best_fitting_categories,
    load_selftest_definition,
    load_selftest_items,
    riasec_code,
    score_selftest,
    scores_as_vector,
)

ITEMS = load_selftest_items()


def answers_by_type(values: dict[str, list[int]]) -> dict[str, int]:
    """Answer the items of each type with the given eight values, in item order."""
    answers = {}
    for kind, kind_values in values.items():
        kind_items = [item for item in ITEMS if item.type == kind]
        answers.update({item.item_id: v for item, v in zip(kind_items, kind_values, strict=True)})
    return answers


def uniform(**per_type: int) -> dict[str, int]:
    """Answer every item of a type with one value (3 for types not given)."""
    return answers_by_type({t: [per_type.get(t, 3)] * 8 for t in RIASEC})


# --- the items ------------------------------------------------------------------------------


def test_48_items_8_per_type_with_unique_ids():
    assert len(ITEMS) == 48
    assert len({item.item_id for item in ITEMS}) == 48
    assert pd.Series([item.type for item in ITEMS]).value_counts().to_dict() == dict.fromkeys(
        RIASEC, 8
    )


def test_every_item_has_chinese_and_english_text_and_a_known_icon():
    for item in ITEMS:
        assert re.search(r"[\u4e00-\u9fff]", item.text_zh), item.item_id
        assert item.text_en.strip() and item.text_en.isascii(), item.item_id
        assert item.icon in SELFTEST_ICONS, item.item_id
    assert ITEMS[6].text("zh_CN") == "修理自行车或电动车"
    assert ITEMS[6].text("en") == "Repair bicycles or e-bikes"


def test_definition_has_the_five_point_scale_six_types_and_the_orientation_notice():
    definition = load_selftest_definition()
    assert [(p["value"], p["label"]["zh"]) for p in definition["scale"]] == [
        (1, "很不喜欢"), (2, "不喜欢"), (3, "说不清"), (4, "喜欢"), (5, "很喜欢"),
    ]
    assert definition["scale"][0]["label"]["en"] == "Strongly dislike"
    assert definition["scale"][-1]["label"]["en"] == "Strongly like"
    assert [t["code"] for t in definition["types"]] == list(RIASEC)
    assert "不是考试" in definition["notice"]["zh"]
    assert "never used to screen" in definition["notice"]["en"]


# --- scoring --------------------------------------------------------------------------------


def test_all_realistic_scores_one_and_everything_else_zero():
    result = score_selftest(uniform(R=5, I=1, A=1, S=1, E=1, C=1))
    assert result.scores == {"R": 1.0, "I": 0.0, "A": 0.0, "S": 0.0, "E": 0.0, "C": 0.0}
    assert result.raw == {"R": 40, "I": 8, "A": 8, "S": 8, "E": 8, "C": 8}
    # R first; the five-way tie at 0 goes to I then A, in RIASEC order.
    assert result.code == "RIA"
    assert result.answered == 48
    assert scores_as_vector(result) == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_a_mixed_answer_sheet_computed_by_hand():
    # R 5+4+4+3+5+4+3+4 = 32, mean 4     -> (4 - 1) / 4     = 0.75
    # I 2 x 8          = 16, mean 2     -> (2 - 1) / 4     = 0.25
    # A 1+1+2+2+1+1+2+2 = 12, mean 1.5   -> (1.5 - 1) / 4   = 0.125
    # S 4 x 8          = 32, mean 4     -> 0.75 (ties with R; R comes first)
    # E 3 x 7 + 4      = 25, mean 3.125 -> (3.125 - 1) / 4 = 0.53125
    # C 3 x 8          = 24, mean 3     -> 0.5
    # code: R (0.75), S (0.75), E (0.53125) -> "RSE"
    result = score_selftest(answers_by_type({
        "R": [5, 4, 4, 3, 5, 4, 3, 4],
        "I": [2] * 8,
        "A": [1, 1, 2, 2, 1, 1, 2, 2],
        "S": [4] * 8,
        "E": [3, 3, 3, 3, 3, 3, 3, 4],
        "C": [3] * 8,
    }))
    assert result.raw == {"R": 32, "I": 16, "A": 12, "S": 32, "E": 25, "C": 24}
    assert result.scores == {"R": 0.75, "I": 0.25, "A": 0.125, "S": 0.75, "E": 0.53125, "C": 0.5}
    assert result.code == "RSE"
    assert scores_as_vector(result) == [0.75, 0.25, 0.125, 0.75, 0.53125, 0.5]


@pytest.mark.parametrize(
    ("per_type", "code"),
    [
        ({}, "RIA"),  # all "not sure": every type ties at 0.5
        ({"S": 5, "E": 5, "C": 5, "R": 1, "I": 1, "A": 1}, "SEC"),
        ({"I": 5, "C": 5, "R": 1, "A": 1, "S": 1, "E": 1}, "ICR"),
        ({"C": 5, "E": 4, "A": 4}, "CAE"),
    ],
)
def test_ties_go_to_the_type_earlier_in_riasec_order(per_type, code):
    assert score_selftest(uniform(**per_type)).code == code


def test_riasec_code_of_any_six_scores():
    assert riasec_code({"R": 1, "I": 7, "A": 2, "S": 7, "E": 3, "C": 3}) == "ISE"


def test_incomplete_answers_are_refused_naming_the_missing_items():
    answers = uniform()
    del answers["R2"], answers["C8"]
    with pytest.raises(SelfTestAnswerError) as caught:
        score_selftest(answers)
    assert caught.value.key == "selftest.incomplete"
    assert caught.value.item_ids == ("R2", "C8")
    assert caught.value.user_message() == (
        "Answer every statement before scoring; still unanswered: R2, C8."
    )


@pytest.mark.parametrize("value", [0, 6, 3.5, "4", True, None])
def test_answers_outside_one_to_five_are_refused(value):
    answers = {**uniform(), "A3": value}
    with pytest.raises(SelfTestAnswerError) as caught:
        score_selftest(answers)
    assert caught.value.key == "selftest.out_of_range"
    assert str(caught.value) == (
        "Answer each statement with a whole number from 1 to 5; check A3."
    )


def test_an_unknown_item_is_refused():
    with pytest.raises(SelfTestAnswerError) as caught:
        score_selftest({**uniform(), "X9": 3})
    assert caught.value.key == "selftest.unknown_item"
    assert caught.value.item_ids == ("X9",)


# --- categories that fit --------------------------------------------------------------------

# A small hand-made table on O*NET's 1-7 scale, standing in for seed_data/category_riasec.csv.
CATEGORY_RIASEC = pd.DataFrame(
    {
        "code": ["workshop", "care_worker", "sales", "admin_clerk", "hairdresser"],
        "R": [6.0, 2.5, 1.5, 1.5, 4.0],
        "I": [3.0, 2.5, 2.0, 2.5, 2.0],
        "A": [1.5, 2.0, 2.5, 2.0, 5.5],
        "S": [2.0, 6.5, 4.5, 3.5, 4.0],
        "E": [2.5, 3.0, 6.5, 4.0, 4.0],
        "C": [4.0, 3.0, 4.0, 6.5, 2.0],
    }
)


def test_a_hands_on_person_fits_workshop_work_best():
    result = score_selftest(uniform(R=5, I=1, A=1, S=1, E=1, C=1))
    ranking = best_fitting_categories(result, CATEGORY_RIASEC)
    assert list(ranking.columns) == ["category", "fit", "riasec_code", "shared_letters"]
    # the other three categories correlate negatively with liking only R: not suggested
    assert ranking["category"].tolist() == ["workshop", "hairdresser"]
    # By hand: the person centred is (5, -1, -1, -1, -1, -1) / 6, so the dot product with a
    # centred category profile q is q_R. Workshop's mean is 19/6, q_R = 17/6 and
    # |q|^2 = 40/3; fit = q_R / (|q| * sqrt(30) / 6) = (17/6) / (20/6) = 0.85.
    assert ranking.loc[0, "fit"] == pytest.approx(0.85)
    assert ranking.loc[0, "riasec_code"] == "RCI"
    assert ranking.loc[0, "shared_letters"] == 2


def test_a_helping_person_fits_care_work_and_a_persuading_one_sales():
    helping = score_selftest(uniform(S=5, R=1, I=1, A=2, E=3, C=2))
    assert best_fitting_categories(helping, CATEGORY_RIASEC).loc[0, "category"] == "care_worker"
    persuading = score_selftest(uniform(E=5, S=4, C=3, R=1, I=1, A=2))
    assert best_fitting_categories(persuading, CATEGORY_RIASEC).loc[0, "category"] == "sales"


def test_equal_fits_go_to_more_shared_code_letters_then_to_the_category_code():
    # For a person who likes only R, fit depends on the category's R and the spread of the
    # rest, so these three fit equally; "zeta" is RIA like the person, "alpha" and "beta"
    # are RCI (two shared letters) and are then ordered by code.
    table = {
        "alpha": [7, 1, 1, 1, 1, 4],
        "zeta": [7, 4, 1, 1, 1, 1],
        "beta": [7, 1, 1, 1, 1, 4],
    }
    result = score_selftest(uniform(R=5, I=1, A=1, S=1, E=1, C=1))
    ranking = best_fitting_categories(result, table)
    assert ranking["category"].tolist() == ["zeta", "alpha", "beta"]
    assert ranking["shared_letters"].tolist() == [3, 2, 2]
    assert ranking["fit"].nunique() == 1


def test_n_and_min_fit_limit_the_list():
    result = score_selftest(uniform(S=5, E=4, R=1, I=1))
    assert len(best_fitting_categories(result, CATEGORY_RIASEC)) == 4
    assert len(best_fitting_categories(result, CATEGORY_RIASEC, n=2)) == 2
    strict = best_fitting_categories(result, CATEGORY_RIASEC, min_fit=0.5)
    assert strict["category"].tolist() == ["sales", "care_worker"]
    assert (strict["fit"] > 0.5).all()


def test_dict_and_dataframe_tables_rank_alike():
    result = score_selftest(uniform(C=5, E=4, R=2))
    as_dict = {
        row.code: [row.R, row.I, row.A, row.S, row.E, row.C]
        for row in CATEGORY_RIASEC.itertuples()
    }
    pd.testing.assert_frame_equal(
        best_fitting_categories(result, as_dict),
        best_fitting_categories(result, CATEGORY_RIASEC.set_index("code")),
    )
    assert best_fitting_categories(result, as_dict).loc[0, "category"] == "admin_clerk"


def test_answers_that_point_nowhere_suggest_no_category():
    ranking = best_fitting_categories(score_selftest(uniform()), CATEGORY_RIASEC)
    assert ranking.empty
    assert list(ranking.columns) == ["category", "fit", "riasec_code", "shared_letters"]


def test_a_table_without_the_six_columns_is_refused():
    with pytest.raises(ValueError, match="lacks columns"):
        best_fitting_categories(
            score_selftest(uniform(R=5)), CATEGORY_RIASEC.drop(columns=["E"])
        )
