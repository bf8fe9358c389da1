"""Read one row of a job-posting spreadsheet into an opening and its employer.

Job boards and employers export postings in their own layouts: 51job's dump has
``job_name, company_name, providesalary_text, workarea_text, jobwelf, updatedate,
attribute_text`` (a list-like cell "['上海-静安区', '无需经验', '本科', '招若干人']"), an
employer's own sheet has 职位名称, 单位名称, 薪资, 城市, 区县 … `OPENING_COLUMNS` names
what Qibu reads and the headers it knows for each; the user can correct the detected
mapping. `OpeningRowParser.parse_row` turns one row's cells into a plain-JSON record;
messy values are read by `surveys.values` and every problem names its column and says how
to fix it (`OPENING_MESSAGES`). While reading, the parser counts how many rows placed in
Shanghai had each field understood (`stats`), which the import reports.

`plan_opening_import` finds each row's employer and opening in the database and
`import_openings` writes them; `OPENING_IMPORT` is the kind the import flow
(`app.imports.engine`) runs.

Each row's employer is found by its unified social credit code when the row gives one,
else by its normalised name; an employer found nowhere is registered as unverified for
staff to complete (once, however many rows name it). Each row's opening is found by its
reference (the file's, or one made from employer, title and place, see `opening_ref`): a
known opening is updated when the row says something new and left alone when it does
not, so importing a file twice changes nothing. A row without a category gets the title
classifier's suggestion (`matching.categorize`, fitted once and cached), with its
confidence shown in the preview; on an opening that exists, staff's category is kept.
A suggestion below `CONFIRM_BELOW` is never applied silently: the opening is saved with
its category to confirm (shown to no job seeker) unless staff choose the category on the
preview (`choose_category`, for one row or every row with the title) or the command line
is given ``--accept-suggestions``. Staff's choices are kept as training data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

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
    ROW_MESSAGES,
    ImportColumn,
    Option,
    OptionList,
    Reference,
    RowReader,
    import_column,
    shown_value,
)
from app.services.categories import category_classifier, record_category_choice
from matching.categorize import CONFIRM_BELOW, suggest_categories
from models import Employer, JobCategory, Opening, OpeningStatus, Shift, db
from surveys.values import (
    MONTHS_PER_YEAR,
    SHANGHAI,
    SHANGHAI_DISTRICTS,
    Place,
    ValueParseError,
    normalize_employer_name,
    normalize_text,
    parse_bool,
    parse_education_level,
    parse_experience_years,
    parse_headcount,
    parse_job_attributes,
    parse_monthly_pay,
    parse_place,
    parse_posting_date,
    validate_uscc,
)

TITLE_MAX_LENGTH = 120
EMPLOYER_MAX_LENGTH = 120
SALARY_TEXT_MAX_LENGTH = 60
DESCRIPTION_MAX_LENGTH = 5000
REF_MAX_LENGTH = 64

# Words in a benefits cell that mean the employer houses its workers ('住房补贴', a
# housing allowance, is not housing).
_HOUSING_WORDS = re.compile(r"包住|包吃住|包食宿|提供住宿|免费住宿|员工宿舍|提供宿舍|宿舍")
_SHIFT_OPTIONS = (
    Option("day", "白班", "day shift", ("白天", "日班", "长白班", "常白班", "day", "正常班")),
    Option("night", "夜班", "night shift", ("晚班", "夜间", "大夜班", "night")),
    Option("rotating", "倒班", "rotating shifts",
           ("轮班", "两班倒", "三班倒", "倒班制", "轮班制", "做二休一", "rotating", "shift work")),
)


OPENING_COLUMNS: tuple[ImportColumn, ...] = (
    import_column("title", "职位名称", "Job title",
            "必填。如 仓库管理员。", "Required. E.g. 仓库管理员 (warehouse keeper).",
            "job_name", "岗位名称", "招聘岗位", "职位", "岗位", "工作名称", "招聘职位",
            "position", "job", "title", "positionName", "jobName", "jobTitle", "job title",
            "职位名", "岗位名", required=True, example="仓库管理员"),
    import_column("employer", "单位名称", "Employer",
            "必填。营业执照上的名称；未登记的单位会登记为“待核实”。",
            "Required. The name on the business licence; an employer not yet registered is "
            "registered as unverified.",
            "company_name", "公司名称", "企业名称", "用人单位", "招聘单位", "公司", "单位",
            "company", "employer name", "companyFullName", "brandName", "compName",
            "company full name", "公司全称", "企业全称", required=True,
            example="上海某某物流有限公司"),
    import_column("uscc", "统一社会信用代码", "Unified social credit code",
            "可不填。18位；填了就按代码找单位，否则按名称找。",
            "Optional. 18 characters; when given the employer is found by it, otherwise by "
            "its name.",
            "信用代码", "社会信用代码", "credit code", "uscc", example="91310115MA1H7GQX11"),
    import_column("company_type", "单位性质", "Kind of employer",
            "可不填。如 民营公司；记入新登记单位的备注。",
            "Optional. E.g. 民营公司 (private company); noted on a newly registered employer.",
            "companytype_text", "公司性质", "企业性质", "公司类型", "company type",
            example="民营公司"),
    import_column("salary", "薪资", "Pay",
            "如 6-8千/月、1-1.5万/月、7-14万/年、150元/天、25元/小时、20-30K、18-35K·13薪、4500；"
            "面议或空白表示未写明。",
            "E.g. 6-8千/月, 1-1.5万/月, 7-14万/年, 150元/天, 25元/小时, 20-30K, 18-35K·13薪 or "
            "4500; 面议 or blank when not stated.",
            "providesalary_text", "薪资待遇", "工资", "月薪", "薪酬", "工资待遇", "薪水",
            "salary", "pay", "salaryDesc", "job_salary", "薪资范围", "薪资水平", example="6-8千/月",
            important=True),
    import_column("place", "工作地点", "Place of work",
            "如 上海-浦东新区、上海·徐汇区·漕河泾、浦东。上海以外的行不导入。",
            "E.g. 上海-浦东新区, 上海·徐汇区·漕河泾 or 浦东. Rows outside Shanghai are not "
            "imported.",
            "workarea_text", "工作地区", "地点", "工作区域", "工作地址", "上班地点",
            "location", "place", "dq", "job_area", "job_location", "工作地", "区域", "职位地址",
            "岗位地址",
            example="上海-浦东新区"),
    import_column("city", "城市", "City", "可不填，单独的城市列。",
                  "Optional: a separate city column.", "所在城市", "工作城市", "city",
                  "cityName", "city.display", "城市名称", example="上海"),
    import_column("district", "区县", "District", "可不填，单独的区列，如 浦东新区。",
            "Optional: a separate district column, e.g. 浦东新区.",
            "区", "所在区", "行政区", "所在区县", "district", "areaDistrict", "所在区域",
            example="浦东新区"),
    import_column("attributes", "职位属性", "Job attributes",
            "招聘网站导出的列表，如 ['上海-静安区', '无需经验', '本科', '招若干人']。",
            "A job board's list, e.g. ['上海-静安区', '无需经验', '本科', '招若干人'].",
            "attribute_text", "职位标签", "attributes",
            example="['上海-静安区', '无需经验', '高中', '招2人']"),
    import_column("education", "学历要求", "Education required",
            "如 不限、初中、高中、中专、大专、本科。",
            "E.g. 不限 (none), 初中, 高中, 中专, 大专, 本科.",
            "学历", "最低学历", "education", "degree", "jobDegree", "eduLevel", "eduLevel.name",
            "requireEduLevel", "job_edu", "学历需求", example="初中"),
    import_column("experience", "经验要求", "Experience required",
            "如 无需经验、1年经验、3-4年经验。", "E.g. 无需经验 (none), 1年经验, 3-4年经验.",
            "工作经验", "经验", "工作年限", "experience", "workYear", "jobExperience",
            "workingExp", "workingExp.name", "requireWorkYears", "job_exp", "work_experience",
            example="1年经验"),
    import_column("headcount", "招聘人数", "Headcount",
            "如 5、招5人；若干 表示未写明。", "E.g. 5 or 招5人; 若干 when not stated.",
            "人数", "招聘人数（人）", "需求人数", "headcount", "number of openings", "recruitCount",
            "招聘人数(人)", "招人数", example="5", important=True),
    import_column("welfare", "福利", "Benefits",
            "如 五险一金 包吃包住；写明包住或提供宿舍的记为提供住宿。",
            "E.g. 五险一金 包吃包住; housing (包住, 提供宿舍) is recorded as accommodation.",
            "jobwelf", "福利待遇", "职位福利", "benefits", "welfare", "positionAdvantage",
            "welfareList", "job_welfare", "职位诱惑", example="五险一金 包住"),
    import_column("accommodation", "提供住宿", "Housing provided",
            "可不填。是 或 否；不填时看福利一栏。",
            "Optional. 是/yes or 否/no; when blank the benefits decide.",
            "住宿", "是否提供住宿", "包住", "housing", "accommodation", example="是"),
    import_column("shift", "班次", "Shift", "可不填。白班、夜班 或 倒班；不填为白班。",
            "Optional. 白班 (day), 夜班 (night) or 倒班 (rotating); day when blank.",
            "班制", "工作班次", "shift", example="白班"),
    import_column("category", "岗位类别", "Job category",
            "可不填。说明页列出的类别名称；不填时按职位名称自动建议。",
            "Optional. A category name from the list below; when blank it is suggested "
            "from the job title.",
            "类别", "工种", "职位类别", "category", example="物流仓储操作员"),
    import_column("certificates", "所需证书", "Certificates required",
            "可不填。多个用、分隔，如 叉车证。", "Optional. Separate several with 、, e.g. 叉车证.",
            "证书要求", "证书", "certificates", example="叉车证"),
    import_column("description", "职位描述", "Description",
            "可不填。工作内容和要求。", "Optional. What the work is and what it asks.",
            "岗位职责", "职位要求", "工作内容", "岗位描述", "任职要求", "job description",
            "jobDesc", "job_desc", "positionDetail",
            "description", example="负责货物出入库、盘点。"),
    import_column("posted_on", "发布日期", "Posted on",
            "可不填。如 2026-10-14；只写月日（10-14）时取今天之前最近的那一天。",
            "Optional. E.g. 2026-10-14; a month and day alone (10-14) is the latest such "
            "day up to today.",
            "updatedate", "更新日期", "发布时间", "刷新日期", "date posted", "posted", "createTime",
            "pubTime", "refreshTime", "publishTime",
            example="2026-10-14", is_date=True),
    import_column("ref", "职位编号", "Job reference",
            "可不填。招聘网站或本单位的职位编号；有编号时，同一编号再次导入会更新那个职位。",
            "Optional. The job board's or your own reference; a row with the reference of "
            "an imported opening updates it.",
            "岗位编号", "职位ID", "job_id", "jobid", "job reference", "reference", "positionId",
            example="51JOB-128830912"),
)

TEMPLATE_NOTES = {
    "data_title": "招聘岗位",
    "notes_title": "说明 Notes",
    "intro": (
        "起步 · 招聘岗位导入模板 / Qibu job-posting import template",
        "每行一个岗位；第一行是表头。招聘网站导出的表格（如 51job）也可以直接导入。"
        " / One opening per row; the first row is the header. Job boards' exports (e.g. "
        "51job) import as they are.",
        "同一单位、同一职位名称、同一地点（或同一职位编号）再次导入会更新那个岗位，不会重复。"
        " / The same employer, job title and place (or the same job reference) imported "
        "again updates that opening instead of adding another.",
        "导入前会先预览，可修改列的对应关系；确认后才保存。"
        " / Every import is previewed, its column mapping can be corrected, and it is "
        "saved only when confirmed.",
    ),
}

OPENING_MESSAGES = {
    **ROW_MESSAGES,
    "opening.required": _l("This column must be filled in."),
    "opening.too_long": _l("Shorten this to at most %(max)s characters."),
    "opening.outside_shanghai": _l(
        "“%(text)s” is outside Shanghai: Qibu posts openings in Shanghai only. Correct "
        "the place if the job is in Shanghai, or leave the row out."
    ),
    "opening.remote": _l(
        "“%(text)s” does not say where the work is. Write the Shanghai district, e.g. "
        "上海-浦东新区."
    ),
    "opening.no_place": _l(
        "The row does not say where the work is. Fill in the place, e.g. 上海-浦东新区."
    ),
    "opening.unknown_shift": _l("Write the shift as 白班 (day), 夜班 (night) or 倒班 "
                                "(rotating), not “%(text)s”."),
    "opening.employer_uscc_conflict": _l(
        "The employer “%(name)s” is registered with another credit code, %(registered)s. "
        "Check the code in this row."
    ),
    "opening.headcount_below_filled": _l(
        "The opening already has %(filled)s people hired; the headcount cannot be lower. "
        "Write at least %(filled)s."
    ),
}

# The fields counted in `OpeningRowParser.stats` for rows placed in Shanghai.
PARSED_FIELDS = ("salary", "district", "education", "experience", "headcount")


def opening_ref(employer: str, title: str, place: str) -> str:
    """The reference of an imported opening that has none of its own: the same
    employer, title and place give the same reference, so importing again updates."""
    key = "|".join((normalize_employer_name(employer), _title_key(title), place))
    return "imp-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _title_key(title: str) -> str:
    return re.sub(r"\s+", "", normalize_text(title)).lower()


def _text(row: RowReader, key: str, max_length: int, *, required: bool = False) -> str:
    value = row.value(key)
    if value is None:
        if required:
            row.problem(key, "opening.required")
        return ""
    text = re.sub(r"[ \t\u3000]+", " ", shown_value(value)).strip()
    if len(text) > max_length:
        row.problem(key, "opening.too_long", max=max_length)
    return text


class OpeningRowParser:
    """Turn the cells of one job-posting row into a record, or the problems that stop it.

    Parameters
    ----------
    reference
        The category and certificate lists (see `app.imports.rows.Reference`).
    today
        The date posting dates without a year are read against (today by default).
    """

    kind = "openings"
    columns = OPENING_COLUMNS
    messages = OPENING_MESSAGES
    identity_columns = ("title", "employer", "place")

    def __init__(self, reference: Reference, today: date | None = None):
        self.today = today or local_today()
        self.categories = OptionList(reference.categories)
        self.certificates = OptionList(reference.certificates)
        self.shifts = OptionList(_SHIFT_OPTIONS)
        self._memo: dict = {}
        self.stats: dict[str, int] = {"shanghai_rows": 0, "outside_shanghai": 0,
                                      **dict.fromkeys(PARSED_FIELDS, 0), "district_named": 0}

    def identity(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        """What makes two rows the same opening: its reference when the file gives one,
        else the employer, the title and the place."""
        if record["ref_given"]:
            return (record["ref"],)
        # what the reference is made of (`opening_ref`): names as normalised
        return (record["employer"]["key"], _title_key(record["title"]), record["place_key"])

    def parse_row(self, cells: Mapping[str, Any]):
        """Read one row; return ``(record, [])`` or ``(None, [(column key, error), …])``.

        The record is plain JSON: ``ref``, ``title``, ``employer`` (name, key, uscc,
        company_type), ``pay_min``/``pay_max`` (base yuan a month, None when not
        stated), ``pay_months`` (13薪 → 13, else 12), ``pay_period`` (what the pay was
        stated per) and ``salary_text`` (the original), ``district`` (adcode or None for
        '上海' alone), ``education_min``, ``experience_min``, ``headcount`` (None when
        not stated), ``accommodation``, ``shift``, ``category`` (None: suggest from the
        title), ``certificates``, ``description``, ``posted_on`` (ISO date or None).
        """
        row = RowReader(cells, self._memo)
        title = _text(row, "title", TITLE_MAX_LENGTH, required=True)
        employer = _text(row, "employer", EMPLOYER_MAX_LENGTH, required=True)
        uscc = row.read("uscc", validate_uscc)
        attributes = row.read("attributes", parse_job_attributes, {})
        place = self._place(row, attributes)
        in_shanghai = place is not None and place.in_shanghai
        salary_problems = len(row.problems)
        pay = row.read("salary", parse_monthly_pay)
        salary_understood = len(row.problems) == salary_problems
        education = self._attribute(row, "education", parse_education_level, attributes)
        experience = self._attribute(row, "experience", parse_experience_years, attributes)
        headcount = self._attribute(row, "headcount", parse_headcount, attributes)
        if in_shanghai:
            self._count(place, salary_understood, education, experience, headcount)
        welfare = _text(row, "welfare", DESCRIPTION_MAX_LENGTH)
        accommodation = row.read("accommodation", parse_bool)
        if accommodation is None:
            accommodation = bool(_HOUSING_WORDS.search(welfare))
        description = _text(row, "description", DESCRIPTION_MAX_LENGTH)
        if welfare:
            description = "\n".join(filter(None, (description, f"福利：{welfare}")))
        record = {
            "title": title,
            "employer": {"name": employer, "key": normalize_employer_name(employer),
                         "uscc": uscc, "company_type": _text(row, "company_type", 60)},
            "pay_min": _whole(pay.min) if pay else None,
            "pay_max": _whole(pay.max) if pay else None,
            "pay_months": pay.months if pay else MONTHS_PER_YEAR,
            "pay_period": pay.period if pay else "month",
            "salary_text": (pay.text if pay else "")[:SALARY_TEXT_MAX_LENGTH],
            "district": place.adcode if place else None,
            "place_key": (place.adcode or SHANGHAI) if place else "",
            "education_min": _value(education, 0),
            "experience_min": float(_value(experience, 0.0)),
            "headcount": _value(headcount, None),
            "accommodation": accommodation,
            "shift": row.read("shift", self._shift, "day"),
            "category": row.read("category", self.categories.code_for),
            "certificates": row.read("certificates", self.certificates.codes_for, []),
            "description": description[:DESCRIPTION_MAX_LENGTH],
            "posted_on": self._posted_on(row),
        }
        ref = _text(row, "ref", REF_MAX_LENGTH)
        record["ref_given"] = bool(ref)
        if row.problems:
            return None, row.problems
        record["ref"] = ref or opening_ref(employer, title, record["place_key"])
        return record, []

    # -- cells ---------------------------------------------------------------------

    def _place(self, row: RowReader, attributes: Mapping[str, Any]) -> Place | None:
        """Where the work is, from the place (or city) and district columns, or else the
        attributes list; a problem (and None) when it is missing or not in Shanghai."""
        place_column = next((k for k in ("place", "city") if row.value(k) is not None), None)
        text = row.value(place_column) if place_column else None
        district = row.value("district")
        column = place_column or ("district" if district is not None else "attributes")
        place = None
        if text is not None or district is not None:
            try:
                place = self._read_place(text, district)
            except ValueParseError as error:
                row.problems.append((column, error))
                return None
        listed = attributes.get("place")
        if listed is not None and (place is None or (
                place.in_shanghai and place.adcode is None and listed.adcode)):
            place, column = listed, "attributes"
        if place is None:
            row.problem("place", "opening.no_place")
            return None
        if not place.in_shanghai:
            self.stats["outside_shanghai"] += 1
            shown = (place.city or "") if column == "attributes" else shown_value(
                row.value(column))
            row.problem(column, "opening.outside_shanghai" if place.city else "opening.remote",
                        text=shown or "—")
        return place

    def _read_place(self, text: Any, district: Any) -> Place:
        slot = ("place", shown_value(text), shown_value(district))
        if slot not in self._memo:
            try:
                self._memo[slot] = parse_place(text, district)
            except ValueParseError as error:
                self._memo[slot] = error
        found = self._memo[slot]
        if isinstance(found, ValueParseError):
            raise found
        return found

    def _attribute(self, row: RowReader, key: str, reader, attributes: Mapping[str, Any]):
        """A field from its own column, else from the attributes list; ``_ABSENT`` when
        neither says anything."""
        if row.value(key) is not None:
            before = len(row.problems)
            value = row.read(key, reader)
            return value if len(row.problems) == before else _UNREAD
        return attributes.get(key, _ABSENT)

    def _count(self, place: Place, salary_understood: bool, education, experience,
               headcount) -> None:
        """Count a Shanghai row's understood fields. An unstated pay ('面议', blank) and
        headcount ('若干') were understood: read correctly as unknown; so was a district
        when the place says only '上海'. A missing education or experience was not."""
        stats = self.stats
        stats["shanghai_rows"] += 1
        stats["salary"] += salary_understood
        stats["district"] += 1
        stats["district_named"] += place.adcode is not None
        stats["education"] += education not in (_ABSENT, _UNREAD)
        stats["experience"] += experience not in (_ABSENT, _UNREAD)
        stats["headcount"] += headcount not in (_ABSENT, _UNREAD)

    def _shift(self, value: Any) -> str:
        try:
            return self.shifts.code_for(value)
        except ValueParseError as error:
            raise ValueParseError("opening.unknown_shift", text=shown_value(value)) from error

    def _posted_on(self, row: RowReader) -> str | None:
        posted = row.read("posted_on", lambda value: parse_posting_date(value, self.today))
        return posted.isoformat() if posted else None

    def code_lists(self) -> list[tuple[Mapping[str, str], Sequence[Option], tuple[str, ...]]]:
        """The lists a template's notes sheet shows: title, options, and the columns
        that offer the list as a drop-down."""
        districts = [Option(d.adcode, d.name, d.english_name, (d.short_name,))
                     for d in SHANGHAI_DISTRICTS]
        return [
            ({"zh": "岗位类别", "en": "Job categories"}, self.categories.options,
             ("category",)),
            ({"zh": "上海各区", "en": "Shanghai districts"}, districts, ("district",)),
            ({"zh": "证书", "en": "Certificates"}, self.certificates.options, ()),
            ({"zh": "班次", "en": "Shifts"}, self.shifts.options, ("shift",)),
        ]


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_ABSENT = _Marker("absent")  # the row says nothing about the field
_UNREAD = _Marker("unread")  # the row says something that could not be read


def _value(found: Any, default: Any) -> Any:
    return default if found is _ABSENT or found is _UNREAD or found is None else found


def _whole(amount: float | None) -> int | None:
    return None if amount is None else int(round(amount))


# --------------------------------------------------------------------------- plan and write

# Opening columns an import sets, compared to tell an update from an unchanged row.
_FIELDS = ("title", "description", "pay_min", "pay_max", "pay_months", "pay_period",
           "salary_text", "district",
           "education_min", "experience_min", "headcount", "accommodation", "shift",
           "certificates_required", "posted_on")


class OpeningImport:
    """Job postings as a kind of import (see `app.imports.engine.ImportKind`).

    With `accept_suggestions` (the command line's ``--accept-suggestions``) a category
    suggested below `CONFIRM_BELOW` is applied and confirmed instead of left to confirm.
    """

    name = "openings"

    def __init__(self, accept_suggestions: bool = False):
        self.accept_suggestions = accept_suggestions

    def parser(self) -> OpeningRowParser:
        return OpeningRowParser(Reference.from_database())

    def plan(self, rows, scope):
        return plan_opening_import(rows, scope, accept_suggestions=self.accept_suggestions)

    def write(self, rows, scope, progress):
        import_openings(rows, scope, progress)

    def choose(self, result: ImportResult, form: Mapping[str, str]) -> tuple[bool, str]:
        """Apply a category chosen on the preview (see `choose_category`)."""
        return choose_category(result, form)

    def carry_choices(self, previous: ImportResult, result: ImportResult) -> None:
        """Keep the categories chosen on the preview across a re-check of the file."""
        carry_category_choices(previous, result)


OPENING_IMPORT = OpeningImport()


def written_detail(result: ImportResult) -> dict:
    """What a saved posting import adds to its audit event: the parse shares, the
    employers it registered and the openings whose category is to confirm."""
    new = sorted({row.detail["new_employer"] for row in result.planned
                  if row.action == "create" and row.detail.get("new_employer")})
    return {"parsed": result.parsed, "new_employers": len(new),
            "categories_to_confirm": to_confirm_count(result)}


def to_confirm_count(result: ImportResult) -> int:
    """Rows to save whose category is a guess staff have to confirm."""
    return sum(1 for row in result.planned
               if row.action in ("create", "update") and row.detail.get("to_confirm"))


def opening_values(record: dict, category: str | None) -> dict:
    """The opening's column values a row gives (the category only when it is set)."""
    values = {
        "title": record["title"], "description": record["description"],
        "pay_min": record["pay_min"], "pay_max": record["pay_max"],
        "pay_months": record["pay_months"], "pay_period": record["pay_period"],
        "salary_text": record["salary_text"], "district": record["district"],
        "education_min": record["education_min"], "experience_min": record["experience_min"],
        "headcount": record["headcount"], "accommodation": record["accommodation"],
        "shift": Shift(record["shift"]), "certificates_required": record["certificates"],
        "posted_on": date.fromisoformat(record["posted_on"]) if record["posted_on"] else None,
    }
    if category is not None:
        values["category_code"] = category
    return values


def _suggest(records: list[dict]) -> dict[str, tuple[str, float]]:
    """The classifier's category and confidence for each distinct title without one."""
    titles = sorted({r["title"] for r in records if r["category"] is None})
    if not titles:
        return {}
    frame = suggest_categories(titles, model=category_classifier())
    return {title: (str(category), round(float(confidence), 3))
            for title, category, confidence in frame[["title", "category", "confidence"]]
            .itertuples(index=False)}


def _employers(records: list[dict]) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Registered employers by credit code and by normalised name: (id, name, uscc)."""
    codes = sorted({r["employer"]["uscc"] for r in records if r["employer"]["uscc"]})
    keys = sorted({r["employer"]["key"] for r in records})
    by_code: dict[str, tuple] = {}
    by_key: dict[str, tuple] = {}
    columns = (Employer.id, Employer.name, Employer.uscc, Employer.normalized_name)
    for chunk in in_chunks(codes):
        for row in db.session.execute(sa.select(*columns).where(Employer.uscc.in_(chunk))):
            by_code[row.uscc] = tuple(row[:3])
    for chunk in in_chunks(keys):
        # several registrations of one name: the verified one, else the oldest
        for row in db.session.execute(
            sa.select(*columns).where(Employer.normalized_name.in_(chunk))
            .order_by(Employer.verified.desc(), Employer.id)
        ):
            by_key.setdefault(row.normalized_name, tuple(row[:3]))
    return by_code, by_key


def _openings(refs: list[str]) -> dict[str, dict]:
    """Openings already recorded, by reference: the compared columns, id, employer,
    places filled and category."""
    found: dict[str, dict] = {}
    columns = [getattr(Opening, name) for name in _FIELDS]
    for chunk in in_chunks(refs):
        for row in db.session.execute(
            sa.select(Opening.ref, Opening.id, Opening.employer_id, Opening.filled,
                      Opening.category_code, Opening.category_confirmed, *columns)
            .where(Opening.ref.in_(chunk))
        ):
            found[row.ref] = dict(row._mapping)
    return found


def plan_opening_import(rows: list[ParsedRow], scope: ImportScope, *,
                        accept_suggestions: bool = False) -> tuple[
        list[PlannedRow], list[Problem]]:
    """Decide for each job-posting row whether it creates, updates or changes nothing.

    ``detail`` of a planned row holds the employer (``employer_id``, or ``new_employer``
    with the employer's key when it is registered by this import, ``employer_name``),
    the category (see `_category_detail`) and, for an update, ``opening_id``. Looks
    everything up in a few bulk queries; writes nothing.
    """
    records = [row.record for row in rows]
    suggestions = _suggest(records)
    by_code, by_key = _employers(records)
    existing = _openings(sorted({r["ref"] for r in records}))
    planned: list[PlannedRow] = []
    problems: list[Problem] = []
    new_employers: set[str] = set()
    new_by_name: dict[str, str] = {}  # normalised name -> key of an employer to register
    new_by_code: dict[str, str] = {}  # credit code -> the same

    for row in rows:
        record = row.record
        employer = record["employer"]
        found = by_code.get(employer["uscc"]) if employer["uscc"] else None
        if found is None:
            found = by_key.get(employer["key"])
            if found is not None and employer["uscc"] and found[2] and \
                    found[2] != employer["uscc"]:
                problems.append(Problem(
                    row.row, "uscc", "", employer["uscc"], "opening.employer_uscc_conflict",
                    {"name": found[1], "registered": found[2]}, stage="plan"))
                planned.append(PlannedRow(row.row, "reject", record))
                continue
        detail: dict = {}
        if found is not None:
            detail.update(employer_id=found[0], employer_name=found[1])
        else:
            # one new employer however its rows name it: by code, else by name
            code = employer["uscc"]
            key = new_by_code.get(code) if code else None
            key = key or new_by_name.get(employer["key"], employer["key"])
            new_by_name.setdefault(employer["key"], key)
            if code:
                new_by_code.setdefault(code, key)
            detail.update(new_employer=key, employer_name=employer["name"],
                          first_of_employer=key not in new_employers)
            new_employers.add(key)
        stored = existing.get(record["ref"])
        detail.update(_category_detail(record, suggestions.get(record["title"]), stored,
                                       accept_suggestions))
        if stored is None:
            planned.append(PlannedRow(row.row, "create", record, detail))
            continue
        detail["opening_id"] = stored["id"]
        if record["headcount"] is not None and record["headcount"] < stored["filled"]:
            problems.append(Problem(
                row.row, "headcount", "", str(record["headcount"]),
                "opening.headcount_below_filled", {"filled": stored["filled"]}, stage="plan"))
            planned.append(PlannedRow(row.row, "reject", record))
            continue
        values = opening_values(record, detail["category"] if detail["set_category"] else None)
        changed = any(stored[name] != value for name, value in values.items()
                      if not (name == "posted_on" and value is None))
        changed = changed or (detail["set_category"]
                              and stored["category_confirmed"] != detail["confirmed"])
        if found is not None and stored["employer_id"] != found[0]:
            changed = True
        planned.append(PlannedRow(row.row, "update" if changed else "unchanged", record, detail))
    return planned, problems


def _category_detail(record: dict, suggestion: tuple[str, float] | None,
                     stored: dict | None, accept_suggestions: bool) -> dict:
    """What a row does to its opening's category.

    ``category`` the category shown and written; ``set_category`` whether writing sets
    it (a new opening always; an existing one when the file or staff give it, or when a
    suggestion is accepted for a category still to confirm) and ``confirmed`` what
    ``category_confirmed`` becomes then; ``suggested`` whether the category is the
    classifier's (with ``suggestion`` and ``confidence``); ``chosen`` whether staff
    chose it on the preview; ``to_confirm`` whether the opening will have its category
    still to confirm.
    """
    detail: dict = {"suggested": False, "chosen": False, "to_confirm": False}
    if suggestion is not None:
        detail.update(suggestion=suggestion[0], confidence=suggestion[1])
    choice = record.get("category_choice")
    if choice or record["category"] is not None:
        detail.update(category=choice or record["category"], chosen=bool(choice),
                      set_category=True, confirmed=True)
        return detail
    category, confidence = suggestion  # a row without a category was given one
    unsure = confidence < CONFIRM_BELOW
    if stored is None:
        detail.update(category=category, suggested=True, set_category=True,
                      confirmed=accept_suggestions or not unsure,
                      to_confirm=unsure and not accept_suggestions)
    elif not stored["category_confirmed"] and accept_suggestions:
        detail.update(category=category, suggested=True, set_category=True, confirmed=True)
    else:  # staff's category is kept, and so is whether it is still to confirm
        detail.update(category=stored["category_code"], set_category=False,
                      to_confirm=not stored["category_confirmed"])
    return detail


def choose_category(result: ImportResult, form: Mapping[str, str]) -> tuple[bool, str]:
    """Apply the category staff chose on the preview to row ``row`` of the file, or with
    ``same_title`` to every row with that row's title; return (done, message).

    The choice is kept in each row's record (``category_choice``), so that confirming,
    which plans the rows again, saves it; the rows' ``detail`` shows it until then.
    """
    category = (form.get("category") or "").strip()
    known = set(db.session.scalars(sa.select(JobCategory.code)))
    try:
        number = int(form.get("row", ""))
    except ValueError:
        number = None
    target = next((row for row in result.planned if row.row == number), None)
    if target is None or category not in known:
        return False, str(_l("Choose a category for the row, then press Set."))
    title = _title_key(target.record["title"])
    rows = [row for row in result.planned if row.action != "reject"
            and (row is target or (form.get("same_title") and
                                   _title_key(row.record["title"]) == title))]
    for row in rows:
        _apply_choice(row, category)
    return True, str(_l("Category set for %(n)s rows.", n=len(rows)))


def _apply_choice(row: PlannedRow, category: str) -> None:
    row.record["category_choice"] = category
    detail = row.detail
    if detail.get("opening_id") and row.action == "unchanged":
        row.action = "update"  # confirming will set the opening's category
    detail.update(category=category, chosen=True, suggested=False, to_confirm=False,
                  set_category=True, confirmed=True)


def carry_category_choices(previous: ImportResult, result: ImportResult) -> None:
    """Apply the categories chosen on `previous` to the same rows (same row number and
    title) of `result`, the file checked again with another column mapping."""
    chosen = {(row.row, _title_key(row.record["title"])): row.record["category_choice"]
              for row in previous.planned if row.record.get("category_choice")}
    for row in result.planned:
        choice = chosen.get((row.row, _title_key(row.record.get("title", ""))))
        if choice and row.action != "reject":
            _apply_choice(row, choice)


def import_openings(rows: list[PlannedRow], scope: ImportScope,
                    progress: Callable[[int], None] = lambda done: None) -> None:
    """Write planned job-posting rows: new employers (unverified), new openings and
    corrected openings, in the session's transaction (nothing is committed here: a
    failure leaves nothing). The caller logs one audit event for the whole import."""
    employers: dict[str, Employer] = {}
    for row in rows:
        key = row.detail.get("new_employer")
        if key is None:
            continue
        facts = row.record["employer"]
        if key not in employers:
            notes = f"单位性质：{facts['company_type']}" if facts["company_type"] else ""
            employers[key] = Employer(
                name=facts["name"], normalized_name=facts["key"], uscc=facts["uscc"],
                notes=notes)  # registered unverified (the model's default)
        elif employers[key].uscc is None:  # a later row gives the code
            employers[key].uscc = facts["uscc"]
    db.session.add_all(employers.values())
    db.session.flush()

    updates = {row.detail["opening_id"]: row for row in rows if row.action == "update"}
    done = 0
    creates = [row for row in rows if row.action == "create"]
    # One executemany per chunk (ORM bulk INSERT): adding 10,000 Opening objects to the
    # session took about 2 s more. render_nulls keeps rows whose unknown pay, district
    # or headcount is None in the same batch instead of one INSERT per row.
    insert = sa.insert(Opening).execution_options(render_nulls=True)
    for chunk in in_chunks(creates, CHUNK_ROWS):
        values = []
        for row in chunk:
            employer_id = row.detail.get("employer_id") or employers[
                row.detail["new_employer"]].id
            opening = opening_values(row.record, row.detail["category"])
            opening["posted_on"] = opening["posted_on"] or local_today()
            values.append({"ref": row.record["ref"], "employer_id": employer_id,
                           "source": "import", "filled": 0, "status": OpeningStatus.OPEN,
                           "category_confirmed": row.detail["confirmed"], **opening})
        db.session.execute(insert, values)
        done += len(chunk)
        progress(done)
    ids = sorted(updates)
    for chunk in in_chunks(ids, CHUNK_ROWS):
        for opening in db.session.scalars(sa.select(Opening).where(Opening.id.in_(chunk))):
            row = updates[opening.id]
            values = opening_values(row.record, row.detail["category"]
                                    if row.detail["set_category"] else None)
            if row.detail["set_category"]:
                opening.category_confirmed = row.detail["confirmed"]
            headcount = values.pop("headcount")
            for name, value in values.items():
                if name != "posted_on" or value is not None:
                    setattr(opening, name, value)
            opening.set_headcount(headcount)
            if row.detail.get("employer_id"):
                opening.employer_id = row.detail["employer_id"]
        db.session.flush()
        done += len(chunk)
        progress(done)
    _record_choices([row for row in rows if row.detail.get("chosen")], scope)


def _record_choices(rows: list[PlannedRow], scope: ImportScope) -> None:
    """Keep the categories staff chose on the preview as training data, once for each
    title and category."""
    first: dict[tuple[str, str], PlannedRow] = {}
    for row in rows:  # once for each title and category
        first.setdefault((row.record["title"], row.detail["category"]), row)
    ids: dict[str, int] = {}
    for chunk in in_chunks(sorted({row.record["ref"] for row in first.values()})):
        ids.update(db.session.execute(
            sa.select(Opening.ref, Opening.id).where(Opening.ref.in_(chunk))).all())
    for (title, category), row in first.items():
        suggestion = (row.detail["suggestion"], row.detail["confidence"]) \
            if row.detail.get("suggestion") else None
        record_category_choice(title, category, source="import", user=scope.user,
                               opening_id=ids.get(row.record["ref"]), suggestion=suggestion)
    db.session.flush()
