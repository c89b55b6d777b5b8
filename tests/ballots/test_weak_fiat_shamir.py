"""THREATS T04: the Bernhard-Pereira-Warinschi forgeries against weak Fiat-Shamir.

Each test builds a deliberately weak verifier that hashes only the commitments (not the
statement), forges a proof for a false statement chosen after the challenge, shows that the
weak verifier accepts it, and shows that ours, which hashes the whole statement, rejects it.
Sources: Bernhard, Pereira, Warinschi, "How not to prove yourself", ASIACRYPT 2012, §3-4.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from ballots import Election, ElectionKey, InvalidBallot, encrypt_ballot, validate_ballot
from ballots.ballot import EncryptedOption, EncryptedQuestion, option_statement
from ballots.ceremony import _coefficient_challenge, announce
from ballots.decryption import (
    DecryptionShare,
    PartialDecryption,
    decrypt_share,
    verify_share,
)
from ballots.decryption import (
    _challenge as _decryption_challenge,
)
from ballots.election import TrusteeCommitments
from ballots.elgamal import Ciphertext, DiscreteLogTable, decrypt_to_point
from ballots.encoding import hash_to_scalar, items, point
from ballots.errors import CeremonyError, InvalidShare
from ballots.group import GENERATOR, N, Point, Scalar, random_scalar
from ballots.proofs import DecryptionProof, RangeBranch, RangeProof, SchnorrProof
from ballots.tally import tally_ballots
from tests.ballots.ballots_fixtures import Ceremony

WEAK = "weak-fiat-shamir"


def _weak_challenge(*commitments: Point) -> int:
    """The flaw: the challenge covers the commitments only, not K, the ciphertext or the ids."""
    return hash_to_scalar(WEAK, items([point(c) for c in commitments]))


def _weak_accepts_range(key: Point, ct: Ciphertext, proof: RangeProof, low: int) -> bool:
    branches = proof.branches
    c = _weak_challenge(*[p for br in branches for p in (br.a, br.b)])
    if sum(br.c.value for br in branches) % N != c:
        return False
    for j, br in enumerate(branches):
        if Point.mul_base(br.s.value) != br.a + ct.alpha.mul(br.c.value):
            return False
        shifted = ct.beta - Point.mul_base(low + j) if low + j else ct.beta
        if key.mul(br.s.value) != br.b + shifted.mul(br.c.value):
            return False
    return True


Pairs = list[tuple[Point, Point]]


def _forge_option_encrypting_two(
    challenge: Callable[[Pairs], int],
) -> tuple[int, Ciphertext, RangeProof]:
    """A corrupt authority picks the key x after seeing the challenge (BPW §4).

    With a_j = u_j*G and b_j = b'_j*G fixed first, the branch equations for a ciphertext of 2
    reduce to u_0*x = b'_0 + 2*c_0 and u_1*x = b'_1 + c - c_0, which fix x and c_0. This works
    against any challenge that is computed before the key and the ciphertext are known.
    """
    u0, u1, b0, b1 = (random_scalar() for _ in range(4))
    a = (Point.mul_base(u0), Point.mul_base(u1))
    b = (Point.mul_base(b0), Point.mul_base(b1))
    c = challenge([(a[0], b[0]), (a[1], b[1])])
    half = pow(2, -1, N)
    x = (b1 + c + b0 * half) * pow(u1 + u0 * half, -1, N) % N
    c0 = (u0 * x - b0) * half % N
    c1 = (c - c0) % N
    rho = random_scalar()
    key = Point.mul_base(x)
    ct = Ciphertext(Point.mul_base(rho), Point.mul_base(2) + key.mul(rho))
    proof = RangeProof(
        (
            RangeBranch(a[0], b[0], Scalar(c0), Scalar((u0 + c0 * rho) % N)),
            RangeBranch(a[1], b[1], Scalar(c1), Scalar((u1 + c1 * rho) % N)),
        )
    )
    return x, ct, proof


def _corrupt_election(base: Election, key: Point) -> Election:
    return Election.create(
        base.manifest, ElectionKey(base.election_id, 1, 1, (TrusteeCommitments(1, (key,)),), key)
    )


def test_weak_fiat_shamir_option_forgery_encrypting_two_is_rejected(
    motion_election: Election,
) -> None:
    def weak(pairs: Pairs) -> int:
        return _weak_challenge(*[p for pair in pairs for p in pair])

    x, ct, proof = _forge_option_encrypting_two(weak)
    key = Point.mul_base(x)
    # The forged ciphertext really holds 2, and the weak verifier accepts its "0 or 1" proof.
    assert DiscreteLogTable.for_bound(5).solve(decrypt_to_point(ct, x)) == 2
    assert _weak_accepts_range(key, ct, proof, 0)

    # Now forge against our own challenge function, evaluated before the key and the
    # ciphertext exist (placeholders G): only a challenge that ignores them could be met.
    placeholder = _corrupt_election(motion_election, GENERATOR)

    def ours_before_the_statement(pairs: Pairs) -> int:
        statement = option_statement(
            placeholder, "voter-a", "m1", "voor", Ciphertext(GENERATOR, GENERATOR)
        )
        return statement.challenge(pairs)

    x, ct, proof = _forge_option_encrypting_two(ours_before_the_statement)
    election = _corrupt_election(motion_election, Point.mul_base(x))
    honest = encrypt_ballot(election, "voter-a", {"m1": ["voor"], "m2": [], "m3": []})
    validate_ballot(election, honest)
    q = honest.questions[0]
    forged = dataclasses.replace(
        honest,
        questions=(
            EncryptedQuestion(
                q.id, (EncryptedOption("voor", ct, proof), *q.options[1:]), q.selections_proof
            ),
            *honest.questions[1:],
        ),
    )
    with pytest.raises(InvalidBallot, match="challenge-sum") as info:
        validate_ballot(election, forged)
    assert (info.value.question, info.value.option) == ("m1", "voor")


def test_weak_fiat_shamir_decryption_forgery_is_rejected(
    motion_election: Election, ceremony: Ceremony
) -> None:
    """A trustee publishes a wrong D, chosen after the challenge (BPW §3)."""
    ballots = [
        encrypt_ballot(motion_election, f"v{i}", {"m1": ["voor"], "m2": [], "m3": []})
        for i in range(2)
    ]
    tally = tally_ballots(motion_election, ballots)
    secret = ceremony.secrets[0]
    honest = decrypt_share(motion_election, tally, secret)
    verify_share(motion_election, tally, honest)

    x = secret.share
    assert x is not None
    public = motion_election.key.verification_key(secret.trustee)
    base = tally.questions[0][1][0][1].alpha
    tally_ct = tally.questions[0][1][0][1]
    w, u = random_scalar(), random_scalar()
    h1, h2 = Point.mul_base(w), base.mul(u)
    for challenge in (
        _weak_challenge(h1, h2),
        # Our challenge, computed before D is chosen (placeholder G): it covers D, so the
        # forged D changes it and the equations no longer hold.
        _decryption_challenge(motion_election, 1, "m1", "voor", public, tally_ct, GENERATOR)(
            h1, h2
        ),
    ):
        c = challenge
        s = (w + c * x) % N
        wrong = (base.mul(s) - h2).mul(pow(c, -1, N))
        assert wrong != base.mul(x)  # a false partial decryption
        assert Point.mul_base(s) == h1 + public.mul(c)  # the weak check accepts it
        assert base.mul(s) == h2 + wrong.mul(c)

    first_question = honest.questions[0]
    forged_part = PartialDecryption(
        first_question[1][0].option, wrong, DecryptionProof(h1, h2, Scalar(s))
    )
    forged = DecryptionShare(
        honest.election_id,
        honest.fingerprint,
        honest.trustee,
        ((first_question[0], (forged_part, *first_question[1][1:])), *honest.questions[1:]),
    )
    with pytest.raises(InvalidShare, match="proof-equation") as info:
        verify_share(motion_election, tally, forged)
    assert (info.value.trustee, info.value.question, info.value.option) == (1, "m1", "voor")


def test_weak_fiat_shamir_key_proof_forgery_is_rejected(ceremony: Ceremony) -> None:
    """A trustee "proves knowledge" of a coefficient whose logarithm it does not know (BPW §3).

    With c = H(h) only, the prover fixes h = u*G + v*T for another trustee's commitment T,
    then derives C = (s*G - h)/c, which involves T's unknown logarithm.
    """
    honest_secret, honest = announce("alv-2026-11", 2, 1, 3)
    honest.verify()
    other = ceremony.announcements[0].coefficients[0]  # log unknown to the forger
    u, v, s = random_scalar(), random_scalar(), random_scalar()
    h = Point.mul_base(u) + other.mul(v)
    assert Point.mul_base(s) == h + (
        (Point.mul_base(s) - h).mul(pow(_weak_challenge(h), -1, N))
    ).mul(_weak_challenge(h))
    # Against our challenge, computed before C is chosen (placeholder G): it covers C.
    c = _coefficient_challenge("alv-2026-11", 2, 0, 1, 3, honest.box_key, GENERATOR, h)
    forged_c = (Point.mul_base(s) - h).mul(pow(c, -1, N))
    assert Point.mul_base(s) == h + forged_c.mul(c)  # the equation alone is satisfied

    forged = dataclasses.replace(
        honest, coefficients=(forged_c,), proofs=(SchnorrProof(h, Scalar(s)),)
    )
    with pytest.raises(CeremonyError, match="coefficient-proof") as info:
        forged.verify()
    assert info.value.trustee == 2
    assert honest_secret.share is None


def test_strong_challenge_binds_what_the_weak_one_leaves_out() -> None:
    """Control: the weak verifier is a real verifier (it accepts honest proofs too)."""
    x = random_scalar()
    key = Point.mul_base(x)
    r = random_scalar()
    ct = Ciphertext(Point.mul_base(r), key.mul(r) + GENERATOR)
    w, u1, c1 = random_scalar(), random_scalar(), random_scalar()
    a0, b0 = (
        Point.mul_base(u1),
        key.mul(u1) + Point.mul_base(-c1 % N),
    )  # simulated branch 0 (value 1 real)
    a1, b1 = Point.mul_base(w), key.mul(w)
    c = _weak_challenge(a0, b0, a1, b1)
    c_real = (c - c1) % N
    proof = RangeProof(
        (
            RangeBranch(a0, b0, Scalar(c1), Scalar((u1 + c1 * r) % N)),
            RangeBranch(a1, b1, Scalar(c_real), Scalar((w + c_real * r) % N)),
        )
    )
    assert _weak_accepts_range(key, ct, proof, 0)
