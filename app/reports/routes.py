"""Reports for the employment centre: the demand summary (汇总反馈), the demand–supply gap,
and outcomes by channel (就业渠道).

Aggregates only, over fixed half-years of release dates (app.reports.periods), with counts
under 5 suppressed (app.reports.suppression.suppress_small_counts); every export is
audited with its half-year. A request for anything else (a period not offered, a facility
too small to publish) gets the page's explanation, or a 400 with it for a download.
"""


import pandas as pd
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import log_event
from app.auth.access import allow
from app.auth.second_factor import reauthentication_required
from app.clock import local_today
from app.i18n import locale_code
from app.reports import queries
from app.reports.forms import ReportWindow, period_label, window_from_args
from app.reports.outcome_tables import outcome_tables
from app.reports.outcomes import outcome_periods
from app.reports.periods import ReleasePeriod, allowed_periods
from app.reports.suppression import FacilityTooSmall
from app.reports.tables import display_value, gap_tables, legend, summary_tables
from app.spreadsheets import tables_to_csv, tables_to_xlsx
from models import Role, db

bp = Blueprint("reports", __name__, url_prefix="/reports")
SUMMARY_ROLES = (Role.EMPLOYMENT, Role.ADMIN, Role.BUREAU)
GAP_ROLES = (Role.EMPLOYMENT, Role.ADMIN)
OUTCOME_ROLES = (Role.EMPLOYMENT, Role.ADMIN, Role.BUREAU)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _periods():
    """The half-years the window chooser offers: (key, label), oldest first."""
    return [(p.key, period_label(p)) for p in allowed_periods(local_today())]


def _refused(errors: dict[str, str]) -> Response:
    """A download that cannot be made: 400 with the reasons, in the user's language."""
    text = "\n".join([_("This report cannot be downloaded:"), *errors.values()]) + "\n"
    return Response(text, status=400, mimetype="text/plain",
                    headers={"Cache-Control": "no-store"})


def _too_small_message(error: FacilityTooSmall) -> str:
    if error.reason == "rest":
        return _("The other facilities together have fewer than 5 seekers due for release in "
                 "this half-year, so one facility's summary would reveal them by difference. "
                 "Choose all facilities.")
    if error.reason == "table":
        return _("This facility's summary for this half-year cannot be shown without "
                 "revealing a group of fewer than 5 seekers. Choose all facilities or another "
                 "half-year.")
    return _("This facility has fewer than 5 seekers due for release in this half-year. "
             "Choose all facilities or another half-year.")


@bp.get("/summary")
@allow(*SUMMARY_ROLES)
def summary():
    facilities = queries.facilities()
    window, errors = window_from_args(request.args, facilities)
    tables, seekers = None, None
    if not errors:
        try:
            result = queries.seeker_summary(window)
        except FacilityTooSmall as error:
            errors["facility"] = _too_small_message(error)
        else:
            tables, seekers = summary_tables(result), result.seekers
    return render_template(
        "reports/summary.html", window=window, errors=errors, facilities=facilities,
        periods=_periods(), tables=tables, seekers=seekers, legend=legend(),
        show=display_value,
    )


@bp.get("/summary.xlsx")
@allow(*SUMMARY_ROLES)
@reauthentication_required
def summary_xlsx():
    return _summary_export("xlsx")


@bp.get("/summary.csv")
@allow(*SUMMARY_ROLES)
@reauthentication_required
def summary_csv():
    return _summary_export("csv")


def _summary_export(kind: str):
    window, errors = window_from_args(request.args, queries.facilities())
    try:
        result = None if errors else queries.seeker_summary(window)
    except FacilityTooSmall as error:
        errors["facility"] = _too_small_message(error)
    if errors:
        return _refused(errors)
    tables = summary_tables(result)
    if kind == "csv":
        data = tables_to_csv({t.title: t.frame(label_title=_("Row")) for t in tables},
                             table_column=_("Table"))
        mimetype = "text/csv"
    else:
        sheets = {_("About"): _about(window, _("Demand summary"), result.seekers)}
        sheets |= {t.sheet: t.frame() for t in tables}
        data, mimetype = tables_to_xlsx(sheets), XLSX
    log_event("demand_summary_exported", None, format=kind, seekers=str(result.seekers),
              **window.audit_detail())
    db.session.commit()
    return _download(data, mimetype, f"{window.file_stem('qibu-demand-summary')}.{kind}")


@bp.get("/gap")
@allow(*GAP_ROLES)
def gap():
    window, errors = window_from_args({k: v for k, v in request.args.items()
                                       if k != "facility"})
    tables = report = None
    if not errors:
        report = queries.gap(window)
        tables = gap_tables(report)
    return render_template(
        "reports/gap.html", window=window, errors=errors, periods=_periods(), tables=tables,
        report=report, legend=legend(), show=display_value,
    )


@bp.get("/gap.xlsx")
@allow(*GAP_ROLES)
@reauthentication_required
def gap_xlsx():
    window, errors = window_from_args({k: v for k, v in request.args.items()
                                       if k != "facility"})
    if errors:
        return _refused(errors)
    report = queries.gap(window)
    sheets = {_("About"): _about(window, _("Demand–supply gap"), report.seekers)}
    sheets |= {t.sheet: t.frame() for t in gap_tables(report)}
    log_event("gap_report_exported", None, format="xlsx", seekers=str(report.seekers),
              **window.audit_detail())
    db.session.commit()
    return _download(tables_to_xlsx(sheets), XLSX,
                     f"{window.file_stem('qibu-gap-report')}.xlsx")


def _about(window: ReportWindow, title: str, seekers):
    """The first sheet of an export: what it is, its window, and what the markers mean."""
    facility = (window.facility.name(locale_code()) if window.facility is not None
                else _("All facilities"))
    rows = [
        (_("Report"), title),
        (_("Half-year of release"), window.label),
        (_("Due for release from"), window.date_from.isoformat()),
        (_("Due for release to"), window.date_to.isoformat()),
        (_("Facilities"), facility),
        (_("Seekers"), display_value(seekers, "seekers")),
        (_("Made on"), local_today().isoformat()),
        (_("Privacy"), _("Aggregates only. Counts of seekers under 5 are not shown; neither "
                         "is anything from which one could be worked out.")),
        (_("Periods"), _("Reports cover whole half-years of release dates only, so that two "
                         "reports cannot be compared to single out a person.")),
        *legend(),
    ]
    return pd.DataFrame(rows, columns=[_("Item"), _("Value")], dtype=object)


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --------------------------------------------------------------------------- outcomes


def _outcome_facilities():
    """The facilities the user may choose: bureau staff their own only."""
    if current_user.role is Role.BUREAU:
        return [f for f in queries.facilities() if f.id == current_user.facility_id]
    return queries.facilities()


def _outcome_window(args) -> tuple[ReportWindow, dict[str, str]]:
    """The half-year (by default the last whole one) and facility of the outcomes report.

    Bureau staff see their own facility unless they choose all facilities; another
    facility is not in their list.
    """
    today = local_today()
    facilities = _outcome_facilities()
    args = dict(args.items())
    if current_user.role is Role.BUREAU and "facility" not in args and facilities:
        args["facility"] = facilities[0].code
    window, errors = window_from_args(args, facilities, today=today)
    latest = ReleasePeriod.containing(today)
    chosen = any(args.get(k) for k in ("period", "date_from", "date_to"))
    if chosen and "period" not in errors and window.period > latest:
        errors["period"] = _("Outcomes are counted for half-years up to the current one. "
                             "Choose one from the list.")
    if not chosen or "period" in errors:
        window = ReportWindow(latest.shifted(-1), window.facility)
    return window, errors


def _outcome_too_small_message(error: FacilityTooSmall) -> str:
    if error.reason == "rest":
        return _("The other facilities together have fewer than 5 placements of people due "
                 "for release in this half-year, so one facility's outcomes would reveal them "
                 "by difference. Choose all facilities.")
    if error.reason == "table":
        return _("This facility's outcomes for this half-year cannot be shown without "
                 "revealing a group of fewer than 5 people. Choose all facilities or another "
                 "half-year.")
    return _("This facility has fewer than 5 placements of people due for release in this "
             "half-year. Choose all facilities or another half-year.")


@bp.get("/outcomes")
@allow(*OUTCOME_ROLES)
def outcomes():
    facilities = _outcome_facilities()
    window, errors = _outcome_window(request.args)
    result = tables = None
    if not errors:
        try:
            result = queries.outcomes(window)
        except FacilityTooSmall as error:
            errors["facility"] = _outcome_too_small_message(error)
        else:
            tables = outcome_tables(result)
    periods = [(p.key, period_label(p)) for p in outcome_periods(local_today())]
    return render_template(
        "reports/outcomes.html", window=window, errors=errors, facilities=facilities,
        periods=periods, tables=tables, outcomes=result, legend=legend(),
        show=display_value)


@bp.get("/outcomes.xlsx")
@allow(*OUTCOME_ROLES)
@reauthentication_required
def outcomes_xlsx():
    return _outcomes_export("xlsx")


@bp.get("/outcomes.csv")
@allow(*OUTCOME_ROLES)
@reauthentication_required
def outcomes_csv():
    return _outcomes_export("csv")


def _outcomes_export(kind: str):
    window, errors = _outcome_window(request.args)
    result = None
    if not errors:
        try:
            result = queries.outcomes(window)
        except FacilityTooSmall as error:
            errors["facility"] = _outcome_too_small_message(error)
    if errors:
        return _refused(errors)
    tables = outcome_tables(result, export=True)
    if kind == "csv":
        data = tables_to_csv({t.title: t.frame() for t in tables}, table_column=_("Table"))
        mimetype = "text/csv"
    else:
        sheets = {_("About"): _outcomes_about(window, result)}
        sheets |= {t.sheet: t.frame() for t in tables}
        data, mimetype = tables_to_xlsx(sheets), XLSX
    log_event("outcomes_exported", None, format=kind,
              placements=str(result.placements.total), **window.audit_detail())
    db.session.commit()
    return _download(data, mimetype, f"{window.file_stem('qibu-outcomes')}.{kind}")


def _outcomes_about(window: ReportWindow, result):
    """The first sheet of the outcomes export: what it counts, and what the markers mean."""
    facility = (window.facility.name(locale_code()) if window.facility is not None
                else _("All facilities"))
    rows = [
        (_("Report"), _("Outcomes by channel")),
        (_("Half-year of release"), window.label),
        (_("Due for release from"), window.date_from.isoformat()),
        (_("Due for release to"), window.date_to.isoformat()),
        (_("Facilities"), facility),
        (_("Placements"), display_value(result.placements.total, "seekers")),
        (_("Made on"), local_today().isoformat()),
        (_("Counted"), _("The people due for release in the half-year and the jobs they "
                         "started, whenever they started, by the channel each was found "
                         "through.")),
        (_("Privacy"), _("Aggregates only. Counts of people under 5 are not shown; neither "
                         "is anything from which one could be worked out.")),
        (_("Periods"), _("Reports cover whole half-years of release dates only, so that two "
                         "reports cannot be compared to single out a person.")),
        *legend(),
    ]
    return pd.DataFrame(rows, columns=[_("Item"), _("Value")], dtype=object)
