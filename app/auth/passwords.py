"""Password hashing (argon2id) and the password policy."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
# A short list of passwords attackers try first; longer lists belong in a data file.
WEAK_PASSWORDS = frozenset(
    {
        "123456789012", "1234567890123", "password1234", "qwertyuiop12", "qwerty123456",
        "iloveyou1234", "admin1234567", "administrator", "passw0rd1234", "welcome12345",
        "abc123456789", "111111111111", "000000000000", "aaaaaaaaaaaa", "woaini123456",
        "woaini1314520", "1qaz2wsx3edc", "qazwsxedcrfv", "zaq12wsxcde3", "password123456",
        "changeme1234", "letmein12345", "shanghai1234", "qibu12345678", "1q2w3e4r5t6y",
    }
)


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_KIB"],
        parallelism=1,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str, username: str = ""):
    """Return a message saying what is wrong with a new password, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    lowered = password.lower()
    if username and lowered == username.lower():
        return _l("The password must not be the same as the user name.")
    if lowered in WEAK_PASSWORDS or len(set(lowered)) <= 2:
        return _l("This password is too easy to guess; choose another.")
    return None


# letters and digits that cannot be mistaken for one another when read out or copied by hand
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password to hand over once, in four groups of four (about 79 bits)."""
    groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


# a hash to verify against when the account does not exist, so timing reveals nothing
DUMMY_PASSWORD = "qibu-dummy-password-for-timing"  # noqa: S105 (not a credential)
