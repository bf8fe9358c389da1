"""Plain wording of the matcher's reason codes, in the user's language.

`matching` returns reasons as data ({"code": ..., params}); the kiosk, the printed
sheets and the staff pages all word them here, so they say the same thing.
"""

import json
import time

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import locale_code
from app.labels import category_name, district_name
from app.memo import KeptForAWhile
from app.pay import pay_label
from models import Certificate, db

EDUCATION_NAMES = {
    0: _l("no schooling"), 1: _l("primary school"), 2: _l("junior middle school"),
    3: _l("senior high or secondary vocational"), 4: _l("junior college"),
    5: _l("bachelor"), 6: _l("postgraduate"),
}
SHIFT_NAMES = {"day": _l("day shift"), "night": _l("night shift"),
               "rotating": _l("rotating shifts")}
RIASEC_NAMES = {"R": _l("hands-on"), "I": _l("investigative"), "A": _l("artistic"),
                "S": _l("helping people"), "E": _l("enterprising"), "C": _l("orderly")}

TEMPLATES = {
    "first_choice": _l("Your first choice: %(category)s"),
    "chosen_category": _l("Your choice no. %(choice)s: %(category)s"),
    "related_category": _l("%(category)s is close to your choice %(chosen)s"),
    "pay_meets_floor": _l("Pay %(pay)s meets your lowest acceptable pay of %(floor)s"),
    "pay_meets_hope": _l("Pay %(pay)s reaches the %(hoped)s you hope for"),
    "pay_can_reach_hope": _l("Pay %(pay)s can reach the %(hoped)s you hope for, at the top "
                             "of its range"),
    "same_district": _l("In your home district, %(district)s"),
    "near_home": _l("Near home: %(district)s, about %(km)s km away (within %(limit)s km)"),
    "far_with_housing": _l("About %(km)s km away, but housing is provided"),
    "housing_provided": _l("Housing is provided"),
    "in_chosen_districts": _l("In a district you chose: %(district)s"),
    "meets_education": _l("You meet the education required (%(required)s)"),
    "has_experience": _l("Your %(years)s years of experience meet the %(required)s required"),
    "has_certificates": _l("You hold the certificate needed: %(certificates)s"),
    "skills_match": _l("Your skills match what the job asks for"),
    "interest_fit": _l("Fits your interests (%(holland)s)"),
    "shift_ok": _l("Works in a shift you accept: %(shift)s"),
    "missing_certificate": _l("Needs %(certificate)s, which you don't have yet"),
    "pay_unknown": _l("Pay is to be agreed with the employer"),
    "pay_partly_below_floor": _l("Pay %(pay)s starts below your lowest acceptable %(floor)s"),
    "pay_below_floor": _l("Pay %(pay)s is below your lowest acceptable %(floor)s"),
    "no_housing": _l("No housing provided, and you need it"),
    "far": _l("Far from home: %(district)s, about %(km)s km away"),
    "outside_chosen_districts": _l("You want to work in %(chosen)s; this job is in "
                                   "%(district)s"),
    "education_below": _l("Asks for %(required)s; you have %(has)s"),
    "experience_below": _l("Asks for %(required)s years of experience; you have %(has)s"),
}


def _certificate_name(code: str) -> str:
    names = g.setdefault("certificate_names", None)
    if names is None:
        names = {c.code: c for c in db.session.scalars(sa.select(Certificate))}
        g.certificate_names = names
    row = names.get(code)
    return row.name(locale_code()) if row else code


def _money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _pay(reason: dict) -> str:
    """The opening's base pay a month, × its months a year, with how a day or hour rate
    was converted ("按每月 21.75 天计")."""
    return pay_label(reason.get("min"), reason.get("max"), reason.get("months"),
                     reason.get("period"))


class ReasonTexts:
    """Worded reasons by (language, reason data), kept by each worker for a while.

    The same data always reads the same, so a worker words each distinct reason once
    instead of on every page (the kiosk's options page words up to eight per opening).
    A text holds nothing but the data it is keyed by, so it can never show one person
    another's facts. All texts are dropped every `seconds` (and when `size` are held),
    because the reference names they use can be reloaded while the server runs.
    """

    def __init__(self, seconds: float = 300, size: int = 4096, clock=time.monotonic):
        self._kept = KeptForAWhile(seconds, size, clock)

    def text(self, reason: dict, locale: str) -> str:
        """The wording of `reason` in `locale`, which must be the request's language."""
        return self._remember(("text", locale), reason, lambda: _word(reason))

    def split(self, reasons: list[dict], limit: int, locale: str) -> tuple[list[str], list[str]]:
        """split_reasons() in `locale`, which must be the request's language."""
        positive, caveats = self._remember(("split", locale, limit), reasons, lambda: (
            tuple([self.text(r, locale) for r in reasons if not r.get("caveat")][:limit]),
            tuple(self.text(r, locale) for r in reasons if r.get("caveat")),
        ))
        return list(positive), list(caveats)

    def _remember(self, kind: tuple, data, word):
        try:
            key = (*kind, json.dumps(data, sort_keys=True, ensure_ascii=False))
        except TypeError:  # not plain data (numpy values straight from the matcher)
            return word()
        return self._kept.get(key, word)


def _texts() -> ReasonTexts:
    return current_app.extensions["qibu_reason_texts"]


def reason_text(reason: dict) -> str:
    """One reason or caveat as a plain sentence in the current language."""
    return _texts().text(reason, locale_code())


def _word(reason: dict) -> str:
    code = reason.get("code")
    template = TEMPLATES.get(code)
    if template is None:
        return str(code)
    params = {
        "category": category_name(reason.get("category")),
        "chosen": ("、".join(district_name(d) for d in reason.get("chosen", []))
                   if code == "outside_chosen_districts"
                   else category_name(reason.get("chosen"))),
        "choice": reason.get("choice", ""),
        "pay": _pay(reason),
        "floor": _("%(amount)s yuan", amount=_money(reason.get("floor"))),
        "hoped": _("%(amount)s yuan", amount=_money(reason.get("hoped"))),
        "district": district_name(reason.get("district")),
        "km": reason.get("km", ""),
        "limit": reason.get("limit", ""),
        "required": (str(EDUCATION_NAMES[reason["required"]])
                     if code in ("meets_education", "education_below")
                     else reason.get("required", "")),
        "has": (str(EDUCATION_NAMES[reason["has"]]) if code == "education_below"
                else reason.get("has", "")),
        "years": reason.get("years", ""),
        "certificates": "、".join(_certificate_name(c) for c in reason.get("certificates", [])),
        "certificate": _certificate_name(reason.get("certificate", "")),
        "holland": "、".join(str(RIASEC_NAMES[letter])
                            for letter in reason.get("holland", "") if letter in RIASEC_NAMES),
        "shift": str(SHIFT_NAMES.get(reason.get("shift"), reason.get("shift", ""))),
    }
    return str(template) % params


def split_reasons(reasons: list[dict], limit: int = 3) -> tuple[list[str], list[str]]:
    """The worded positive reasons (at most `limit`) and caveats of one result."""
    return _texts().split(reasons, limit, locale_code())


def init_app(app):
    from app import pay

    pay.init_app(app)  # the pay wording the reasons use is the pages' too
    app.extensions["qibu_reason_texts"] = ReasonTexts()
    app.jinja_env.globals.update(reason_text=reason_text, split_reasons=split_reasons)
