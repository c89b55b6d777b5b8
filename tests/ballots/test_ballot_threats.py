"""THREATS T01-T03 and T06-T10 against ballots (docs/protocol.md §I.1, §I.6, §I.8).

Every rejection is an `InvalidBallot` naming the check, and the question, option or field.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from ballots import (
    Ballot,
    DuplicateCiphertext,
    Election,
    ElectionKey,
    InvalidBallot,
    Manifest,
    Option,
    Question,
    QuestionKind,
    check_fresh_ciphertexts,
    ciphertext_keys,
    combine_shares,
    decrypt_share,
    encrypt_ballot,
    parse_ballot,
    tally_ballots,
    validate_ballot,
    validate_ballots,
)
from ballots.ballot import EncryptedOption, EncryptedQuestion, option_statement, selection_statement
from ballots.canonical import b64encode, canonical_json
from ballots.elgamal import Ciphertext, encrypt_with
from ballots.encryption import _encrypt_ballot_from_parts
from ballots.errors import CeremonyError as ElectionKeyError
from ballots.group import GENERATOR, N, P, random_scalar
from ballots.proofs import prove_range
from ballots.rules import Comparison, Fraction, MajorityRule, RuleKind, TieRule
from tests.ballots.ballots_fixtures import Ceremony

Doc = dict[str, Any]
VOTE = {"m1": ["voor"], "m2": ["tegen"], "m3": []}


def _doc(ballot: Ballot) -> Doc:
    return json.loads(canonical_json(ballot.to_json()))


def _check(election: Election, doc: Doc) -> None:
    """Parse and validate, as the service and the verifier do."""
    validate_ballot(election, Ballot.from_json(doc, election))


def _b64(raw: bytes) -> str:
    return b64encode(raw)


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def doc(motion_election: Election) -> Doc:
    return _doc(encrypt_ballot(motion_election, "voter-a", VOTE))


def test_valid_ballot_parses_validates_and_round_trips(motion_election: Election, doc: Doc) -> None:
    ballot = Ballot.from_json(doc, motion_election)
    validate_ballot(motion_election, ballot)
    raw = canonical_json(ballot.to_json())
    assert parse_ballot(raw, motion_election) == ballot
    assert len(ballot.digest()) == 32
    assert ballot.to_json() == doc


# ---------------------------------------------------------------- T01 bad points

UNCOMPRESSED = GENERATOR.key.format(compressed=False) if GENERATOR.key else b""
BAD_POINTS = {
    "uncompressed": (UNCOMPRESSED, "point-length"),
    "hybrid": (bytes([6 + (UNCOMPRESSED[-1] & 1)]) + UNCOMPRESSED[1:], "point-length"),
    "short": (GENERATOR.encoding[:32], "point-length"),
    "prefix-04": (b"\x04" + GENERATOR.encoding[1:], "point-prefix"),
    "x-not-below-p": (b"\x02" + (P + 3).to_bytes(32, "big"), "point-range"),
    "off-curve": (b"\x03" + (5).to_bytes(32, "big"), "point-on-curve"),
    "identity": (b"\x00", "point-identity"),
}


@pytest.mark.parametrize("field", ["alpha", "beta"])
@pytest.mark.parametrize("variant", sorted(BAD_POINTS))
def test_bad_point_in_ciphertext_is_rejected_by_name(
    motion_election: Election, doc: Doc, field: str, variant: str
) -> None:
    raw, check = BAD_POINTS[variant]
    doc["questions"][1]["options"][2][field] = _b64(raw)
    with pytest.raises(InvalidBallot, match=check) as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m2", "onthouding")
    assert str(info.value.field).endswith(field)


@pytest.mark.parametrize("variant", ["off-curve", "x-not-below-p", "prefix-04"])
def test_bad_point_as_proof_commitment_is_rejected_by_name(
    motion_election: Election, doc: Doc, variant: str
) -> None:
    raw, check = BAD_POINTS[variant]
    proof = bytearray(_raw(doc["questions"][0]["options"][0]["proof"]))
    proof[33:66] = raw  # b_0 of branch 0
    doc["questions"][0]["options"][0]["proof"] = _b64(bytes(proof))
    with pytest.raises(InvalidBallot, match=check) as info:
        _check(motion_election, doc)
    assert str(info.value.field).endswith("voor.proof")


def test_identity_ciphertext_in_a_constructed_ballot_is_rejected(motion_election: Election) -> None:
    ballot = encrypt_ballot(motion_election, "voter-a", VOTE)
    q = ballot.questions[0]
    o = q.options[0]
    bad = EncryptedOption(
        o.id, Ciphertext(o.ciphertext.alpha - o.ciphertext.alpha, o.ciphertext.beta), o.proof
    )
    forged = Ballot(
        ballot.election_id,
        ballot.fingerprint,
        ballot.pseudonym,
        (EncryptedQuestion(q.id, (bad, *q.options[1:]), q.selections_proof), *ballot.questions[1:]),
    )
    with pytest.raises(InvalidBallot, match="point-identity"):
        validate_ballot(motion_election, forged)


# ---------------------------------------------------------------- T02 scalars


def _patch_scalar(doc: Doc, offset: int, value: int) -> None:
    option = doc["questions"][0]["options"][1]
    proof = bytearray(_raw(option["proof"]))
    proof[offset : offset + 32] = value.to_bytes(32, "big")
    option["proof"] = _b64(bytes(proof))


def _scalar_at(doc: Doc, offset: int) -> int:
    return int.from_bytes(
        _raw(doc["questions"][0]["options"][1]["proof"])[offset : offset + 32], "big"
    )


def test_response_plus_n_is_rejected_not_reduced(motion_election: Election) -> None:
    """A valid proof whose simulated response is small enough that s + n fits in 32 bytes."""
    r, c0, w = random_scalar(), random_scalar(), random_scalar()
    small_s = 5
    scripted = iter([r, (small_s - c0 * r) % N, c0, w])  # option m1/voor: r, then u_0, c_0, nonce

    def draw() -> int:
        return next(scripted, None) or random_scalar()

    ballot = _encrypt_ballot_from_parts(motion_election, "voter-a", VOTE, draw)
    validate_ballot(motion_election, ballot)
    doc = _doc(ballot)
    option = doc["questions"][0]["options"][0]
    proof = bytearray(_raw(option["proof"]))
    assert int.from_bytes(proof[98:130], "big") == small_s
    proof[98:130] = (small_s + N).to_bytes(32, "big")  # the same value mod n
    option["proof"] = _b64(bytes(proof))
    with pytest.raises(InvalidBallot, match="scalar-range") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m1", "voor")


@pytest.mark.parametrize("value", [N, N + 1, 2**256 - 1])
def test_challenge_not_below_n_is_rejected(motion_election: Election, doc: Doc, value: int) -> None:
    _patch_scalar(doc, 66, value)  # c_0 of branch 0
    with pytest.raises(InvalidBallot, match="scalar-range"):
        _check(motion_election, doc)


# ---------------------------------------------------------------- T03 broken proofs


def _proof_branches(doc: Doc, q: int, o: int) -> list[bytes]:
    raw = _raw(doc["questions"][q]["options"][o]["proof"])
    return [raw[i : i + 130] for i in range(0, len(raw), 130)]


def _set_branches(doc: Doc, q: int, o: int, branches: list[bytes]) -> None:
    doc["questions"][q]["options"][o]["proof"] = _b64(b"".join(branches))


def test_challenges_that_do_not_sum_are_rejected(motion_election: Election, doc: Doc) -> None:
    c0 = _scalar_at(doc, 66)
    _patch_scalar(doc, 66, (c0 + 1) % N)
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m1", "tegen")


def test_swapped_branches_are_rejected(motion_election: Election, doc: Doc) -> None:
    branches = _proof_branches(doc, 1, 0)
    _set_branches(doc, 1, 0, branches[::-1])
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m2", "voor")


def test_proof_of_one_option_on_another_is_rejected(motion_election: Election, doc: Doc) -> None:
    options = doc["questions"][0]["options"]
    options[0]["proof"], options[1]["proof"] = options[1]["proof"], options[0]["proof"]
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        _check(motion_election, doc)
    assert info.value.option == "voor"


def test_proof_moved_to_another_question_is_rejected(motion_election: Election, doc: Doc) -> None:
    qs = doc["questions"]
    qs[0]["options"][2], qs[2]["options"][2] = qs[2]["options"][2], qs[0]["options"][2]
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m1", "onthouding")


def test_altered_response_fails_its_equation_by_branch(motion_election: Election, doc: Doc) -> None:
    s0 = _scalar_at(doc, 98)
    _patch_scalar(doc, 98, (s0 + 1) % N)
    with pytest.raises(InvalidBallot, match="proof-equation") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option, info.value.detail) == (
        "m1",
        "tegen",
        "branch 0 alpha",
    )


def test_selection_proof_of_another_question_is_rejected(
    motion_election: Election, doc: Doc
) -> None:
    qs = doc["questions"]
    qs[0]["selections_proof"], qs[1]["selections_proof"] = (
        qs[1]["selections_proof"],
        qs[0]["selections_proof"],
    )
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == ("m1", None)


# ---------------------------------------------------------------- T06 ballot copying


class BallotBox:
    """The two checks the service makes before accepting a ballot (no storage of our own)."""

    def __init__(self, election: Election) -> None:
        self.election = election
        self.accepted: list[Ballot] = []
        self.seen: set[bytes] = set()

    def cast(self, ballot: Ballot) -> None:
        validate_ballot(self.election, ballot)
        check_fresh_ciphertexts(ballot, self.seen)
        self.accepted.append(ballot)
        self.seen.update(ciphertext_keys(ballot))


def _counts(election: Election, ceremony: Ceremony, ballots: list[Ballot]) -> dict[str, int]:
    tally = tally_ballots(election, ballots)
    shares = [decrypt_share(election, tally, s) for s in ceremony.secrets[:2]]
    return combine_shares(election, tally, shares).counts_for("m1")


def test_cortier_smyth_copied_ballot_is_refused_and_the_tally_unchanged(
    motion_election: Election, ceremony: Ceremony
) -> None:
    """Three voters: A votes voor, B tegen; C copies A's ballot to double A's vote."""
    box = BallotBox(motion_election)
    a = encrypt_ballot(motion_election, "voter-a", {"m1": ["voor"], "m2": [], "m3": []})
    b = encrypt_ballot(motion_election, "voter-b", {"m1": ["tegen"], "m2": [], "m3": []})
    box.cast(a)
    box.cast(b)
    before = _counts(motion_election, ceremony, box.accepted)
    assert before == {"voor": 1, "tegen": 1, "onthouding": 0}

    # C re-casts A's ciphertexts and proofs under C's own pseudonym: the proofs are bound to A.
    copy_for_c = Ballot(a.election_id, a.fingerprint, "voter-c", a.questions)
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        box.cast(copy_for_c)
    assert (info.value.question, info.value.option) == ("m1", "voor")
    # Re-casting A's ballot unchanged (valid proofs) is refused as a copy of seen ciphertexts.
    with pytest.raises(DuplicateCiphertext, match="duplicate-ciphertext") as dup:
        box.cast(a)
    assert (dup.value.question, dup.value.option) == ("m1", "voor")

    assert box.accepted == [a, b]
    assert _counts(motion_election, ceremony, box.accepted) == before


def test_ciphertext_repeated_within_one_ballot_is_refused(motion_election: Election) -> None:
    ballot = encrypt_ballot(motion_election, "voter-a", VOTE)
    q = ballot.questions[0]
    repeated = EncryptedQuestion(
        q.id, (q.options[0], q.options[0], q.options[2]), q.selections_proof
    )
    forged = Ballot(
        ballot.election_id, ballot.fingerprint, ballot.pseudonym, (repeated, *ballot.questions[1:])
    )
    with pytest.raises(DuplicateCiphertext, match="duplicate-ciphertext") as info:
        check_fresh_ciphertexts(forged, set())
    assert info.value.option == "voor"
    check_fresh_ciphertexts(ballot, set())


# ---------------------------------------------------------------- T07 wrong election or shape


def test_ballot_for_another_election_is_rejected(
    ceremony: Ceremony, motion_election: Election
) -> None:
    other_manifest = Manifest(
        "other-vote", "Andere stemming", 50, motion_election.manifest.questions
    )
    other = Election.create(other_manifest, dataclass_replace_key(ceremony, "other-vote"))
    ballot = encrypt_ballot(other, "voter-a", VOTE)
    with pytest.raises(InvalidBallot, match="election-id"):
        _check(motion_election, _doc(ballot))
    with pytest.raises(InvalidBallot, match="election-id"):
        validate_ballot(motion_election, ballot)
    doc = _doc(ballot)
    doc["election_id"] = motion_election.election_id
    with pytest.raises(InvalidBallot, match="fingerprint"):
        _check(motion_election, doc)
    forged = Ballot(
        motion_election.election_id, ballot.fingerprint, ballot.pseudonym, ballot.questions
    )
    with pytest.raises(InvalidBallot, match="fingerprint"):
        validate_ballot(motion_election, forged)


def dataclass_replace_key(ceremony: Ceremony, election_id: str) -> ElectionKey:
    return dataclasses.replace(ceremony.key, election_id=election_id)


SHAPE_MUTATIONS: dict[str, tuple[Callable[[Doc], None], str, str | None, str | None]] = {
    "options-permuted": (
        lambda d: d["questions"][0]["options"].reverse(),
        "option-order",
        "m1",
        "voor",
    ),
    "question-missing": (lambda d: d["questions"].pop(), "question-missing", "m3", None),
    "question-extra": (
        lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])),
        "question-extra",
        None,
        None,
    ),
    "questions-permuted": (lambda d: d["questions"].reverse(), "question-order", "m1", None),
    "question-unknown": (
        lambda d: d["questions"][1].update(id="m9"),
        "question-unknown",
        "m2",
        None,
    ),
    "option-missing": (
        lambda d: d["questions"][2]["options"].pop(),
        "option-missing",
        "m3",
        "onthouding",
    ),
    "option-extra": (
        lambda d: d["questions"][2]["options"].append(
            copy.deepcopy(d["questions"][2]["options"][0])
        ),
        "option-extra",
        "m3",
        None,
    ),
    "option-unknown": (
        lambda d: d["questions"][0]["options"][1].update(id="misschien"),
        "option-unknown",
        "m1",
        "tegen",
    ),
    "option-field-extra": (
        lambda d: d["questions"][0]["options"][1].update(plaintext="voor"),
        "unknown-field",
        "m1",
        "tegen",
    ),
    "question-field-missing": (
        lambda d: d["questions"][1].pop("selections_proof"),
        "missing-field",
        "m2",
        None,
    ),
    "version": (lambda d: d.update(version=2), "version", None, None),
    "pseudonym": (lambda d: d.update(pseudonym="voter a!"), "format", None, None),
}


@pytest.mark.parametrize("name", sorted(SHAPE_MUTATIONS))
def test_ballot_with_wrong_shape_is_rejected_by_name(
    motion_election: Election, doc: Doc, name: str
) -> None:
    mutate, check, question, option = SHAPE_MUTATIONS[name]
    mutate(doc)
    with pytest.raises(InvalidBallot, match=check) as info:
        _check(motion_election, doc)
    assert (info.value.question, info.value.option) == (question, option)


def test_constructed_ballot_with_wrong_shape_is_rejected(motion_election: Election) -> None:
    ballot = encrypt_ballot(motion_election, "voter-a", VOTE)
    reordered = Ballot(
        ballot.election_id, ballot.fingerprint, ballot.pseudonym, ballot.questions[::-1]
    )
    with pytest.raises(InvalidBallot, match="question-order"):
        validate_ballot(motion_election, reordered)
    q = ballot.questions[0]
    swapped = EncryptedQuestion(q.id, q.options[::-1], q.selections_proof)
    forged = Ballot(
        ballot.election_id, ballot.fingerprint, ballot.pseudonym, (swapped, *ballot.questions[1:])
    )
    with pytest.raises(InvalidBallot, match="option-order") as info:
        validate_ballot(motion_election, forged)
    assert info.value.question == "m1"
    renamed = Ballot(ballot.election_id, ballot.fingerprint, "bad pseudonym", ballot.questions)
    with pytest.raises(InvalidBallot, match="format"):
        validate_ballot(motion_election, renamed)


# ---------------------------------------------------------------- T08 over-vote


@pytest.fixture(scope="module")
def approval_election(ceremony: Ceremony) -> Election:
    question = Question(
        "e1",
        QuestionKind.APPROVAL,
        "Partijraad",
        "0" * 64,
        tuple(Option(f"c{i}", f"Kandidaat {i}") for i in range(1, 6)),
        0,
        3,
        MajorityRule(RuleKind.APPROVAL, Fraction(0, 1), Comparison.MORE_THAN, TieRule.LOT),
        seats=3,
    )
    return Election.create(Manifest("alv-2026-11", "Verkiezing", 50, (question,)), ceremony.key)


def test_four_selections_with_max_three_are_rejected(approval_election: Election) -> None:
    """Every option proof is valid (each is 0 or 1); the [0, 3] proof on the sum cannot be."""
    key = approval_election.key.joint_key
    question = approval_election.manifest.questions[0]
    options, randomness = [], []
    for i, oid in enumerate(question.option_ids):
        value, r = (1 if i < 4 else 0), random_scalar()
        ct = encrypt_with(key, value, r)
        statement = option_statement(approval_election, "voter-a", "e1", oid, ct)
        options.append(EncryptedOption(oid, ct, prove_range(statement, r, value)))
        randomness.append(r)
    statement = selection_statement(
        approval_election, "voter-a", question, [o.ciphertext for o in options]
    )
    # The best a cheater can do: claim 3 for a sum that holds 4.
    lying = prove_range(statement, sum(randomness) % N, 3)
    ballot = Ballot(
        approval_election.election_id,
        approval_election.fingerprint,
        "voter-a",
        (EncryptedQuestion("e1", tuple(options), lying),),
    )
    with pytest.raises(InvalidBallot, match="proof-equation") as info:
        validate_ballot(approval_election, ballot)
    assert (info.value.question, info.value.option) == ("e1", None)
    with pytest.raises(InvalidBallot, match="selection-count"):
        encrypt_ballot(approval_election, "voter-a", {"e1": ["c1", "c2", "c3", "c4"]})


# ---------------------------------------------------------------- T09 option holding 2 or -1


@pytest.mark.parametrize("value", [2, N - 1])
def test_option_encrypting_two_or_minus_one_is_rejected(
    motion_election: Election, value: int
) -> None:
    ballot = encrypt_ballot(motion_election, "voter-a", VOTE)
    key = motion_election.key.joint_key
    r = random_scalar()
    ct = encrypt_with(key, value, r)
    statement = option_statement(motion_election, "voter-a", "m3", "tegen", ct)
    claimed = 1 if value == 2 else 0
    proof = prove_range(statement, r, claimed)
    q = ballot.questions[2]
    # m3 was blank: the other two options hold 0 with randomness we do not know, so make them
    # again, and give the question a selection proof whose challenge is right (its equations
    # cannot all hold, but the option's are checked first).
    parts, total_r = [], r
    for oid in ("voor", "onthouding"):
        r_o = random_scalar()
        ct_o = encrypt_with(key, 0, r_o)
        parts.append(
            EncryptedOption(
                oid,
                ct_o,
                prove_range(option_statement(motion_election, "voter-a", "m3", oid, ct_o), r_o, 0),
            )
        )
        total_r += r_o
    options = (parts[0], EncryptedOption("tegen", ct, proof), parts[1])
    selection = selection_statement(
        motion_election, "voter-a", q_manifest(motion_election), [o.ciphertext for o in options]
    )
    forged_q = EncryptedQuestion(q.id, options, prove_range(selection, total_r % N, claimed))
    forged = Ballot(
        ballot.election_id, ballot.fingerprint, ballot.pseudonym, (*ballot.questions[:2], forged_q)
    )
    with pytest.raises(InvalidBallot, match="proof-equation") as info:
        validate_ballot(motion_election, forged)
    assert (info.value.question, info.value.option) == ("m3", "tegen")
    assert str(info.value.detail).endswith("beta")  # alpha = r*G holds; beta - v*G is not r*K


def q_manifest(election: Election) -> Question:
    return election.manifest.question("m3")


# ---------------------------------------------------------------- T10 resource exhaustion


def test_hundred_thousand_options_are_rejected_before_any_group_operation(
    motion_election: Election, doc: Doc
) -> None:
    # The points are garbage on purpose: were any decoded, the error would name a point.
    junk = {"id": "voor", "alpha": "!", "beta": "!", "proof": "!"}
    doc["questions"][0]["options"] = [junk] * 100_000
    with pytest.raises(InvalidBallot, match="length") as info:
        _check(motion_election, doc)
    assert info.value.question == "m1"


def test_oversized_proof_is_rejected_before_decoding(motion_election: Election, doc: Doc) -> None:
    doc["questions"][0]["options"][0]["proof"] = "A" * 1_000_000
    doc["questions"][0]["options"][0]["alpha"] = "!"  # would fail to decode if reached
    with pytest.raises(InvalidBallot, match="proof-length"):
        _check(motion_election, doc)
    doc["questions"][0]["options"][0]["proof"] = 5
    with pytest.raises(InvalidBallot, match="proof-length"):
        _check(motion_election, doc)


def test_oversized_selection_proof_is_rejected_before_decoding(
    motion_election: Election, doc: Doc
) -> None:
    doc["questions"][1]["selections_proof"] = "A" * 10_000
    with pytest.raises(InvalidBallot, match="proof-length") as info:
        _check(motion_election, doc)
    assert info.value.question == "m2"


@pytest.mark.parametrize(
    ("raw", "check"),
    [
        (b"[" * 40 + b"]" * 40, "json-depth"),
        (b'{"version":' + b"9" * 5000 + b"}", "json-integer-range"),
        (b" " * 10_000_000, "json-size"),
        (b'{"version":1}', "missing-field"),
        (b"[]", "json-shape"),
    ],
)
def test_hostile_ballot_bytes_are_rejected_early(
    motion_election: Election, raw: bytes, check: str
) -> None:
    with pytest.raises(InvalidBallot, match=check):
        parse_ballot(raw, motion_election)


# ---------------------------------------------------------------- many ballots at once


def test_validate_ballots_names_each_bad_ballot_by_position(motion_election: Election) -> None:
    good = [encrypt_ballot(motion_election, f"voter-{i}", VOTE) for i in range(4)]
    assert validate_ballots(motion_election, good) == {}
    moved = Ballot(good[1].election_id, good[1].fingerprint, "voter-x", good[1].questions)
    doc = _doc(good[3])
    s0 = int.from_bytes(_raw(doc["questions"][0]["options"][1]["proof"])[98:130], "big")
    _patch_scalar(doc, 98, (s0 + 1) % N)
    bent = Ballot.from_json(doc, motion_election)
    errors = validate_ballots(motion_election, [good[0], moved, good[2], bent])
    assert sorted(errors) == [1, 3]
    assert errors[1].check == "challenge-sum"
    assert (errors[3].check, errors[3].question, errors[3].option) == (
        "proof-equation",
        "m1",
        "tegen",
    )


@pytest.mark.parametrize("variant", sorted(BAD_POINTS))
def test_bad_point_as_election_key_is_rejected_by_name(ceremony: Ceremony, variant: str) -> None:
    raw, check = BAD_POINTS[variant]
    doc = json.loads(canonical_json(ceremony.key.to_json()))
    doc["joint_key"] = _b64(raw)
    with pytest.raises(ElectionKeyError, match=check) as info:
        ElectionKey.from_json(doc)
    assert info.value.field == "key.joint_key"


def test_large_batch_uses_the_bucket_method_and_still_names_the_bad_ballot(
    motion_election: Election,
) -> None:
    ballots = [
        encrypt_ballot(motion_election, f"voter-{i}", VOTE) for i in range(12)
    ]  # > 500 terms
    assert validate_ballots(motion_election, ballots) == {}
    doc = _doc(ballots[7])
    s0 = int.from_bytes(_raw(doc["questions"][0]["options"][1]["proof"])[98:130], "big")
    _patch_scalar(doc, 98, (s0 + 1) % N)
    ballots[7] = Ballot.from_json(doc, motion_election)
    errors = validate_ballots(motion_election, ballots)
    assert list(errors) == [7]
    assert (errors[7].check, errors[7].question, errors[7].option) == (
        "proof-equation",
        "m1",
        "tegen",
    )
