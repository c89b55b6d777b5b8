"""A voter's questions to the record: "is my ballot in the log?" and "is there a ballot under
my pseudonym?" (THREATS T12).

protocol.md Part II, §II.8 (`python -m audit check`). The answer to the first comes with an
RFC 9162 inclusion proof (§2.1.3.1) verified (§2.1.3.2) against the final signed head, whose
signature is checked with the log key the election-created entry publishes.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.entries import BallotCast, ElectionCreated, VotingCancelled, VotingClosed, parse_entry
from audit.errors import BallotNotFound, InvalidEntry, InvalidHead
from audit.head import SignedTreeHead
from audit.merkle import InclusionProof, MerkleTree, hash_leaf, verify_inclusion
from audit.record import Record
from audit.tracking import TrackingCode


@dataclass(frozen=True, slots=True)
class BallotFound:
    """Where a ballot is: its log `index`, `pseudonym`, whether it `counted` (the voter's last
    ballot before closing) and, if not, the index it was `superseded_by` (-1: cast after
    closing), or that the vote was `cancelled` (nothing counts); the `head` it was proven
    against and the verified `proof`."""

    index: int
    code: TrackingCode
    pseudonym: str
    counted: bool
    superseded_by: int
    head: SignedTreeHead
    proof: InclusionProof
    cancelled: bool = False


def _final_head(record: Record, created: ElectionCreated) -> SignedTreeHead:
    best: SignedTreeHead | None = None
    for raw in record.heads:
        try:
            head = SignedTreeHead.from_json(raw)
            head.verify(created.log_key)
        except InvalidHead:
            continue
        if head.head.log == created.election_id and (
            best is None or head.head.size > best.head.size
        ):
            best = head
    if best is None:
        raise InvalidHead("final-head", "the record has no head signed by the log key")
    return best


def find_ballot(record: Record, code: TrackingCode) -> BallotFound:
    """Find the ballot with tracking code `code` and prove it is in the log.

    Raises `BallotNotFound` ("not-in-log"), `InvalidEntry` when the log cannot be read,
    `InvalidHead` ("final-head") when no head is signed by the log key, and
    `InclusionNotProven` when the final head does not include the ballot.
    """
    raws = [record.entry(i) for i in range(record.header.log_size)]
    leaves = [hash_leaf(raw) for raw in raws]
    created = parse_entry(raws[0], 0) if raws else None
    if not isinstance(created, ElectionCreated):
        raise InvalidEntry("lifecycle", "the log does not begin with election-created")
    head = _final_head(record, created)
    entries = [parse_entry(raw, i) for i, raw in enumerate(raws)]
    closed = next((e.index for e in entries if isinstance(e, VotingClosed)), len(entries))
    cancelled = any(isinstance(e, VotingCancelled) for e in entries)
    casts = [e for e in entries if isinstance(e, BallotCast)]
    for cast in casts:
        if not code.is_code_of(leaves[cast.index]):
            continue
        proof = MerkleTree.from_leaf_hashes(leaves).inclusion_proof(cast.index, head.head.size)
        verify_inclusion(leaves[cast.index], proof, head.head.root)
        later = [c.index for c in casts if c.pseudonym == cast.pseudonym and c.index > cast.index]
        next_cast = next((i for i in later if i < closed), -1)
        counted = cast.index < closed and next_cast == -1 and not cancelled
        return BallotFound(
            cast.index, code, cast.pseudonym, counted, next_cast, head, proof, cancelled
        )
    raise BallotNotFound("not-in-log", f"no ballot in the log has the code {code}")


def ballots_under(record: Record, pseudonym: str) -> tuple[int, ...]:
    """The log indices of every ballot cast under `pseudonym` (T12: a member who did not vote
    asks, and any ballot here is a ghost). Raises `InvalidEntry` for an unreadable log."""
    found = []
    for index in range(record.header.log_size):
        entry = parse_entry(record.entry(index), index)
        if isinstance(entry, BallotCast) and entry.pseudonym == pseudonym:
            found.append(index)
    return tuple(found)
