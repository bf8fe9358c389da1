"""The audit trail as people read it: actions and roles in the reader's language, each
record by the code staff know it by (a person's public code, an opening's code, a fair's
code, a user name), never by an internal row number."""

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.admin.forms import ROLE_LABELS
from app.opening_labels import opening_code, opening_id_from_code
from models import (
    Employer,
    Fair,
    FairParticipant,
    Opening,
    Referral,
    ReferralRequest,
    Role,
    Seeker,
    StaffUser,
    StartupCase,
    StartupService,
    db,
)

# the imports' events are named <kind>_import_<step> (app/imports/pages.py)
IMPORT_KINDS = {"survey": _l("Survey import"), "opening": _l("Openings import")}
IMPORT_STEPS = {
    "refused": _l("file refused"),
    "previewed": _l("checked"),
    "remapped": _l("columns matched again"),
    "chosen": _l("choices made"),
    "failed": _l("failed"),
    "cancelled": _l("cancelled"),
    "rejected_exported": _l("rejected rows downloaded"),
}

ACTION_LABELS = {
    "access_refused": _l("Access refused"),
    "aftercare_check_recorded": _l("Aftercare check recorded"),
    "aftercare_check_viewed": _l("Aftercare check opened"),
    "aftercare_person_viewed": _l("Person's follow-up page viewed"),
    "aftercare_todo_viewed": _l("To-do list viewed"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "attended": _l("Attendance recorded"),
    "audit_viewed": _l("Audit trail viewed"),
    "badges_printed": _l("Badges printed"),
    "booth_renamed": _l("Booth renamed"),
    "bulletin_exported": _l("Bulletin exported"),
    "bulletin_made": _l("Bulletin made"),
    "checked_in": _l("Checked in"),
    "consent_changed": _l("Consent changed"),
    "correction": _l("Stage corrected"),
    "course_created": _l("Course created"),
    "course_deleted": _l("Course deleted"),
    "course_gap_viewed": _l("Training gap viewed"),
    "database_backed_up": _l("Database backed up"),
    "database_restored": _l("Database restored"),
    "demand_summary_exported": _l("Demand summary exported"),
    "employer_created": _l("Employer created"),
    "employer_invited": _l("Employer invited to a fair"),
    "employer_suspended": _l("Employer suspended"),
    "employer_suspension_lifted": _l("Employer suspension lifted"),
    "employer_unverified": _l("Employer verification withdrawn"),
    "employer_verified": _l("Employer verified"),
    "fair_closed": _l("Fair closed"),
    "fair_created": _l("Fair created"),
    "fair_opened": _l("Fair opened"),
    "fair_openings_set": _l("Fair openings chosen"),
    "fair_planned": _l("Fair plan made"),
    "fair_report_exported": _l("Fair report exported"),
    "fair_shared": _l("Fair shared with an organizer"),
    "follow_up_recorded": _l("Follow-up recorded"),
    "follow_up_viewed": _l("Follow-up opened"),
    "gap_report_exported": _l("Training gap exported"),
    "handbook_exported": _l("Handbook exported"),
    "handover_created": _l("Handed over to a community social worker"),
    "handover_ended": _l("Hand-over ended"),
    "kiosk_code_issued": _l("Kiosk sign-in code issued"),
    "kiosk_delay_cleared": _l("Kiosk delay cleared"),
    "kiosk_enrolled": _l("Kiosk device signed in"),
    "kiosk_moved": _l("Kiosk moved to another fair"),
    "kiosk_registered": _l("Kiosk registered"),
    "kiosk_retired": _l("Kiosk retired"),
    "login": _l("Logged in"),
    "login_code_delayed": _l("Second-factor code refused: waiting"),
    "login_code_failed": _l("Wrong second-factor code"),
    "login_delay_cleared": _l("Login wait cleared"),
    "login_delayed": _l("Login refused: waiting after failed attempts"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "opening_category_confirmed": _l("Opening's category confirmed"),
    "opening_closed": _l("Opening closed"),
    "opening_created": _l("Opening created"),
    "opening_reopened": _l("Opening reopened"),
    "openings_imported": _l("Openings imported"),
    "outcomes_exported": _l("Outcomes by channel exported"),
    "participants_added": _l("Participants added to a fair"),
    "password_change_delayed": _l("Password change refused: waiting"),
    "password_change_failed": _l("Wrong current password when changing it"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Temporary password given"),
    "password_set": _l("Password set from the shell"),
    "placement_recorded": _l("Placement recorded"),
    "ranked_seekers_viewed": _l("Opening's ranked job seekers viewed"),
    "reauthenticated": _l("Password confirmed again"),
    "reauthentication_delayed": _l("Password re-entry refused: waiting"),
    "reauthentication_failed": _l("Wrong password when confirming again"),
    "referral_declined": _l("Referral: decline recorded"),
    "referral_interview": _l("Referral: interview recorded"),
    "referral_made": _l("Referral made"),
    "referral_offer": _l("Referral: offer recorded"),
    "referral_placed": _l("Referral: hire recorded"),
    "referral_request_answered": _l("Referral request answered"),
    "referral_request_viewed": _l("Referral request viewed"),
    "referral_requested": _l("New referral asked for"),
    "referral_viewed": _l("Referral viewed"),
    "referral_withdrawn": _l("Referral withdrawn"),
    "referrals_listed": _l("Referrals listed"),
    "retention_purge": _l("Old data purged"),
    "role_changed": _l("Role changed"),
    "second_factor_change_delayed": _l("Second-factor change refused: waiting"),
    "second_factor_change_failed": _l("Wrong password or code when replacing the second factor"),
    "second_factor_enabled": _l("Second factor turned on"),
    "second_factor_replaced": _l("Second factor replaced"),
    "seeker_created": _l("Person added"),
    "seeker_erased": _l("Person's data erased"),
    "seeker_released": _l("Release recorded"),
    "seeker_updated": _l("Person's data changed"),
    "seeker_viewed": _l("Person's record viewed"),
    "selftest_recorded": _l("Self-test recorded"),
    "sheets_exported": _l("Recommendation sheets exported"),
    "sheets_printed": _l("Recommendation sheets printed"),
    "shortlists_exported": _l("Employer shortlists exported"),
    "shortlists_printed": _l("Employer shortlists printed"),
    "stage_recorded": _l("Stage recorded"),
    "stage_undone": _l("Stage undone"),
    "startup_case_opened": _l("Start-up guidance opened"),
    "startup_case_viewed": _l("Start-up guidance viewed"),
    "startup_cases_viewed": _l("Facility's start-up guidance listed"),
    "startup_guidance_recorded": _l("Start-up guidance recorded"),
    "startup_outcome_recorded": _l("Start-up outcome recorded"),
    "startup_service_activated": _l("Start-up service offered again"),
    "startup_service_deactivated": _l("Start-up service no longer offered"),
    "startup_session_people_viewed": _l("People listed for a start-up session"),
    "survey_recorded": _l("Survey recorded"),
    "surveys_imported": _l("Surveys imported"),
    "timeline_viewed": _l("Whole-process record viewed"),
    "user_created": _l("User created"),
    "user_disabled": _l("User disabled"),
    "user_enabled": _l("User enabled"),
    "job_cancelled": _l("Background job cancelled"),
    "job_queued": _l("Background job started"),
    "city_ranking_started": _l("City-wide ranking started"),
    "job_retried": _l("Background job tried again"),
    "course_attendance_recorded": _l("Course attendance recorded"),
    "course_completed": _l("Course completed"),
    "course_completion_undone": _l("Course completion taken back"),
    "course_enrolled": _l("Enrolled on a course"),
    "course_enrolment_viewed": _l("Course's people viewed"),
    "course_enrolments_viewed": _l("Courses' enrolment listed"),
    "course_session_added": _l("Course class added"),
    "course_session_removed": _l("Course class removed"),
    "course_withdrawn": _l("Withdrawn from a course"),
    "practice_assessed": _l("Practice assessment recorded"),
    "practice_attendance_recorded": _l("Practice attendance recorded"),
    "practice_booked": _l("Booked on job practice"),
    "practice_booking_cancelled": _l("Practice booking cancelled"),
    "practice_day_cancelled": _l("Practice day cancelled"),
    "practice_day_created": _l("Practice day created"),
    "practice_day_updated": _l("Practice day changed"),
    "practice_day_viewed": _l("Practice day's bookings viewed"),
    "practice_referred": _l("Referred after job practice"),
}

TARGET_LABELS = {
    "Seeker": _l("Person"),
    "FairParticipant": _l("Participant"),
    "Opening": _l("Opening"),
    "Employer": _l("Employer"),
    "Fair": _l("Fair"),
    "StaffUser": _l("User"),
    "Referral": _l("Referral"),
    "ReferralRequest": _l("Referral request"),
    "StartupCase": _l("Start-up guidance"),
    "StartupService": _l("Start-up service"),
    "PracticeDay": _l("Practice day"),
    "PracticeBooking": _l("Practice booking"),
    "Course": _l("Course"),
    "CourseEnrolment": _l("Course enrolment"),
    "CourseSession": _l("Course class"),
    "Job": _l("Background job"),
}


def action_label(action: str) -> str:
    """An audited action in the reader's language (the code itself if it has no name)."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _sep, step = action.partition("_import_")
    if kind in IMPORT_KINDS and step in IMPORT_STEPS:
        return f"{IMPORT_KINDS[kind]}: {IMPORT_STEPS[step]}"
    return action


def role_label(role: str) -> str:
    try:
        return str(ROLE_LABELS[Role(role)])
    except (ValueError, KeyError):
        return role or "—"


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """The filter's choices: every action seen, by its name in the reader's language."""
    return sorted(((action, action_label(action)) for action in actions),
                  key=lambda choice: choice[1])


def _ids(rows: list[str]) -> list[int]:
    return [int(value) for value in rows if value.isdigit()]


def record_names(events) -> dict[int, str]:
    """Each event's record as staff know it, found with one query per kind of record."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.target_id:
            wanted[event.target_type].append(event.target_id)
    known: dict[tuple[str, str], str] = {}

    def keep(kind, rows):
        for row_id, name in rows:
            known[(kind, str(row_id))] = name

    if wanted.get("Seeker"):
        keep("Seeker", db.session.execute(sa.select(Seeker.id, Seeker.code).where(
            Seeker.id.in_(_ids(wanted["Seeker"])))).all())
    if wanted.get("FairParticipant"):
        keep("FairParticipant", db.session.execute(
            sa.select(FairParticipant.id, Seeker.code)
            .join(Seeker, Seeker.id == FairParticipant.seeker_id)
            .where(FairParticipant.id.in_(_ids(wanted["FairParticipant"])))).all())
    if wanted.get("Opening"):
        keep("Opening", [(row_id, opening_code(row_id)) for row_id in _ids(wanted["Opening"])])
    if wanted.get("Employer"):
        keep("Employer", db.session.execute(sa.select(Employer.id, Employer.name).where(
            Employer.id.in_(_ids(wanted["Employer"])))).all())
    if wanted.get("Fair"):
        keep("Fair", db.session.execute(sa.select(Fair.id, Fair.code).where(
            Fair.id.in_(_ids(wanted["Fair"])))).all())
    if wanted.get("StaffUser"):
        keep("StaffUser", db.session.execute(
            sa.select(StaffUser.id, sa.func.coalesce(sa.func.nullif(StaffUser.display_name, ""),
                                                     StaffUser.username))
            .where(StaffUser.id.in_(_ids(wanted["StaffUser"])))).all())
    if wanted.get("StartupCase"):  # a person's start-up guidance: by the person's code
        keep("StartupCase", db.session.execute(
            sa.select(StartupCase.id, Seeker.code)
            .join(Seeker, Seeker.id == StartupCase.seeker_id)
            .where(StartupCase.id.in_(_ids(wanted["StartupCase"])))).all())
    for kind, model in (("Referral", Referral), ("ReferralRequest", ReferralRequest)):
        if wanted.get(kind):  # a person's referral or request: by the person's code
            keep(kind, db.session.execute(
                sa.select(model.id, Seeker.code).join(Seeker, Seeker.id == model.seeker_id)
                .where(model.id.in_(_ids(wanted[kind])))).all())
    if wanted.get("StartupService"):
        keep("StartupService", db.session.execute(
            sa.select(StartupService.id, StartupService.code).where(
                StartupService.id.in_(_ids(wanted["StartupService"])))).all())
    names = {}
    for event in events:
        if not event.target_type:
            continue
        kind = str(TARGET_LABELS.get(event.target_type, event.target_type))
        name = known.get((event.target_type, event.target_id))
        if name is None:  # erased since, or a record without a public name
            name = str(_l("(no longer in Qibu)")) if event.target_id else ""
        names[event.id] = f"{kind} {name}".strip()
    return names


def find_record(text: str) -> tuple[str, str] | None:
    """The (record type, id) a reader typed as a code: a person's code, a fair's code or
    a user name; None if nothing has it."""
    text = (text or "").strip()
    if not text:
        return None
    seeker_id = db.session.scalar(sa.select(Seeker.id).where(Seeker.code == text.upper()))
    if seeker_id is not None:
        return "Seeker", str(seeker_id)
    fair_id = db.session.scalar(sa.select(Fair.id).where(Fair.code == text))
    if fair_id is not None:
        return "Fair", str(fair_id)
    user_id = db.session.scalar(sa.select(StaffUser.id).where(
        sa.func.lower(StaffUser.username) == text.lower()))
    if user_id is not None:
        return "StaffUser", str(user_id)
    opening_id = opening_id_from_code(text)
    if opening_id is not None and db.session.get(Opening, opening_id) is not None:
        return "Opening", str(opening_id)
    return None
