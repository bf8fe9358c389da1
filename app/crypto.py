"""Protection at rest: encrypted text fields and keyed hashes, with a key from the environment.

Names, phone numbers and TOTP secrets are encrypted with Fernet (AES-128-CBC + HMAC);
ID numbers are never stored, only an HMAC-SHA256 keyed hash (to find a person again) and
their last four characters (to let staff confirm). The key is QIBU_DATA_KEY, or derived
from the secret key when that is not set.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

PREFIX = "enc1:"


def _key_material() -> bytes:
    configured = current_app.config.get("DATA_KEY") or ""
    source = configured or f"qibu-data:{current_app.config['SECRET_KEY']}"
    return hashlib.sha256(source.encode("utf-8")).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key_material()))


def encrypt_text(text: str | None) -> str | None:
    if text is None or text == "":
        return text
    return PREFIX + _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(stored: str | None) -> str | None:
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's contents (uploads awaiting confirmation hold personal data)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def keyed_hash(value: str) -> str:
    """An HMAC-SHA256 of a normalised value (ID numbers, name search keys)."""
    normalised = "".join(value.split()).upper()
    return hmac.new(_key_material(), normalised.encode("utf-8"), hashlib.sha256).hexdigest()
