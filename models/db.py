"""The declarative base, the Flask-SQLAlchemy object and shared column helpers."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every Qibu model; constraint names are deterministic for Alembic."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Return the current time in UTC as a naive datetime (how Qibu stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


class _FieldCipher:
    """The app's encrypt/decrypt functions for EncryptedText (models import nothing of ours)."""

    encrypt = staticmethod(lambda text: text)
    decrypt = staticmethod(lambda text: text)
    keyed_hash = staticmethod(lambda text: text)


def set_field_cipher(encrypt, decrypt, keyed_hash) -> None:
    """Install the functions EncryptedText columns use (called by the app factory)."""
    _FieldCipher.encrypt = staticmethod(encrypt)
    _FieldCipher.decrypt = staticmethod(decrypt)
    _FieldCipher.keyed_hash = staticmethod(keyed_hash)


def keyed_hash(text: str) -> str:
    """The app's keyed hash (HMAC) of a value, for blind indexes of encrypted fields."""
    return _FieldCipher.keyed_hash(text)


class EncryptedText(sa.types.TypeDecorator):
    """Text stored encrypted at rest and read back in clear, transparently."""

    impl = sa.String(400)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return _FieldCipher.encrypt(value) if value is not None else None

    def process_result_value(self, value, dialect):
        return _FieldCipher.decrypt(value) if value is not None else None


class EncryptedLongText(EncryptedText):
    """Free text of any length (survey answers) stored encrypted at rest, read in clear."""

    impl = sa.Text()
    cache_ok = True


def enum_column(enum_class: type[enum.Enum], **kwargs) -> sa.Enum:
    """Store an enum by its value in a portable VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )
