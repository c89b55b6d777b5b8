"""Known-answer vectors (tests/vectors/ballots_*.json, made by scripts/make_vectors.py).

Each vector replays the recorded inputs and nonces through the private `_..._from_parts`
functions and compares every output byte, so any change to an encoding, hash input, proof or
file format fails here. Each draw list must be consumed exactly.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ballots import (
    Announcement,
    Ballot,
    DecryptedTally,
    DecryptionShare,
    Election,
    ElectionKey,
    EncryptedTally,
    Manifest,
    TrusteeSecret,
    canonical_json,
    check_decrypted_tally,
    combine_shares,
    count_election,
    election_key,
    open_secret,
    sign_document,
    tally_ballots,
    validate_ballot,
    verify_share,
)
from ballots.canonical import b64encode
from ballots.ceremony import _announce_from_parts
from ballots.decryption import _decrypt_share_from_parts
from ballots.encoding import (
    Field,
    data,
    encode,
    hash_bytes,
    hash_to_scalar,
    integer,
    items,
    point,
    scalar,
    text,
)
from ballots.encryption import _encrypt_ballot_from_parts
from ballots.group import GENERATOR, IDENTITY
from ballots.keyfile import Argon2Parameters, _seal_secret_from_parts
from ballots.signing import SignedDocument, SigningKey, verify_document

VECTORS = Path(__file__).parents[1] / "vectors"


def _load(name: str) -> dict[str, Any]:
    doc = json.loads((VECTORS / name).read_text())
    assert "scripts/make_vectors.py" in doc["provenance"]
    return doc


class Replay:
    """Hands out the recorded nonces in order; `done` checks that all were used."""

    def __init__(self, nonces: list[str]) -> None:
        self.values = [int(v, 16) for v in nonces]
        self.used = 0

    def __call__(self) -> int:
        value = self.values[self.used]
        self.used += 1
        return value

    def done(self) -> None:
        assert self.used == len(self.values)


def _field(description: list[Any]) -> Field:
    kind, value = description
    if kind == "text":
        return text(value)
    if kind == "bytes":
        return data(bytes.fromhex(value))
    if kind == "integer":
        return integer(value)
    if kind == "scalar":
        return scalar(int(value, 16))
    if kind == "point":
        return point(GENERATOR if value == "G" else IDENTITY)
    assert kind == "list"
    return items([_field(v) for v in value])


def test_hash_input_vectors() -> None:
    doc = _load("ballots_hashing.json")
    for case in doc["hash_inputs"]:
        fields = [_field(f) for f in case["fields"]]
        assert encode(case["tag"], *fields).hex() == case["encoding"]
        assert hash_bytes(case["tag"], *fields).hex() == case["sha256"]
        assert f"{hash_to_scalar(case['tag'], *fields):064x}" == case["scalar"]
    for case in doc["canonical_json"]:
        assert canonical_json(case["value"]).decode() == case["canonical"]


@pytest.fixture(scope="module")
def ceremony_vectors() -> dict[str, Any]:
    return _load("ballots_ceremony.json")


@pytest.fixture(scope="module")
def election(ceremony_vectors: dict[str, Any]) -> Election:
    key = ElectionKey.from_json(ceremony_vectors["election_key"])
    return Election(
        Manifest.from_json(ceremony_vectors["manifest"]), key, _b64(ceremony_vectors["fingerprint"])
    )


def _b64(text_value: str) -> bytes:
    return base64.urlsafe_b64decode(text_value + "=" * (-len(text_value) % 4))


def test_announcement_and_election_key_vectors(
    ceremony_vectors: dict[str, Any], election: Election
) -> None:
    v = ceremony_vectors
    announcements = []
    for i in range(1, v["trustees"] + 1):
        replay = Replay(v["nonces"][i - 1])
        secret, announcement = _announce_from_parts(
            v["election_id"],
            i,
            v["threshold"],
            v["trustees"],
            bytes.fromhex(v["box_secret_keys"][i - 1]),
            replay,
        )
        replay.done()
        assert announcement.to_json() == v["announcements"][i - 1]
        assert Announcement.from_json(v["announcements"][i - 1]) == announcement
        announcements.append(announcement)
        # The final share is the sum of every dealer's f_d(i), fixed by the coefficients.
        assert secret.coefficients
    key = election_key(announcements)
    assert key.to_json() == v["election_key"]
    assert b64encode(election.fingerprint) == v["fingerprint"]


def test_ballot_vectors(election: Election) -> None:
    for case in _load("ballots_ballot.json")["ballots"]:
        replay = Replay(case["nonces"])
        ballot = _encrypt_ballot_from_parts(election, case["pseudonym"], case["selections"], replay)
        replay.done()
        assert canonical_json(ballot.to_json()) == canonical_json(case["ballot"])
        validate_ballot(election, Ballot.from_json(case["ballot"], election))


def _final_secrets(v: dict[str, Any]) -> dict[int, TrusteeSecret]:
    out = {}
    for i in range(1, v["trustees"] + 1):
        secret, _ = _announce_from_parts(
            v["election_id"],
            i,
            v["threshold"],
            v["trustees"],
            bytes.fromhex(v["box_secret_keys"][i - 1]),
            Replay(v["nonces"][i - 1]),
        )
        out[i] = TrusteeSecret(
            secret.election_id,
            i,
            secret.threshold,
            secret.trustees,
            secret.box_secret_key,
            secret.coefficients,
            int(v["final_shares"][i - 1], 16),
        )
    return out


def test_decryption_vectors(ceremony_vectors: dict[str, Any], election: Election) -> None:
    v = _load("ballots_decryption.json")
    ballots = [
        Ballot.from_json(c["ballot"], election) for c in _load("ballots_ballot.json")["ballots"]
    ]
    tally = tally_ballots(election, ballots)
    assert tally.to_json() == v["tally"]
    assert EncryptedTally.from_json(v["tally"], election) == tally
    secrets = _final_secrets(ceremony_vectors)
    shares = []
    for case in v["shares"]:
        replay = Replay(case["nonces"])
        share = _decrypt_share_from_parts(election, tally, secrets[case["trustee"]], replay)
        replay.done()
        assert share.to_json() == case["share"]
        parsed = DecryptionShare.from_json(case["share"], election)
        verify_share(election, tally, parsed)
        shares.append(parsed)
    result = combine_shares(election, tally, shares)
    assert result.to_json() == v["result"]
    check_decrypted_tally(election, tally, shares, DecryptedTally.from_json(v["result"], election))
    assert [o.to_json() for o in count_election(election.manifest, result)] == v["outcomes"]


def test_signed_document_and_trustee_file_vectors(ceremony_vectors: dict[str, Any]) -> None:
    v = _load("ballots_signing_keyfile.json")
    s = v["signing"]
    key = SigningKey(bytes.fromhex(s["seed"]))
    document = sign_document(key, s["type"], s["body"])
    assert document.to_json() == s["document"]
    assert (
        verify_document(
            SignedDocument.from_json(s["document"]), key.verifying_key(), doc_type=s["type"]
        )
        == s["body"]
    )

    f = v["keyfile"]
    secret = TrusteeSecret.from_json(f["secret"])
    sealed = _seal_secret_from_parts(
        secret,
        f["passphrase"],
        Argon2Parameters(*f["params"]),
        bytes.fromhex(f["salt"]),
        bytes.fromhex(f["nonce"]),
    )
    assert sealed.decode() == f["file"]
    assert open_secret(f["file"].encode(), f["passphrase"]) == secret
    assert secret.share == int(ceremony_vectors["final_shares"][0], 16)
