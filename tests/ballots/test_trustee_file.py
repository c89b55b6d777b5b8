"""Passphrase-protected trustee secret files (docs/protocol.md §I.11)."""

from __future__ import annotations

import base64
import json
import unicodedata
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from ballots import Argon2Parameters, SecretFileError, canonical_json, open_secret, seal_secret
from ballots.keyfile import _derive
from tests.ballots.ballots_fixtures import Ceremony

# OWASP's floor: fast enough for tests, and exactly the minimum the format accepts.
FAST = Argon2Parameters(time_cost=2, memory_kib=19456, parallelism=1)
PASSPHRASE = "paarse olifant danst op de dijk"


def _doc(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def test_secret_file_round_trips(ceremony: Ceremony) -> None:
    secret = ceremony.secrets[1]
    raw = seal_secret(secret, PASSPHRASE, params=FAST)
    assert open_secret(raw, PASSPHRASE) == secret
    doc = _doc(raw)
    assert doc["kdf"]["name"] == "argon2id"
    assert doc["aead"]["name"] == "chacha20-poly1305"
    assert str(secret.share) not in raw.decode()


def test_default_parameters_are_rfc9106_second_option() -> None:
    assert Argon2Parameters() == Argon2Parameters(time_cost=3, memory_kib=65536, parallelism=4)


def test_wrong_passphrase_and_tampering_fail_alike(ceremony: Ceremony) -> None:
    raw = seal_secret(ceremony.secrets[0], PASSPHRASE, params=FAST)
    with pytest.raises(SecretFileError, match="secret-file"):
        open_secret(raw, PASSPHRASE + "!")
    doc = _doc(raw)
    doc["kdf"]["time_cost"] = 3  # a changed parameter is caught by the associated data
    with pytest.raises(SecretFileError, match="secret-file"):
        open_secret(canonical_json(doc), PASSPHRASE)
    doc = _doc(raw)
    ciphertext = doc["ciphertext"]
    doc["ciphertext"] = ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:]
    with pytest.raises(SecretFileError, match="secret-file"):
        open_secret(canonical_json(doc), PASSPHRASE)


def test_passphrase_is_nfc_normalised(ceremony: Ceremony) -> None:
    composed = "café au lait bij de ALV"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    raw = seal_secret(ceremony.secrets[0], composed, params=FAST)
    assert open_secret(raw, decomposed) == ceremony.secrets[0]


def test_short_passphrase_is_refused(ceremony: Ceremony) -> None:
    with pytest.raises(SecretFileError, match="passphrase-length"):
        seal_secret(ceremony.secrets[0], "kort", params=FAST)


@pytest.mark.parametrize(
    ("t", "m", "p"),
    [
        (1, 19456, 1),
        (2, 19455, 1),
        (11, 19456, 1),
        (2, 19456, 0),
        (2, 19456, 17),
        (2, 4 * 1024 * 1024 + 1, 1),
    ],
)
def test_weak_or_absurd_kdf_parameters_are_refused(
    t: int, m: int, p: int, ceremony: Ceremony
) -> None:
    with pytest.raises(SecretFileError, match="kdf-parameters"):
        Argon2Parameters(t, m, p)
    doc = _doc(seal_secret(ceremony.secrets[0], PASSPHRASE, params=FAST))
    doc["kdf"].update(time_cost=t, memory_kib=m, parallelism=p)
    with pytest.raises(SecretFileError, match="kdf-parameters"):
        open_secret(canonical_json(doc), PASSPHRASE)


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(type="something-else"), "format"),
        (lambda d: d["kdf"].update(name="scrypt"), "format"),
        (lambda d: d["aead"].update(name="aes-gcm"), "format"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["kdf"].update(salt="AAAA"), "length"),
        (lambda d: d["aead"].pop("nonce"), "missing-field"),
        (lambda d: d.update(ciphertext=7), "base64"),
    ],
)
def test_malformed_secret_files_are_rejected_by_name(
    mutate: Any, check: str, ceremony: Ceremony
) -> None:
    doc = _doc(seal_secret(ceremony.secrets[0], PASSPHRASE, params=FAST))
    mutate(doc)
    with pytest.raises(SecretFileError, match=check):
        open_secret(canonical_json(doc), PASSPHRASE)


def test_non_canonical_file_is_rejected(ceremony: Ceremony) -> None:
    raw = seal_secret(ceremony.secrets[0], PASSPHRASE, params=FAST)
    with pytest.raises(SecretFileError, match="json-not-canonical"):
        open_secret(json.dumps(_doc(raw), indent=1).encode(), PASSPHRASE)


def test_authenticated_but_malformed_plaintext_is_reported(ceremony: Ceremony) -> None:
    """A file written by another tool with the right passphrase but a wrong plaintext."""
    doc = _doc(seal_secret(ceremony.secrets[0], PASSPHRASE, params=FAST))
    header = {k: v for k, v in doc.items() if k != "ciphertext"}
    salt = base64.urlsafe_b64decode(doc["kdf"]["salt"] + "==")
    nonce = base64.urlsafe_b64decode(doc["aead"]["nonce"] + "==")
    key = _derive(PASSPHRASE, salt, FAST)
    ciphertext = ChaCha20Poly1305(key).encrypt(
        nonce, canonical_json({"version": 1}), canonical_json(header)
    )
    doc["ciphertext"] = base64.urlsafe_b64encode(ciphertext).rstrip(b"=").decode()
    with pytest.raises(SecretFileError, match="missing-field"):
        open_secret(canonical_json(doc), PASSPHRASE)
