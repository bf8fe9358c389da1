"""Names of reference data and enum values in the user's language, for templates."""

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.i18n import locale_code
from models import Certificate, District, Environment, FairStatus, JobCategory, db

FAIR_STATUS_LABELS = {
    FairStatus.PLANNING: _l("in planning"),
    FairStatus.OPEN: _l("open"),
    FairStatus.CLOSED: _l("closed"),
}


def _names(model, key) -> dict:
    cache = g.setdefault("reference_names", {})
    if model.__name__ not in cache:
        rows = db.session.scalars(sa.select(model)).all()
        cache[model.__name__] = {getattr(row, key): row for row in rows}
    return cache[model.__name__]


def category_name(code: str | None) -> str:
    row = _names(JobCategory, "code").get(code)
    return row.name(locale_code()) if row else (code or "—")


def category_choices() -> list[tuple[str, str]]:
    """Every job category as (code, name in the current language), in the form's order."""
    rows = sorted(_names(JobCategory, "code").values(), key=lambda row: row.position)
    return [(row.code, row.name(locale_code())) for row in rows]


def district_name(adcode: str | None) -> str:
    row = _names(District, "adcode").get(adcode)
    return row.name(locale_code()) if row else (adcode or "—")


def certificate_name(code: str | None) -> str:
    row = _names(Certificate, "code").get(code)
    return row.name(locale_code()) if row else (code or "—")


def certificate_names(codes) -> str:
    return "、".join(certificate_name(c) for c in codes or []) or "—"


def environment_names(tags) -> str:
    rows = _names(Environment, "tag")
    return "、".join(rows[t].name(locale_code()) if t in rows else t for t in tags or []) or "—"


def fair_status_label(status: FairStatus) -> str:
    return str(FAIR_STATUS_LABELS[status])


def experience_label(years: float | None) -> str:
    """Years of work experience as a person says them: 不到1年, 3年, 2年半 — never "0.0 年".

    Whole and half years, rounded down: "2年半" means at least two and a half years.
    """
    halves = int((years or 0) * 2 + 1e-9)
    if halves < 2:
        return _("less than a year")
    whole, half = divmod(halves, 2)
    if half:
        return _("%(num)s and a half years", num=whole)
    return ngettext("%(num)s year", "%(num)s years", whole)


def init_app(app):
    app.jinja_env.globals.update(
        category_name=category_name,
        category_choices=category_choices,
        district_name=district_name,
        certificate_names=certificate_names,
        environment_names=environment_names,
        fair_status_label=fair_status_label,
        experience_label=experience_label,
    )
