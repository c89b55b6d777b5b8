"""Validating ballots: challenges, batched proof equations, and the copy check.

Implements the verifier side of docs/protocol.md §I.8: the shape is checked by
`Ballot.from_json` before any group operation (THREATS T07, T10); here every Fiat-Shamir
challenge is recomputed (strong Fiat-Shamir, Bernhard-Pereira-Warinschi 2012) and every proof
equation is checked, many at once with the small-exponent batch test (Bellare-Garay-Rabin
1998); ciphertexts already seen are refused (Cortier-Smyth 2011, THREATS T06).
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from ballots._batch import Batch
from ballots.ballot import (
    PSEUDONYM_PATTERN,
    Ballot,
    option_statement,
    selection_statement,
    statement_prefix,
)
from ballots.election import Election
from ballots.errors import BallotsError, DuplicateCiphertext, InvalidBallot
from ballots.proofs import RangeCheck, check_range_challenge


def _queue_ballot(election: Election, ballot: Ballot, batch: Batch) -> None:
    """§I.8 steps 1-3 for an already decoded ballot; the equations go to `batch`."""
    if ballot.election_id != election.election_id:
        raise InvalidBallot("election-id", field="election_id")
    if ballot.fingerprint != election.fingerprint:
        raise InvalidBallot("fingerprint", field="fingerprint")
    if not PSEUDONYM_PATTERN.fullmatch(ballot.pseudonym):
        raise InvalidBallot("format", field="pseudonym")
    manifest_ids = [q.id for q in election.manifest.questions]
    ballot_ids = [q.id for q in ballot.questions]
    if ballot_ids != manifest_ids:
        raise InvalidBallot(
            "question-order", field="questions", detail="questions differ from the manifest"
        )
    prefix = statement_prefix(election, ballot.pseudonym)
    for q, eq in zip(election.manifest.questions, ballot.questions, strict=True):
        if tuple(o.id for o in eq.options) != q.option_ids:
            raise InvalidBallot("option-order", question=q.id, field="options")
        try:
            parts = []
            for o in eq.options:
                ct = o.ciphertext
                if ct.alpha.is_identity or ct.beta.is_identity:
                    raise InvalidBallot("point-identity", question=q.id, option=o.id)
                statement = option_statement(
                    election, ballot.pseudonym, q.id, o.id, ct, prefix=prefix
                )
                check_range_challenge(statement, o.proof)
                batch.add_source(RangeCheck(statement, o.proof))
                parts.append(ct)
            statement = selection_statement(election, ballot.pseudonym, q, parts, prefix=prefix)
            check_range_challenge(statement, eq.selections_proof)
            batch.add_source(RangeCheck(statement, eq.selections_proof))
        except InvalidBallot:
            raise
        except BallotsError as exc:
            raise InvalidBallot(
                exc.check, question=exc.question, option=exc.option, field=exc.field
            ) from exc


def _check_batch(batch: Batch) -> None:
    try:
        batch.check()
    except BallotsError as exc:
        raise InvalidBallot(
            exc.check, question=exc.question, option=exc.option, detail=exc.detail
        ) from exc


def validate_ballot(election: Election, ballot: Ballot) -> None:
    """Check every proof of `ballot` for `election` (§I.8); return only if all hold.

    Raises:
        InvalidBallot: the first failed check, naming it (``challenge-sum``,
            ``proof-equation``, ``fingerprint``, ...) with the question and option.
    """
    batch = Batch(election.key.joint_key)
    _queue_ballot(election, ballot, batch)
    _check_batch(batch)


def validate_ballots(election: Election, ballots: Sequence[Ballot]) -> dict[int, InvalidBallot]:
    """Check many ballots with one combined batch; return the errors by position.

    An empty result means every ballot is valid. When the combined check fails, each ballot
    whose cheap checks passed is re-checked on its own to find and name the failures. Calling
    this on chunks of 50-200 ballots gives most of the speed-up (bench/crypto.py).
    """
    errors: dict[int, InvalidBallot] = {}
    key = election.key.joint_key
    combined = Batch(key)
    singles: dict[int, Batch] = {}
    for i, ballot in enumerate(ballots):
        own = Batch(key)
        try:
            _queue_ballot(election, ballot, own)
        except InvalidBallot as exc:
            errors[i] = exc
            continue
        singles[i] = own
        for source in own.pending():
            combined.add_source(source)
    try:
        combined.check()
    except BallotsError:
        for i, own in singles.items():
            try:
                _check_batch(own)
            except InvalidBallot as exc:
                errors[i] = exc
    return errors


def ciphertext_keys(ballot: Ballot) -> list[bytes]:
    """The encodings of every alpha in `ballot`: the keys of the copy check (§I.8, T06)."""
    return [o.ciphertext.alpha.encoding for q in ballot.questions for o in q.options]


def check_fresh_ciphertexts(ballot: Ballot, seen: Container[bytes]) -> None:
    """Refuse a ballot re-using a ciphertext: one already in `seen`, or twice within itself.

    `seen` holds `ciphertext_keys` of every ballot already accepted in the election.

    Raises:
        DuplicateCiphertext: ``duplicate-ciphertext`` naming the question and option.
    """
    own: set[bytes] = set()
    for q in ballot.questions:
        for o in q.options:
            alpha = o.ciphertext.alpha.encoding
            if alpha in seen or alpha in own:
                raise DuplicateCiphertext("duplicate-ciphertext", question=q.id, option=o.id)
            own.add(alpha)
