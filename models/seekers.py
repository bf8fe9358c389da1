"""Job seekers (求职者) and their job-intention surveys (就业意向调查)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, EncryptedLongText, EncryptedText, enum_column, keyed_hash, utcnow
from models.errors import StateError
from models.facilities import Facility

# the longest reference number a facility may give a person (its own numbering)
FACILITY_REF_MAX = 32


class SeekerStatus(enum.Enum):
    IN_FACILITY = "in_facility"
    RELEASED = "released"
    PLACED = "placed"


class Seeker(Base):
    """A person in or released from a facility who wants work.

    Employers only ever see `code` and job-relevant facts; name, gender, birth year,
    hukou and facility stay with bureau staff and are never matching features. `code` is
    random and made by Qibu (never taken from a file: a facility's own numbering carries
    its initials); the facility's own reference number is `facility_ref`, for that
    facility's staff only.
    """

    __tablename__ = "seekers"
    __table_args__ = (sa.Index("ix_seekers_facility_ref", "facility_id", "facility_ref",
                               unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    facility_ref: Mapped[str | None] = mapped_column(sa.String(FACILITY_REF_MAX))
    name: Mapped[str] = mapped_column(EncryptedText())
    # keyed hash of the full name, so staff can find a person without a clear-text column
    name_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # the ID number itself is never stored: a keyed hash to find duplicates, and the
    # last four characters for staff to confirm
    id_number_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    id_number_last4: Mapped[str | None] = mapped_column(sa.String(4))
    anonymised_at: Mapped[datetime | None]
    gender: Mapped[str | None] = mapped_column(sa.String(1))
    birth_year: Mapped[int | None]
    education: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    hukou_shanghai: Mapped[bool] = mapped_column(default=False)
    expected_release_date: Mapped[date | None] = mapped_column(index=True)
    # the day the person entered the facility (进所), where known
    admitted_on: Mapped[date | None]
    status: Mapped[SeekerStatus] = mapped_column(
        enum_column(SeekerStatus), default=SeekerStatus.IN_FACILITY
    )
    consent_share: Mapped[bool] = mapped_column(default=False)
    consent_share_at: Mapped[datetime | None]
    consent_share_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    consent_contact: Mapped[bool] = mapped_column(default=False)
    consent_contact_at: Mapped[datetime | None]
    consent_contact_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    riasec_scores: Mapped[list[float] | None] = mapped_column(sa.JSON)
    riasec_code: Mapped[str | None] = mapped_column(sa.String(3))
    riasec_taken_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    facility: Mapped[Facility] = relationship()
    surveys: Mapped[list["Survey"]] = relationship(
        back_populates="seeker",
        order_by="Survey.surveyed_on.desc(), Survey.id.desc()",
        cascade="all, delete-orphan",
    )
    # certificates earned by completing a course through Qibu (models.courses)
    earned_certificates: Mapped[list["SeekerCertificate"]] = relationship(  # noqa: F821
        order_by="SeekerCertificate.earned_on", lazy="selectin",
        cascade="all, delete-orphan", overlaps="seeker")

    @property
    def latest_survey(self) -> "Survey | None":
        return self.surveys[0] if self.surveys else None

    def certificates_held(self, survey: "Survey | None" = None) -> list[str]:
        """The certificates the person holds: those named in the survey (by default the
        latest), then those earned through Qibu's courses."""
        survey = survey if survey is not None else self.latest_survey
        held = list(survey.certificates or []) if survey is not None else []
        held += [c.certificate_code for c in self.earned_certificates
                 if c.certificate_code not in held]
        return held

    def record_consent(self, kind: str, given: bool, by_user_id: int | None) -> None:
        """Record the seeker's share or contact consent with time and recorder."""
        if kind not in ("share", "contact"):
            raise ValueError(kind)
        setattr(self, f"consent_{kind}", given)
        setattr(self, f"consent_{kind}_at", utcnow())
        setattr(self, f"consent_{kind}_by_id", by_user_id)

    @classmethod
    def named(cls, name: str):
        """A filter for seekers with exactly this name (names are encrypted at rest)."""
        return cls.name_key == keyed_hash(name)

    def set_id_number(self, number: str | None) -> None:
        """Keep only a keyed hash and the last four characters of a validated ID number."""
        if not number:
            self.id_number_hash = self.id_number_last4 = None
            return
        self.id_number_hash = keyed_hash(number)
        self.id_number_last4 = number[-4:]

    def anonymise(self) -> None:
        """Erase what identifies the person; codes and aggregates stay (retention)."""
        self.name = "—"
        self.name_key = None
        self.facility_ref = None
        self.gender = None
        self.birth_year = None
        self.id_number_hash = self.id_number_last4 = None
        self.riasec_scores = None
        self.anonymised_at = utcnow()
        for survey in self.surveys:
            for key in Survey.FREE_TEXT:
                setattr(survey, key, "")
            survey.answers = {k: v for k, v in (survey.answers or {}).items()
                              if k not in Survey.FREE_TEXT}

    def release(self, on: date) -> None:
        """Mark the seeker released; a placed seeker stays placed."""
        if self.status is SeekerStatus.IN_FACILITY:
            self.status = SeekerStatus.RELEASED
        self.expected_release_date = on

    def mark_placed(self) -> None:
        self.status = SeekerStatus.PLACED

    def __repr__(self) -> str:
        return f"<Seeker {self.code}>"


@event.listens_for(Seeker.name, "set")
def _index_name(target, value, oldvalue, initiator):
    target.name_key = keyed_hash(value) if value else None


class Survey(Base):
    """One filled job-intention questionnaire for a seeker.

    Free-text answers (`FREE_TEXT`: skills, health limits) are stored once, encrypted in
    their own columns; `answers` holds every other answer and `all_answers` both.
    """

    # the questionnaire's text questions: kept out of `answers`, encrypted in columns
    FREE_TEXT = ("skills_text", "health_limits")

    __tablename__ = "surveys"
    __table_args__ = (sa.UniqueConstraint("seeker_id", "surveyed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("seekers.id", ondelete="CASCADE"))
    surveyed_on: Mapped[date]
    questionnaire_version: Mapped[int] = mapped_column(default=1)
    salary_min: Mapped[int | None]
    salary_hoped: Mapped[int | None]
    home_district: Mapped[str | None] = mapped_column(sa.ForeignKey("districts.adcode"))
    districts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    needs_accommodation: Mapped[bool] = mapped_column(default=False)
    shifts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    work_pattern: Mapped[str] = mapped_column(sa.String(16), default="full_time")
    education: Mapped[int | None] = mapped_column(sa.SmallInteger)
    work_history: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    certificates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skills_text: Mapped[str] = mapped_column(EncryptedLongText(), default="")
    health_limits: Mapped[str] = mapped_column(EncryptedLongText(), default="")
    avoid: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    training_interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    source: Mapped[str] = mapped_column(sa.String(16), default="form")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    seeker: Mapped[Seeker] = relationship(back_populates="surveys")
    intentions: Mapped[list["SurveyIntention"]] = relationship(
        back_populates="survey",
        order_by="SurveyIntention.rank",
        cascade="all, delete-orphan",
    )

    @property
    def all_answers(self) -> dict:
        """The canonical answers: the stored `answers` with the free-text columns."""
        answers = dict(self.answers or {})
        answers.update({key: getattr(self, key) or "" for key in self.FREE_TEXT})
        return answers

    @property
    def categories(self) -> list[str]:
        """Desired category codes, most wanted first."""
        return [i.category_code for i in self.intentions]

    def set_categories(self, codes: list[str]) -> None:
        """Replace the ranked intentions (at most 3 distinct categories)."""
        codes = [c for c in codes if c]
        if len(codes) > 3:
            raise StateError(_l("Choose at most three job categories."))
        if len(set(codes)) != len(codes):
            raise StateError(_l("Choose a different category for each choice."))
        # reuse rows by rank: replacing them would insert before the old rows are deleted
        by_rank = {i.rank: i for i in self.intentions}
        intentions = []
        for rank, code in enumerate(codes, start=1):
            row = by_rank.get(rank) or SurveyIntention(rank=rank)
            row.category_code = code
            intentions.append(row)
        self.intentions = intentions

    @property
    def experience_years(self) -> float:
        """Total years of work history."""
        return float(sum(float(row.get("years") or 0) for row in self.work_history or []))


class SurveyIntention(Base):
    """A desired job category (岗位意向) in a survey, ranked 1–3."""

    __tablename__ = "survey_intentions"
    __table_args__ = (sa.UniqueConstraint("survey_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(sa.SmallInteger)
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("job_categories.code"), index=True)

    survey: Mapped[Survey] = relationship(back_populates="intentions")
