"""One election's append-only log: entries in a `LogStore`, RFC 9162 roots and proofs, heads.

protocol.md Part II, §II.2, §II.3 and §II.5. Sources: RFC 9162 §2.1 (tree, proofs) and §4.10
(tree heads). The web service appends through `Log.append` and signs a head with
`Log.sign_head` in the same transaction as the ballot row (THREATS T21); at start-up it calls
`Log.check_head` with the newest head it ever published, and refuses to open a log that
does not extend it (T22).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from audit.errors import Equivocation, InvalidHead, LogInconsistent
from audit.head import SignedTreeHead, TreeHead, sign_head, timestamp_of
from audit.merkle import (
    ConsistencyProof,
    InclusionProof,
    LeafHash,
    MerkleTree,
    TreeHash,
    hash_leaf,
)
from audit.store import EntryFactory, FrontierStore, LogStore
from audit.tracking import TrackingCode
from ballots.canonical import canonical_json, parse_canonical_json
from ballots.errors import BallotsError
from ballots.signing import SigningKey, VerifyingKey

MAX_HEAD_BYTES: Final = 4096
"""A signed head is a few hundred bytes; anything larger is not one."""


@dataclass(frozen=True, slots=True)
class Appended:
    """Where an entry landed: its `index` and RFC 9162 `leaf_hash`."""

    index: int
    leaf_hash: LeafHash

    @property
    def tracking_code(self) -> TrackingCode:
        """The tracking code of this entry (meaningful for a ballot-cast entry, §II.4)."""
        return TrackingCode.from_leaf_hash(self.leaf_hash)


def parse_head(raw: bytes) -> SignedTreeHead:
    """Read a signed head from its canonical JSON bytes; raises `InvalidHead`."""
    try:
        value = parse_canonical_json(raw, max_bytes=MAX_HEAD_BYTES)
    except BallotsError as error:
        raise InvalidHead("head-json", str(error)) from error
    return SignedTreeHead.from_json(value)


class Log:
    """The log of election `log_id`, kept in `store`."""

    __slots__ = ("_tree", "log_id", "store")

    def __init__(self, store: LogStore, log_id: str) -> None:
        self.store = store
        self.log_id = log_id
        self._tree = MerkleTree(store.leaf_hashes)

    def append(self, make_entry: EntryFactory) -> Appended:
        """Append the entry `make_entry(index)` (see audit/events.py for the builders).

        Raises `StoreError` from the store, or whatever the factory raises; then nothing was
        appended.
        """
        captured: list[bytes] = []

        def make(index: int) -> bytes:
            entry = make_entry(index)
            captured.append(entry)
            return entry

        index = self.store.append(make)
        return Appended(index=index, leaf_hash=hash_leaf(captured[-1]))

    def size(self) -> int:
        """Return the number of entries."""
        return self.store.size()

    def entries(self, start: int = 0, end: int | None = None) -> list[bytes]:
        """Return the entries [start, end) (to the end when `end` is None)."""
        return self.store.entries(start, self.size() if end is None else end)

    def root(self, size: int | None = None) -> TreeHash:
        """Return MTH(D[0:size]), of the whole log when `size` is None."""
        return self._tree.root(self.size() if size is None else size)

    def inclusion_proof(self, index: int, size: int) -> InclusionProof:
        """Return the RFC 9162 inclusion proof of entry `index` in the tree of `size`."""
        return self._tree.inclusion_proof(index, size)

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        """Return the RFC 9162 consistency proof from size `first` to `second`."""
        return self._tree.consistency_proof(first, second)

    def sign_head(self, key: SigningKey, now: datetime) -> SignedTreeHead:
        """Sign a head over the whole log, inside the store's exclusion, and store it.

        The time never goes back: if the clock is behind the newest stored head (an NTP
        step), the head takes that head's time (protocol.md §II.3). Raises `InvalidHead`
        ("head-time") for a naive `now`.
        """
        stamp = timestamp_of(now)  # year 9999 is ~2**48 ms: always within MAX_TIMESTAMP
        signed: list[SignedTreeHead] = []

        def make(size: int, latest: bytes | None) -> bytes:
            previous = parse_head(latest).head.timestamp if latest is not None else 0
            head = TreeHead(
                log=self.log_id, size=size, root=self._root_of(size), timestamp=max(stamp, previous)
            )
            signed.append(sign_head(key, head))
            return canonical_json(signed[-1].to_json())

        self.store.append_head(make)
        return signed[-1]

    def _root_of(self, size: int) -> TreeHash:
        """The root of the whole log for a new head: from the store's frontier when it keeps
        one (no leaf reads), else from the leaves. A frontier of another size is a store
        defect (`LogInconsistent` "frontier")."""
        if not isinstance(self.store, FrontierStore):
            return self.root(size)
        frontier = self.store.frontier()
        if frontier.size != size:
            raise LogInconsistent(
                "frontier", f"the store's frontier is of size {frontier.size}, the log {size}"
            )
        return frontier.root()

    def heads(self) -> list[SignedTreeHead]:
        """Return every stored head, oldest first."""
        return [parse_head(raw) for raw in self.store.heads()]

    def check_head(self, head: SignedTreeHead, key: VerifyingKey) -> None:
        """Check that this log extends a head published earlier (a receipt's, a witness's).

        Raises `InvalidHead` for a bad signature or another log's head, `LogInconsistent`
        ("log-truncated") when the log is shorter than the head, and `Equivocation`
        ("equivocation") when the log's root at that size differs: the log was rewritten or
        restored from an older copy.
        """
        head.verify(key)
        if head.head.log != self.log_id:
            raise InvalidHead("head-log", f"the head is of log {head.head.log!r}")
        if head.head.size > self.size():
            raise LogInconsistent(
                "log-truncated", f"the log has {self.size()} entries, the head {head.head.size}"
            )
        if not hmac.compare_digest(self.root(head.head.size), head.head.root):
            raise Equivocation(
                "equivocation", f"the log's root at size {head.head.size} is not the head's"
            )
