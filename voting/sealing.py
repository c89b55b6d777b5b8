"""Secrets kept at rest in the database, encrypted under SECRET_KEY.

AES-GCM (pyca/cryptography) under a key derived from SECRET_KEY with HKDF-SHA256
(RFC 5869), one key per purpose (`info`), and the row the secret belongs to as associated
data, so a sealed value copied to another row or purpose does not open. Used for TOTP
secrets and for the service's Ed25519 signing keys (voting/keys.py).
"""

from __future__ import annotations

import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES: Final = 12


class Sealer:
    """Encrypts small secrets for one purpose, bound to the row they belong to."""

    def __init__(self, secret_key: str, info: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, owner: str, secret: bytes) -> bytes:
        """Encrypt `secret` for the row named `owner`."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret, owner.encode())

    def open(self, owner: str, sealed: bytes) -> bytes:
        """Decrypt a sealed secret.

        Raises:
            ValueError: altered, sealed for another row or purpose, or under another SECRET_KEY.
        """
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], owner.encode())
        except InvalidTag as exc:
            raise ValueError("the secret cannot be opened with this SECRET_KEY") from exc
