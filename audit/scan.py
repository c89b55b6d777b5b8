"""The log scan: every entry of a record read, hashed and parsed, in parallel chunks.

protocol.md Part II, §II.8 (checks "record-layout" and "entry-shape"). A worker reads a range
of entry files from the record itself, computes each RFC 9162 leaf hash (§2.1.1) and parses
the entry (audit/entries.py); cast ballots come back without their ballot JSON, which the
ballot checks re-read, so that the parent holds only what the history checks need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Final

from audit.container import Limits, RecordArchive
from audit.entries import BallotCast, Entry, parse_entry
from audit.errors import InvalidEntry, RecordUnreadable
from audit.merkle import LeafHash, hash_leaf
from audit.record import Record, entry_name
from audit.report import Finding, Findings
from audit.workers import Workers

SCAN_CHUNK: Final = 512
"""Entries per scan chunk."""


@dataclass(frozen=True, slots=True)
class Scan:
    """The log as read from the record: each entry's leaf hash and parsed entry (None where
    the file is missing or unreadable). Cast ballots are kept without their ballot JSON."""

    leaf_hashes: tuple[LeafHash | None, ...]
    entries: tuple[Entry | None, ...]

    @property
    def complete(self) -> bool:
        """True when every entry file was read."""
        return all(h is not None for h in self.leaf_hashes)

    def readable(self) -> list[Entry]:
        """The entries that parsed, in log order."""
        return [e for e in self.entries if e is not None]


@dataclass(frozen=True, slots=True)
class ScanChunk:
    """Work for one process: read entries `indices` of the record at `path`."""

    path: str
    limits: Limits
    indices: tuple[int, ...]


ScanItem = tuple[int, LeafHash | None, Entry | None, Finding | None]


def scan_chunk(chunk: ScanChunk) -> list[ScanItem]:
    """Read, hash and parse the entries of one chunk; run in a worker process or in-process."""
    items: list[ScanItem] = []
    with RecordArchive.open(chunk.path, chunk.limits) as archive:
        for index in chunk.indices:
            leaf_hash: LeafHash | None = None
            entry: Entry | None = None
            finding: Finding | None = None
            try:
                raw = archive.read(entry_name(index))
                leaf_hash = hash_leaf(raw)
                entry = parse_entry(raw, index)
            except (RecordUnreadable, InvalidEntry) as error:
                detail = f"{error.check}: {error.detail}"
                finding = Finding(entry_name(index), f"entry {index}", "entry-shape", detail)
            if isinstance(entry, BallotCast):
                entry = replace(entry, ballot={})
            items.append((index, leaf_hash, entry, finding))
    return items


def scan_log(record: Record, findings: Findings, workers: Workers) -> Scan:
    """Read and parse every log entry of `record` ("record-layout", "entry-shape")."""
    size = record.header.log_size
    findings.covered("record-layout")
    findings.covered("entry-shape", 0)
    for index in sorted(i for i in record.entry_indices if i >= size):
        findings.add(entry_name(index), "-", "record-layout", f"beyond log_size {size}")
    for name in record.unexpected:
        findings.add(name, "-", "record-layout", "a record has no such file")
    present = [i for i in range(size) if i in record.entry_indices]
    for index in sorted(set(range(size)) - set(present)):
        findings.add(
            entry_name(index), f"entry {index}", "record-layout", "the entry file is missing"
        )
    leaf_hashes: list[LeafHash | None] = [None] * size
    entries: list[Entry | None] = [None] * size
    chunks = [
        ScanChunk(
            os.fspath(record.archive.path),
            record.archive.limits,
            tuple(present[i : i + SCAN_CHUNK]),
        )
        for i in range(0, len(present), SCAN_CHUNK)
    ]
    for items in workers.map(scan_chunk, chunks):
        for index, leaf_hash, entry, finding in items:
            findings.covered("entry-shape")
            leaf_hashes[index], entries[index] = leaf_hash, entry
            if finding is not None:
                findings.add(finding.file, finding.entry, finding.check, finding.detail)
    return Scan(leaf_hashes=tuple(leaf_hashes), entries=tuple(entries))
