"""Read one row of a job-intention survey spreadsheet into a seeker's canonical answers.

`SURVEY_COLUMNS` names the template's columns (Chinese and English headers plus the other
headers people write); `SurveyRowParser.parse_row` turns one row's cells into the record
the import stores: the facility's reference number for the person (or the Qibu code of a
person already registered), personal facts, the survey date and the answers dict keyed by
the questionnaire's question ids (the same dict the survey form produces). A new person's
pseudonymous code is made by Qibu, at random; the file's number is kept as the person's
`facility_ref`, seen only by that facility's staff.
Messy values are read by `surveys.values`; every problem comes back as a
`ValueParseError` whose ``message_key`` the app translates (the keys of this module are in
`SURVEY_MESSAGES`).

`plan_survey_import` decides what each row does against the database and
`import_surveys` writes the rows, storing them as the survey form stores its answers;
`SURVEY_IMPORT` is the kind the import flow (`app.imports.engine`) runs.
"""

import copy
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.bureau.operations import QIBU_CODE, apply_seeker_facts, new_seeker_codes, survey_values
from app.clock import local_today
from app.imports.engine import (
    CHUNK_ROWS,
    ImportResult,
    ImportScope,
    ParsedRow,
    PlannedRow,
    Problem,
    in_chunks,
)
from app.imports.rows import (
    ITEM_SEPARATORS,
    ROW_MESSAGES,
    ImportColumn,
    Option,
    OptionList,
    Reference,
    RowError,
    RowReader,
    import_column,
    shown_value,
    split_list,
    text_key,
)
from models import Facility, Seeker, SeekerStatus, Survey, SurveyIntention, db, utcnow
from models.seekers import FACILITY_REF_MAX
from surveys.questionnaire import Questionnaire, answers_for_version, load_questionnaire
from surveys.values import (
    SHANGHAI_DISTRICTS,
    Pay,
    ValueParseError,
    normalize_text,
    parse_bool,
    parse_date,
    parse_district,
    parse_education_level,
    parse_experience_years,
    parse_monthly_pay,
)

REF_PATTERN = re.compile(rf"^[A-Z0-9][A-Z0-9-]{{0,{FACILITY_REF_MAX - 1}}}$")
NAME_MAX_LENGTH = 60
BIRTH_YEARS = (1940, 2010)  # as the seeker form accepts
TEXT_MAX_LENGTH = 500
_EVERYTHING_WORDS = {"不限", "都可以", "均可", "都行", "全部", "any", "all"}


# --------------------------------------------------------------------------- columns


SURVEY_COLUMNS: tuple[ImportColumn, ...] = (
    import_column("facility_ref", "所内编号", "Facility reference",
            "必填。本所给这个人的编号（最多32位字母、数字或-），只有本所工作人员看得到；"
            "新的人导入时登记，起步另给一个随机的求职者编号。已登记的人也可以写起步的求职者编号。",
            "Required. Your facility's own number for the person (up to 32 letters, digits "
            "or -), seen only by your facility's staff; a new person is registered and Qibu "
            "gives them a random seeker code. For a registered person Qibu's seeker code "
            "works too.",
            "本所编号", "所内号", "求职者编号", "编号", "人员编号", "求职者代码", "代码", "code",
            "seeker code", "seeker id", "学员编号", "戒毒人员编号", "人员代码", "reference",
            "facility ref", "reference number",
            required=True, example="2026-0001"),
    import_column("name", "姓名", "Name",
            "新的人必填；已登记的人可不填，填了则须与登记的姓名一致。",
            "Required for a new person; for a registered person it may be left empty, and "
            "if given it must match the registered name.",
            "名字", "求职者姓名", "full name", example="张三"),
    import_column("gender", "性别", "Gender", "男 或 女。只在登记新的人时使用。",
            "男/M or 女/F. Used only when registering a new person.", "sex", example="男"),
    import_column("birth_year", "出生年份", "Year of birth",
            "如 1985。只在登记新的人时使用。", "E.g. 1985. Used only when registering a new "
            "person.", "出生年", "出生年月", "出生日期", "birth year", example="1985"),
    import_column("hukou_shanghai", "上海户籍", "Shanghai hukou",
            "是 或 否。只在登记新的人时使用。", "是/yes or 否/no. Used only when registering "
            "a new person.", "本市户籍", "是否上海户籍", "hukou", example="否"),
    import_column("surveyed_on", "调查日期", "Survey date",
            "必填。如 2026-05-20、2026/5/20 或 2026年5月20日。同一编号同一日期的调查会被更新。",
            "Required. E.g. 2026-05-20, 2026/5/20 or 2026年5月20日. A survey with the same "
            "code and date is updated.",
            "填表日期", "调查时间", "日期", "date", "surveyed on", "填写日期", "调查日",
            required=True, example="2026-05-20", is_date=True),
    import_column("categories_1", "第一志愿", "First choice",
            "必填。最想做的工作类别，写说明页列出的类别名称，如 物流仓储操作员。",
            "Required. The most wanted kind of work: a category name from the list below, "
            "e.g. 物流仓储操作员.",
            "岗位意向1", "意向岗位1", "求职意向1", "第一意向", "意向岗位第一", "岗位意向第一",
            "求职意向第一", "第一意向岗位", "意向岗位一", "意向职位1", "意向工种1", "意向1",
            "首选岗位", "岗位意向第一志愿",
            "想做的工作第一志愿", "first choice job", "category 1", required=True,
            example="物流仓储操作员"),
    import_column("categories_2", "第二志愿", "Second choice", "可不填。", "Optional.",
            "岗位意向2", "意向岗位2", "求职意向2", "第二意向", "意向岗位第二", "岗位意向第二",
            "求职意向第二", "第二意向岗位", "意向岗位二", "意向职位2", "意向工种2", "意向2",
            "岗位意向第二志愿",
            "想做的工作第二志愿", "second choice job", "category 2", example="车间工人/普工"),
    import_column("categories_3", "第三志愿", "Third choice", "可不填。", "Optional.",
            "岗位意向3", "意向岗位3", "求职意向3", "第三意向", "意向岗位第三", "岗位意向第三",
            "求职意向第三", "第三意向岗位", "意向岗位三", "意向职位3", "意向工种3", "意向3",
            "岗位意向第三志愿",
            "想做的工作第三志愿", "third choice job", "category 3", example=""),
    import_column("salary_min", "最低月工资", "Lowest acceptable pay",
            "每月元数，如 5000、5千、5k、5000元。写成范围（如 5000-7000）时，下限为最低月工资，"
            "上限在希望月工资为空时作为希望月工资。",
            "Yuan a month, e.g. 5000, 5千, 5k or 5000元. A range such as 5000-7000 gives the "
            "lowest acceptable pay its lower end, and the hoped-for pay its upper end when "
            "that column is empty.",
            "最低工资", "最低薪资", "最低能接受的月工资", "最低期望月薪", "最低期望工资",
            "月工资最低", "工资最低", "薪酬预期最低", "最低工资要求", "最低薪资要求",
            "最低月薪要求", "最低收入要求", "工资最低要求", "lowest pay", "minimum pay",
            "lowest acceptable monthly pay", example="5000", important=True),
    import_column("salary_hoped", "希望月工资", "Hoped-for pay",
            "每月元数，写法同上；不能低于最低月工资。",
            "Yuan a month, written as above; not lower than the lowest acceptable pay.",
            "期望月工资", "期望薪资", "期望工资", "期望月薪", "希望工资", "薪资要求",
            "薪酬预期", "希望的月工资", "月工资希望", "月工资期望", "工资希望", "工资期望",
            "期望收入", "期望月收入", "期望薪酬", "理想工资", "薪资期望",
            "薪酬预期希望", "expected pay", "hoped pay", "hoped-for monthly pay",
            example="6500"),
    import_column("work_pattern", "工作形式", "Working pattern",
            "全职、兼职 或 灵活就业；不填为全职。",
            "全职 full-time, 兼职 part-time or 灵活就业 flexible; empty means full-time.",
            "用工形式", "就业形式", "pattern", example="全职"),
    import_column("shifts", "可接受班次", "Shifts accepted",
            "白班、夜班、倒班，可写多个，用顿号隔开；写“不限”为全部；不填为白班。",
            "白班 day, 夜班 night, 倒班 rotating; several separated by 、 or commas; 不限 "
            "means all; empty means day shift.",
            "班次", "能接受的班次", "shifts", example="白班、倒班"),
    import_column("home_district", "居住区", "Home district",
            "出所后住在上海哪个区，如 浦东新区（简写 浦东 也可以）。",
            "The Shanghai district of residence after release, e.g. 浦东新区 (浦东 works "
            "too).",
            "出所后居住区", "出所后住在哪个区", "居住地", "住址区", "居住区县", "户籍所在区",
            "户籍区", "现居住区", "居住所在区", "家庭住址所在区",
            "district of residence", example="浦东", important=True),
    import_column("districts", "希望工作区域", "Preferred districts",
            "希望在哪些区工作，可写多个，用顿号隔开。",
            "Districts preferred for work; several separated by 、 or commas.",
            "希望工作的区", "意向工作区域", "期望工作地点", "工作地点", "工作区域",
            "preferred districts", example="浦东、闵行"),
    import_column("needs_accommodation", "需要住宿", "Needs housing",
            "是 或 否；不填为否。", "是/yes or 否/no; empty means no.",
            "是否需要住宿", "住宿", "需要单位提供住宿", "housing", "accommodation",
            "needs accommodation", example="是"),
    import_column("education", "文化程度", "Education",
            "没上过学、小学、初中、高中、中专、技校、大专、本科 或 研究生。",
            "没上过学, 小学, 初中, 高中/中专/技校, 大专, 本科 or 研究生 (or the level 0-6).",
            "学历", "受教育程度", example="初中"),
    import_column("work_history", "工作经历", "Work history",
            "以前做过的工作和年数，最多三项，如“物流仓储操作员 3年；保安员 1年”。",
            "Past work with years, up to three, e.g. “物流仓储操作员 3年；保安员 1年”.",
            "以前做过的工作", "工作经验", "过往工作", "past work", example="物流仓储操作员 3年"),
    import_column("certificates", "持有证书", "Certificates",
            "说明页列出的证书，可写多个，如 叉车司机证(N1)、健康证。",
            "Certificates from the list below; several separated by 、, e.g. "
            "叉车司机证(N1)、健康证.",
            "证书", "资格证书", "持有的证书", "certificates held", example="叉车、健康证"),
    import_column("skills_text", "其他技能", "Other skills", "自由填写，最多500字。",
            "Free text, at most 500 characters.", "技能", "技能特长", "特长", "其他技能和特长",
            "skills", example="会开叉车"),
    import_column("health_limits", "身体情况", "Health limits",
            "身体情况或不能做的工作，只给戒毒所工作人员看，最多500字。",
            "Health or physical limits, seen by bureau staff only; at most 500 characters.",
            "健康状况", "身体状况", "身体情况或不能做的工作", "health", example=""),
    import_column("avoid", "不去的场所", "Workplaces to avoid",
            "说明页列出的场所，可写多个；匹配时一定排除，用人单位看不到。",
            "Places from the list below, several allowed; the matcher always excludes them "
            "and employers never see them.",
            "不去的工作场所", "回避场所", "回避的工作场所", "avoid",
            example="夜场及娱乐场所、酒吧"),
    import_column("training_interests", "培训意向", "Training wanted",
            "想参加哪些技能培训，写类别名称，可写多个。",
            "Kinds of skills training wanted: category names, several allowed.",
            "想参加的培训", "培训需求", "想参加哪些技能培训", "培训", "training",
            example="电工"),
    import_column("expected_release_date", "预计出所日期", "Expected release date",
            "必填。如 2026-07-15；只知道月份时写 2026.7 或 2026年7月（记为当月1日）。",
            "Required. E.g. 2026-07-15; when only the month is known 2026.7 or 2026年7月 "
            "(read as the 1st).",
            "出所日期", "预计出所时间", "出所时间", "解除日期", "release date", "预计出所",
            "解戒日期", "解除戒毒日期", "期满日期",
            "expected release", required=True, example="2026-07-15", is_date=True),
    import_column("consent_share", "同意向用人单位展示", "Consent to share",
            "本人是否同意把求职信息（不含姓名）给用人单位看：是 或 否；不填为否。",
            "Whether the person agrees to show the job profile (without name) to employers: "
            "是/yes or 否/no; empty means no.",
            "同意共享", "同意把求职信息给用人单位看", "同意展示", "consent share",
            example="是"),
    import_column("consent_contact", "同意回访", "Consent to follow-up",
            "本人是否同意出所后接受就业回访：是 或 否；不填为否。",
            "Whether the person agrees to be contacted about work after release: 是/yes or "
            "否/no; empty means no.",
            "同意接受回访", "同意出所后接受就业回访", "consent contact", "consent to contact",
            example="是"),
)


# The template's sheet names and notes, in both languages at once (the file is shared).
TEMPLATE_NOTES = {
    "data_title": "就业意向调查",
    "notes_title": "说明 Notes",
    "intro": (
        "起步 · 就业意向调查导入模板 / Qibu job-intention survey import template",
        "在第一张表每行填一份调查；第一行是表头，请不要改动。"
        " / Fill in one survey per row on the first sheet; keep its header row as it is.",
        "同一所内编号和调查日期再次导入会更新那份调查，不会重复登记；导入前会先预览，确认后才保存。"
        " / Importing the same facility reference and survey date again updates that "
        "survey instead of adding another; every import is previewed and saved only when "
        "confirmed.",
        "用人单位只看到起步给的随机求职者编号，看不到所内编号。"
        " / Employers see only the random seeker code Qibu gives; never the facility "
        "reference.",
        "也可以用英文表头；表头上方的标题行、合并的表头单元格和多余的列都没有关系。"
        " / English headers work too; a title row, merged header cells and extra columns "
        "are fine.",
    ),
}


# --------------------------------------------------------------------------- messages

SURVEY_MESSAGES = {
    "survey.ref_blank": _l(
        "Write your facility's reference number for the person (or, for a registered "
        "person, their Qibu seeker code)."
    ),
    "survey.ref_invalid": _l(
        "The reference “%(text)s” cannot be read: use up to 32 letters, digits or “-”."
    ),
    "survey.code_elsewhere": _l(
        "“%(text)s” is a Qibu seeker code that cannot be used for your facility. Write your "
        "facility's own reference number for the person instead."
    ),
    "survey.name_required": _l(
        "The reference “%(text)s” is new, so this row registers a new job seeker and needs "
        "their name. Write the name, or correct the reference if the person is already "
        "registered."
    ),
    "survey.name_mismatch": _l(
        "The name “%(text)s” differs from the name registered under this reference. Check "
        "the reference; to correct the name, edit it on the job seeker's page."
    ),
    "survey.name_conflict": _l(
        "The name “%(text)s” differs from the name given for the same reference in row "
        "%(row)s. Use the same name in both rows."
    ),
    "survey.too_long": _l("Shorten this to %(max)s characters or fewer."),
    "survey.required": _l("This column needs a value in every row."),
    "survey.future_survey_date": _l(
        "The survey date %(text)s is in the future. Write the day the questionnaire was "
        "filled in."
    ),
    "survey.gender_unknown": _l("Write the gender as 男 or 女 (M or F), or leave it empty."),
    "survey.birth_year": _l(
        "Write the year of birth as a year from %(low)s to %(high)s, e.g. 1985."
    ),
    "survey.repeated_choice": _l(
        "“%(text)s” is already an earlier choice. Choose a different category for each "
        "choice."
    ),
    "survey.choice_gap": _l(
        "Fill in the earlier choice first, or move this choice up."
    ),
    "survey.pay_range": _l(
        "The pay “%(text)s” comes to %(monthly)s yuan a month. Write a monthly pay between "
        "%(low)s and %(high)s yuan."
    ),
    "survey.pay_order": _l(
        "The hoped-for pay (%(hoped)s) is lower than the lowest acceptable pay (%(lowest)s). "
        "Raise it, or lower the lowest acceptable pay."
    ),
    "survey.work_history_item": _l(
        "Could not read the work history item “%(text)s”. Write the kind of work and the "
        "years, e.g. 物流仓储操作员 3年; separate items with ；."
    ),
    "survey.work_history_years": _l(
        "In “%(text)s” write the years as a whole number from 0 to 50, e.g. 1年; for less "
        "than a year write 0年."
    ),
    "survey.too_many": _l("List at most %(max)s items here; this cell has %(count)s."),
}


class SurveyRowError(RowError):
    """A survey-specific problem; its message is in `SURVEY_MESSAGES`."""

    catalog = SURVEY_MESSAGES


# --------------------------------------------------------------------------- reference
















# --------------------------------------------------------------------------- the parser








class SurveyRowParser:
    """Turn the cells of one survey row into a record, or the problems that stop it.

    Parameters
    ----------
    reference
        The category, certificate and environment lists.
    questionnaire
        The questionnaire version the answers are for (the latest by default).
    today
        The date a survey date may not be after (today by default).
    """

    kind = "surveys"
    columns = SURVEY_COLUMNS
    messages = {**ROW_MESSAGES, **SURVEY_MESSAGES}
    identity_columns = ("facility_ref", "surveyed_on")

    def __init__(self, reference: Reference, questionnaire: Questionnaire | None = None,
                 today: date | None = None):
        self.reference = reference
        self.questionnaire = questionnaire or load_questionnaire()
        self.today = today or local_today()
        self.categories = OptionList(reference.categories)
        self.certificates = OptionList(reference.certificates)
        self.environments = OptionList(reference.environments)
        self.work_patterns = self._inline_options(
            "work_pattern", {"flexible": ("灵活", "零工", "灵活用工")})
        self.shifts = self._inline_options(
            "shifts", {"day": ("白天", "日班", "长白班"), "night": ("晚班", "夜间"),
                       "rotating": ("三班倒", "两班倒", "轮班", "倒班制", "shift work")})
        self.educations = {
            text_key(c.label.get(lang, "")): int(c.value)
            for c in self.questionnaire.question("education").choices
            for lang in ("zh", "en")
        }
        salary = self.questionnaire.question("salary_min")
        self.pay_bounds = (salary.min, salary.max)
        self._question_ids = tuple(q.id for q in self.questionnaire.questions)
        # what a question this importer has no column for gets (a later version's)
        self._unasked = answers_for_version({}, self.questionnaire)
        self._defaults = {q.id: q.default for q in self.questionnaire.questions}
        self._work_history_max = self.questionnaire.question("work_history").max
        self._memo: dict = {}

    def _inline_options(self, question_id: str, aliases: Mapping[str, tuple[str, ...]]):
        question = self.questionnaire.question(question_id)
        return OptionList(
            Option(str(c.value), c.label.get("zh", ""), c.label.get("en", ""),
                   aliases=aliases.get(str(c.value), ()))
            for c in question.choices
        )

    def identity(self, record: Mapping[str, Any]) -> tuple[str, str]:
        """What makes two rows the same survey: the person's reference and the survey date."""
        return record["ref"], record["surveyed_on"]

    def parse_row(self, cells: Mapping[str, Any]):
        """Read one row; return ``(record, [])`` or ``(None, [(column key, error), …])``.

        ``cells`` maps column keys (see `SURVEY_COLUMNS`) to raw cell values; a missing
        key is an empty cell. The record is plain JSON: ``ref`` (the file's number for the
        person: the facility's reference, or a registered person's code), ``personal`` (name,
        gender, birth_year, hukou_shanghai), ``surveyed_on`` (ISO date) and ``answers``
        (question id -> canonical answer, as `surveys.questionnaire.form_to_answers`).
        """
        row = RowReader(cells, self._memo, error_type=SurveyRowError)
        ref = self._ref(row)
        personal = {
            "name": self._text(row, "name", NAME_MAX_LENGTH),
            "gender": row.read("gender", _gender),
            "birth_year": row.read("birth_year", _birth_year),
            "hukou_shanghai": row.read("hukou_shanghai", parse_bool, False),
        }
        surveyed_on = self._survey_date(row)
        answers = {
            "categories": self._categories(row),
            **self._pay(row),
            "work_pattern": row.read("work_pattern", self.work_patterns.code_for,
                                     self._default("work_pattern")),
            "shifts": row.read("shifts", self._shift_codes, self._default("shifts")),
            "home_district": row.read("home_district", parse_district),
            "districts": row.read("districts", _district_codes, []),
            "needs_accommodation": row.read("needs_accommodation", parse_bool, False),
            "education": row.read("education", self._education),
            "work_history": row.read("work_history", self._work_history, []),
            "certificates": row.read("certificates", self.certificates.codes_for, []),
            "skills_text": self._text(row, "skills_text", TEXT_MAX_LENGTH),
            "training_interests": row.read("training_interests",
                                           self.categories.codes_for, []),
            "health_limits": self._text(row, "health_limits", TEXT_MAX_LENGTH),
            "avoid": row.read("avoid", self.environments.codes_for, []),
            "expected_release_date": self._release_date(row),
            "consent_share": row.read("consent_share", parse_bool, False),
            "consent_contact": row.read("consent_contact", parse_bool, False),
        }
        if row.problems:
            return None, row.problems
        record = {
            "ref": ref,
            "personal": personal,
            "surveyed_on": surveyed_on.isoformat(),
            "answers": {qid: answers[qid] if qid in answers else copy.deepcopy(self._unasked[qid])
                        for qid in self._question_ids},
        }
        return record, []

    # -- cells ---------------------------------------------------------------------

    def _default(self, question_id: str):
        default = self._defaults[question_id]
        return list(default) if isinstance(default, list) else default

    def _ref(self, row: RowReader) -> str | None:
        value = row.value("facility_ref")
        if value is None:
            row.problem("facility_ref", "survey.ref_blank")
            return None
        ref = re.sub(r"\s+", "", normalize_text(shown_value(value))).upper()
        if not REF_PATTERN.match(ref):
            row.problem("facility_ref", "survey.ref_invalid", text=shown_value(value))
            return None
        return ref

    def _text(self, row: RowReader, key: str, max_length: int) -> str:
        value = row.value(key)
        if value is None:
            return ""
        text = re.sub(r"[ \t\u3000]+", " ", shown_value(value)).strip()
        if key == "name":  # '张 三' is 张三: a space between Chinese characters is stray
            text = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)
        if len(text) > max_length:
            row.problem(key, "survey.too_long", max=max_length)
        return text

    def _survey_date(self, row: RowReader) -> date | None:
        if row.value("surveyed_on") is None:
            row.problem("surveyed_on", "survey.required")
            return None
        surveyed_on = row.read("surveyed_on", parse_date)
        if surveyed_on is not None and surveyed_on > self.today:
            row.problem("surveyed_on", "survey.future_survey_date",
                        text=surveyed_on.isoformat())
        return surveyed_on

    def _release_date(self, row: RowReader) -> str | None:
        if row.value("expected_release_date") is None:
            row.problem("expected_release_date", "survey.required")
            return None
        released = row.read("expected_release_date", parse_date)
        return released.isoformat() if released else None

    def _categories(self, row: RowReader) -> list[str]:
        chosen: list[str] = []
        gap = False
        for rank in (1, 2, 3):
            key = f"categories_{rank}"
            value = row.value(key)
            if value is None:
                if rank == 1:
                    row.problem(key, "survey.required")
                else:
                    gap = True
                continue
            code = row.read(key, self.categories.code_for)
            if code is None:
                continue
            if gap:
                row.problem(key, "survey.choice_gap")
            elif code in chosen:
                row.problem(key, "survey.repeated_choice", text=shown_value(value))
            else:
                chosen.append(code)
        return chosen

    def _pay(self, row: RowReader) -> dict:
        """Lowest acceptable and hoped-for pay; a range fills the other column if empty."""
        lowest_pay = row.read("salary_min", parse_monthly_pay) or Pay.not_given()
        hoped_pay = row.read("salary_hoped", parse_monthly_pay) or Pay.not_given()
        lowest = _first(lowest_pay.min, lowest_pay.max)
        hoped = _first(hoped_pay.max, hoped_pay.min)
        if row.value("salary_hoped") is None and _is_range(lowest_pay):
            hoped = lowest_pay.max
        if row.value("salary_min") is None and _is_range(hoped_pay):
            lowest = hoped_pay.min
        result = {}
        for key, amount in (("salary_min", lowest), ("salary_hoped", hoped)):
            result[key] = None if amount is None else int(round(amount))
            low, high = self.pay_bounds
            if result[key] is not None and not low <= result[key] <= high:
                source = key if row.value(key) is not None else (
                    "salary_hoped" if key == "salary_min" else "salary_min")
                row.problem(source, "survey.pay_range", text=shown_value(row.value(source)),
                            monthly=f"{result[key]:,}", low=f"{low:,}", high=f"{high:,}")
        if (result["salary_min"] is not None and result["salary_hoped"] is not None
                and result["salary_hoped"] < result["salary_min"]):
            column = "salary_hoped" if row.value("salary_hoped") is not None else "salary_min"
            row.problem(column, "survey.pay_order", hoped=f"{result['salary_hoped']:,}",
                        lowest=f"{result['salary_min']:,}")
        return result

    def _shift_codes(self, value: Any) -> list[str]:
        if text_key(value) in _EVERYTHING_WORDS:
            return [o.code for o in self.shifts.options]
        return self.shifts.codes_for(value)

    def _education(self, value: Any) -> int:
        level = self.educations.get(text_key(value))
        if level is not None:
            return level
        return parse_education_level(value)

    def _work_history(self, value: Any) -> list[dict]:
        rows = []
        items = [part for part in re.split(r"[;\n、|]+", normalize_text(value)) if part.strip()]
        for item in items:
            match = _WORK_ITEM.match(item.strip())
            if match is None or not match["what"].strip(" :,"):
                raise SurveyRowError("survey.work_history_item", text=item.strip())
            category = self.categories.code_for(match["what"].strip(" :,"))
            try:
                years = parse_experience_years(match["years"] + (match["unit"] or "年"))
            except ValueParseError as error:
                raise SurveyRowError("survey.work_history_item", text=item.strip()) from error
            if years is None or not float(years).is_integer() or not 0 <= years <= 50:
                raise SurveyRowError("survey.work_history_years", text=item.strip())
            rows.append({"category": category, "years": int(years)})
        limit = self._work_history_max
        if len(rows) > limit:
            raise SurveyRowError("survey.too_many", max=limit, count=len(rows))
        return rows

    def code_lists(self) -> list[tuple[Mapping[str, str], Sequence[Option], tuple[str, ...]]]:
        """The lists a template's notes sheet shows: title, options, and the columns
        that offer the list as a drop-down."""
        districts = [
            Option(d.adcode, d.name, d.english_name, (d.short_name,))
            for d in SHANGHAI_DISTRICTS
        ]
        return [
            ({"zh": "岗位类别（第一至第三志愿、工作经历、培训意向）",
              "en": "Job categories (choices, work history, training wanted)"},
             self.categories.options, ("categories_1", "categories_2", "categories_3")),
            ({"zh": "上海各区（居住区、希望工作区域）",
              "en": "Shanghai districts (home district, preferred districts)"},
             districts, ("home_district",)),
            ({"zh": "证书", "en": "Certificates"}, self.certificates.options, ()),
            ({"zh": "不去的场所", "en": "Workplaces to avoid"}, self.environments.options, ()),
            ({"zh": "工作形式", "en": "Working pattern"}, self.work_patterns.options,
             ("work_pattern",)),
            ({"zh": "班次", "en": "Shifts"}, self.shifts.options, ()),
        ]


_WORK_ITEM = re.compile(
    r"^(?P<what>.+?)[\s:,(]*(?P<years>\d+(?:\.\d+)?|[一二两三四五六七八九十半]+)\s*"
    r"(?P<unit>个月|年|years?|yrs?|y)?\)?$"
)


def _is_range(pay: Pay) -> bool:
    return pay.min is not None and pay.max is not None and pay.min != pay.max


def _first(*values):
    return next((v for v in values if v is not None), None)


def _district_codes(value: Any) -> list[str]:
    codes = set()
    for item in split_list(value):
        # Chinese district names hold no spaces: '闵行 徐汇' is two districts, while
        # 'Pudong New Area' is one.
        pieces = (ITEM_SEPARATORS.split(item) if re.search(r"[\u4e00-\u9fff]", item)
                  else [item])
        for piece in pieces:
            try:
                codes.add(parse_district(piece))
            except ValueParseError:
                parts = [p for p in ITEM_SEPARATORS.split(piece) if p]
                if len(parts) < 2:
                    raise
                codes.update(parse_district(part) for part in parts)
    return sorted(code for code in codes if code)


_GENDERS = {"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F",
            "female": "F"}


def _gender(value: Any) -> str:
    gender = _GENDERS.get(text_key(value))
    if gender is None:
        raise SurveyRowError("survey.gender_unknown", text=shown_value(value))
    return gender


def _birth_year(value: Any) -> int:
    low, high = BIRTH_YEARS
    year = None
    if isinstance(value, (datetime, date)):
        year = value.year
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        year = int(value) if float(value).is_integer() else None
    else:
        text = text_key(value).removesuffix("年")
        if text.isdigit():
            year = int(text)
        else:
            try:
                year = parse_date(value).year
            except (ValueParseError, AttributeError):
                year = None
    if year is None or not low <= year <= high:
        raise SurveyRowError("survey.birth_year", text=shown_value(value), low=low, high=high)
    return year


# --------------------------------------------------------------------------- plan and write

_PERSONAL = ("name", "gender", "birth_year", "hukou_shanghai")


def _same_name(a: str, b: str) -> bool:
    def key(name):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))

    return key(a) == key(b)


def _comparable(answers: dict | None, questionnaire) -> dict:
    """Answers as the questionnaire reads them, lists of ticked options sorted."""
    canonical = answers_for_version(answers, questionnaire)
    for question in questionnaire.questions:
        if question.type == "multi_choice":
            canonical[question.id] = sorted(map(str, canonical[question.id]))
    return canonical


def _same_answers(stored: dict | None, new: dict, questionnaire) -> bool:
    """Whether stored answers say what the new ones say (list order aside)."""
    return stored == new or _comparable(stored, questionnaire) == _comparable(new, questionnaire)


def _latest_survey_dates(seeker_ids: Iterable[int]) -> dict[int, date]:
    ids = sorted(set(seeker_ids))
    latest = {}
    for chunk in in_chunks(ids):
        latest.update(db.session.execute(
            sa.select(Survey.seeker_id, sa.func.max(Survey.surveyed_on))
            .where(Survey.seeker_id.in_(chunk)).group_by(Survey.seeker_id)
        ).all())
    return latest


def _registered(refs: Sequence[str], facility_id: int) -> tuple[
        dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """The seekers a file's references name: by this facility's reference number, and by
    Qibu code (any facility's, so that another facility's code is refused); each maps to
    (seeker id, facility id)."""
    by_ref: dict[str, tuple[int, int]] = {}
    by_code: dict[str, tuple[int, int]] = {}
    for chunk in in_chunks(sorted(set(refs))):
        for seeker_id, ref in db.session.execute(
            sa.select(Seeker.id, Seeker.facility_ref).where(
                Seeker.facility_id == facility_id, Seeker.facility_ref.in_(chunk))
        ):
            by_ref[ref] = (seeker_id, facility_id)
        qibu_codes = [ref for ref in chunk if QIBU_CODE.match(ref)]
        if qibu_codes:
            for seeker_id, code, facility in db.session.execute(
                sa.select(Seeker.id, Seeker.code, Seeker.facility_id).where(
                    Seeker.code.in_(qibu_codes))
            ):
                by_code[code] = (seeker_id, facility)
    return by_ref, by_code


def _resolve(ref: str, by_ref, by_code) -> tuple[int, int] | None:
    """(seeker id, facility id) a reference names: the facility's own number first."""
    return by_ref.get(ref) or by_code.get(ref)


def plan_survey_import(rows: list[ParsedRow], scope: ImportScope) -> tuple[
        list[PlannedRow], list[Problem]]:
    """Decide for each imported survey row whether it creates, updates or changes nothing.

    A row's reference is this facility's number for a registered person, or a registered
    person's Qibu code (the survey of that date is created or updated; unchanged answers
    change nothing); or it is new (the seeker is created, with a random code of Qibu's;
    a name is needed). Another facility's person's code is rejected, saying nothing
    about that seeker. Looks everything up in a few bulk queries; writes nothing.
    """
    questionnaire = load_questionnaire()
    by_ref, by_code = _registered([row.record["ref"] for row in rows], scope.facility_id)
    own_ids = sorted({v[0] for v in (*by_ref.values(), *by_code.values())
                      if v[1] == scope.facility_id})
    names: dict[int, str] = {}  # only the importing facility's names are decrypted
    stored: dict[tuple[int, str], dict] = {}
    for chunk in in_chunks(own_ids):
        names.update(db.session.execute(
            sa.select(Seeker.id, Seeker.name).where(Seeker.id.in_(chunk))).all())
        for survey in db.session.execute(
            sa.select(Survey.seeker_id, Survey.surveyed_on, Survey.answers,
                      *(getattr(Survey, key) for key in Survey.FREE_TEXT))
            .where(Survey.seeker_id.in_(chunk))
        ):
            answers = dict(survey.answers or {})
            answers.update({key: getattr(survey, key) or "" for key in Survey.FREE_TEXT})
            stored[(survey.seeker_id, survey.surveyed_on.isoformat())] = answers

    planned: list[PlannedRow] = []
    problems: list[Problem] = []
    new_seekers: dict[str, tuple[str, int]] = {}  # ref -> (name, first row)

    def reject(parsed: ParsedRow, column: str, value: str, key: str, **params) -> None:
        problems.append(Problem(parsed.row, column, "", value, key, params, stage="plan"))
        planned.append(PlannedRow(parsed.row, "reject", parsed.record))

    for row in rows:
        record = row.record
        ref, name = record["ref"], record["personal"].get("name") or ""
        known = _resolve(ref, by_ref, by_code)
        if known is not None:
            seeker_id, facility_id = known
            if facility_id != scope.facility_id:
                reject(row, "facility_ref", ref, "survey.code_elsewhere", text=ref)
            elif name and not _same_name(name, names[seeker_id]):
                reject(row, "name", name, "survey.name_mismatch", text=name)
            elif (seeker_id, record["surveyed_on"]) not in stored:
                planned.append(PlannedRow(row.row, "create", record))
            elif _same_answers(stored[(seeker_id, record["surveyed_on"])], record["answers"],
                               questionnaire):
                planned.append(PlannedRow(row.row, "unchanged", record))
            else:
                planned.append(PlannedRow(row.row, "update", record))
        elif not name:
            reject(row, "facility_ref", ref, "survey.name_required", text=ref)
        elif ref in new_seekers and not _same_name(name, new_seekers[ref][0]):
            reject(row, "name", name, "survey.name_conflict", text=name,
                   row=new_seekers[ref][1])
        else:
            first = ref not in new_seekers
            new_seekers.setdefault(ref, (name, row.row))
            planned.append(PlannedRow(row.row, "create", record, {"new_seeker": first}))
    return planned, problems


def import_surveys(rows: list[PlannedRow], scope: ImportScope,
                   progress: Callable[[int], None] = lambda done: None) -> None:
    """Write planned survey rows: new seekers, new surveys and corrected surveys.

    A new seeker gets a random code of Qibu's and keeps the file's number as their
    `facility_ref`; each written row's detail notes the seeker's code (for the audit
    trail). Each survey is stored through `survey_values` and each seeker's facts through
    `apply_seeker_facts`, as the survey form stores them; a survey older than the
    seeker's latest leaves the seeker's facts alone. Rows are written CHUNK_ROWS at a
    time with bulk statements (a handful of queries per chunk, none per row), inside the
    session's transaction: nothing is committed here, so a failure leaves nothing. The
    caller logs one audit event for the whole import instead of one per row.
    """
    by = scope.user
    by_id = by.id if by is not None else None
    version = load_questionnaire().version
    now = utcnow()
    by_ref, by_code = _registered([row.record["ref"] for row in rows], scope.facility_id)
    seeker_of_ref: dict[str, int] = {}
    for ref in {row.record["ref"] for row in rows}:
        known = _resolve(ref, by_ref, by_code)
        if known is not None and known[1] == scope.facility_id:
            seeker_of_ref[ref] = known[0]
    registered: dict[int, Seeker] = {}
    for chunk in in_chunks(sorted(set(seeker_of_ref.values()))):
        registered.update((s.id, s) for s in db.session.scalars(
            sa.select(Seeker).where(Seeker.id.in_(chunk),
                                    Seeker.facility_id == scope.facility_id)))
    seekers = {ref: registered[seeker_id] for ref, seeker_id in seeker_of_ref.items()
               if seeker_id in registered}
    survey_ids: dict[tuple[int, date], int] = {}
    for chunk in in_chunks(sorted(registered)):
        survey_ids.update(((seeker_id, day), survey_id) for survey_id, seeker_id, day in
                          db.session.execute(sa.select(Survey.id, Survey.seeker_id,
                                                       Survey.surveyed_on)
                                             .where(Survey.seeker_id.in_(chunk))))
    # Only a seeker's latest survey sets their current facts (release date, consents …).
    latest: dict[str, date] = {}
    for row in rows:
        day = date.fromisoformat(row.record["surveyed_on"])
        latest[row.record["ref"]] = max(day, latest.get(row.record["ref"], day))
    refs_of: dict[int, list[str]] = {}
    for ref, seeker in seekers.items():
        refs_of.setdefault(seeker.id, []).append(ref)
    for seeker_id, stored in _latest_survey_dates(refs_of).items():
        for ref in refs_of[seeker_id]:
            latest[ref] = max(latest[ref], stored)

    # Seekers first, all of them: a new seeker's rows may fall in different chunks.
    new_refs = list(dict.fromkeys(row.record["ref"] for row in rows
                                  if row.record["ref"] not in seekers))
    first_rows: dict[str, PlannedRow] = {}
    for row in rows:
        first_rows.setdefault(row.record["ref"], row)
    new_seekers: dict[str, Seeker] = {}
    for ref, code in zip(new_refs, new_seeker_codes(len(new_refs)), strict=True):
        personal = {k: first_rows[ref].record["personal"].get(k) for k in _PERSONAL}
        personal["hukou_shanghai"] = bool(personal["hukou_shanghai"])
        # a transient object (never added to the session): the model's own rules set
        # the name's search key and the consents; its columns are inserted in bulk
        new_seekers[ref] = Seeker(code=code, facility_ref=ref, facility_id=scope.facility_id,
                                  **personal)
    for row in rows:
        ref = row.record["ref"]
        if date.fromisoformat(row.record["surveyed_on"]) >= latest[ref]:
            apply_seeker_facts(seekers.get(ref) or new_seekers[ref], row.record["answers"],
                               by, audit=False)
    for chunk in in_chunks(new_refs, CHUNK_ROWS):
        db.session.execute(Seeker.__table__.insert(),
                           [_seeker_columns(new_seekers[ref], now) for ref in chunk])
        by_new_code = {new_seekers[ref].code: new_seekers[ref] for ref in chunk}
        for seeker_id, code in db.session.execute(
            sa.select(Seeker.id, Seeker.code).where(Seeker.code.in_(sorted(by_new_code)))
        ):
            by_new_code[code].id = seeker_id
    db.session.flush()  # the facts of seekers registered before
    everyone = {**seekers, **new_seekers}
    ids = {ref: seeker.id for ref, seeker in everyone.items()}
    for row in rows:
        row.detail["code"] = everyone[row.record["ref"]].code

    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        _write_survey_chunk(chunk, ids, survey_ids, by_id, version, now)
        progress(start + len(chunk))
    progress(len(rows))


def _write_survey_chunk(rows, ids, survey_ids, by_id, version, now):
    """Insert and update the chunk's surveys, then their ranked intentions.

    Inserts are Core executemany statements on the tables (the ORM's bulk path costs
    several times more per row); the rows carry every column, defaults included.
    """
    inserts, updates, intentions = [], [], {}
    for row in rows:
        record = row.record
        seeker_id = ids[record["ref"]]
        day = date.fromisoformat(record["surveyed_on"])
        values = {**survey_values(record["answers"]), "questionnaire_version": version,
                  "recorded_by_id": by_id, "updated_at": now}
        survey_id = survey_ids.get((seeker_id, day))
        if survey_id is None:
            inserts.append({**values, "seeker_id": seeker_id, "surveyed_on": day,
                            "source": "import", "created_at": now})
        else:
            updates.append({**values, "id": survey_id})
        intentions[(seeker_id, day)] = list(record["answers"].get("categories") or [])
    if inserts:
        db.session.execute(Survey.__table__.insert(), inserts)
        for survey_id, seeker_id, day in db.session.execute(
            sa.select(Survey.id, Survey.seeker_id, Survey.surveyed_on).where(
                Survey.seeker_id.in_(sorted({v["seeker_id"] for v in inserts})))
        ):
            survey_ids[(seeker_id, day)] = survey_id
    if updates:
        db.session.execute(sa.update(Survey), updates)
        db.session.execute(sa.delete(SurveyIntention).where(
            SurveyIntention.survey_id.in_([v["id"] for v in updates])))
    ranked = [{"survey_id": survey_ids[key], "rank": rank, "category_code": code}
              for key, codes in intentions.items()
              for rank, code in enumerate(codes, start=1)]
    if ranked:
        db.session.execute(SurveyIntention.__table__.insert(), ranked)


_SEEKER_DEFAULTS = {"education": 0, "hukou_shanghai": False, "consent_share": False,
                    "consent_contact": False, "status": SeekerStatus.IN_FACILITY}


def _seeker_columns(seeker: Seeker, now) -> dict:
    """A transient seeker's row: every column, defaults filled in, ready to insert."""
    columns = [c.key for c in sa.inspect(Seeker).column_attrs if c.key != "id"]
    # the instance dict holds what was set; reading unset attributes through the ORM
    # would cost more than everything else here
    values = dict.fromkeys(columns)
    values.update(_SEEKER_DEFAULTS)
    values.update((k, v) for k, v in vars(seeker).items() if k in values and v is not None)
    values["created_at"] = now
    return values


class SurveyImport:
    """Job-intention surveys as a kind of import (see `app.imports.engine.ImportKind`)."""

    name = "surveys"

    def parser(self) -> SurveyRowParser:
        return SurveyRowParser(Reference.from_database())

    def plan(self, rows, scope):
        return plan_survey_import(rows, scope)

    def write(self, rows, scope, progress):
        import_surveys(rows, scope, progress)


SURVEY_IMPORT = SurveyImport()


def audit_target(scope: ImportScope) -> Facility | None:
    """What a survey import's audit events point at: the facility imported into."""
    return db.session.get(Facility, scope.facility_id)


def written_detail(result: ImportResult) -> dict:
    """What a saved survey import adds to its audit event: the codes of the seekers it
    wrote (Qibu's codes, not the file's references)."""
    return {"seekers": sorted({row.detail["code"] for row in result.planned
                               if row.action in ("create", "update") and "code" in row.detail})
            if result.written else []}
