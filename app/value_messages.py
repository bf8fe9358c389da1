"""Translatable messages for surveys.values parse errors, in the user's language."""

from flask_babel import lazy_gettext as _l

from surveys.values import ValueParseError

# One msgid per surveys.values message key; %(name)s are the error's parameters.
MESSAGES = {
    "pay.unreadable": _l(
        "Could not read the pay “%(text)s”. Write the pay as a number of yuan per "
        "month, e.g. 6000 or 6-8千/月; per year, day or hour, add the unit, e.g. 7-14万/年, "
        "150元/天 or 25元/小时; write 面议 if it is to be agreed."
    ),
    "pay.out_of_range": _l(
        "The pay “%(text)s” comes to %(monthly)s yuan a month, outside the plausible "
        "range of %(low)s-%(high)s yuan a month. Check the unit (千 = thousand, 万 = ten "
        "thousand) and the period (/月, /年, /天, /小时)."
    ),
    "pay.min_above_max": _l(
        "In the pay “%(text)s” the lower bound is above the upper bound. Write the "
        "smaller number first, e.g. 6000-8000."
    ),
    "place.blank": _l(
        "The place is empty. Write the district, e.g. 浦东新区 or 上海-徐汇区."
    ),
    "place.unreadable": _l(
        "Could not read the place “%(text)s”. Write a Shanghai district, e.g. 浦东新区 or "
        "上海-徐汇区, or the city, e.g. 北京-朝阳区."
    ),
    "district.unknown": _l(
        "“%(text)s” is not one of Shanghai’s 16 districts. Write a district such as "
        "浦东新区, 徐汇区 or 闵行区 (short forms like 浦东 work too)."
    ),
    "district.outside_shanghai": _l(
        "The place “%(text)s” is outside Shanghai (%(city)s). Write one of Shanghai’s "
        "16 districts, e.g. 浦东新区."
    ),
    "education.unknown": _l(
        "Could not read the education “%(text)s”. Write one of 不限, 小学, 初中, 高中, 中专, 大专, "
        "本科, 硕士 or 博士, or a level from 0 to 6."
    ),
    "experience.unknown": _l(
        "Could not read the experience “%(text)s”. Write a number of years, e.g. 1年经验, "
        "3-4年经验, 10年以上经验, or 无需经验."
    ),
    "headcount.unknown": _l(
        "Could not read the headcount “%(text)s”. Write a whole number of people, e.g. "
        "招5人 or 5, or 若干 if it is open."
    ),
    "headcount.not_positive": _l(
        "The headcount “%(text)s” must be at least 1. Write the number of people to "
        "hire, or 若干 if it is open."
    ),
    "attributes.unreadable": _l(
        "Could not read the list “%(text)s”. Write it as a list of strings, e.g. "
        "[’上海-静安区’, ’无需经验’, ’本科’, ’招若干人’]."
    ),
    "date.unreadable": _l(
        "Could not read the date “%(text)s”. Write it as 2026-07-01, 2026/7/1, "
        "2026年7月1日 or, for a month, 2026.7 or 2026年7月."
    ),
    "date.invalid": _l(
        "The date “%(text)s” does not exist. Check the month (1-12) and the day of the "
        "month."
    ),
    "date.out_of_range": _l(
        "The date “%(text)s” is out of range. Write a date between 1900 and 2100, e.g. "
        "2026-07-01."
    ),
    "bool.unreadable": _l(
        "Could not read “%(text)s” as yes or no. Write 是 or 否 (yes or no)."
    ),
    "uscc.blank": _l(
        "The unified social credit code is empty. Copy the 18 characters from the "
        "business licence."
    ),
    "uscc.length": _l(
        "The unified social credit code has %(length)s characters; it must have exactly "
        "18. Copy it again from the business licence."
    ),
    "uscc.illegal_character": _l(
        "The unified social credit code has the character “%(character)s” at position "
        "%(position)s, which never appears in these codes (only digits and the capital "
        "letters A-Y without I, O, S, V, Z). Check that character against the business "
        "licence."
    ),
    "uscc.check_character": _l(
        "The unified social credit code is not valid: with these first 17 characters "
        "the last character should be “%(expected)s”, not “%(found)s”. One of the "
        "characters was probably copied wrongly; check the code against the business "
        "licence."
    ),
    "uscc.organisation_check_character": _l(
        "The unified social credit code is not valid: characters 9-17 are the "
        "organisation code, whose check character (the 17th) should be “%(expected)s”, "
        "not “%(found)s”. One of characters 9-17 was probably copied wrongly; check the "
        "code against the business licence."
    ),
    "resident_id.blank": _l(
        "The ID number is empty. Copy the 18 characters from the ID card."
    ),
    "resident_id.length": _l(
        "The ID number has %(length)s characters; it must have exactly 18 (17 digits "
        "and a final digit or X)."
    ),
    "resident_id.illegal_character": _l(
        "The ID number has the character “%(character)s” at position %(position)s; only "
        "digits are allowed, and X only as the last character."
    ),
    "resident_id.birth_date": _l(
        "The birth date in the ID number (characters 7-14) is not a plausible date. "
        "Check those digits against the ID card."
    ),
    "resident_id.check_digit": _l(
        "The ID number is not valid: its last character does not match the first 17. "
        "One of the digits was probably copied wrongly; check it against the ID card."
    ),
    "phone.blank": _l(
        "The phone number is empty. Write a mobile number, e.g. 13812345678."
    ),
    "phone.unreadable": _l(
        "Could not read the phone number “%(text)s”. Write an 11-digit mobile number, "
        "e.g. 13812345678, or a landline with its area code, e.g. 021-62345678."
    ),
    "phone.missing_area_code": _l(
        "The landline “%(text)s” has no area code. Add it, e.g. 021-62345678 for "
        "Shanghai."
    ),
    "phone.not_mobile": _l(
        "“%(text)s” is not a mobile number. Write an 11-digit mobile number starting "
        "with 13-19, e.g. 13812345678."
    ),
}


def value_error_message(error: ValueParseError) -> str:
    """Return the error's message, with its fix, in the current language."""
    message = MESSAGES.get(error.message_key)
    if message is None:
        return error.default_message
    params = {k: (f"{v:.0f}" if isinstance(v, float) else v) for k, v in error.params.items()}
    params.setdefault("text", "")
    return str(message) % params if "%(" in str(message) else str(message)
