"""Storage of one append-only log: the `LogStore` Protocol and an in-memory store.

protocol.md Part II, §II.5. The Merkle hashing is RFC 9162 §2.1.1 (audit/merkle.py); a store
only keeps bytes in order. The web service supplies a SQLAlchemy store; audit/ ships this
in-memory store and a file store (audit/filestore.py), and the tests hold all of them to the
same contract.

Contract of `append` (and `append_head`): under one exclusion shared by every writer of the
same log (a lock, a row lock, a file lock), the store reads its size n, calls
`make_entry(n)`, and stores the returned bytes at index n with their leaf hash. The callback
runs inside the exclusion so that an entry may depend on its own index (a ballot's signature
covers its log index). If the callback raises, nothing is stored and the error propagates.
No two entries ever share an index and there is never a gap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from audit.errors import StoreError
from audit.merkle import Frontier, LeafHash, hash_leaf

EntryFactory = Callable[[int], bytes]
"""Given the index the entry will get, return the entry's bytes (canonical JSON)."""

HeadFactory = Callable[[int, bytes | None], bytes]
"""Given the log size and the latest stored head (or None), return the new head's bytes."""


class LogStore(Protocol):
    """The storage seam of one append-only log (STYLE §3: Protocols for seams)."""

    def append(self, make_entry: EntryFactory) -> int:
        """Store `make_entry(n)` at index n = the current size, atomically; return n.

        Raises `StoreError` when the store cannot write; whatever `make_entry` raises
        propagates, and then nothing is stored.
        """
        ...

    def size(self) -> int:
        """Return the number of entries stored."""
        ...

    def entries(self, start: int, end: int) -> list[bytes]:
        """Return the entries [start, end); raise `StoreError` if the range is not stored."""
        ...

    def leaf_hashes(self, start: int, end: int) -> list[LeafHash]:
        """Return hash_leaf(entry) for the entries [start, end); `StoreError` as `entries`."""
        ...

    def append_head(self, make_head: HeadFactory) -> bytes:
        """Store `make_head(size, latest head or None)` as the newest head, atomically with
        respect to `append`; return the stored bytes."""
        ...

    def heads(self) -> list[bytes]:
        """Return every stored head, oldest first."""
        ...


@runtime_checkable
class FrontierStore(LogStore, Protocol):
    """A `LogStore` that also keeps the log's `Frontier`, updated by `append` under its
    exclusion, so that a new head's root costs O(log n) hashes and no leaf reads."""

    def frontier(self) -> Frontier:
        """Return the frontier of the stored leaves (of size `size()`)."""
        ...


def check_range(start: int, end: int, size: int) -> None:
    """Raise `StoreError` ("range") unless 0 <= start <= end <= size."""
    if not 0 <= start <= end <= size:
        raise StoreError("range", f"entries [{start}, {end}) are not within [0, {size})")


class MemoryStore:
    """A `FrontierStore` in process memory, safe for concurrent threads (tests, tools,
    benchmarks).

    The lock is re-entrant so that a factory may read the store (a head needs the root).
    """

    __slots__ = ("_entries", "_frontier", "_heads", "_leaf_hashes", "_lock")

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: list[bytes] = []
        self._leaf_hashes: list[LeafHash] = []
        self._heads: list[bytes] = []
        self._frontier = Frontier(0, ())

    def append(self, make_entry: EntryFactory) -> int:
        """See `LogStore.append`."""
        with self._lock:
            index = len(self._entries)
            entry = bytes(make_entry(index))
            leaf_hash = hash_leaf(entry)
            self._frontier = self._frontier.extended(leaf_hash)
            self._entries.append(entry)
            self._leaf_hashes.append(leaf_hash)
            return index

    def frontier(self) -> Frontier:
        """See `FrontierStore.frontier`."""
        with self._lock:
            return self._frontier

    def size(self) -> int:
        """See `LogStore.size`."""
        with self._lock:
            return len(self._entries)

    def entries(self, start: int, end: int) -> list[bytes]:
        """See `LogStore.entries`."""
        with self._lock:
            check_range(start, end, len(self._entries))
            return self._entries[start:end]

    def leaf_hashes(self, start: int, end: int) -> list[LeafHash]:
        """See `LogStore.leaf_hashes`."""
        with self._lock:
            check_range(start, end, len(self._entries))
            return self._leaf_hashes[start:end]

    def append_head(self, make_head: HeadFactory) -> bytes:
        """See `LogStore.append_head`."""
        with self._lock:
            latest = self._heads[-1] if self._heads else None
            head = bytes(make_head(len(self._entries), latest))
            self._heads.append(head)
            return head

    def heads(self) -> list[bytes]:
        """See `LogStore.heads`."""
        with self._lock:
            return list(self._heads)


def read_all(store: LogStore) -> Sequence[bytes]:
    """Return every entry of `store`, oldest first."""
    return store.entries(0, store.size())
