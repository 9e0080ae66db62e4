"""Encryption of SNMP secrets at rest (Fernet; several keys allow rotation)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(Exception):
    """A key is malformed, or a stored secret cannot be decrypted with the configured keys."""


class SecretBox:
    """Encrypts with the first key, decrypts with any: rotate by putting the new key first."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretBoxError("no encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        except (ValueError, UnicodeEncodeError) as exc:
            raise SecretBoxError(
                "an encryption key is not a Fernet key (32 url-safe base64 bytes)"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        """A new random key, as configuration stores it."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretBoxError(
                "a stored secret does not decrypt with the configured keys"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"
