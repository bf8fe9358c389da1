"""Qibu's data model: SQLAlchemy 2.0 models, their state rules, and the db object.

This package imports nothing else of Qibu's.
"""

from models.api import ApiToken
from models.audit import AuditEvent
from models.bulletins import Bulletin, iso_week_of, week_monday
from models.categories import CategoryCorrection
from models.courses import Course
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
from models.imports import ImportMapping
from models.placements import FollowUp, FollowUpReason, Placement
from models.reference import Certificate, District, Environment, JobCategory
from models.seekers import Seeker, SeekerStatus, Survey, SurveyIntention
from models.submissions import FormSubmission
from models.users import KioskEnrolment, LoginSession, LoginThrottle, Role, StaffUser

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Bulletin",
    "CategoryCorrection",
    "Certificate",
    "Course",
    "District",
    "Employer",
    "EmployerStatus",
    "Environment",
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
    "ImportMapping",
    "Interest",
    "InterestStage",
    "JobCategory",
    "KioskEnrolment",
    "LoginSession",
    "LoginThrottle",
    "Opening",
    "OpeningStatus",
    "Placement",
    "Role",
    "Seeker",
    "SeekerStatus",
    "Shift",
    "StaffUser",
    "StateError",
    "Survey",
    "SurveyIntention",
    "db",
    "fair_organizers",
    "iso_week_of",
    "utcnow",
    "week_monday",
]
