"""Tally, partial decryptions and their combination (docs/protocol.md §I.12; THREATS T09, T15)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import (
    DecryptedTally,
    DecryptionError,
    DecryptionShare,
    Election,
    EncryptedTally,
    InvalidShare,
    ThresholdNotMet,
    canonical_json,
    check_decrypted_tally,
    combine_shares,
    decrypt_share,
    encrypt_ballot,
    parse_canonical_json,
    tally_ballots,
    verify_share,
)
from ballots.ballot import Ballot
from ballots.decryption import PartialDecryption, lagrange_coefficients
from ballots.elgamal import Ciphertext
from ballots.group import GENERATOR, IDENTITY, N, Point
from tests.ballots.ballots_fixtures import Ceremony, full_manifest, run_ceremony

THREE_OF_FIVE = run_ceremony("alv-2026-11", 3, 5)


def _round_trip(value: Any, cls: Any, election: Election) -> Any:
    return cls.from_json(
        parse_canonical_json(canonical_json(value.to_json()), max_bytes=1 << 22), election
    )


@pytest.fixture(scope="module")
def election5() -> Election:
    return Election.create(full_manifest(), THREE_OF_FIVE.key)


@pytest.fixture(scope="module")
def cast5(election5: Election) -> tuple[list[Ballot], EncryptedTally, list[DecryptionShare]]:
    votes = [
        {
            "m1": ["voor"],
            "a1": ["tegen"],
            "s1": ["voor"],
            "b1": [],
            "mc1": ["zwolle"],
            "e1": ["c1", "c3"],
        },
        {
            "m1": ["voor"],
            "a1": [],
            "s1": ["tegen"],
            "b1": ["voor"],
            "mc1": ["zwolle", "utrecht"],
            "e1": ["c3"],
        },
        {
            "m1": ["onthouding"],
            "a1": ["voor"],
            "s1": ["voor"],
            "b1": ["voor"],
            "mc1": ["kralendijk"],
            "e1": [],
        },
    ]
    ballots = [encrypt_ballot(election5, f"voter-{i}", v) for i, v in enumerate(votes)]
    tally = tally_ballots(election5, ballots)
    shares = [decrypt_share(election5, tally, s) for s in THREE_OF_FIVE.secrets]
    return ballots, tally, shares


EXPECTED = {
    "m1": {"voor": 2, "tegen": 0, "onthouding": 1},
    "a1": {"voor": 1, "tegen": 1, "onthouding": 0},
    "s1": {"voor": 2, "tegen": 1, "onthouding": 0},
    "b1": {"voor": 2, "tegen": 0, "onthouding": 0},
    "mc1": {"utrecht": 1, "zwolle": 2, "kralendijk": 1},
    "e1": {"c1": 1, "c2": 0, "c3": 2, "c4": 0},
}


def test_any_k_of_n_shares_give_the_same_counts(election5: Election, cast5: Any) -> None:
    _, tally, shares = cast5
    for subset in itertools.combinations(shares, 3):
        result = combine_shares(election5, tally, list(subset))
        assert result.trustees == tuple(s.trustee for s in subset)
        assert {q: result.counts_for(q) for q in EXPECTED} == EXPECTED
        check_decrypted_tally(election5, tally, list(subset), result)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.integers(min_value=1, max_value=5), min_size=3, max_size=5))
def test_property_any_k_valid_shares_agree(
    election5: Election, cast5: Any, chosen: set[int]
) -> None:
    _, tally, shares = cast5
    picked = [s for s in shares if s.trustee in chosen]
    result = combine_shares(election5, tally, picked)
    assert result.trustees == tuple(sorted(chosen))[:3]
    assert result.counts_for("e1") == EXPECTED["e1"]


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sets(st.integers(min_value=1, max_value=5), max_size=2))
def test_property_fewer_than_k_shares_cannot_combine(
    election5: Election, cast5: Any, chosen: set[int]
) -> None:
    _, tally, shares = cast5
    with pytest.raises(ThresholdNotMet, match="threshold"):
        combine_shares(election5, tally, [s for s in shares if s.trustee in chosen])


def test_shares_of_one_trustee_count_once(election5: Election, cast5: Any) -> None:
    _, tally, shares = cast5
    with pytest.raises(ThresholdNotMet, match="threshold"):
        combine_shares(election5, tally, [shares[0], shares[0], shares[0], shares[1]])


def test_fewer_than_k_points_leave_the_secret_undetermined(election5: Election, cast5: Any) -> None:
    """Two shares interpolate to different 'secrets' for every choice of a third value."""
    _, tally, shares = cast5
    two = {1: shares[0], 2: shares[1]}
    weights = lagrange_coefficients([1, 2])
    d = [two[j].questions[0][1][0].share for j in (1, 2)]
    guess = Point.sum(d[i].mul(weights[j]) for i, j in enumerate((1, 2)))
    true_m = tally.questions[0][1][0][1].beta - guess
    assert true_m != Point.mul_base(2)  # with k = 3, two shares do not decrypt


def test_wrong_decryption_proof_is_rejected_and_left_out(election5: Election, cast5: Any) -> None:
    _, tally, shares = cast5
    honest = shares[1]
    qid, parts = honest.questions[3]
    bad_part = dataclasses.replace(parts[0], share=parts[0].share + GENERATOR)
    forged = dataclasses.replace(
        honest,
        questions=(*honest.questions[:3], (qid, (bad_part, *parts[1:])), *honest.questions[4:]),
    )
    with pytest.raises(InvalidShare, match="proof-equation") as info:
        verify_share(election5, tally, forged)
    assert (info.value.trustee, info.value.question, info.value.option) == (2, "b1", "voor")
    # The combination skips it and uses the next valid trustees.
    result = combine_shares(election5, tally, [shares[0], forged, shares[2], shares[3]])
    assert result.trustees == (1, 3, 4)
    # A result that names the bad share is not accepted.
    claimed = dataclasses.replace(result, trustees=(1, 2, 3))
    with pytest.raises(InvalidShare, match="proof-equation"):
        check_decrypted_tally(election5, tally, [shares[0], forged, shares[2]], claimed)


def test_wrong_count_in_a_claimed_result_is_rejected(election5: Election, cast5: Any) -> None:
    _, tally, shares = cast5
    result = combine_shares(election5, tally, shares[:3])
    qid, options = result.counts[0]
    bumped = ((options[0][0], options[0][1] + 1), *options[1:])
    wrong = dataclasses.replace(result, counts=((qid, bumped), *result.counts[1:]))
    with pytest.raises(DecryptionError, match="decryption-result") as info:
        check_decrypted_tally(election5, tally, shares[:3], wrong)
    assert (info.value.question, info.value.option) == ("m1", "voor")
    with pytest.raises(ThresholdNotMet, match="threshold"):
        check_decrypted_tally(
            election5, tally, shares[:3], dataclasses.replace(result, trustees=(1, 2))
        )
    with pytest.raises(ThresholdNotMet, match="threshold"):
        check_decrypted_tally(election5, tally, shares[:2], result)
    with pytest.raises(InvalidShare, match="ballots-counted"):
        check_decrypted_tally(
            election5, tally, shares[:3], dataclasses.replace(result, ballots_counted=4)
        )


def test_documents_round_trip(election5: Election, cast5: Any) -> None:
    _, tally, shares = cast5
    assert _round_trip(tally, EncryptedTally, election5) == tally
    assert _round_trip(shares[0], DecryptionShare, election5) == shares[0]
    result = combine_shares(election5, tally, shares)
    assert _round_trip(result, DecryptedTally, election5) == result
    with pytest.raises(DecryptionError, match="question-unknown"):
        result.counts_for("zz")


def test_empty_election_decrypts_to_zero_without_proofs(election5: Election) -> None:
    tally = tally_ballots(election5, [])
    assert all(
        ct == Ciphertext(IDENTITY, IDENTITY) for _, options in tally.questions for _, ct in options
    )
    shares = [decrypt_share(election5, tally, s) for s in THREE_OF_FIVE.secrets[:3]]
    assert all(
        p.proof is None and p.share == IDENTITY
        for s in shares
        for _, parts in s.questions
        for p in parts
    )
    assert _round_trip(shares[0], DecryptionShare, election5) == shares[0]
    result = combine_shares(election5, tally, shares)
    assert all(c == 0 for _, options in result.counts for _, c in options)
    check_decrypted_tally(election5, tally, shares, result)


def test_identity_share_for_a_non_identity_aggregate_is_rejected(
    election5: Election, cast5: Any
) -> None:
    _, tally, shares = cast5
    honest = shares[0]
    qid, parts = honest.questions[0]
    empty = PartialDecryption(parts[0].option, IDENTITY, None)
    forged = dataclasses.replace(
        honest, questions=((qid, (empty, *parts[1:])), *honest.questions[1:])
    )
    with pytest.raises(InvalidShare, match="decryption-identity"):
        verify_share(election5, tally, forged)


def test_share_and_tally_of_the_wrong_shape_or_election_are_rejected(
    election5: Election, cast5: Any, ceremony: Ceremony
) -> None:
    ballots, tally, shares = cast5
    with pytest.raises(InvalidShare, match="question-order"):
        verify_share(
            election5, tally, dataclasses.replace(shares[0], questions=shares[0].questions[::-1])
        )
    with pytest.raises(InvalidShare, match="question-order"):
        verify_share(
            election5, dataclasses.replace(tally, questions=tally.questions[::-1]), shares[0]
        )
    with pytest.raises(InvalidShare, match="fingerprint"):
        verify_share(election5, tally, dataclasses.replace(shares[0], fingerprint=bytes(32)))
    with pytest.raises(InvalidShare, match="trustee-index"):
        verify_share(election5, tally, dataclasses.replace(shares[0], trustee=9))
    with pytest.raises(InvalidShare, match="fingerprint"):
        verify_share(election5, dataclasses.replace(tally, fingerprint=bytes(32)), shares[0])
    other = Election.create(full_manifest(), ceremony.key)
    with pytest.raises(InvalidShare, match="fingerprint"):
        tally_ballots(other, ballots)
    with pytest.raises(InvalidShare, match="question-order"):
        tally_ballots(
            election5, [dataclasses.replace(ballots[0], questions=ballots[0].questions[::-1])]
        )


def test_trustee_without_a_finished_ceremony_cannot_decrypt(
    election5: Election, cast5: Any
) -> None:
    _, tally, _ = cast5
    with pytest.raises(InvalidShare, match="secret-share"):
        decrypt_share(election5, tally, dataclasses.replace(THREE_OF_FIVE.secrets[0], share=None))
    with pytest.raises(InvalidShare, match="verification-key"):
        decrypt_share(election5, tally, dataclasses.replace(THREE_OF_FIVE.secrets[0], share=5))


def test_tally_of_an_inflated_aggregate_is_a_decryption_error(
    election5: Election, cast5: Any
) -> None:
    _, tally, _ = cast5
    lying = dataclasses.replace(tally, ballots_counted=1)  # counts of 2 no longer fit in [0, 1]
    fresh = [decrypt_share(election5, lying, s) for s in THREE_OF_FIVE.secrets[:3]]
    with pytest.raises(DecryptionError, match="decryption-range") as info:
        combine_shares(election5, lying, fresh)
    assert info.value.question == "m1"


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(ballots_counted=-1), "range"),
        (lambda d: d["questions"].pop(), "question-missing"),
        (lambda d: d["questions"][0].update(id="zz"), "question-order"),
        (lambda d: d["questions"][0]["options"].pop(), "option-missing"),
        (lambda d: d["questions"][0]["options"][0].update(id="zz"), "option-order"),
        (lambda d: d["questions"][0]["options"][0].update(alpha="AAAA"), "point-length"),
        (lambda d: d["questions"][0]["options"][0].update(extra=1), "unknown-field"),
        (lambda d: d.update(election_id="zz"), "election-id"),
        (lambda d: d.update(fingerprint="A" * 43), "fingerprint"),
    ],
)
def test_malformed_tally_is_rejected_by_name(
    election5: Election, cast5: Any, mutate: Any, check: str
) -> None:
    _, tally, _ = cast5
    doc = json.loads(canonical_json(tally.to_json()))
    mutate(doc)
    with pytest.raises(InvalidShare, match=check):
        EncryptedTally.from_json(doc, election5)


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(trustee=0), "range"),
        (lambda d: d["questions"][0]["options"][0].update(proof="AAAA"), "length"),
        (lambda d: d["questions"][0]["options"][0].update(share="!"), "base64"),
    ],
)
def test_malformed_share_is_rejected_by_name(
    election5: Election, cast5: Any, mutate: Any, check: str
) -> None:
    _, _, shares = cast5
    doc = json.loads(canonical_json(shares[0].to_json()))
    mutate(doc)
    with pytest.raises(InvalidShare, match=check) as info:
        DecryptionShare.from_json(doc, election5)
    assert info.value.question in (None, "m1")


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda d: d.update(trustees=[0]), "trustee-index"),
        (lambda d: d["questions"][0]["counts"][0].update(count=99), "range"),
        (lambda d: d["questions"][0].update(options=[]), "unknown-field"),
    ],
)
def test_malformed_result_is_rejected_by_name(
    election5: Election, cast5: Any, mutate: Any, check: str
) -> None:
    _, tally, shares = cast5
    doc = json.loads(canonical_json(combine_shares(election5, tally, shares).to_json()))
    mutate(doc)
    with pytest.raises(InvalidShare, match=check):
        DecryptedTally.from_json(doc, election5)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(["voor", "tegen", "onthouding", None]), min_size=0, max_size=6))
def test_property_tally_of_valid_ballots_stays_in_range(
    motion_election: Election, ceremony: Ceremony, votes: list[str | None]
) -> None:
    """T09: whatever valid ballots are cast, each count is in [0, n] and they add up."""
    ballots = [
        encrypt_ballot(motion_election, f"v{i}", {"m1": [v] if v else [], "m2": [], "m3": []})
        for i, v in enumerate(votes)
    ]
    tally = tally_ballots(motion_election, ballots)
    result = combine_shares(
        motion_election,
        tally,
        [decrypt_share(motion_election, tally, s) for s in ceremony.secrets[:2]],
    )
    counts = result.counts_for("m1")
    assert all(0 <= c <= len(votes) for c in counts.values())
    assert sum(counts.values()) <= len(votes)
    assert counts == {o: votes.count(o) for o in ("voor", "tegen", "onthouding")}


def test_lagrange_coefficients_interpolate_at_zero() -> None:
    weights = lagrange_coefficients([2, 4, 5])
    # For f(z) = 7 + 3z + z^2: sum of lambda_j * f(j) = f(0).
    assert sum(w * (7 + 3 * j + j * j) for j, w in weights.items()) % N == 7
