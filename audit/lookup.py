"""A voter's questions to the record: "is my ballot in the log?", "does the record hold the
ballot my receipt is for?" and "is there a ballot under my pseudonym?" (THREATS T12).

protocol.md Part II, §II.8 (`python -m audit check` and `python -m audit receipt`). The answer
to the first comes with an RFC 9162 inclusion proof (§2.1.3.1) verified (§2.1.3.2) against the
final signed head, whose signature is checked with the log key the election-created entry
publishes. The second checks the server's signed receipt (§II.1) against the record's entry,
and the receipt's head against the final head with an RFC 9162 consistency proof (§2.1.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.entries import (
    RECEIPT_TYPE,
    BallotCast,
    ElectionCreated,
    Entry,
    VotingCancelled,
    VotingClosed,
    parse_entry,
    receipt_body,
)
from audit.errors import (
    BallotNotFound,
    Equivocation,
    InvalidEntry,
    InvalidHead,
    InvalidReceipt,
    LogInconsistent,
)
from audit.head import SignedTreeHead
from audit.merkle import (
    ConsistencyProof,
    InclusionProof,
    LeafHash,
    MerkleTree,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from audit.receipt import VoterReceipt
from audit.record import Record
from audit.tracking import TrackingCode
from ballots import Ballot, BallotsError, Election
from ballots.canonical import canonical_json
from ballots.signing import verify_document


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


@dataclass(frozen=True, slots=True)
class ReceiptChecked:
    """A receipt that holds against a record: the `ballot` it is for (found and proven as by
    `find_ballot`), the receipt's own `head`, and the verified `consistency` proof from that
    head to the record's final head."""

    ballot: BallotFound
    head: SignedTreeHead
    consistency: ConsistencyProof


@dataclass(frozen=True, slots=True)
class _Log:
    """A record's log, read once: the election-created entry, every entry and leaf hash."""

    created: ElectionCreated
    entries: tuple[Entry, ...]
    leaves: tuple[LeafHash, ...]
    tree: MerkleTree


def _read_log(record: Record) -> _Log:
    raws = [record.entry(i) for i in range(record.header.log_size)]
    created = parse_entry(raws[0], 0) if raws else None
    if not isinstance(created, ElectionCreated):
        raise InvalidEntry("lifecycle", "the log does not begin with election-created")
    leaves = tuple(hash_leaf(raw) for raw in raws)
    entries = tuple(parse_entry(raw, i) for i, raw in enumerate(raws))
    return _Log(created, entries, leaves, MerkleTree.from_leaf_hashes(leaves))


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


def _prove(log: _Log, cast: BallotCast, head: SignedTreeHead) -> BallotFound:
    """Prove `cast` is in the log under `head`, and say whether it counted."""
    leaf = log.leaves[cast.index]
    proof = log.tree.inclusion_proof(cast.index, head.head.size)
    verify_inclusion(leaf, proof, head.head.root)
    closed = next((e.index for e in log.entries if isinstance(e, VotingClosed)), len(log.entries))
    cancelled = any(isinstance(e, VotingCancelled) for e in log.entries)
    later = [
        e.index
        for e in log.entries
        if isinstance(e, BallotCast) and e.pseudonym == cast.pseudonym and e.index > cast.index
    ]
    next_cast = next((i for i in later if i < closed), -1)
    counted = cast.index < closed and next_cast == -1 and not cancelled
    return BallotFound(
        cast.index,
        TrackingCode.from_leaf_hash(leaf),
        cast.pseudonym,
        counted,
        next_cast,
        head,
        proof,
        cancelled,
    )


def find_ballot(record: Record, code: TrackingCode) -> BallotFound:
    """Find the ballot with tracking code `code` and prove it is in the log.

    Raises `BallotNotFound` ("not-in-log"), `InvalidEntry` when the log cannot be read,
    `InvalidHead` ("final-head") when no head is signed by the log key, and
    `InclusionNotProven` when the final head does not include the ballot.
    """
    log = _read_log(record)
    head = _final_head(record, log.created)
    for cast in log.entries:
        if isinstance(cast, BallotCast) and code.is_code_of(log.leaves[cast.index]):
            return _prove(log, cast, head)
    raise BallotNotFound("not-in-log", f"no ballot in the log has the code {code}")


def check_receipt(record: Record, receipt: VoterReceipt) -> ReceiptChecked:
    """Check a voter's receipt file against the record (protocol.md §II.8, "A voter's
    receipt"), each step in the order given there.

    Raises `InvalidReceipt` ("receipt-election", "receipt-signature", "receipt-index",
    "receipt-entry", "receipt-ballot", "tracking-code", "receipt-head"), `BallotNotFound`
    ("not-in-log"), `InvalidHead` ("head-signature", "head-log", "final-head"),
    `LogInconsistent` ("log-truncated"), `Equivocation` ("equivocation"),
    `InclusionNotProven`, and `InvalidEntry` when the log cannot be read.
    """
    log = _read_log(record)
    election_id, key = log.created.election_id, log.created.log_key
    if receipt.election_id != election_id:
        raise InvalidReceipt(
            "receipt-election",
            f"the receipt is for {receipt.election_id!r}, the record for {election_id!r}",
        )
    try:
        body = verify_document(receipt.receipt, key, doc_type=RECEIPT_TYPE)
    except BallotsError as error:
        raise InvalidReceipt(
            "receipt-signature", f"not signed by the election's log key: {error}"
        ) from error
    if body.get("election") != election_id:
        raise InvalidReceipt("receipt-election", "the server signed it for another election")
    index = receipt.log_index
    signed_index = body.get("index")
    if isinstance(signed_index, bool) or signed_index != index:
        raise InvalidReceipt(
            "receipt-index", f"the server signed index {signed_index!r}, the file says {index}"
        )
    cast = log.entries[index] if index < len(log.entries) else None
    if not isinstance(cast, BallotCast):
        raise BallotNotFound("not-in-log", f"entry {index} of the log is not a ballot")
    _check_entry(log, cast, receipt, canonical_json(body))
    if not receipt.tracking_code.is_code_of(log.leaves[index]):
        raise InvalidReceipt(
            "tracking-code", f"{receipt.tracking_code} is not the code of entry {index}"
        )
    final = _final_head(record, log.created)
    consistency = _extends(log, receipt.head, final, index)
    return ReceiptChecked(_prove(log, cast, final), receipt.head, consistency)


def _check_entry(log: _Log, cast: BallotCast, receipt: VoterReceipt, signed: bytes) -> None:
    """The entry must hold this receipt byte for byte, and the receipt must sign the entry's
    pseudonym and ballot digest (recomputed from the ballot in the log)."""
    index = cast.index
    if canonical_json(cast.receipt.to_json()) != canonical_json(receipt.receipt.to_json()):
        raise InvalidReceipt("receipt-entry", f"entry {index} of the log holds another receipt")
    try:
        ballot = Ballot.from_json(cast.ballot, Election.from_json(log.created.election))
    except BallotsError as error:
        raise InvalidReceipt(
            "receipt-ballot", f"the ballot of entry {index} cannot be read: {error}"
        ) from error
    expected = receipt_body(log.created.election_id, index, cast.pseudonym, ballot.digest())
    if signed != canonical_json(expected):
        raise InvalidReceipt(
            "receipt-ballot", f"the receipt signs another ballot or voter than entry {index}"
        )


def _extends(
    log: _Log, head: SignedTreeHead, final: SignedTreeHead, index: int
) -> ConsistencyProof:
    """The receipt's `head` must be the log's, include the ballot at `index`, and be
    extended by the final head (RFC 9162 §2.1.4 consistency proof from the record's leaves)."""
    head.verify(log.created.log_key)
    if head.head.log != log.created.election_id:
        raise InvalidHead("head-log", f"the receipt's head is of log {head.head.log!r}")
    if head.head.size <= index:
        raise InvalidReceipt(
            "receipt-head", f"the receipt's head covers {head.head.size} entries, not entry {index}"
        )
    if head.head.size > final.head.size:
        raise LogInconsistent(
            "log-truncated",
            f"the receipt's head covers {head.head.size} entries, the final head {final.head.size}",
        )
    proof = log.tree.consistency_proof(head.head.size, final.head.size)
    try:
        verify_consistency(proof, head.head.root, final.head.root)
    except LogInconsistent as error:
        raise Equivocation(
            "equivocation",
            f"the record's log does not extend the receipt's head ({error.check}: {error.detail})",
        ) from error
    return proof


def ballots_under(record: Record, pseudonym: str) -> tuple[int, ...]:
    """The log indices of every ballot cast under `pseudonym` (T12: a member who did not vote
    asks, and any ballot here is a ghost). Raises `InvalidEntry` for an unreadable log."""
    found = []
    for index in range(record.header.log_size):
        entry = parse_entry(record.entry(index), index)
        if isinstance(entry, BallotCast) and entry.pseudonym == pseudonym:
            found.append(index)
    return tuple(found)
