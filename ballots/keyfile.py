"""Passphrase-protected trustee secret files.

Implements docs/protocol.md §I.11: key = Argon2id(NFC passphrase, salt, t, m, p) (RFC 9106
§3.1, via argon2-cffi's `hash_secret_raw`), then ChaCha20-Poly1305 (RFC 8439 §2.8, via
pyca/cryptography) with the file's header as associated data, so the parameters cannot be
altered without the passphrase. The format is versioned canonical JSON.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ballots import _fields as f
from ballots.canonical import b64decode, b64encode, canonical_json, parse_canonical_json
from ballots.ceremony import TrusteeSecret
from ballots.errors import BallotsError, SecretFileError

FILE_TYPE: Final = "stembus-trustee-secret"
KDF_NAME: Final = "argon2id"
AEAD_NAME: Final = "chacha20-poly1305"
SALT_BYTES: Final = 16
NONCE_BYTES: Final = 12
KEY_BYTES: Final = 32
MIN_PASSPHRASE: Final = 12
MAX_FILE_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """Argon2id cost: `time_cost` t, `memory_kib` m, `parallelism` p (RFC 9106 §3.1).

    Raises:
        SecretFileError: ``kdf-parameters`` below t = 2, m = 19,456 KiB (OWASP's floor) or
            above t = 10, m = 4 GiB, p = 16.
    """

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def __post_init__(self) -> None:
        if not (
            2 <= self.time_cost <= 10
            and 19456 <= self.memory_kib <= 4 * 1024 * 1024
            and 1 <= self.parallelism <= 16
        ):
            raise SecretFileError("kdf-parameters")


RFC9106_SECOND_OPTION: Final = Argon2Parameters()
"""RFC 9106 §4, second recommended option: t = 3, m = 64 MiB, p = 4 (the default)."""


def _derive(passphrase: str, salt: bytes, params: Argon2Parameters) -> bytes:
    return hash_secret_raw(
        secret=unicodedata.normalize("NFC", passphrase).encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
        version=19,
    )


def _header(salt: bytes, nonce: bytes, params: Argon2Parameters) -> dict[str, object]:
    return {
        "version": 1,
        "type": FILE_TYPE,
        "kdf": {
            "name": KDF_NAME,
            "salt": b64encode(salt),
            "time_cost": params.time_cost,
            "memory_kib": params.memory_kib,
            "parallelism": params.parallelism,
        },
        "aead": {"name": AEAD_NAME, "nonce": b64encode(nonce)},
    }


def _seal_secret_from_parts(
    secret: TrusteeSecret, passphrase: str, params: Argon2Parameters, salt: bytes, nonce: bytes
) -> bytes:
    """`seal_secret` with the salt and nonce given (known-answer vectors only)."""
    if len(unicodedata.normalize("NFC", passphrase)) < MIN_PASSPHRASE:
        raise SecretFileError("passphrase-length")
    header = _header(salt, nonce, params)
    associated = canonical_json(header)  # type: ignore[arg-type]  # built from JSON values above
    key = _derive(passphrase, salt, params)
    ciphertext = ChaCha20Poly1305(key).encrypt(nonce, canonical_json(secret.to_json()), associated)
    return canonical_json({**header, "ciphertext": b64encode(ciphertext)})  # type: ignore[dict-item]


def seal_secret(
    secret: TrusteeSecret, passphrase: str, *, params: Argon2Parameters = RFC9106_SECOND_OPTION
) -> bytes:
    """The §I.11 file for `secret`, as canonical JSON bytes, with a fresh salt and nonce.

    Raises:
        SecretFileError: ``passphrase-length`` for fewer than 12 characters.
    """
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    return _seal_secret_from_parts(secret, passphrase, params, salt, nonce)


def open_secret(raw: bytes, passphrase: str) -> TrusteeSecret:
    """Decrypt a §I.11 file.

    Raises:
        SecretFileError: ``secret-file`` for a wrong passphrase or a tampered file (the two
            are indistinguishable by design), ``kdf-parameters``, or a malformed field, named.
    """
    try:
        doc = f.as_object(
            parse_canonical_json(raw, max_bytes=MAX_FILE_BYTES),
            field="file",
            required=frozenset({"version", "type", "kdf", "aead", "ciphertext"}),
        )
        f.check_version(doc, field="file")
        if doc["type"] != FILE_TYPE:
            raise SecretFileError("format", field="file.type")
        kdf = f.as_object(
            doc["kdf"],
            field="file.kdf",
            required=frozenset({"name", "salt", "time_cost", "memory_kib", "parallelism"}),
        )
        aead = f.as_object(doc["aead"], field="file.aead", required=frozenset({"name", "nonce"}))
        if kdf["name"] != KDF_NAME or aead["name"] != AEAD_NAME:
            raise SecretFileError("format", field="file.kdf.name")
        params = Argon2Parameters(
            f.get_int(kdf, "time_cost", field="file.kdf", low=0, high=2**31),
            f.get_int(kdf, "memory_kib", field="file.kdf", low=0, high=2**40),
            f.get_int(kdf, "parallelism", field="file.kdf", low=0, high=2**31),
        )
        salt = f.get_bytes(kdf, "salt", field="file.kdf", length=SALT_BYTES)
        nonce = f.get_bytes(aead, "nonce", field="file.aead", length=NONCE_BYTES)
        ciphertext = b64decode(
            doc["ciphertext"], field="file.ciphertext", max_length=MAX_FILE_BYTES
        )
    except SecretFileError:
        raise
    except BallotsError as exc:
        raise SecretFileError(exc.check, field=exc.field, detail=exc.detail) from exc
    associated = canonical_json({k: v for k, v in doc.items() if k != "ciphertext"})
    try:
        plain = ChaCha20Poly1305(_derive(passphrase, salt, params)).decrypt(
            nonce, ciphertext, associated
        )
    except InvalidTag:
        raise SecretFileError("secret-file", detail="wrong passphrase or altered file") from None
    try:
        return TrusteeSecret.from_json(parse_canonical_json(plain, max_bytes=MAX_FILE_BYTES))
    except BallotsError as exc:
        raise SecretFileError(exc.check, field=exc.field) from exc
