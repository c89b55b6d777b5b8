"""Passwords, one-time tokens and recovery codes: how they are made, checked and stored.

Passwords: Argon2id through argon2-cffi (RFC 9106), at least `MIN_PASSWORD_LENGTH`
characters, refused when zxcvbn finds them among common passwords or guessable
(NIST SP 800-63B §5.1.1.2: a blocklist, no composition rules). Tokens: 256 random bits,
stored as SHA-256. Secrets are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # zxcvbn ships no type hints

from voting.config import PasswordHashing
from voting.errors import FieldError

MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 200
# zxcvbn scores 0..4; 3 means "safely unguessable: moderate protection from offline
# slow-hash scenario" (guesses >= 10^8). Below that, the password is refused.
MIN_PASSWORD_SCORE: Final = 3
TOKEN_BYTES: Final = 32
RECOVERY_CODE_COUNT: Final = 10
RECOVERY_ALPHABET: Final = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i
RECOVERY_CODE_LENGTH: Final = 16  # 16 symbols of 31: 79 bits


class Passwords:
    """Hashes and verifies passwords with the deployment's Argon2id parameters."""

    def __init__(self, params: PasswordHashing) -> None:
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
        )
        # Verified against when the account does not exist, so that an unknown address
        # costs as much time as a wrong password (THREATS T29).
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        """The Argon2id hash of a password."""
        return self._hasher.hash(_normalise(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; always does the full work, even without a hash."""
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, _normalise(password)) and (
                stored_hash is not None
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other parameters than today's."""
        return self._hasher.check_needs_rehash(stored_hash)


def check_new_password(password: str, *, user_inputs: list[str]) -> None:
    """Refuse a password that is too short, too long, or common.

    Raises:
        FieldError: on field "password", with a message the member can act on.
    """
    password = _normalise(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError(
            "password",
            _l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise FieldError(
            "password", _l("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
        )
    result = zxcvbn(password, user_inputs=[value for value in user_inputs if value])
    if result["score"] < MIN_PASSWORD_SCORE:
        raise FieldError(
            "password",
            _l(
                "This password is too easy to guess. A few unusual words in a row are "
                "easy to remember and hard to guess."
            ),
        )


def _normalise(password: str) -> str:
    # NFC, so that the same password typed on two keyboards hashes the same (NIST 800-63B).
    return unicodedata.normalize("NFC", password)


def new_token() -> str:
    """A fresh URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """How a token is stored and looked up: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    """Fresh recovery codes, shown once, in groups of four for reading aloud."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(4))
            for _ in range(RECOVERY_CODE_LENGTH // 4)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def recovery_code_digest(code: str) -> str:
    """How a recovery code is stored: SHA-256 of its canonical form (no dashes, lower case)."""
    canonical = "".join(ch for ch in code.lower() if ch in RECOVERY_ALPHABET)
    return hashlib.sha256(canonical.encode()).hexdigest()


def digests_equal(left: str, right: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(left.encode(), right.encode())
