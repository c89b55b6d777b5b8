"""Input checks of encrypt_ballot, proof wire formats, and JSON field readers (§I.3, §I.6, §I.8)."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest

from ballots import (
    Ballot,
    Election,
    InvalidBallot,
    InvalidManifest,
    Manifest,
    canonical_json,
    encrypt_ballot,
    validate_ballot,
)
from ballots.ballot import EncryptedQuestion, option_statement
from ballots.ceremony import TrusteeSecret
from ballots.elgamal import encrypt_with
from ballots.errors import InvalidProof
from ballots.group import random_scalar
from ballots.proofs import BRANCH_BYTES, DecryptionProof, RangeProof, SchnorrProof, prove_range
from tests.ballots.ballots_fixtures import Ceremony, full_manifest

VOTE = {"m1": ["voor"], "m2": [], "m3": ["onthouding"]}


@pytest.mark.parametrize(
    ("pseudonym", "selections", "check", "question"),
    [
        ("bad pseudonym!", VOTE, "format", None),
        ("voter", {**VOTE, "m9": []}, "question-unknown", "m9"),
        ("voter", {"m1": [], "m2": []}, "question-missing", "m3"),
        ("voter", {**VOTE, "m2": ["voor", "voor"]}, "selection-duplicate", "m2"),
        ("voter", {**VOTE, "m2": ["misschien"]}, "option-unknown", "m2"),
        ("voter", {**VOTE, "m2": ["voor", "tegen"]}, "selection-count", "m2"),
    ],
)
def test_encrypt_ballot_refuses_impossible_choices(
    motion_election: Election,
    pseudonym: str,
    selections: dict[str, list[str]],
    check: str,
    question: str | None,
) -> None:
    with pytest.raises(InvalidBallot, match=check) as info:
        encrypt_ballot(motion_election, pseudonym, selections)
    assert info.value.question == question


def test_every_question_kind_encrypts_and_validates(election: Election) -> None:
    ballot = encrypt_ballot(
        election,
        "voter-1",
        {
            "m1": ["voor"],
            "a1": ["tegen"],
            "s1": [],
            "b1": ["onthouding"],
            "mc1": ["zwolle", "kralendijk"],
            "e1": ["c2"],
        },
    )
    validate_ballot(election, ballot)
    assert Ballot.from_json(json.loads(canonical_json(ballot.to_json())), election) == ballot


def test_selection_proof_with_a_bad_commitment_is_rejected_by_name(
    motion_election: Election,
) -> None:
    doc = json.loads(canonical_json(encrypt_ballot(motion_election, "voter", VOTE).to_json()))
    raw = bytearray(base64.urlsafe_b64decode(doc["questions"][1]["selections_proof"] + "=="))
    raw[0] = 0x05
    doc["questions"][1]["selections_proof"] = (
        base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    )
    with pytest.raises(InvalidBallot, match="point-prefix") as info:
        Ballot.from_json(doc, motion_election)
    assert (info.value.question, info.value.option) == ("m2", None)
    assert str(info.value.field).endswith("selections_proof")


def test_constructed_ballot_with_a_proof_of_the_wrong_size_is_rejected(
    motion_election: Election,
) -> None:
    ballot = encrypt_ballot(motion_election, "voter", VOTE)
    q = ballot.questions[0]
    three = (
        RangeProof(q.selections_proof.branches * 2)[:0]
        if False
        else RangeProof((*q.selections_proof.branches, q.selections_proof.branches[0]))
    )
    forged = dataclasses.replace(
        ballot, questions=(EncryptedQuestion(q.id, q.options, three), *ballot.questions[1:])
    )
    with pytest.raises(InvalidBallot, match="proof-length") as info:
        validate_ballot(motion_election, forged)
    assert info.value.question == "m1"


@pytest.mark.parametrize(
    ("branches", "size"), [(0, 0), (66, 66 * BRANCH_BYTES), (2, 2 * BRANCH_BYTES - 1)]
)
def test_range_proof_bytes_of_the_wrong_size_are_rejected(branches: int, size: int) -> None:
    with pytest.raises(InvalidProof, match="proof-length"):
        RangeProof.from_bytes(bytes(size), branches=branches)


def test_other_proof_bytes_of_the_wrong_size_are_rejected() -> None:
    with pytest.raises(InvalidProof, match="proof-length"):
        DecryptionProof.from_bytes(bytes(97))
    with pytest.raises(InvalidProof, match="proof-length"):
        SchnorrProof.from_bytes(bytes(66))


def test_prover_refuses_a_value_outside_its_range(motion_election: Election) -> None:
    r = random_scalar()
    ct = encrypt_with(motion_election.key.joint_key, 2, r)
    statement = option_statement(motion_election, "voter", "m1", "voor", ct)
    with pytest.raises(InvalidProof, match="proof-range"):
        prove_range(statement, r, 2)


def test_direct_construction_checks_text_hash_and_electorate() -> None:
    manifest = full_manifest()
    with pytest.raises(InvalidManifest, match="format"):
        dataclasses.replace(manifest.questions[0], text_sha256="x" * 64)
    with pytest.raises(InvalidManifest, match="range"):
        dataclasses.replace(manifest, electorate_size=0)


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(title=5), "json-shape"),
        (lambda d: d.update(electorate_size="50"), "json-shape"),
        (lambda d: d.update(questions="m1"), "json-shape"),
    ],
)
def test_field_readers_reject_wrong_json_types(mutate: Any, check: str) -> None:
    doc = json.loads(canonical_json(full_manifest().to_json()))
    mutate(doc)
    with pytest.raises(InvalidManifest, match=check):
        Manifest.from_json(doc)


def test_secret_before_the_end_of_the_ceremony_has_no_share(ceremony: Ceremony) -> None:
    early = dataclasses.replace(ceremony.secrets[0], share=None)
    doc = early.to_json()
    assert "share" not in doc
    assert TrusteeSecret.from_json(doc) == early
