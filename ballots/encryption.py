"""Encrypting a voter's choices into a ballot with every proof.

Implements the prover side of docs/protocol.md §I.8: one exponential ElGamal ciphertext per
option with a disjunctive 0/1 proof and a [min, max] proof per question on the sum of its
options (Cramer-Damgard-Schoenmakers 1994 over Chaum-Pedersen 1992), with strong Fiat-Shamir
(Bernhard-Pereira-Warinschi 2012). The plaintext choice lives only in the caller's arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from ballots.ballot import (
    PSEUDONYM_PATTERN,
    Ballot,
    EncryptedOption,
    EncryptedQuestion,
    option_statement,
    selection_statement,
    statement_prefix,
)
from ballots.election import Election
from ballots.elgamal import encrypt_with
from ballots.errors import InvalidBallot
from ballots.group import N, random_scalar
from ballots.proofs import prove_range


def _encrypt_ballot_from_parts(
    election: Election,
    pseudonym: str,
    selections: Mapping[str, Collection[str]],
    draw: Callable[[], int],
) -> Ballot:
    """`encrypt_ballot` with every secret scalar taken from `draw` (known-answer vectors)."""
    if not isinstance(pseudonym, str) or not PSEUDONYM_PATTERN.fullmatch(pseudonym):
        raise InvalidBallot("format", field="pseudonym")
    manifest = election.manifest
    unknown = set(selections) - {q.id for q in manifest.questions}
    if unknown:
        raise InvalidBallot("question-unknown", question=min(unknown))
    key = election.key.joint_key
    prefix = statement_prefix(election, pseudonym)
    questions = []
    for q in manifest.questions:
        if q.id not in selections:
            raise InvalidBallot("question-missing", question=q.id)
        chosen = list(selections[q.id])
        if len(set(chosen)) != len(chosen):
            raise InvalidBallot("selection-duplicate", question=q.id)
        for oid in chosen:
            if oid not in q.option_ids:
                raise InvalidBallot("option-unknown", question=q.id, option=str(oid))
        if not q.min_selections <= len(chosen) <= q.max_selections:
            raise InvalidBallot("selection-count", question=q.id)
        options = []
        randomness = []
        for oid in q.option_ids:
            value = 1 if oid in chosen else 0
            r = draw()
            ct = encrypt_with(key, value, r)
            statement = option_statement(election, pseudonym, q.id, oid, ct, prefix=prefix)
            proof = prove_range(statement, r, value, draw=draw)
            options.append(EncryptedOption(oid, ct, proof))
            randomness.append(r)
        statement = selection_statement(
            election, pseudonym, q, [o.ciphertext for o in options], prefix=prefix
        )
        selection_proof = prove_range(statement, sum(randomness) % N, len(chosen), draw=draw)
        questions.append(EncryptedQuestion(q.id, tuple(options), selection_proof))
    return Ballot(election.election_id, election.fingerprint, pseudonym, tuple(questions))


def encrypt_ballot(
    election: Election, pseudonym: str, selections: Mapping[str, Collection[str]]
) -> Ballot:
    """Encrypt a voter's choices with every proof of §I.8.

    `selections` maps every question id to the option ids selected (an empty collection is a
    blank vote, where the question allows it). The plaintext is not kept in the result.

    Raises:
        InvalidBallot: ``question-missing``, ``question-unknown``, ``option-unknown``,
            ``selection-duplicate``, ``selection-count`` (outside [min, max]), or ``format``
            (pseudonym).
    """
    return _encrypt_ballot_from_parts(election, pseudonym, selections, random_scalar)
