"""audit: the election's append-only log, its signed heads, the election record and the
independent verifier (docs/protocol.md Part II; RFC 9162 for the log).

The web service uses these names: a `Log` over its own `LogStore` (audit/store.py gives the
Protocol; `MemoryStore` and `FileStore` are ours), the entry builders in `audit.events`,
`Log.sign_head` and `Log.check_head`, `TrackingCode` and `check_page_url` for receipts,
`write_record` to publish, and `find_ballot`/`ballots_under` for the check page. Voters use
`check_receipt` (also `python -m audit receipt`) on the receipt file they downloaded. Auditors
and trustees use `verify_record` (also `python -m audit verify`) and `aggregate_to_decrypt`.
"""

from audit import events
from audit.entries import Entry, EntryType, parse_entry, receipt_body
from audit.errors import (
    AuditError,
    BallotNotFound,
    DecryptionRefused,
    Equivocation,
    InclusionNotProven,
    InvalidDocument,
    InvalidEntry,
    InvalidHead,
    InvalidReceipt,
    InvalidTrackingCode,
    LogInconsistent,
    RecordUnreadable,
    StoreError,
)
from audit.filestore import FileStore
from audit.guard import Aggregate, aggregate_to_decrypt
from audit.head import SignedTreeHead, TreeHead, sign_head
from audit.log import Appended, Log, parse_head
from audit.lookup import BallotFound, ReceiptChecked, ballots_under, check_receipt, find_ballot
from audit.merkle import (
    ConsistencyProof,
    InclusionProof,
    MerkleTree,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from audit.receipt import VoterReceipt, read_receipt
from audit.record import Record, record_files, write_record
from audit.report import Finding, Report
from audit.store import EntryFactory, HeadFactory, LogStore, MemoryStore
from audit.tracking import TrackingCode, check_page_url
from audit.verifier import verify_record

__all__ = [
    "Aggregate",
    "Appended",
    "AuditError",
    "BallotFound",
    "BallotNotFound",
    "ConsistencyProof",
    "DecryptionRefused",
    "Entry",
    "EntryFactory",
    "EntryType",
    "Equivocation",
    "FileStore",
    "Finding",
    "HeadFactory",
    "InclusionNotProven",
    "InclusionProof",
    "InvalidDocument",
    "InvalidEntry",
    "InvalidHead",
    "InvalidReceipt",
    "InvalidTrackingCode",
    "Log",
    "LogInconsistent",
    "LogStore",
    "MemoryStore",
    "MerkleTree",
    "ReceiptChecked",
    "Record",
    "RecordUnreadable",
    "Report",
    "SignedTreeHead",
    "StoreError",
    "TrackingCode",
    "TreeHead",
    "VoterReceipt",
    "aggregate_to_decrypt",
    "ballots_under",
    "check_page_url",
    "check_receipt",
    "events",
    "find_ballot",
    "hash_leaf",
    "parse_entry",
    "parse_head",
    "read_receipt",
    "receipt_body",
    "record_files",
    "sign_head",
    "verify_consistency",
    "verify_inclusion",
    "verify_record",
    "write_record",
]
