"""The import pages of each kind, on their own blueprints: job-intention surveys for
bureau staff (``/bureau/import``), job postings for employment staff
(``/employment/import``). The pages themselves are `app.imports.pages`."""

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.imports import jobs, openings, surveys  # noqa: F401 (jobs: registers the kinds)
from app.imports.engine import ImportScope
from app.imports.pages import ImportPages, ImportWords
from models import Role
from models.jobs import N_

bureau_bp = Blueprint("bureau_import", __name__, url_prefix="/bureau/import")
employment_bp = Blueprint("employment_import", __name__, url_prefix="/employment/import")

SURVEY_PAGES = ImportPages(
    bureau_bp, surveys.SURVEY_IMPORT, (Role.BUREAU,),
    words=ImportWords(
        event="survey", written_event="surveys_imported",
        sections=lambda: {"create": _("Surveys to create"), "update": _("Surveys to update")},
        saved=N_("Import saved: %(created)s surveys created, %(updated)s updated, "
                 "%(unchanged)s unchanged; %(rejected)s rows rejected and not imported."),
        template_name="qibu-survey-template.xlsx",
    ),
    templates={"upload": "imports/surveys_upload.html",
               "preview": "imports/surveys_preview.html"},
    template_notes=surveys.TEMPLATE_NOTES,
    scope=lambda user, meta: ImportScope(user.facility_id, user,
                                         (meta or {}).get("filename", "")),
    owner=lambda: {"user_id": current_user.id, "facility_id": current_user.facility_id},
    audit_target=surveys.audit_target,
    written=surveys.written_detail,
)

OPENING_PAGES = ImportPages(
    employment_bp, openings.OPENING_IMPORT, (Role.EMPLOYMENT, Role.ADMIN),
    words=ImportWords(
        event="opening", written_event="openings_imported",
        sections=lambda: {"create": _("Openings to create"),
                          "update": _("Openings to update")},
        saved=N_("Import saved: %(created)s openings created, %(updated)s updated, "
                 "%(unchanged)s unchanged; %(rejected)s rows rejected and not imported."),
        template_name="qibu-openings-template.xlsx",
    ),
    templates={"upload": "imports/openings_upload.html",
               "preview": "imports/openings_preview.html"},
    template_notes=openings.TEMPLATE_NOTES,
    scope=lambda user, meta: ImportScope(None, user, (meta or {}).get("filename", "")),
    owner=lambda: {"user_id": current_user.id},
    audit_target=lambda scope: None,
    written=openings.written_detail,
)
