"""The election record: the files an auditor downloads and `python -m audit verify` checks.

protocol.md Part II, §II.6. A record is a directory or a .zip (audit/container.py) of
canonical JSON files (protocol.md §I.3):

    record.json          {"election_id", "format": "stembus-election-record", "log_size", "version"}
    log/00000000.json …  the log's entries, byte for byte the RFC 9162 leaf data
    heads.json           {"heads": [signed tree heads, oldest first], "version": 1}
    election.json        views of the log, for people: the election document and log key,
    trustees.json        the trustees' announcements, the electorate, every ballot cast with
    electorate.json      its tracking code and whether it counted or was superseded (and by
    ballots.json         which), the encrypted tally, the decryption shares and the result.
    tally.json           A view exists once the log holds what it shows.
    shares.json
    result.json

The log and the heads are the evidence; the views are derived from the log by `derive_views`,
and the verifier re-derives them and reports any difference. No file holds a name, an e-mail
address or a plaintext vote: the log holds none, so neither can a view.

`Record.from_path` is the strict reader: it checks the layout, every size limit, the canonical
form of every file but the log entries, and the exact shape of record.json, heads.json and
the views' envelopes, raising `RecordUnreadable` (exit 2). Log entries and heads are read one
by one by the verifier, so that a broken one is a finding at its place (exit 1).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final, Self, TypeVar

from audit.container import DEFAULT_LIMITS, Limits, RecordArchive, write_files
from audit.entries import (
    BallotCast,
    DecryptionShare,
    ElectionCreated,
    ElectorateFrozen,
    EncryptedTally,
    Entry,
    ResultPublished,
    TrusteeCommitments,
    parse_entry,
)
from audit.errors import InvalidDocument, InvalidEntry, RecordUnreadable
from audit.head import SignedTreeHead
from audit.log import Log
from audit.merkle import hash_leaf
from audit.shape import ID_PATTERN, as_object, check_version, get_int, get_list, get_str
from audit.tracking import TrackingCode
from ballots.canonical import JSONObject, JSONValue, canonical_json, parse_canonical_json
from ballots.errors import BallotsError

RECORD_FORMAT: Final = "stembus-election-record"
RECORD_FILE: Final = "record.json"
HEADS_FILE: Final = "heads.json"
VIEW_KEYS: Final[dict[str, frozenset[str]]] = {
    "election.json": frozenset({"election", "election_id", "log_key"}),
    "trustees.json": frozenset({"announcements"}),
    "electorate.json": frozenset({"pseudonyms", "size"}),
    "ballots.json": frozenset({"ballots"}),
    "tally.json": frozenset({"counted", "tally"}),
    "shares.json": frozenset({"shares"}),
    "result.json": frozenset({"outcomes", "tally"}),
}
"""The top-level keys of each view besides "version"; their values are checked against the
log by the verifier."""
VIEW_FILES: Final = tuple(VIEW_KEYS)
ENTRY_NAME: Final = re.compile(r"log/([0-9]{8})\.json")
MAX_LOG_SIZE: Final = 10**8 - 1
"""Entry files have eight digits."""
MAX_HEADS: Final = 10**7
"""At most one head per append, and then some."""

_T = TypeVar("_T")


class BallotStatus:
    """The `status` of a ballot in ballots.json."""

    COUNTED: Final = "counted"
    SUPERSEDED: Final = "superseded"


def entry_name(index: int) -> str:
    """Return the record file name of log entry `index`."""
    return f"log/{index:08d}.json"


def _view(**fields: JSONValue) -> bytes:
    return canonical_json({**fields, "version": 1})


def derive_views(entries: Sequence[Entry], leaf_hashes: Sequence[bytes]) -> dict[str, bytes]:
    """Return the view files (name → canonical bytes) that show what `entries` hold.

    The one definition of the views: `write_record` writes them, the verifier compares.
    A ballot counts when it is the last one of its pseudonym; an earlier one is superseded
    by the next (protocol.md §II.1).
    """
    views: dict[str, bytes] = {}
    created = [e for e in entries if isinstance(e, ElectionCreated)]
    if created:
        first = created[0]
        views["election.json"] = _view(
            election=first.election, election_id=first.election_id, log_key=first.log_key.to_json()
        )
    announcements = [e.announcement for e in entries if isinstance(e, TrusteeCommitments)]
    views["trustees.json"] = _view(announcements=announcements)
    frozen = [e for e in entries if isinstance(e, ElectorateFrozen)]
    if frozen:
        views["electorate.json"] = _view(pseudonyms=list(frozen[0].pseudonyms), size=frozen[0].size)
    views["ballots.json"] = _view(ballots=_ballot_rows(entries, leaf_hashes))
    tallies = [e for e in entries if isinstance(e, EncryptedTally)]
    if tallies:
        views["tally.json"] = _view(counted=tallies[0].counted, tally=tallies[0].tally)
    shares: list[JSONValue] = [
        {"share": e.share, "trustee": e.trustee} for e in entries if isinstance(e, DecryptionShare)
    ]
    if shares:
        views["shares.json"] = _view(shares=shares)
    results = [e for e in entries if isinstance(e, ResultPublished)]
    if results:
        views["result.json"] = _view(outcomes=list(results[0].outcomes), tally=results[0].tally)
    return views


def _ballot_rows(entries: Sequence[Entry], leaf_hashes: Sequence[bytes]) -> list[JSONValue]:
    casts = [e for e in entries if isinstance(e, BallotCast)]
    following: dict[int, int] = {}
    latest: dict[str, int] = {}
    for cast in casts:
        if cast.pseudonym in latest:
            following[latest[cast.pseudonym]] = cast.index
        latest[cast.pseudonym] = cast.index
    rows: list[JSONValue] = []
    for cast in casts:
        row: dict[str, JSONValue] = {
            "index": cast.index,
            "pseudonym": cast.pseudonym,
            "status": BallotStatus.COUNTED,
            "tracking_code": str(TrackingCode.from_leaf_hash(leaf_hashes[cast.index])),
        }
        if cast.index in following:
            row["status"] = BallotStatus.SUPERSEDED
            row["superseded_by"] = following[cast.index]
        rows.append(row)
    return rows


def record_files(entries: Sequence[bytes], heads: Sequence[SignedTreeHead]) -> dict[str, bytes]:
    """Return every file of the record of a log with `entries` and `heads`.

    Raises `InvalidEntry` if an entry cannot be read or the log does not begin with
    election-created: a server never publishes a record it could not verify itself.
    """
    parsed = [parse_entry(raw, index) for index, raw in enumerate(entries)]
    if not parsed or not isinstance(parsed[0], ElectionCreated):
        raise InvalidEntry("lifecycle", "a log begins with its election-created entry")
    leaf_hashes = [hash_leaf(raw) for raw in entries]
    files = {
        RECORD_FILE: _view(
            election_id=parsed[0].election_id, format=RECORD_FORMAT, log_size=len(entries)
        ),
        HEADS_FILE: _view(heads=[h.to_json() for h in heads]),
        **derive_views(parsed, leaf_hashes),
    }
    for index, raw in enumerate(entries):
        files[entry_name(index)] = raw
    return files


def write_record(path: str | os.PathLike[str], log: Log) -> Path:
    """Write the record of `log` (its entries and stored heads) to `path`: a directory, or a
    deterministic zip when `path` ends in .zip. Never overwrites; returns the path.

    Raises `InvalidEntry` as `record_files`, `FileExistsError` if `path` exists.
    """
    return write_files(path, record_files(log.entries(), log.heads()))


@dataclass(frozen=True, slots=True)
class RecordHeader:
    """record.json: the `election_id` and the number of log entries, `log_size`."""

    election_id: str
    log_size: int

    @classmethod
    def from_json(cls, value: JSONValue) -> Self:
        """Read record.json's object; raises `InvalidDocument` naming the field."""
        obj = as_object(
            value,
            RECORD_FILE,
            InvalidDocument,
            frozenset({"election_id", "format", "log_size", "version"}),
        )
        check_version(obj, RECORD_FILE, InvalidDocument)
        if obj["format"] != RECORD_FORMAT:
            raise InvalidDocument("record-format", f"{RECORD_FILE} is not a {RECORD_FORMAT}")
        return cls(
            election_id=get_str(obj, "election_id", RECORD_FILE, InvalidDocument, ID_PATTERN),
            log_size=get_int(obj, "log_size", RECORD_FILE, InvalidDocument, 0, MAX_LOG_SIZE),
        )


class Record:
    """An election record opened for reading; see the module docstring. Close it (or use it
    as a context manager) to release a zip file."""

    __slots__ = ("archive", "entry_indices", "header", "heads", "unexpected", "views")

    def __init__(
        self,
        archive: RecordArchive,
        header: RecordHeader,
        heads: tuple[JSONValue, ...],
        views: Mapping[str, bytes],
        entry_indices: frozenset[int],
        unexpected: tuple[str, ...],
    ) -> None:
        self.archive = archive
        self.header = header
        self.heads = heads
        """The signed heads as JSON values, oldest first; the verifier reads each."""
        self.views = views
        """The view files present, name → bytes (canonical JSON, checked)."""
        self.entry_indices = entry_indices
        """The indices of the log entry files present."""
        self.unexpected = unexpected
        """Names of files that have no place in a record."""

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Self:
        """Open and check the record at `path`.

        Raises `RecordUnreadable` naming the file and the check: the container's checks
        (audit/container.py), "file-missing" for record.json or heads.json, "json" for a file
        that is not canonical JSON within the limits, and the field checks of `audit.shape`.
        """
        archive = RecordArchive.open(path, limits)
        try:
            return cls._read(archive, limits)
        except BaseException:
            archive.close()
            raise

    @classmethod
    def _read(cls, archive: RecordArchive, limits: Limits) -> Self:
        header_value = _parse(archive, RECORD_FILE, limits)
        header = _shape(RECORD_FILE, lambda: RecordHeader.from_json(header_value))
        heads_value = _parse(archive, HEADS_FILE, limits)

        def read_heads() -> tuple[JSONValue, ...]:
            obj = as_object(
                heads_value, HEADS_FILE, InvalidDocument, frozenset({"heads", "version"})
            )
            check_version(obj, HEADS_FILE, InvalidDocument)
            return tuple(get_list(obj, "heads", HEADS_FILE, InvalidDocument, MAX_HEADS))

        heads = _shape(HEADS_FILE, read_heads)
        views: dict[str, bytes] = {}
        for name in VIEW_FILES:
            if archive.has(name):
                raw = archive.read(name)
                value = _parse_bytes(name, raw, limits)
                _shape(name, partial(_view_envelope, value, name))
                views[name] = raw
        indices: set[int] = set()
        unexpected: list[str] = []
        for name in sorted(archive.names()):
            match = ENTRY_NAME.fullmatch(name)
            if match:
                indices.add(int(match.group(1)))
            elif name not in (RECORD_FILE, HEADS_FILE, *VIEW_FILES):
                unexpected.append(name)
        return cls(archive, header, heads, views, frozenset(indices), tuple(unexpected))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the underlying zip file, if any."""
        self.archive.close()

    def entry(self, index: int) -> bytes:
        """Return the bytes of log entry `index`; `RecordUnreadable` if absent or too large."""
        return self.archive.read(entry_name(index))


def _parse(archive: RecordArchive, name: str, limits: Limits) -> JSONValue:
    if not archive.has(name):
        raise RecordUnreadable(name, "file-missing", "a record must have this file")
    return _parse_bytes(name, archive.read(name), limits)


def _parse_bytes(name: str, raw: bytes, limits: Limits) -> JSONValue:
    try:
        return parse_canonical_json(raw, max_bytes=limits.max_file_bytes)
    except BallotsError as error:
        raise RecordUnreadable(name, "json", str(error)) from error


def _view_envelope(value: JSONValue, name: str) -> JSONObject:
    obj = as_object(value, name, InvalidDocument, VIEW_KEYS[name] | {"version"})
    check_version(obj, name, InvalidDocument)
    return obj


def _shape(name: str, read: Callable[[], _T]) -> _T:
    try:
        return read()
    except InvalidDocument as error:
        raise RecordUnreadable(name, error.check, error.detail) from error
