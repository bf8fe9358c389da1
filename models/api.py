"""API tokens: one per client of the read-only JSON API, stored only as a hash."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, utcnow

TOKEN_PREFIX = "qibu_"  # noqa: S105 (a public marker at the start of every token, not a secret)


def hash_token(token: str) -> str:
    """The SHA-256 of a token (hex); a token has 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    """A client's bearer token for /api/v1; the token itself is shown once and never stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # the first characters of the token, so an operator can tell tokens apart
    hint: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @classmethod
    def issue(cls, name: str) -> tuple["ApiToken", str]:
        """A new token for the client `name`: the row to store and the token to hand out."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls(name=name, token_hash=hash_token(token), hint=token[:10]), token

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()

    def __repr__(self) -> str:
        return f"<ApiToken {self.name}>"
