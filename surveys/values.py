"""Parse the messy text of surveys, job postings and forms into domain values.

This is the one place where Qibu reads pay ('6-8千/月', '18-35K·13薪', '面议'),
districts ('浦东', '闸北区', '上海·徐汇区·漕河泾'), education and experience words,
headcounts, Chinese dates, yes/no answers and identifiers (unified social credit code,
resident ID, phone numbers). The survey import, the job-posting import and the forms all
call these functions, so a value means the same thing wherever it was entered.

Every parser returns a value or raises :class:`ValueParseError` carrying a stable
``message_key`` (translated by the app) and the parameters of the message; ``str(error)``
is an English default that says how to fix the input. Blank input (``None``, NaN, ``''``)
is "not given": parsers return ``None`` for it, :func:`parse_monthly_pay` returns an
unknown :class:`Pay`, and validators raise a ``*.blank`` error.

Only the standard library is imported here. It lives in ``surveys`` because that is the
lowest package all its users may import: the questionnaire (``surveys``), the spreadsheet
imports (``app.imports``) and the forms (``app``); no model needs it.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_MESSAGES",
    "DISTRICTS_BY_ADCODE",
    "MAX_MONTHLY_PAY",
    "MIN_MONTHLY_PAY",
    "MONTHS_PER_YEAR",
    "PAY_PERIODS",
    "SHANGHAI_DISTRICTS",
    "CONTROL_CHARACTERS",
    "Pay",
    "Place",
    "ShanghaiDistrict",
    "ValueParseError",
    "clean_text",
    "is_blank",
    "normalize_employer_name",
    "normalize_text",
    "parse_bool",
    "parse_date",
    "parse_district",
    "parse_education_level",
    "parse_experience_years",
    "parse_headcount",
    "parse_job_attributes",
    "parse_monthly_pay",
    "parse_place",
    "organisation_code_check_character",
    "uscc_check_character",
    "validate_mobile",
    "validate_resident_id",
    "validate_uscc",
    "WORKING_DAYS_PER_MONTH",
    "WORKING_HOURS_PER_DAY",
]


# --------------------------------------------------------------------------- errors

DEFAULT_MESSAGES: dict[str, str] = {
    "pay.unreadable": (
        "Could not read the pay {text!r}. Write the pay as a number of yuan per month, "
        "e.g. 6000 or 6-8千/月; per year, day or hour, add the unit, e.g. 7-14万/年, "
        "150元/天 or 25元/小时; write 面议 if it is to be agreed."
    ),
    "pay.out_of_range": (
        "The pay {text!r} comes to {monthly:.0f} yuan a month, outside the plausible "
        "range of {low}-{high} yuan a month. Check the unit (千 = thousand, 万 = ten "
        "thousand) and the period (/月, /年, /天, /小时)."
    ),
    "pay.min_above_max": (
        "In the pay {text!r} the lower bound is above the upper bound. Write the smaller "
        "number first, e.g. 6000-8000."
    ),
    "place.blank": "The place is empty. Write the district, e.g. 浦东新区 or 上海-徐汇区.",
    "place.unreadable": (
        "Could not read the place {text!r}. Write a Shanghai district, e.g. 浦东新区 or "
        "上海-徐汇区, or the city, e.g. 北京-朝阳区."
    ),
    "district.unknown": (
        "{text!r} is not one of Shanghai's 16 districts. Write a district such as "
        "浦东新区, 徐汇区 or 闵行区 (short forms like 浦东 work too)."
    ),
    "district.outside_shanghai": (
        "The place {text!r} is outside Shanghai ({city}). Write one of Shanghai's 16 "
        "districts, e.g. 浦东新区."
    ),
    "education.unknown": (
        "Could not read the education {text!r}. Write one of 不限, 小学, 初中, 高中, 中专, "
        "大专, 本科, 硕士 or 博士, or a level from 0 to 6."
    ),
    "experience.unknown": (
        "Could not read the experience {text!r}. Write a number of years, e.g. 1年经验, "
        "3-4年经验, 10年以上经验, or 无需经验."
    ),
    "headcount.unknown": (
        "Could not read the headcount {text!r}. Write a whole number of people, e.g. 招5人 "
        "or 5, or 若干 if it is open."
    ),
    "headcount.not_positive": (
        "The headcount {text!r} must be at least 1. Write the number of people to hire, "
        "or 若干 if it is open."
    ),
    "attributes.unreadable": (
        "Could not read the list {text!r}. Write it as a list of strings, e.g. "
        "['上海-静安区', '无需经验', '本科', '招若干人']."
    ),
    "date.unreadable": (
        "Could not read the date {text!r}. Write it as 2026-07-01, 2026/7/1, 2026年7月1日 "
        "or, for a month, 2026.7 or 2026年7月."
    ),
    "date.invalid": (
        "The date {text!r} does not exist. Check the month (1-12) and the day of the month."
    ),
    "date.out_of_range": (
        "The date {text!r} is out of range. Write a date between 1900 and 2100, "
        "e.g. 2026-07-01."
    ),
    "bool.unreadable": "Could not read {text!r} as yes or no. Write 是 or 否 (yes or no).",
    "uscc.blank": (
        "The unified social credit code is empty. Copy the 18 characters from the "
        "business licence."
    ),
    "uscc.length": (
        "The unified social credit code has {length} characters; it must have exactly 18. "
        "Copy it again from the business licence."
    ),
    "uscc.illegal_character": (
        "The unified social credit code has the character {character!r} at position "
        "{position}, which never appears in these codes (only digits and the capital "
        "letters A-Y without I, O, S, V, Z). Check that character against the business "
        "licence."
    ),
    "uscc.check_character": (
        "The unified social credit code is not valid: with these first 17 characters the "
        "last character should be {expected!r}, not {found!r}. One of the characters was "
        "probably copied wrongly; check the code against the business licence."
    ),
    "uscc.organisation_check_character": (
        "The unified social credit code is not valid: characters 9-17 are the "
        "organisation code, whose check character (the 17th) should be {expected!r}, not "
        "{found!r}. One of characters 9-17 was probably copied wrongly; check the code "
        "against the business licence."
    ),
    "resident_id.blank": "The ID number is empty. Copy the 18 characters from the ID card.",
    "resident_id.length": (
        "The ID number has {length} characters; it must have exactly 18 (17 digits and a "
        "final digit or X)."
    ),
    "resident_id.illegal_character": (
        "The ID number has the character {character!r} at position {position}; only digits "
        "are allowed, and X only as the last character."
    ),
    "resident_id.birth_date": (
        "The birth date in the ID number (characters 7-14) is not a plausible date. Check "
        "those digits against the ID card."
    ),
    "resident_id.check_digit": (
        "The ID number is not valid: its last character does not match the first 17. One "
        "of the digits was probably copied wrongly; check it against the ID card."
    ),
    "phone.blank": "The phone number is empty. Write a mobile number, e.g. 13812345678.",
    "phone.unreadable": (
        "Could not read the phone number {text!r}. Write an 11-digit mobile number, e.g. "
        "13812345678, or a landline with its area code, e.g. 021-62345678."
    ),
    "phone.missing_area_code": (
        "The landline {text!r} has no area code. Add it, e.g. 021-62345678 for Shanghai."
    ),
    "phone.not_mobile": (
        "{text!r} is not a mobile number. Write an 11-digit mobile number starting with 13-19, "
        "e.g. 13812345678."
    ),
}


class ValueParseError(ValueError):
    """A value that could not be understood; ``message_key`` says why.

    Parameters
    ----------
    message_key : str
        Stable id of the problem, e.g. ``'pay.unreadable'``; the app translates it.
    **params
        Values the message refers to, e.g. ``text='8OOO'``.
    """

    def __init__(self, message_key: str, **params: Any) -> None:
        self.message_key = message_key
        self.params = params
        super().__init__(self.default_message)

    @property
    def default_message(self) -> str:
        """The English message, with the fix."""
        template = DEFAULT_MESSAGES.get(self.message_key, self.message_key)
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return f"{template} {self.params!r}"


# --------------------------------------------------------------------------- text

_RANGE_MARKS = re.compile(r"[~〜～—–－―‐‑−﹣]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    """Return True for None, NaN, pandas NA/NaT and empty or whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        # A visible first character survives normalisation: skip it (imports ask this
        # of every cell).
        if stripped and not _INVISIBLE.match(stripped):
            return False
        return not normalize_text(value)
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in {"NAType", "NaTType"}


#: Characters no stored text keeps: C0 and C1 controls but tab and newline (NUL, BEL,
#: ESC …), DEL, and the bidirectional overrides and isolates that reorder how text is shown
#: (U+202A-U+202E, U+2066-U+2069), which can make a name or a file name read backwards.
CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> tuple[str, int]:
    """Return ``text`` without control characters (tab and newline stay; a carriage
    return before a newline is dropped, a lone one becomes a newline) and how many
    characters were removed.

    Every text Qibu stores, typed or imported, passes through here first: a NUL is refused
    by PostgreSQL, and the others break spreadsheets and pages or hide what text says.
    """
    if not text:
        return text, 0
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = CONTROL_CHARACTERS.sub("", cleaned)
    removed = len(text) - len(cleaned) - text.count("\r\n")
    return cleaned, max(removed, 0)


def normalize_text(text: Any) -> str:
    """Return ``text`` in the form every parser reads.

    Full-width digits, letters and punctuation become half-width (NFKC, which leaves
    Chinese characters alone), the range marks ``～ 〜 ~ — –`` become ``-``, invisible
    characters go, and runs of whitespace collapse to one space with the ends stripped.
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _INVISIBLE.sub("", text)
    text = _RANGE_MARKS.sub("-", text)
    return _WHITESPACE.sub(" ", text).strip()


def _compact(text: Any) -> str:
    """Normalise and drop all whitespace: '上海 - 浦东' and '上海-浦东' read alike."""
    return _WHITESPACE.sub("", normalize_text(text))


def _original_text(value: Any) -> str:
    if is_blank(value):
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- pay

MIN_MONTHLY_PAY = 500
MAX_MONTHLY_PAY = 200_000
WORKING_DAYS_PER_MONTH = Decimal("21.75")
WORKING_HOURS_PER_DAY = 8
#: Months paid a year when a posting does not say ('13薪' says 13).
MONTHS_PER_YEAR = 12
#: The periods a pay can be stated in.
PAY_PERIODS = ("month", "year", "week", "day", "hour")

_PAY_PER_MONTH = {
    "month": Decimal(1),
    "year": Decimal(1) / 12,
    "week": Decimal(52) / 12,
    "day": WORKING_DAYS_PER_MONTH,
    "hour": WORKING_DAYS_PER_MONTH * WORKING_HOURS_PER_DAY,
}
_PAY_UNITS = {"": 1, "千": 1000, "k": 1000, "万": 10000, "w": 10000}
_PAY_UNKNOWN_WORDS = ("面议", "面谈", "待定", "协商", "商议", "保密")

_NUMBER = r"\d+(?:\.\d+)?"
_PAY_AMOUNT = rf"({_NUMBER})(千|k|万|w)?(?:元|块钱|块)?"
_PAY_PATTERN = re.compile(
    r"^(?P<prefix>(?:综合|基本|税前|税后|保底|底薪|月薪|年薪|日薪|时薪|周薪|薪资|薪酬|薪水|"
    r"工资|待遇|收入|:)*)"
    rf"{_PAY_AMOUNT}(?:-{_PAY_AMOUNT})?(?P<rest>.*)$"
)
_PAY_PREFIX_PERIODS = {"年薪": "year", "日薪": "day", "时薪": "hour", "周薪": "week"}
_PAY_PERIOD_TOKEN = re.compile(
    r"^(?:/|每|一|per)?(个月|月|年|天|日|小时|时|周|month|year|day|hour|h|week)"
)
_PAY_PERIOD_WORDS = {
    "个月": "month", "月": "month", "month": "month",
    "年": "year", "year": "year",
    "天": "day", "日": "day", "day": "day",
    "小时": "hour", "时": "hour", "hour": "hour", "h": "hour",
    "周": "week", "week": "week",
}
_PAY_BONUS_TOKEN = re.compile(r"^[·.*x×]?(1[2-9]|2[0-4])薪")
_PAY_OPEN_ABOVE = ("及以上", "以上", "起步", "起", "+提成", "+绩效", "+奖金", "+补贴", "+")
_PAY_OPEN_BELOW = ("及以下", "以下", "以内")
_PAY_IGNORED = (
    "(", ")", "[", "]", "【", "】", "税前", "税后", "左右", "上下", "可面议", "面议", "可谈",
    "元", "人民币", "rmb",
)
_PAY_STRIPPED = re.compile(r"^(?:¥|rmb|cny|人民币)|(?<=\d),(?=\d{3}(?!\d))")
_PAY_JOINERS = re.compile(r"(?<=[\d千万kw元])(?:至|到|~)(?=\d)")


@dataclass(frozen=True)
class Pay:
    """Base monthly pay in RMB as parsed from ``text``, with the months paid a year.

    ``min``/``max`` are base yuan per month (``None`` when open-ended or unknown): a
    bonus month is never spread over the year, so '8-12K·13薪' is 8,000–12,000 a month
    with ``months`` 13. ``period`` is what the amount was stated per ('month', 'year',
    'week', 'day' or 'hour'); a day or hour rate is converted with
    ``WORKING_DAYS_PER_MONTH`` and ``WORKING_HOURS_PER_DAY``, a yearly amount is divided
    by ``months``. ``unknown`` is True for '面议' and blank pay, which is never read as 0.
    """

    min: float | None
    max: float | None
    text: str
    unknown: bool = False
    months: int = MONTHS_PER_YEAR
    period: str = "month"

    @classmethod
    def not_given(cls, text: str = "") -> Pay:
        """Return the pay of a posting that states none ('面议' or blank)."""
        return cls(min=None, max=None, text=text, unknown=True)

    @property
    def annual_min(self) -> float | None:
        """The lowest pay a year (base × months), or None."""
        return None if self.min is None else round(self.min * self.months, 2)

    @property
    def annual_max(self) -> float | None:
        """The highest pay a year (base × months), or None."""
        return None if self.max is None else round(self.max * self.months, 2)


def _yuan(number: str, unit: str | None) -> Decimal:
    return Decimal(number) * _PAY_UNITS[unit or ""]


def _monthly(value: Decimal, factor: Decimal) -> float:
    return float((value * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def parse_monthly_pay(text: Any) -> Pay:
    """Read a pay string as base monthly RMB and months a year, keeping the original text.

    Understands '6-8千/月', '1-1.5万/月', '7-14万/年' (/ 12), '150元/天' (x 21.75 working
    days), '25元/小时' (x 8 hours x 21.75 days), '20-30K', '18-35K·13薪' (18,000–35,000 a
    month, 13 months a year), '15k-30k', '4500', '8千', '8000元', '6000-8000', '6000以上'
    (no maximum), '底薪4000+提成', '月薪6000' and '年薪20万'. A yearly amount with 'N薪'
    ('年薪20万·13薪') is divided by N. '面议', '薪资面议' and blank give an unknown pay.

    Raises
    ------
    ValueParseError
        ``pay.unreadable``, ``pay.min_above_max`` or ``pay.out_of_range`` (a base below
        500 or above 200,000 yuan a month).
    """
    original = _original_text(text)
    if isinstance(text, bool):
        raise ValueParseError("pay.unreadable", text=original)
    if not original:
        return Pay.not_given(original)
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise ValueParseError("pay.unreadable", text=original)
        amount = Decimal(str(text))
        return _checked_pay(original, amount, amount, Decimal(1), MONTHS_PER_YEAR, "month")

    compact = _compact(text).lower()
    if not re.search(r"\d", compact):
        if any(word in compact for word in _PAY_UNKNOWN_WORDS):
            return Pay.not_given(original)
        raise ValueParseError("pay.unreadable", text=original)
    compact = _PAY_STRIPPED.sub("", compact)
    compact = _PAY_JOINERS.sub("-", compact)

    match = _PAY_PATTERN.match(compact)
    if match is None:
        raise ValueParseError("pay.unreadable", text=original)
    low_number, low_unit, high_number, high_unit = match.group(2, 3, 4, 5)
    period = next(
        (p for word, p in _PAY_PREFIX_PERIODS.items() if word in match["prefix"]), "month"
    )
    period, bonus_months, open_above, open_below = _read_pay_suffix(
        match["rest"], period, original
    )

    if high_number is None:
        amount = _yuan(low_number, low_unit)
        low, high = amount, amount
        if open_above:
            high = None
        elif open_below:
            low = None
    else:
        high = _yuan(high_number, high_unit)
        # '6-8千' and '0.8-1万' share the unit; '5000-8k' and '6000-1万' are yuan already.
        shared_unit = low_unit or (high_unit if Decimal(low_number) < 1000 else None)
        low = _yuan(low_number, shared_unit)

    months = bonus_months or MONTHS_PER_YEAR
    factor = _PAY_PER_MONTH[period]
    if period == "year":
        # A yearly total is paid over the months it names ('年薪20万·13薪': 20万 / 13).
        factor = Decimal(1) / months
    return _checked_pay(original, low, high, factor, months, period)


def _read_pay_suffix(
    rest: str, period: str, original: str
) -> tuple[str, int, bool, bool]:
    """Read what follows the amount: period, 'N薪', '以上'/'以下' and ignorable words."""
    bonus_months = 0
    open_above = open_below = False
    while rest:
        if match := _PAY_PERIOD_TOKEN.match(rest):
            period = _PAY_PERIOD_WORDS[match[1]]
        elif match := _PAY_BONUS_TOKEN.match(rest):
            bonus_months = int(match[1])
        elif word := next((w for w in _PAY_OPEN_ABOVE if rest.startswith(w)), None):
            open_above = True
            rest = rest[len(word):]
            continue
        elif word := next((w for w in _PAY_OPEN_BELOW if rest.startswith(w)), None):
            open_below = True
            rest = rest[len(word):]
            continue
        elif word := next((w for w in _PAY_IGNORED if rest.startswith(w)), None):
            rest = rest[len(word):]
            continue
        else:
            raise ValueParseError("pay.unreadable", text=original)
        rest = rest[match.end():]
    return period, bonus_months, open_above, open_below


def _checked_pay(
    original: str, low: Decimal | None, high: Decimal | None, factor: Decimal, months: int,
    period: str,
) -> Pay:
    monthly_low = None if low is None else _monthly(low, factor)
    monthly_high = None if high is None else _monthly(high, factor)
    for monthly in (monthly_low, monthly_high):
        if monthly is not None and not MIN_MONTHLY_PAY <= monthly <= MAX_MONTHLY_PAY:
            raise ValueParseError(
                "pay.out_of_range", text=original, monthly=monthly,
                low=MIN_MONTHLY_PAY, high=MAX_MONTHLY_PAY,
            )
    if monthly_low is not None and monthly_high is not None and monthly_low > monthly_high:
        raise ValueParseError("pay.min_above_max", text=original)
    return Pay(min=monthly_low, max=monthly_high, text=original, months=months, period=period)


# --------------------------------------------------------------------------- places

SHANGHAI = "上海"


@dataclass(frozen=True)
class ShanghaiDistrict:
    """One of Shanghai's 16 districts, with the names people still write for it."""

    adcode: str
    name: str
    short_name: str
    english_name: str
    former_names: tuple[str, ...] = ()


SHANGHAI_DISTRICTS: tuple[ShanghaiDistrict, ...] = (
    ShanghaiDistrict("310101", "黄浦区", "黄浦", "Huangpu", ("卢湾区", "南市区")),
    ShanghaiDistrict("310104", "徐汇区", "徐汇", "Xuhui"),
    ShanghaiDistrict("310105", "长宁区", "长宁", "Changning"),
    ShanghaiDistrict("310106", "静安区", "静安", "Jing'an", ("闸北区",)),
    ShanghaiDistrict("310107", "普陀区", "普陀", "Putuo"),
    ShanghaiDistrict("310109", "虹口区", "虹口", "Hongkou"),
    ShanghaiDistrict("310110", "杨浦区", "杨浦", "Yangpu"),
    ShanghaiDistrict("310112", "闵行区", "闵行", "Minhang", ("上海县",)),
    ShanghaiDistrict("310113", "宝山区", "宝山", "Baoshan", ("宝山县", "吴淞区")),
    ShanghaiDistrict("310114", "嘉定区", "嘉定", "Jiading", ("嘉定县",)),
    ShanghaiDistrict(
        "310115", "浦东新区", "浦东", "Pudong New Area", ("南汇区", "南汇县", "川沙县")
    ),
    ShanghaiDistrict("310116", "金山区", "金山", "Jinshan", ("金山县",)),
    ShanghaiDistrict("310117", "松江区", "松江", "Songjiang", ("松江县",)),
    ShanghaiDistrict("310118", "青浦区", "青浦", "Qingpu", ("青浦县",)),
    ShanghaiDistrict("310120", "奉贤区", "奉贤", "Fengxian", ("奉贤县",)),
    ShanghaiDistrict("310151", "崇明区", "崇明", "Chongming", ("崇明县",)),
)
DISTRICTS_BY_ADCODE: dict[str, ShanghaiDistrict] = {d.adcode: d for d in SHANGHAI_DISTRICTS}

# Former names shortened only where the short form is unambiguous ('上海县' is not '上海').
_FORMER_SHORT_NAMES = {
    "卢湾": "310101", "南市": "310101", "闸北": "310106", "南汇": "310115",
    "川沙": "310115", "吴淞": "310113",
}
_FORMER_ENGLISH_NAMES = {
    "luwan": "310101", "nanshi": "310101", "zhabei": "310106", "nanhui": "310115",
    "chuansha": "310115", "wusong": "310113",
}


def _english_key(name: str) -> str:
    return re.sub(r"[\s'’`-]", "", name).lower()


def _district_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for district in SHANGHAI_DISTRICTS:
        names = [district.adcode, district.name, district.short_name, *district.former_names]
        for name in names:
            index[name] = district.adcode
        english = _english_key(district.english_name)
        first_word = _english_key(district.english_name.split()[0])
        for key in {english, first_word}:
            index[key] = district.adcode
            index[key + "district"] = district.adcode
    index.update(_FORMER_SHORT_NAMES)
    for key, adcode in _FORMER_ENGLISH_NAMES.items():
        index[key] = adcode
        index[key + "district"] = adcode
    index["pudongnewdistrict"] = "310115"
    return index


_DISTRICT_INDEX = _district_index()
# Longest first, so '浦东新区' wins over '浦东'; only Chinese names begin a longer place.
_DISTRICT_PREFIXES = sorted(
    (name for name in _DISTRICT_INDEX if re.match(r"[\u4e00-\u9fff]", name)),
    key=len, reverse=True,
)
_PLACE_SEPARATORS = re.compile(r"[-·・,/|、>_;:]+")
_SHANGHAI_PREFIX = re.compile(r"^(?:中国)?(?:上海市|上海|shanghai(?:city)?)")
_REMOTE_WORDS = {"异地招聘", "异地"}
_PLACE_LIKE = re.compile(r"^[\u4e00-\u9fffa-z().]{2,30}$")


class Place(NamedTuple):
    """Where a job or person is: ``(city, adcode, in_shanghai)``.

    ``city`` is '上海' for Shanghai, the city as written for elsewhere ('北京') and None
    when unknown ('异地招聘'); ``adcode`` is the Shanghai district's 6-digit code or None.
    """

    city: str | None
    adcode: str | None
    in_shanghai: bool


def _match_district(segment: str, *, in_shanghai: bool = False) -> str | None:
    """Return the adcode a place segment names, or None.

    A full district name inside a longer segment ('张江镇(浦东新区)') counts only when
    the place is known to be in Shanghai: '舟山市普陀区' is not Shanghai's 普陀区.
    """
    key = segment.lower()
    if key in _DISTRICT_INDEX:
        return _DISTRICT_INDEX[key]
    english = _english_key(key)
    if english in _DISTRICT_INDEX:
        return _DISTRICT_INDEX[english]
    # '浦东新区张江镇', '徐汇区漕河泾'
    for name in _DISTRICT_PREFIXES:
        if segment.startswith(name):
            return _DISTRICT_INDEX[name]
    if not in_shanghai:
        return None
    for district in SHANGHAI_DISTRICTS:
        for name in (district.name, *district.former_names):
            if len(name) >= 3 and name in segment:
                return district.adcode
    return None


def parse_place(text: Any, district: Any = None) -> Place:
    """Read a place as ``(city, adcode, in_shanghai)``.

    Understands '上海-浦东新区', '上海·徐汇区·漕河泾', '上海市浦东新区张江镇', '浦东',
    'Pudong', former names ('闸北区' is 静安区), '上海' alone (district unknown), other
    cities ('北京-朝阳区' -> ('北京', None, False)) and '异地招聘' (None, None, False).
    ``district`` is a separate district column, if the source has one.

    Raises
    ------
    ValueParseError
        ``place.blank`` or ``place.unreadable``.
    """
    parts = [_compact(part) for part in (text, district) if not is_blank(part)]
    if not parts:
        raise ValueParseError("place.blank")
    original = "-".join(_original_text(part) for part in (text, district) if not is_blank(part))
    segments = [s for s in _PLACE_SEPARATORS.split("-".join(parts)) if s]
    if not segments:
        raise ValueParseError("place.unreadable", text=original)

    first = segments[0]
    if first.lower() in _DISTRICT_INDEX:  # before the city prefix: '上海县' is 闵行区
        return Place(SHANGHAI, _DISTRICT_INDEX[first.lower()], True)
    shanghai_prefix = _SHANGHAI_PREFIX.match(first.lower())
    if shanghai_prefix is None:
        adcode = _match_district(first)
        if adcode is not None:
            return Place(SHANGHAI, adcode, True)
        if first in _REMOTE_WORDS:
            return Place(None, None, False)
        if not _PLACE_LIKE.match(first.lower()):
            raise ValueParseError("place.unreadable", text=original)
        return Place(first.removesuffix("市"), None, False)

    remainder = first[shanghai_prefix.end():]
    for segment in ([remainder] if remainder else []) + segments[1:]:
        adcode = _match_district(segment, in_shanghai=True)
        if adcode is not None:
            return Place(SHANGHAI, adcode, True)
    return Place(SHANGHAI, None, True)


def parse_district(text: Any) -> str | None:
    """Return the adcode of the Shanghai district ``text`` names, or None if none is given.

    '浦东', '浦东新区', '上海-浦东新区', '上海·徐汇区·漕河泾', 'Pudong', '310115' and
    former names ('闸北区' -> 310106 静安区, '南汇区' -> 310115) are understood; '上海'
    alone and blank give None.

    Raises
    ------
    ValueParseError
        ``district.outside_shanghai`` for another city, ``district.unknown`` when the text
        names something in Shanghai that is not a district.
    """
    if is_blank(text):
        return None
    original = _original_text(text)
    try:
        place = parse_place(text)
    except ValueParseError as error:
        raise ValueParseError("district.unknown", text=original) from error
    if not place.in_shanghai:
        # '北京-朝阳区' or '杭州市' name a city; a lone word like '蒲东' is more likely a typo.
        compact = _compact(text)
        if place.city is not None and (
            _PLACE_SEPARATORS.search(compact) or compact.endswith(("市", "省"))
        ):
            raise ValueParseError("district.outside_shanghai", text=original, city=place.city)
        raise ValueParseError("district.unknown", text=original)
    if place.adcode is None and _SHANGHAI_PREFIX.sub("", _compact(text).lower()).strip(
        "-·・,/|、>_;:"
    ):
        raise ValueParseError("district.unknown", text=original)
    return place.adcode


# --------------------------------------------------------------------------- people

_EDUCATION_WORDS: tuple[tuple[str, int], ...] = (
    ("不限", 0), ("无要求", 0), ("无学历", 0), ("文盲", 0), ("未上学", 0),
    ("小学", 1),
    ("初中", 2),
    ("高中", 3), ("中专", 3), ("中技", 3), ("职高", 3), ("技校", 3), ("职校", 3),
    ("大专", 4), ("专科", 4), ("高职", 4),
    ("本科", 5), ("学士", 5),
    ("硕士", 6), ("博士", 6), ("研究生", 6), ("mba", 6),
)
_EDUCATION_ENGLISH = {
    "none": 0, "noformaleducation": 0, "any": 0,
    "primary": 1, "primaryschool": 1,
    "juniormiddle": 2, "juniormiddleschool": 2, "juniorhigh": 2, "middleschool": 2,
    "seniorhigh": 3, "highschool": 3, "seniorhighorsecondaryvocational": 3,
    "secondaryvocational": 3, "vocational": 3,
    "juniorcollege": 4, "college": 4, "associate": 4,
    "bachelor": 5, "undergraduate": 5,
    "postgraduate": 6, "master": 6, "masters": 6, "phd": 6, "doctorate": 6,
}


def parse_education_level(text: Any) -> int | None:
    """Return the education level 0-6 a word names, or None when blank.

    0 '不限'/'无学历要求', 1 '小学', 2 '初中' (also '初中及以上', '初中及以下'),
    3 '高中'/'中专'/'中技'/'职高', 4 '大专', 5 '本科', 6 '硕士'/'博士'/'研究生'; a digit 0-6
    is taken as the level. When several are named ('高中/中专', '大专或本科') the lowest
    is returned: a posting's requirement is its lowest accepted level.

    Raises
    ------
    ValueParseError
        ``education.unknown``.
    """
    if is_blank(text):
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if float(text).is_integer() and 0 <= text <= 6:
            return int(text)
        raise ValueParseError("education.unknown", text=_original_text(text))
    key = _compact(text).lower()
    if re.fullmatch(r"[0-6]", key):
        return int(key)
    if re.sub(r"[^a-z]", "", key) in _EDUCATION_ENGLISH:
        return _EDUCATION_ENGLISH[re.sub(r"[^a-z]", "", key)]
    levels = [level for word, level in _EDUCATION_WORDS if word in key]
    if not levels:
        raise ValueParseError("education.unknown", text=_original_text(text))
    return min(levels)


_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                   "七": 7, "八": 8, "九": 9}
_NO_EXPERIENCE_WORDS = (
    "无需经验", "无工作经验", "无经验", "经验不限", "不需要经验", "无需工作经验", "在校", "应届",
    "零经验", "无相关经验", "接受新手", "新手",
)
_NO_EXPERIENCE_EXACT = {"无", "不限", "无需", "none", "no", "noexperience"}


def _chinese_number_to_int(text: str) -> str:
    """Replace small Chinese numbers (一 … 九十九) by digits: '三年' -> '3年'."""
    def convert(match: re.Match[str]) -> str:
        token = match[0]
        if "十" not in token:
            return str(_CHINESE_DIGITS[token])
        tens, _, units = token.partition("十")
        return str((_CHINESE_DIGITS[tens] if tens else 1) * 10
                   + (_CHINESE_DIGITS[units] if units else 0))

    digit = "[一二两三四五六七八九]"
    return re.sub(rf"{digit}?十{digit}?|{digit}", convert, text)


def parse_experience_years(text: Any) -> float | None:
    """Return the years of experience asked or offered, or None when blank.

    '无需经验', '无工作经验', '在校生/应届生' -> 0; '1年经验' -> 1; ranges give their lower
    bound ('3-4年经验' -> 3, '5-7年经验' -> 5); '10年以上经验' -> 10; '半年' -> 0.5;
    '1年以下' -> 0; a bare number is years.

    Raises
    ------
    ValueParseError
        ``experience.unknown``.
    """
    if is_blank(text):
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if 0 <= text <= 60:
            return float(text)
        raise ValueParseError("experience.unknown", text=_original_text(text))
    key = _chinese_number_to_int(_compact(text).lower())
    if key.startswith("半年") or key == "半":
        return 0.5
    match = re.match(rf"^(?:工作)?(?:经验)?:?({_NUMBER})(?:-{_NUMBER})?(年|years?|yrs?)?(.*)$",
                     key)
    if match and float(match[1]) <= 60:
        if not match[2] and match[3].startswith("个月"):
            return round(float(match[1]) / 12, 2)
        if match[2] or not match[3]:
            if re.match(r"^(?:以下|以内|内)", match[3]):
                return 0.0
            return float(match[1])
    if key in _NO_EXPERIENCE_EXACT or any(word in key for word in _NO_EXPERIENCE_WORDS):
        return 0.0
    raise ValueParseError("experience.unknown", text=_original_text(text))


_HEADCOUNT_OPEN_WORDS = ("若干", "不限", "多名", "数名")


def parse_headcount(text: Any) -> int | None:
    """Return the number of people an opening hires, or None when open or blank.

    '招10人', '5人', '10', 10 -> 10/5/10/10; '招若干人', '若干' -> None (read correctly as
    unknown). Check :func:`is_blank` first to tell blank from '若干'.

    Raises
    ------
    ValueParseError
        ``headcount.unknown`` or ``headcount.not_positive``.
    """
    if is_blank(text):
        return None
    original = _original_text(text)
    if isinstance(text, bool):
        raise ValueParseError("headcount.unknown", text=original)
    if isinstance(text, (int, float)):
        if not float(text).is_integer():
            raise ValueParseError("headcount.unknown", text=original)
        count = int(text)
    else:
        key = _chinese_number_to_int(_compact(text).lower())
        if any(word in key for word in _HEADCOUNT_OPEN_WORDS):
            return None
        match = re.fullmatch(r"(?:招聘?|需要?)?(\d+)(?:\.0+)?(?:个|名)?(?:人|people|persons?)?",
                             key)
        if match is None:
            raise ValueParseError("headcount.unknown", text=original)
        count = int(match[1])
    if count < 1:
        raise ValueParseError("headcount.not_positive", text=original)
    return count


# --------------------------------------------------------------------------- 51job cells

_ATTRIBUTE_CELL_MAX_LENGTH = 2000


def parse_job_attributes(cell: Any) -> dict[str, Any]:
    """Read a 51job-style list cell into its place, experience, education and headcount.

    ``"['上海-静安区', '无需经验', '本科', '招若干人']"`` gives ``{'place': Place('上海',
    '310106', True), 'experience': 0.0, 'education': 5, 'headcount': None}``. Each element
    is recognised by what it says, not by its position; a key is present only when its
    element was there, so ``'headcount' in result`` tells '招若干人' (None) from a missing
    headcount. Elements that fit no kind are listed under ``'unrecognised'``. The cell is
    read with :func:`ast.literal_eval`, never evaluated as code. Blank gives ``{}``.

    Raises
    ------
    ValueParseError
        ``attributes.unreadable`` when the cell is not a list of strings.
    """
    if is_blank(cell):
        return {}
    if isinstance(cell, (list, tuple)):
        elements = list(cell)
    else:
        text = str(cell).strip()
        if len(text) > _ATTRIBUTE_CELL_MAX_LENGTH:
            raise ValueParseError("attributes.unreadable", text=text[:50] + "…")
        try:
            elements = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
            raise ValueParseError("attributes.unreadable", text=text) from error
        if isinstance(elements, str):
            elements = [elements]
    if not isinstance(elements, (list, tuple)) or not all(
        isinstance(e, str) for e in elements
    ):
        raise ValueParseError("attributes.unreadable", text=_original_text(cell))

    result: dict[str, Any] = {}
    unrecognised: list[str] = []
    for element in elements:
        kind, value = _attribute_kind(element)
        if kind is None or kind in result:
            if not is_blank(element):
                unrecognised.append(element)
        else:
            result[kind] = value
    if "place" not in result:
        # A city-looking leftover is the place when no element was recognised as one.
        for element in list(unrecognised):
            try:
                result["place"] = parse_place(element)
            except ValueParseError:
                continue
            unrecognised.remove(element)
            break
    if unrecognised:
        result["unrecognised"] = tuple(unrecognised)
    return result


def _attribute_kind(element: str) -> tuple[str | None, Any]:
    key = _compact(element)
    if not key:
        return None, None
    if "人" in key or "若干" in key:
        try:
            return "headcount", parse_headcount(key)
        except ValueParseError:
            pass
    if "经验" in key or "应届" in key or "在校" in key:
        try:
            return "experience", parse_experience_years(key)
        except ValueParseError:
            pass
    if len(key) <= 8:
        try:
            return "education", parse_education_level(key)
        except ValueParseError:
            pass
    try:
        place = parse_place(key)
    except ValueParseError:
        return None, None
    if place.in_shanghai or "-" in key or key in _REMOTE_WORDS or len(key) <= 6:
        return "place", place
    return None, None


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# 10000 is 1927-05-18: a smaller number is far likelier a year or a typo than a date.
_EXCEL_SERIAL_RANGE = (10_000, 73_415)  # … 2100-12-31
_TRAILING_TIME = re.compile(r"(?<=\d)(?:t| +)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})()$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?()$"),
)


def _excel_serial_date(serial: float, original: str) -> dt.date:
    """Return the date of an Excel serial number (1900 date system)."""
    low, high = _EXCEL_SERIAL_RANGE
    if serial < low:
        raise ValueParseError("date.unreadable", text=original)
    if serial > high:
        raise ValueParseError("date.out_of_range", text=original)
    # Serials from 61 on count from 1899-12-30 because Excel keeps a 1900-02-29.
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value: Any) -> dt.date | None:
    """Return the date ``value`` names, or None when blank.

    Understands '2026-07-01', '2026/7/1', '2026.07.15', '2026年7月15日', '20260715',
    months as their first day ('2026.7', '2026-07', '2026年7月'), Excel serial numbers
    (46204 or '46204' -> 2026-07-01) and date/datetime objects.

    Raises
    ------
    ValueParseError
        ``date.unreadable``, ``date.invalid`` or ``date.out_of_range``.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    original = _original_text(value)
    if isinstance(value, bool):
        raise ValueParseError("date.unreadable", text=original)
    if isinstance(value, (int, float)):
        return _excel_serial_date(float(value), original)
    key = _compact(_TRAILING_TIME.sub("", normalize_text(value).lower()))
    if re.fullmatch(r"\d{5}(?:\.\d+)?", key):
        return _excel_serial_date(float(key), original)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(key)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
            if not 1900 <= year <= 2100:
                raise ValueParseError("date.out_of_range", text=original)
            try:
                return dt.date(year, month, day)
            except ValueError as error:
                raise ValueParseError("date.invalid", text=original) from error
    raise ValueParseError("date.unreadable", text=original)


_MONTH_DAY = re.compile(r"^(\d{1,2})(?:[-/.]|月)(\d{1,2})[日号]?$")


def parse_posting_date(value: Any, today: dt.date) -> dt.date | None:
    """Return the date a job posting was posted or refreshed, or None when blank.

    Besides everything :func:`parse_date` reads, job boards write the day without the
    year ('10-14', '10月14日'): that is the latest such day not after `today`, since a
    posting cannot be refreshed in the future.

    Raises
    ------
    ValueParseError
        ``date.unreadable``, ``date.invalid`` or ``date.out_of_range``.
    """
    if isinstance(value, str):
        match = _MONTH_DAY.match(_compact(value))
        if match:
            month, day = int(match[1]), int(match[2])
            for year in range(today.year, today.year - 8, -1):  # 02-29: the last leap year
                try:
                    found = dt.date(year, month, day)
                except ValueError:
                    continue
                if found <= today:
                    return found
            raise ValueParseError("date.invalid", text=_original_text(value))
    return parse_date(value)


# --------------------------------------------------------------------------- yes / no

_TRUE_WORDS = {"是", "有", "需要", "要", "对", "y", "yes", "true", "t", "1", "✓", "✔", "√",
               "on", "是的", "需", "能", "可以"}
_FALSE_WORDS = {"否", "无", "不需要", "不要", "没有", "不", "n", "no", "false", "f", "0", "✗",
                "✘", "×", "x", "off", "不是", "不需", "不能", "不可以"}


def parse_bool(value: Any) -> bool | None:
    """Return the yes/no answer ``value`` gives, or None when blank.

    Yes: 是, 有, 需要, Y, yes, 1, ✓; no: 否, 无, 不需要, N, no, 0, ✗, ×.

    Raises
    ------
    ValueParseError
        ``bool.unreadable``.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = _compact(value).lower().rstrip(".。!")
    if key in _TRUE_WORDS:
        return True
    if key in _FALSE_WORDS:
        return False
    raise ValueParseError("bool.unreadable", text=_original_text(value))


# --------------------------------------------------------------------------- identifiers

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_IDENTIFIER_NOISE = re.compile(r"[\s\-_.·]")


def uscc_check_character(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check_character(body: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code body.

    Digits count as themselves and letters A-Z as 10-35; check = 11 - (sum mod 11),
    written 'X' for 10 and '0' for 11.
    """
    total = sum(int(c, 36) * w for c, w in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(code: Any) -> str:
    """Return the unified social credit code in canonical form (upper case, no spaces).

    Checks GB 32100-2015: 18 characters from ``0-9ABCDEFGHJKLMNPQRTUWXY``, the check
    character (weights 3^i mod 31), and the check character of the organisation code
    embedded in characters 9-17 (GB 11714, see `organisation_code_check_character`).

    Raises
    ------
    ValueParseError
        ``uscc.blank``, ``uscc.length`` (``length``), ``uscc.illegal_character``
        (``position`` 1-18 and ``character``), ``uscc.check_character`` or
        ``uscc.organisation_check_character`` (``expected``, ``found``).
    """
    if is_blank(code):
        raise ValueParseError("uscc.blank")
    normalized = _IDENTIFIER_NOISE.sub("", normalize_text(code)).upper()
    if len(normalized) != 18:
        raise ValueParseError("uscc.length", length=len(normalized), text=normalized)
    for position, character in enumerate(normalized, start=1):
        if character not in USCC_ALPHABET:
            raise ValueParseError(
                "uscc.illegal_character", position=position, character=character,
                text=normalized,
            )
    expected = uscc_check_character(normalized[:17])
    if normalized[17] != expected:
        raise ValueParseError(
            "uscc.check_character", expected=expected, found=normalized[17], text=normalized
        )
    expected = organisation_code_check_character(normalized[8:16])
    if normalized[16] != expected:
        raise ValueParseError(
            "uscc.organisation_check_character", expected=expected, found=normalized[16],
            text=normalized,
        )
    return normalized


_RESIDENT_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_ID_CHECK = "10X98765432"


def validate_resident_id(code: Any, *, today: dt.date) -> str:
    """Return the 18-character resident ID number in canonical form (final X upper case).

    Checks the ISO 7064 MOD 11-2 check character and that characters 7-14 are a birth
    date between 1900 and ``today`` (the caller's: Qibu's time zone, not the machine's).
    Messages never repeat the number: it is personal data.

    Raises
    ------
    ValueParseError
        ``resident_id.blank``, ``resident_id.length``, ``resident_id.illegal_character``,
        ``resident_id.birth_date`` or ``resident_id.check_digit``.
    """
    if is_blank(code):
        raise ValueParseError("resident_id.blank")
    normalized = _IDENTIFIER_NOISE.sub("", normalize_text(code)).upper()
    if len(normalized) != 18:
        raise ValueParseError("resident_id.length", length=len(normalized))
    for position, character in enumerate(normalized, start=1):
        if not (character.isdigit() and character.isascii()) and not (
            position == 18 and character == "X"
        ):
            raise ValueParseError(
                "resident_id.illegal_character", position=position, character=character
            )
    try:
        birth = dt.date(int(normalized[6:10]), int(normalized[10:12]), int(normalized[12:14]))
    except ValueError as error:
        raise ValueParseError("resident_id.birth_date") from error
    if not dt.date(1900, 1, 1) <= birth <= today:
        raise ValueParseError("resident_id.birth_date")
    total = sum(int(c) * w for c, w in zip(normalized[:17], _RESIDENT_ID_WEIGHTS, strict=True))
    if normalized[17] != _RESIDENT_ID_CHECK[total % 11]:
        raise ValueParseError("resident_id.check_digit")
    return normalized


_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(
    r"^(0(?:10|2\d|[3-9]\d{2}))-?(\d{3,4}-?\d{4})(?:(?:-|转|ext\.?|x|#)(\d{1,6}))?$"
)
_SERVICE_NUMBER = re.compile(r"^([48]00)(\d{3})(\d{4})$")


def validate_mobile(text: Any, *, allow_landline: bool = True) -> str:
    """Return a Chinese phone number in canonical form.

    A mobile number (``1[3-9]`` and 9 more digits, '+86' dropped) comes back as 11 digits;
    unless ``allow_landline`` is False, a landline with its area code comes back as
    '021-62345678' (extension as '021-62345678-123') and a 400/800 number as
    '400-123-4567'.

    Raises
    ------
    ValueParseError
        ``phone.blank``, ``phone.unreadable``, ``phone.missing_area_code`` or
        ``phone.not_mobile``.
    """
    if is_blank(text):
        raise ValueParseError("phone.blank")
    original = _original_text(text)
    key = re.sub(r"\s+|\(|\)", "-", normalize_text(text).lower()).strip("-")
    key = re.sub(r"-+", "-", key)
    digits = re.sub(r"[-.]", "", key)
    if match := _MOBILE.match(digits):
        return match[1]
    match = _LANDLINE.match(key)
    if match and 7 <= len(match[2].replace("-", "")) <= 8:
        if not allow_landline:
            raise ValueParseError("phone.not_mobile", text=original)
        area, number, extension = match.groups()
        return f"{area}-{number.replace('-', '')}" + (f"-{extension}" if extension else "")
    if match := _SERVICE_NUMBER.match(digits):
        if not allow_landline:
            raise ValueParseError("phone.not_mobile", text=original)
        return "-".join(match.groups())
    if re.fullmatch(r"[2-9]\d{6,7}", digits):
        raise ValueParseError(
            "phone.not_mobile" if not allow_landline else "phone.missing_area_code",
            text=original,
        )
    raise ValueParseError(
        "phone.unreadable" if allow_landline else "phone.not_mobile", text=original
    )


# --------------------------------------------------------------------------- employers

_COMPANY_NOISE = re.compile(r"[\s()（）【】\[\]·.,，、\-]")


def normalize_employer_name(name: Any) -> str:
    """Return an employer name reduced for matching: no spaces, brackets or case.

    '上海 XX 物流（集团）有限公司' and '上海XX物流(集团)有限公司' give the same key.
    """
    return _COMPANY_NOISE.sub("", normalize_text(name)).lower()
