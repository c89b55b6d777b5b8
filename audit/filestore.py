"""A `LogStore` in a directory, safe for concurrent threads and processes (POSIX).

protocol.md Part II, §II.5. Layout of the directory:

- `entries.dat` — the entries' bytes, concatenated;
- `entries.idx` — one 48-byte record per entry: offset (8 bytes, big-endian), length
  (8 bytes) and the RFC 9162 leaf hash SHA-256(0x00 || entry) (32 bytes);
- `heads.dat`, `heads.idx` — the same for signed heads (the 32 bytes hold SHA-256(head));
- `lock` — the lock file.

An entry exists once its index record is complete. A writer holds an exclusive `flock` on
`lock`; it first cuts away what a crash may have left (a partial index record, data past the
last indexed entry), writes and fsyncs the data, then writes and fsyncs the index record.
Readers hold a shared lock and check every entry against its stored hash, so a torn or
edited file is reported as `StoreError("store-corrupt")`, never returned.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from audit.errors import StoreError
from audit.merkle import LeafHash, hash_leaf
from audit.store import EntryFactory, HeadFactory, check_range

RECORD: Final = struct.Struct(">QQ32s")
"""Index record: offset, length, hash."""


class _Column:
    """One append-only sequence of byte strings: a data file and its index file."""

    __slots__ = ("_data", "_digest", "_index")

    def __init__(self, directory: Path, name: str, digest: Callable[[bytes], bytes]) -> None:
        self._digest = digest
        self._data = directory / f"{name}.dat"
        self._index = directory / f"{name}.idx"
        self._data.touch(exist_ok=True)
        self._index.touch(exist_ok=True)

    def size(self) -> int:
        return self._index.stat().st_size // RECORD.size

    def _records(self, start: int, end: int) -> list[tuple[int, int, bytes]]:
        with self._index.open("rb") as index:
            index.seek(start * RECORD.size)
            raw = index.read((end - start) * RECORD.size)
        return [RECORD.unpack_from(raw, i * RECORD.size) for i in range(end - start)]

    def read(self, start: int, end: int) -> list[bytes]:
        check_range(start, end, self.size())
        records = self._records(start, end)
        items: list[bytes] = []
        with self._data.open("rb") as data:
            for position, (offset, length, expected) in enumerate(records, start):
                data.seek(offset)
                item = data.read(length)
                if len(item) != length or not hmac.compare_digest(self._digest(item), expected):
                    raise StoreError(
                        "store-corrupt", f"{self._data.name} item {position} does not match"
                    )
                items.append(item)
        return items

    def hashes(self, start: int, end: int) -> list[bytes]:
        check_range(start, end, self.size())
        return [expected for _, _, expected in self._records(start, end)]

    def last(self) -> bytes | None:
        n = self.size()
        return self.read(n - 1, n)[0] if n else None

    def append(self, item: bytes) -> None:
        """Append `item`; the caller holds the exclusive lock."""
        n = self.size()
        end = 0
        if n:
            offset, length, _ = self._records(n - 1, n)[0]
            end = offset + length
        with self._data.open("r+b") as data:
            data.truncate(end)
            data.seek(end)
            data.write(item)
            data.flush()
            os.fsync(data.fileno())
        with self._index.open("r+b") as index:
            index.truncate(n * RECORD.size)
            index.seek(n * RECORD.size)
            index.write(RECORD.pack(end, len(item), self._digest(item)))
            index.flush()
            os.fsync(index.fileno())


def _sha256(item: bytes) -> bytes:
    return hashlib.sha256(item).digest()


class FileStore:
    """A `LogStore` in `directory` (created if missing); see the module docstring.

    POSIX only (it uses `fcntl.flock`); the verifier never needs it. Raises `StoreError`
    ("store-corrupt") when a file does not match its index.
    """

    __slots__ = ("_directory", "_entries", "_heads", "_held")

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._directory = Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        (self._directory / "lock").touch(exist_ok=True)
        self._entries = _Column(self._directory, "entries", hash_leaf)
        self._heads = _Column(self._directory, "heads", _sha256)
        self._held = threading.local()

    @contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        # POSIX only: importing here keeps `import audit` working where fcntl does not exist.
        import fcntl

        if getattr(self._held, "depth", 0):
            # This thread already holds the exclusive lock (a factory reading the store).
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        # Each call opens its own descriptor: flock excludes open file descriptions, so this
        # serialises threads of one process as well as processes.
        descriptor = os.open(self._directory / "lock", os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            self._held.depth = 1 if exclusive else 0
            try:
                yield
            finally:
                self._held.depth = 0
        finally:
            os.close(descriptor)  # closing the descriptor releases the flock

    def append(self, make_entry: EntryFactory) -> int:
        """See `LogStore.append`."""
        with self._locked(exclusive=True):
            index = self._entries.size()
            self._entries.append(bytes(make_entry(index)))
            return index

    def size(self) -> int:
        """See `LogStore.size`."""
        with self._locked(exclusive=False):
            return self._entries.size()

    def entries(self, start: int, end: int) -> list[bytes]:
        """See `LogStore.entries`."""
        with self._locked(exclusive=False):
            return self._entries.read(start, end)

    def leaf_hashes(self, start: int, end: int) -> list[LeafHash]:
        """See `LogStore.leaf_hashes`."""
        with self._locked(exclusive=False):
            return [LeafHash(h) for h in self._entries.hashes(start, end)]

    def append_head(self, make_head: HeadFactory) -> bytes:
        """See `LogStore.append_head`."""
        with self._locked(exclusive=True):
            head = bytes(make_head(self._entries.size(), self._heads.last()))
            self._heads.append(head)
            return head

    def heads(self) -> list[bytes]:
        """See `LogStore.heads`."""
        with self._locked(exclusive=False):
            return self._heads.read(0, self._heads.size())
