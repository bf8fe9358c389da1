"""Protection at rest: encrypted text fields and keyed hashes, with a key from the environment.

Names, phone numbers and TOTP secrets are encrypted with Fernet (AES-128-CBC + HMAC);
ID numbers are never stored, only an HMAC-SHA256 keyed hash (to find a person again) and
their last four characters (to let staff confirm). The key is QIBU_DATA_KEY, or derived
from the secret key when that is not set. The primitives live in models/protection.py,
which the migrations share; this module gives them the app's key.
"""

from functools import lru_cache

from flask import current_app

from models.protection import PREFIX, DataCipher, data_key

__all__ = ["PREFIX", "app_cipher", "decrypt_bytes", "decrypt_text", "encrypt_bytes",
           "encrypt_text", "keyed_hash"]


def _key_material() -> bytes:
    return data_key(current_app.config.get("DATA_KEY"), current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _cipher_for(key: bytes) -> DataCipher:
    return DataCipher(key)


def app_cipher() -> DataCipher:
    """The cipher of the current app's data key."""
    return _cipher_for(_key_material())


def encrypt_text(text: str | None) -> str | None:
    return app_cipher().encrypt_text(text)


def decrypt_text(stored: str | None) -> str | None:
    return app_cipher().decrypt_text(stored)


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's contents (uploads awaiting confirmation hold personal data)."""
    return app_cipher().encrypt_bytes(data)


def decrypt_bytes(token: bytes) -> bytes:
    return app_cipher().decrypt_bytes(token)


def keyed_hash(value: str) -> str:
    """An HMAC-SHA256 of a normalised value (ID numbers, name search keys)."""
    return app_cipher().keyed_hash(value)
