"""Protection at rest for a given key: encrypted text ("enc1:" Fernet tokens) and keyed hashes.

The key is passed in, so this module imports nothing of Qibu's: the app (app/crypto.py,
with the key from its configuration) and the migrations (with the key env.py passes them)
encrypt, decrypt and hash the same way.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc1:"


def data_key(configured: str | None, secret_key: str) -> bytes:
    """The 32 bytes that encrypt and hash: QIBU_DATA_KEY's, else derived from the secret key."""
    source = configured or f"qibu-data:{secret_key}"
    return hashlib.sha256(source.encode("utf-8")).digest()


def is_encrypted(stored: str | None) -> bool:
    """Whether a stored value is one of our encrypted tokens (else it is clear text)."""
    return bool(stored) and stored.startswith(PREFIX)


class DataCipher:
    """Encrypt and decrypt text and bytes, and hash values, with one key."""

    def __init__(self, key: bytes):
        self._key = key
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt_text(self, text: str | None) -> str | None:
        if text is None or text == "":
            return text
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt_text(self, stored: str | None) -> str | None:
        """The clear text; a value without the prefix is returned as it is, and None when
        the key cannot decrypt it."""
        if not is_encrypted(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            return None

    def can_decrypt(self, stored: str | None) -> bool:
        """Whether this key reads the value (clear text always reads)."""
        return not is_encrypted(stored) or self.decrypt_text(stored) is not None

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def keyed_hash(self, value: str) -> str:
        """An HMAC-SHA256 of a normalised value (ID numbers, name search keys)."""
        normalised = "".join(value.split()).upper()
        return hmac.new(self._key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
