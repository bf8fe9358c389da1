"""Qibu's data model: SQLAlchemy 2.0 models, their state rules, and the db object.

This package imports nothing else of Qibu's.
"""

from models.api import ApiToken
from models.audit import AuditEvent
from models.bulletins import Bulletin, BulletinPdf, iso_week_of, week_monday
from models.categories import CategoryCorrection
from models.courses import (
    Course,
    CourseEnrolment,
    CourseSession,
    EnrolmentStatus,
    SeekerCertificate,
    SessionAttendance,
)
from models.db import Base, db, utcnow
from models.employers import Employer, EmployerStatus, Opening, OpeningStatus, Shift
from models.errors import StateError
from models.facilities import Facility
from models.fairs import (
    Fair,
    FairEmployer,
    FairOpening,
    FairParticipant,
    FairRecommendation,
    FairStatus,
    Interest,
    InterestStage,
    fair_organizers,
)
from models.handovers import AFTERCARE_MONTHS, AftercareCheck, Handover
from models.imports import ImportMapping, ImportUpload
from models.jobs import FINISHED_STATES, Job, JobFile, JobState
from models.matchers import MatcherModel
from models.placements import (
    FollowUp,
    FollowUpReason,
    Placement,
    PlacementChannel,
    PlacementKind,
)
from models.practice import BookingStatus, PracticeBooking, PracticeDay, PracticeDayStatus
from models.rankings import RankedOpening, RankingRun, SeekerRanking
from models.reference import Certificate, District, Environment, JobCategory
from models.referrals import (
    ACTIVE_REFERRAL_STATES,
    REFERRAL_STALE_DAYS,
    DeclineReason,
    Referral,
    ReferralRequest,
    ReferralRequestStatus,
    ReferralSource,
    ReferralStatus,
)
from models.seekers import Seeker, SeekerStatus, Survey, SurveyIntention
from models.startup import (
    GuidanceKind,
    StartupCase,
    StartupGuidance,
    StartupOutcome,
    StartupService,
)
from models.submissions import FormSubmission
from models.users import KioskEnrolment, LoginSession, LoginThrottle, Role, StaffUser

__all__ = [
    "ACTIVE_REFERRAL_STATES",
    "AFTERCARE_MONTHS",
    "AftercareCheck",
    "ApiToken",
    "AuditEvent",
    "Base",
    "BookingStatus",
    "Bulletin",
    "BulletinPdf",
    "CategoryCorrection",
    "Certificate",
    "Course",
    "CourseEnrolment",
    "CourseSession",
    "DeclineReason",
    "District",
    "Employer",
    "EmployerStatus",
    "EnrolmentStatus",
    "Environment",
    "FINISHED_STATES",
    "Facility",
    "Fair",
    "FairEmployer",
    "FairOpening",
    "FairParticipant",
    "FairRecommendation",
    "FairStatus",
    "FollowUp",
    "FollowUpReason",
    "FormSubmission",
    "GuidanceKind",
    "Handover",
    "ImportMapping",
    "ImportUpload",
    "Interest",
    "InterestStage",
    "Job",
    "JobFile",
    "JobCategory",
    "JobState",
    "KioskEnrolment",
    "LoginSession",
    "LoginThrottle",
    "MatcherModel",
    "Opening",
    "OpeningStatus",
    "Placement",
    "PlacementChannel",
    "PlacementKind",
    "PracticeBooking",
    "PracticeDay",
    "PracticeDayStatus",
    "REFERRAL_STALE_DAYS",
    "RankedOpening",
    "RankingRun",
    "Referral",
    "ReferralRequest",
    "ReferralRequestStatus",
    "ReferralSource",
    "ReferralStatus",
    "Role",
    "Seeker",
    "SeekerCertificate",
    "SeekerRanking",
    "SeekerStatus",
    "SessionAttendance",
    "Shift",
    "StaffUser",
    "StartupCase",
    "StartupGuidance",
    "StartupOutcome",
    "StartupService",
    "StateError",
    "Survey",
    "SurveyIntention",
    "db",
    "fair_organizers",
    "iso_week_of",
    "utcnow",
    "week_monday",
]
