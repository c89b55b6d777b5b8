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
from ballots.ballot import PSEUDONYM_PATTERN, Ballot, statement_prefix
from ballots.election import Election
from ballots.elgamal import Ciphertext
from ballots.encoding import (
    TAG_OPTION_PROOF,
    TAG_SELECTION_PROOF,
    encode,
    hash_encoded_to_scalar,
    integer,
    items,
    list_header,
    point,
    text,
)
from ballots.errors import BallotsError, DuplicateCiphertext, InvalidBallot
from ballots.group import N
from ballots.manifest import Question
from ballots.proofs import RangeBranch, RangeCheck


def _commitments(branches: tuple[RangeBranch, ...]) -> bytes:
    """list[list[point(a_j), point(b_j)] for j], as `RangeStatement.challenge` encodes it."""
    pair = list_header(2)
    return list_header(len(branches)) + b"".join(
        [pair + point(br.a) + point(br.b) for br in branches]
    )


class _Plan:
    """The challenge fields of §I.8 that depend on the election only, encoded once per call.

    `option_statement` and `selection_statement` (ballot.py) build the same fields one by one
    for the prover; the known-answer vectors check that both agree.
    """

    __slots__ = ("manifest_ids", "questions")

    def __init__(self, election: Election) -> None:
        manifest = election.manifest.questions
        self.manifest_ids = [q.id for q in manifest]
        zero_one = integer(0) + integer(1)
        self.questions = [
            (
                q,
                q.option_ids,
                # text(question id), text(option id), integer(0), integer(1)
                [text(q.id) + text(o) + zero_one for o in q.option_ids],
                # text(question id), list[text(option id)], integer(min), integer(max)
                text(q.id)
                + items([text(o) for o in q.option_ids])
                + integer(q.min_selections)
                + integer(q.max_selections),
            )
            for q in manifest
        ]


def _queue_ballot(election: Election, ballot: Ballot, batch: Batch, plan: _Plan) -> None:
    """§I.8 steps 1-3 for an already decoded ballot; the equations go to `batch`."""
    if ballot.election_id != election.election_id:
        raise InvalidBallot("election-id", field="election_id")
    if ballot.fingerprint != election.fingerprint:
        raise InvalidBallot("fingerprint", field="fingerprint")
    if not PSEUDONYM_PATTERN.fullmatch(ballot.pseudonym):
        raise InvalidBallot("format", field="pseudonym")
    if [q.id for q in ballot.questions] != plan.manifest_ids:
        raise InvalidBallot(
            "question-order", field="questions", detail="questions differ from the manifest"
        )
    prefix = statement_prefix(election, ballot.pseudonym)
    option_head = encode(TAG_OPTION_PROOF, prefix)
    selection_head = encode(TAG_SELECTION_PROOF, prefix)
    pair_head = list_header(2)
    add = batch.add_source
    for (q, option_ids, option_fields, selection_fields), eq in zip(
        plan.questions, ballot.questions, strict=True
    ):
        if tuple(o.id for o in eq.options) != option_ids:
            raise InvalidBallot("option-order", question=q.id, field="options")
        parts = []
        pairs = []
        for o, fields in zip(eq.options, option_fields, strict=True):
            ct = o.ciphertext
            if ct.alpha.raw is None or ct.beta.raw is None:
                raise InvalidBallot("point-identity", question=q.id, option=o.id)
            # point(alpha), point(beta): the statement's last fields, and its sum's parts.
            pair = point(ct.alpha) + point(ct.beta)
            _check_challenge(option_head + fields + pair, o.proof.branches, 2, q.id, o.id)
            add(RangeCheck(o.proof.branches, (ct,), 0, q.id, o.id))
            parts.append(ct)
            pairs.append(pair_head + pair)
        branches = eq.selections_proof.branches
        total = Ciphertext.sum(parts)
        encoded = (
            selection_head
            + selection_fields
            + list_header(len(pairs))
            + b"".join(pairs)
            + point(total.alpha)
            + point(total.beta)
        )
        _check_challenge(encoded, branches, _branch_count(q), q.id, None)
        add(RangeCheck(branches, parts, q.min_selections, q.id, None))


def _branch_count(question: Question) -> int:
    return question.max_selections - question.min_selections + 1


def _check_challenge(
    statement: bytes,
    branches: tuple[RangeBranch, ...],
    count: int,
    question: str,
    option: str | None,
) -> None:
    """The branch count, then Σ c_j = H_n(statement ‖ commitments) (§I.6.1; no group work).

    Raises:
        InvalidBallot: ``proof-length`` or ``challenge-sum``.
    """
    if len(branches) != count:
        raise InvalidBallot("proof-length", question=question, option=option)
    expected = hash_encoded_to_scalar(statement + _commitments(branches))
    if sum([br.c.value for br in branches]) % N != expected:
        raise InvalidBallot("challenge-sum", question=question, option=option)


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
    _queue_ballot(election, ballot, batch, _Plan(election))
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
    plan = _Plan(election)
    for i, ballot in enumerate(ballots):
        own = Batch(key)
        try:
            _queue_ballot(election, ballot, own, plan)
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
