"""An opening's pay in words: base pay a month, months a year, the yearly figure.

Every page, printed sheet and reason words pay here, so '8-12K·13薪' reads as
"8,000–12,000 yuan/month × 13 months" everywhere, and a converted day or hour rate says
how it was converted ("按每月 21.75 天计").
"""

from flask_babel import gettext as _

from surveys.values import MONTHS_PER_YEAR, WORKING_DAYS_PER_MONTH, WORKING_HOURS_PER_DAY


def _money(value) -> str:
    return f"{value:,.0f}"


def _range(low, high) -> str:
    if low is None and high is None:
        return _("Pay negotiable")
    if high is None:
        return _("from %(amount)s yuan/month", amount=_money(low))
    if low is None:
        return _("up to %(amount)s yuan/month", amount=_money(high))
    if low == high:
        return _("%(amount)s yuan/month", amount=_money(low))
    return _("%(low)s–%(high)s yuan/month", low=_money(low), high=_money(high))


def conversion_note(period: str | None, months: int | None = None) -> str | None:
    """How a pay stated per day, hour, week or year was turned into pay a month."""
    if period == "day":
        return _("counted as %(days)s working days a month", days=WORKING_DAYS_PER_MONTH)
    if period == "hour":
        return _("counted as %(days)s working days of %(hours)s hours a month",
                 days=WORKING_DAYS_PER_MONTH, hours=WORKING_HOURS_PER_DAY)
    if period == "week":
        return _("counted as 52 weeks a year")
    if period == "year":
        return _("yearly pay counted over %(months)s months",
                 months=months or MONTHS_PER_YEAR)
    return None


def pay_label(low, high, months=None, period=None) -> str:
    """Base pay a month, '× N months' when not 12, and how a rate was converted."""
    text = _range(low, high)
    if low is None and high is None:
        return text
    if months and months != MONTHS_PER_YEAR:
        text += " × " + _("%(months)s months", months=months)
    note = conversion_note(period, months)
    if note:
        text += _(" (%(note)s)", note=note)
    return text


def annual_pay_label(low, high, months=None) -> str | None:
    """The yearly figure (base × months), or None when no pay is stated."""
    months = months or MONTHS_PER_YEAR
    if low is None and high is None:
        return None
    low_year = None if low is None else low * months
    high_year = None if high is None else high * months
    if high_year is None:
        return _("from %(amount)s yuan a year", amount=_money(low_year))
    if low_year is None:
        return _("up to %(amount)s yuan a year", amount=_money(high_year))
    if low_year == high_year:
        return _("%(amount)s yuan a year", amount=_money(low_year))
    return _("%(low)s–%(high)s yuan a year", low=_money(low_year), high=_money(high_year))


def opening_pay(opening) -> str:
    """`pay_label` of an opening (anything with pay_min, pay_max, pay_months, pay_period)."""
    return pay_label(opening.pay_min, opening.pay_max, opening.pay_months, opening.pay_period)


def opening_annual_pay(opening) -> str | None:
    return annual_pay_label(opening.pay_min, opening.pay_max, opening.pay_months)


def init_app(app):
    app.jinja_env.globals.update(pay_label=pay_label, opening_pay=opening_pay,
                                 opening_annual_pay=opening_annual_pay)
