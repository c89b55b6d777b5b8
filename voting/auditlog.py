"""The audit logs in the database: audit's `LogStore` over SQLAlchemy.

Every election, consensus group and Q&A keeps an append-only log (audit/, protocol.md
Part II). This store keeps its entries and signed heads in three tables. An append takes
a row lock on the log's row (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already serialises writers), reads the size, stores the entry at that
index and raises the size, all inside the caller's transaction: the service commits the
ballot (or position, or question), its log entry and the new head together, so a crash
leaves either all or none (THREATS T21). The primary key (log, index) makes a second entry
at one index impossible even without the lock, and triggers make entries and heads
append-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from audit.errors import StoreError
from audit.head import timestamp_of
from audit.log import Log
from audit.merkle import Frontier, LeafHash, hash_leaf
from audit.store import EntryFactory, HeadFactory, check_range
from ballots import JSONValue, canonical_json
from voting.db import Base, UTCDateTime
from voting.keys import Keyring

ENTRY_VERSION: Final = 1
"""The version of the service's own entries (consensus and Q&A logs)."""


class AuditLog(Base):
    """One log; `size` is the number of entries, kept so that appends can lock this row, and
    `frontier` the roots of its perfect subtrees (audit.merkle.Frontier), kept so that a new
    head's root needs no leaf reads. NULL for a log written before the column existed: the
    first append computes it from the leaves."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    frontier: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class AuditLogEntry(Base):
    """One entry: canonical JSON bytes and their RFC 9162 leaf hash."""

    __tablename__ = "audit_log_entry"

    log_id: Mapped[str] = mapped_column(ForeignKey("audit_log.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditLogHead(Base):
    """One signed tree head, in the order they were made."""

    __tablename__ = "audit_log_head"

    log_id: Mapped[str] = mapped_column(ForeignKey("audit_log.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer)  # the log size the head signs, for lookups
    head: Mapped[bytes] = mapped_column(LargeBinary)


PENDING_HEADS_KEY = "stembus.pending-heads"


def remember_head(session: Session, log_id: str, head: bytes) -> None:
    """Queue a head for the witness folder (voting/witness.py), written after commit."""
    session.info.setdefault(PENDING_HEADS_KEY, []).append((log_id, head))


def open_log(session: Session, log_id: str, now: dt.datetime) -> SQLLogStore:
    """The store of log `log_id` (like "election-12": lower case, digits, dashes), created if new."""
    if session.get(AuditLog, log_id) is None:
        session.add(AuditLog(id=log_id, size=0, created_at=now))
        session.flush()
    return SQLLogStore(session, log_id)


class SQLLogStore:
    """A `FrontierStore` (audit/store.py) in the service's database, inside the caller's
    transaction."""

    def __init__(self, session: Session, log_id: str) -> None:
        self.session = session
        self.log_id = log_id
        self._held: AuditLog | None = None  # the locked row while append_head runs

    def _locked(self) -> AuditLog:
        row = self.session.scalar(
            select(AuditLog)
            .where(AuditLog.id == self.log_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise StoreError("missing", f"no log {self.log_id}")
        return row

    def append(self, make_entry: EntryFactory) -> int:
        """See `LogStore.append`: the entry is flushed, not committed."""
        row = self._locked()
        index = row.size
        frontier = self._frontier_of(row)
        entry = bytes(make_entry(index))
        leaf_hash = hash_leaf(entry)
        self.session.add(
            AuditLogEntry(log_id=self.log_id, index=index, entry=entry, leaf_hash=bytes(leaf_hash))
        )
        row.size = index + 1
        row.frontier = frontier.extended(leaf_hash).to_bytes()
        self.session.flush()
        return index

    def _frontier_of(self, row: AuditLog) -> Frontier:
        if row.frontier is None:  # a log from before the column: once, from its leaves
            return Frontier.of(self.leaf_hashes(0, row.size))
        return Frontier.from_bytes(row.size, row.frontier)

    def frontier(self) -> Frontier:
        """See `FrontierStore.frontier` (from the row `append_head` holds locked, if any)."""
        return self._frontier_of(self._held if self._held is not None else self._locked())

    def size(self) -> int:
        """See `LogStore.size`."""
        size = self.session.scalar(select(AuditLog.size).where(AuditLog.id == self.log_id))
        if size is None:
            raise StoreError("missing", f"no log {self.log_id}")
        return size

    def entries(self, start: int, end: int) -> list[bytes]:
        """See `LogStore.entries`."""
        check_range(start, end, self.size())
        rows = self.session.scalars(
            select(AuditLogEntry.entry)
            .where(
                AuditLogEntry.log_id == self.log_id,
                AuditLogEntry.index >= start,
                AuditLogEntry.index < end,
            )
            .order_by(AuditLogEntry.index)
        ).all()
        return [bytes(row) for row in rows]

    def leaf_hashes(self, start: int, end: int) -> list[LeafHash]:
        """See `LogStore.leaf_hashes`."""
        check_range(start, end, self.size())
        rows = self.session.scalars(
            select(AuditLogEntry.leaf_hash)
            .where(
                AuditLogEntry.log_id == self.log_id,
                AuditLogEntry.index >= start,
                AuditLogEntry.index < end,
            )
            .order_by(AuditLogEntry.index)
        ).all()
        return [LeafHash(bytes(row)) for row in rows]

    def append_head(self, make_head: HeadFactory) -> bytes:
        """See `LogStore.append_head`: flushed with the caller's transaction."""
        row = self._locked()
        newest = self.session.execute(
            select(AuditLogHead.seq, AuditLogHead.head)
            .where(AuditLogHead.log_id == self.log_id)
            .order_by(AuditLogHead.seq.desc())
            .limit(1)
        ).first()
        self._held = row
        try:
            head = bytes(make_head(row.size, bytes(newest.head) if newest is not None else None))
        finally:
            self._held = None
        self.session.add(
            AuditLogHead(
                log_id=self.log_id,
                seq=newest.seq + 1 if newest is not None else 1,
                size=row.size,
                head=head,
            )
        )
        self.session.flush()
        remember_head(self.session, self.log_id, head)
        return head

    def heads(self) -> list[bytes]:
        """See `LogStore.heads`."""
        rows = self.session.scalars(
            select(AuditLogHead.head)
            .where(AuditLogHead.log_id == self.log_id)
            .order_by(AuditLogHead.seq)
        ).all()
        return [bytes(row) for row in rows]


def head_covering(session: Session, log_id: str, index: int) -> bytes | None:
    """The first signed head whose tree includes entry `index` (a receipt's head)."""
    raw = session.scalar(
        select(AuditLogHead.head)
        .where(AuditLogHead.log_id == log_id, AuditLogHead.size > index)
        .order_by(AuditLogHead.seq)
        .limit(1)
    )
    return bytes(raw) if raw is not None else None


def latest_head(session: Session, log_id: str) -> bytes | None:
    """The newest signed head of a log."""
    raw = session.scalar(
        select(AuditLogHead.head)
        .where(AuditLogHead.log_id == log_id)
        .order_by(AuditLogHead.seq.desc())
        .limit(1)
    )
    return bytes(raw) if raw is not None else None


def text_digest(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes, as hex: what a log entry keeps of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry(entry_type: StrEnum, at: dt.datetime, fields: Mapping[str, JSONValue]) -> EntryFactory:
    """An entry of a consensus or Q&A log: canonical JSON (protocol.md §I.3) of `fields` with
    "type", "version", "index" and "at" (ms since the epoch, UTC). Serialised once now, so
    bad fields fail before anything is appended."""

    def make(index: int) -> bytes:
        return canonical_json(
            {
                **fields,
                "at": timestamp_of(at),
                "index": index,
                "type": str(entry_type),
                "version": ENTRY_VERSION,
            }
        )

    make(0)
    return make


def append_signed(
    session: Session, keyring: Keyring, log_id: str, make_entry: EntryFactory, now: dt.datetime
) -> int:
    """Append an entry to the log and sign a new head, inside the caller's transaction (so
    the change, its entry and the head commit together, THREATS T21); the entry's index."""
    log = Log(open_log(session, log_id, now), log_id)
    appended = log.append(make_entry)
    log.sign_head(keyring.signing_key(session, f"log:{log_id}", now), now)
    return appended.index
