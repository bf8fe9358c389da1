"""Confirmed categories (issue 15, deliverable 2): a category the title classifier is
unsure of is never applied silently; staff set it on the opening form, the import
preview or the queue; the command line leaves it to confirm unless told otherwise; staff
corrections are kept and learned by `qibu match fit-categories`."""

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from app.services.categories import suggest_category
from app.services.matching import ranked_openings_for
from matching.categorize import CONFIRM_BELOW
from models import CategoryCorrection, Opening, Role, db

# A classifier that knows little, as the one of the issue did: 美团骑手 comes out
# delivery but unsure (47%, below CONFIRM_BELOW), 普工 a poor guess (cleaning, 29%),
# 保安员 sure (89%).
UNSURE_TRAINING = [
    ("外卖骑手", "delivery"), ("快递员", "delivery"), ("送餐员", "delivery"),
    ("配送员", "delivery"), ("美发师", "hairdresser"), ("美容美发", "hairdresser"),
    ("美甲师", "hairdresser"), ("发型师", "hairdresser"), ("服务员", "waiter"),
    ("传菜员", "waiter"), ("保安", "security"), ("保安员", "security"),
    ("仓库管理员", "logistics"), ("理货员", "logistics"), ("叉车司机", "forklift"),
    ("叉车工", "forklift"), ("保洁员", "cleaning"), ("清洁工", "cleaning"),
]
EMPLOYER = "上海速达配送有限公司"


@pytest.fixture
def unsure_classifier(app, tmp_path):
    path = tmp_path / "category_training.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("text", "category"), *UNSURE_TRAINING])
    app.config["CATEGORY_TRAINING_FILE"] = str(path)
    app.config["CACHE_DIR"] = str(tmp_path / "cache")
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    rider, confidence = suggest_category("美团骑手")
    assert rider == "delivery" and confidence < CONFIRM_BELOW
    assert suggest_category("保安员")[1] >= CONFIRM_BELOW
    return path


@pytest.fixture
def clerk(client, make, auth):
    user = make.user(Role.EMPLOYMENT, username="clerk")
    db.session.commit()
    auth.login("clerk")
    return user


def corrections():
    return [(c.title, c.category_code, c.source, c.suggested)
            for c in db.session.scalars(sa.select(CategoryCorrection)
                                        .order_by(CategoryCorrection.id))]


def opening_form(**values):
    data = {"title": "", "category_code": "", "district": "310115", "shift": "day",
            "education_min": "0", "experience_min": "0", "headcount": "3"}
    data.update(values)
    return data


# --------------------------------------------------------------------------- the form


def test_the_form_never_fills_in_an_unsure_category_and_refuses_a_save_without_one(
        client, clerk, make, unsure_classifier):
    employer = make.employer(name=EMPLOYER)
    db.session.commit()
    new = f"/employment/employers/{employer.id}/openings/new"

    page = client.get(new + "?title=美团骑手").get_data(as_text=True)
    assert "职位名称可能属于“快递外卖配送员”（把握 47%）：不够确定，未自动填入。" in page
    assert 'selected value="delivery"' not in page
    sure = client.get(new + "?title=保安员").get_data(as_text=True)
    assert 'selected value="security"' in sure  # a sure suggestion is filled in

    refused = client.post(new, data=opening_form(title="美团骑手"))
    assert refused.status_code == 200
    assert ("请选择岗位类别。按职位名称推测是“快递外卖配送员”，但把握只有 47%，不够确定，"
            "必须由人来选择。") in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Opening.id))) == 0

    saved = client.post(new, data=opening_form(title="美团骑手", category_code="delivery"))
    assert saved.status_code == 302
    opening = db.session.scalar(sa.select(Opening))
    assert (opening.category_code, opening.category_confirmed) == ("delivery", True)
    # confirming an unsure suggestion is kept as training data; a sure one is not
    client.post(new, data=opening_form(title="保安员", category_code="security"))
    assert corrections() == [("美团骑手", "delivery", "form", "delivery")]


def test_editing_an_opening_to_confirm_starts_with_an_empty_category(
        client, clerk, make, unsure_classifier):
    opening = make.opening(title="美团骑手", category_code="delivery",
                           category_confirmed=False)
    db.session.commit()
    page = client.get(f"/employment/openings/{opening.id}/edit").get_data(as_text=True)
    assert "类别待确认：类别是按职位名称推测的，并不确定。" in page
    assert 'selected value="delivery"' not in page
    detail = client.get(f"/employment/openings/{opening.id}").get_data(as_text=True)
    assert "类别待确认" in detail and "设定类别" in detail


# --------------------------------------------------------------------------- command line


def posting_csv(*titles) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["职位名称", "单位名称", "工作地点", "薪资", "招聘人数"])
    for n, title in enumerate(titles):
        writer.writerow([title, EMPLOYER, ["上海-浦东新区", "上海-闵行区", "上海-宝山区"][n % 3],
                         "6-8千/月", "3"])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def rider_seeker(make):
    """A consenting seeker who wants delivery work, and a verified employer."""
    make.employer(name=EMPLOYER)
    seeker = make.seeker(consent_share=True)
    make.survey(seeker, categories=["delivery"], salary_min=5000)
    db.session.commit()
    return seeker


def recommended_titles(seeker) -> list[str]:
    return [row["opening"].title for row in ranked_openings_for(seeker, k=10)]


def test_command_line_leaves_an_unsure_category_to_confirm_unless_told(
        runner, tmp_path, unsure_classifier, rider_seeker):
    path = tmp_path / "postings.csv"
    path.write_bytes(posting_csv("美团骑手", "保安员"))

    result = runner.invoke(args=["import-openings", str(path)])
    assert result.exit_code == 0, result.output
    assert ("1 openings have their category to confirm: the title classifier is unsure, "
            "so they are shown to no job seeker") in result.output
    assert "Row 2 “美团骑手”: suggested Courier and delivery rider, 47% sure." in result.output
    rider = db.session.scalar(sa.select(Opening).where(Opening.title == "美团骑手"))
    guard = db.session.scalar(sa.select(Opening).where(Opening.title == "保安员"))
    assert (rider.category_code, rider.category_confirmed) == ("delivery", False)
    assert (guard.category_code, guard.category_confirmed) == ("security", True)
    assert not rider.visible_to_seekers
    assert "美团骑手" not in recommended_titles(rider_seeker)
    assert corrections() == []  # nobody chose anything

    again = runner.invoke(args=["import-openings", str(path), "--accept-suggestions",
                                "--json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.output)
    assert (report["updated"], report["unchanged"], report["to_confirm"]) == (1, 1, [])
    db.session.expire_all()
    rider = db.session.get(Opening, rider.id)
    assert (rider.category_code, rider.category_confirmed) == ("delivery", True)
    assert recommended_titles(rider_seeker)[0] == "美团骑手"


def test_command_line_accepts_suggestions_when_told_and_reports_them_in_json(
        runner, tmp_path, unsure_classifier):
    path = tmp_path / "postings.csv"
    path.write_bytes(posting_csv("美团骑手"))
    dry = json.loads(runner.invoke(args=["import-openings", str(path), "--json",
                                         "--dry-run"]).output)
    assert dry["to_confirm"] == [{"row": 2, "title": "美团骑手", "suggested": "delivery",
                                  "suggested_name": "Courier and delivery rider",
                                  "confidence": 0.472}]
    result = runner.invoke(args=["import-openings", str(path), "--accept-suggestions"])
    assert result.exit_code == 0 and "category to confirm" not in result.output
    opening = db.session.scalar(sa.select(Opening))
    assert (opening.category_code, opening.category_confirmed) == ("delivery", True)


# --------------------------------------------------------------------------- preview


def test_preview_marks_unsure_rows_and_saves_the_categories_staff_set(
        client, clerk, unsure_classifier):
    data = posting_csv("美团骑手", "普工", "美团骑手", "保安员", "美团骑手")
    upload = client.post("/employment/import/", data={"file": (io.BytesIO(data), "p.csv")},
                         content_type="multipart/form-data")
    preview = upload.headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    assert "有 4 行的类别是按职位名称推测的，把握不足（下表标为“类别待确认”）。" in page
    assert page.count('<span class="badge">类别待确认</span>') == 4

    # row 3 (普工) alone; then row 4 (美团骑手) and every row with its title
    one = client.post(preview + "/choices", data={"row": "3", "category": "workshop"})
    assert one.status_code == 302
    assert "已为 1 行设定类别。" in client.get(preview).get_data(as_text=True)
    client.post(preview + "/choices", data={"row": "4", "category": "delivery",
                                            "same_title": "1"})
    page = client.get(preview).get_data(as_text=True)
    assert "已为 3 行设定类别。" in page
    assert "类别待确认" not in page.split("<h2>")[0]  # no notice left
    assert page.count("由您设定") == 4
    refused = client.post(preview + "/choices", data={"row": "2", "category": "nonsense"})
    assert refused.status_code == 302
    assert "请为这一行选择类别，再按“设定”。" in client.get(preview).get_data(as_text=True)

    # checking the file again with its columns keeps the choices
    mapping = {f"col-{c}": key for c, key in enumerate(
        ["title", "employer", "place", "salary", "headcount"])}
    client.post(preview + "/mapping", data=mapping)
    assert client.get(preview).get_data(as_text=True).count("由您设定") == 4

    assert client.post(preview + "/confirm").status_code == 302
    saved = db.session.execute(sa.select(Opening.title, Opening.category_code,
                                         Opening.category_confirmed).order_by(Opening.id))
    assert sorted(tuple(row) for row in saved) == [
        ("保安员", "security", True), ("普工", "workshop", True),
        ("美团骑手", "delivery", True), ("美团骑手", "delivery", True),
        ("美团骑手", "delivery", True)]
    # once per title: 普工 was guessed wrong, 美团骑手 unsure
    assert sorted(corrections()) == [("普工", "workshop", "import", "cleaning"),
                                     ("美团骑手", "delivery", "import", "delivery")]
    assert {c.user_id for c in db.session.scalars(sa.select(CategoryCorrection))} == {
        clerk.id}


def test_rows_left_unset_are_saved_to_confirm(client, clerk, unsure_classifier):
    data = posting_csv("美团骑手", "保安员")
    upload = client.post("/employment/import/", data={"file": (io.BytesIO(data), "p.csv")},
                         content_type="multipart/form-data")
    client.post(upload.headers["Location"] + "/confirm")
    rider = db.session.scalar(sa.select(Opening).where(Opening.title == "美团骑手"))
    assert rider.category_confirmed is False


# --------------------------------------------------------------------------- the queue


def test_queue_lists_openings_to_confirm_and_sets_one_or_all_with_the_title(
        client, clerk, make, unsure_classifier):
    riders = [make.opening(title="美团骑手", category_code="hairdresser",
                           category_confirmed=False) for _ in range(2)]
    hotel = make.opening(title="酒店PA", category_code="waiter", category_confirmed=False)
    make.opening(title="保安员", category_code="security")
    db.session.commit()

    home = client.get("/employment").get_data(as_text=True)
    assert re.search(r"<strong>3</strong> 个类别待确认", home)
    queue = client.get("/employment/categories-to-confirm").get_data(as_text=True)
    assert queue.count(">美团骑手</a>") == 2 and ">酒店PA</a>" in queue
    assert ">保安员</a>" not in queue

    done = client.post(f"/employment/openings/{riders[0].id}/category",
                       data={"category": "delivery", "same_title": "1"})
    assert done.status_code == 302
    page = client.get("/employment/categories-to-confirm").get_data(as_text=True)
    assert "已为 2 个职位名称为“美团骑手”的岗位设定类别：快递外卖配送员。" in page
    db.session.expire_all()
    assert [(o.category_code, o.category_confirmed) for o in
            (db.session.get(Opening, riders[0].id), db.session.get(Opening, riders[1].id),
             db.session.get(Opening, hotel.id))] == [
        ("delivery", True), ("delivery", True), ("waiter", False)]
    assert corrections() == [("美团骑手", "delivery", "queue", "delivery")]


# --------------------------------------------------------------------------- learning


def test_fit_categories_learns_the_corrections_staff_made(
        client, clerk, make, runner, unsure_classifier):
    employer = make.employer(name=EMPLOYER)
    db.session.commit()
    assert suggest_category("普工")[0] == "cleaning"
    client.post(f"/employment/employers/{employer.id}/openings/new",
                data=opening_form(title="普工", category_code="workshop"))
    assert corrections() == [("普工", "workshop", "form", "cleaning")]
    assert suggest_category("普工")[0] == "cleaning"  # not learned until fitted

    result = runner.invoke(args=["match", "fit-categories"])
    assert result.exit_code == 0, result.output
    assert "learned from 1 titles staff corrected (1 new)" in result.output
    category, confidence = suggest_category("普工")
    assert category == "workshop" and confidence >= CONFIRM_BELOW
    assert db.session.scalar(sa.select(CategoryCorrection.learned_at)) is not None
