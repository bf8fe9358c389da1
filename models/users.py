"""Staff accounts, their roles, server-side login sessions and login throttling."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, enum_column, utcnow
from models.errors import StateError
from models.facilities import Facility


class Role(enum.Enum):
    ADMIN = "admin"
    BUREAU = "bureau"
    EMPLOYMENT = "employment"
    ORGANIZER = "organizer"
    KIOSK = "kiosk"
    # a community social worker (社区戒毒康复社工): sees only the people handed to them
    SOCIAL_WORKER = "social_worker"


class StaffUser(Base):
    """A person or device that logs in. Bureau staff are bound to a facility, kiosks to a fair."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(60), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"))
    fair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fairs.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # second factor (TOTP, RFC 6238); the secret is stored encrypted by the app
    totp_secret: Mapped[str | None] = mapped_column(sa.String(200))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # the 30-second time step of the last code accepted: a code is accepted once
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # set by an administrator's password reset: the temporary password must be replaced
    # before the account can do anything else
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=sa.false())

    facility: Mapped[Facility | None] = relationship()

    def assign_role(self, role: Role, facility_id: int | None = None, fair_id: int | None = None):
        """Give the account a role with the scope that role needs."""
        if role is Role.BUREAU and facility_id is None:
            raise StateError(_l("Bureau staff must belong to a facility."))
        if role is Role.KIOSK and fair_id is None:
            raise StateError(_l("A kiosk account must be bound to a fair."))
        self.role = role
        self.facility_id = facility_id if role is Role.BUREAU else None
        self.fair_id = fair_id if role is Role.KIOSK else None

    # the interface Flask-Login expects of a user object
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def disable(self) -> None:
        self.active = False

    def enable(self) -> None:
        self.active = True

    def __repr__(self) -> str:
        return f"<StaffUser {self.username} {self.role.value}>"


class LoginSession(Base):
    """A server-side login session; the cookie carries only its random token."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str] = mapped_column(sa.String(45), default="")

    user: Mapped[StaffUser] = relationship()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()


class LoginThrottle(Base):
    """Failed-login counter for one key (an account name or a client address)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]


class KioskEnrolment(Base):
    """A one-time sign-in code that makes a browser in the hall one of a fair's kiosks.

    The organizer registers a kiosk device (a `StaffUser` with the kiosk role, no password
    anyone knows) and gets a short code; typed on the device, or opened from the QR link,
    it signs that browser in as the kiosk once. Only the code's hash is kept.
    """

    __tablename__ = "kiosk_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    kiosk: Mapped[StaffUser] = relationship(foreign_keys=[kiosk_id])

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
