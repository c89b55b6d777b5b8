"""The `AuditError` hierarchy: every failure in audit/ names the check that failed.

protocol.md Part II (introduction: errors carry the check, like §I.14). STYLE §4: a check raises, never returns False; the
exception carries the name of the check (`check`) and a human-readable `detail`, so that the
verifier can turn it into a `Finding(file, entry, check, detail)` without parsing messages.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base class of every error raised by audit/.

    `check` is a short, stable, kebab-case name of the rule that failed (for example
    "inclusion-root" or "head-signature"); `detail` says what was found.
    """

    check: str
    detail: str

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


class InclusionNotProven(AuditError):
    """An inclusion proof does not lead from the leaf to the signed root (RFC 9162 §2.1.3.2)."""


class LogInconsistent(AuditError):
    """Two views of the log cannot both be prefixes of one append-only log (RFC 9162 §2.1.4.2)."""


class Equivocation(LogInconsistent):
    """Two signed heads that cannot belong to one log: the log was forked or rewritten."""


class InvalidDocument(AuditError):
    """A JSON document of audit/ does not have the shape protocol.md Part II gives it."""


class InvalidEntry(InvalidDocument):
    """A log entry does not have the shape its `type` requires, or is out of place."""


class InvalidHead(InvalidDocument):
    """A signed tree head is malformed, wrongly signed, or goes back in time or size."""


class InvalidReceipt(InvalidDocument):
    """A voter's receipt file is malformed, or does not hold against the record: wrongly
    signed, for another election, index or ballot, or with a head the record does not have."""


class InvalidTrackingCode(AuditError):
    """A tracking code is malformed or its check symbol does not match."""


class StoreError(AuditError):
    """A log store could not append or read (corrupt file, wrong index, I/O failure)."""


class RecordUnreadable(AuditError):
    """The election record cannot be read: missing or oversized file, bad JSON, wrong shape.

    `file` names the file of the record (relative path) where reading failed.
    """

    file: str

    def __init__(self, file: str, check: str, detail: str) -> None:
        super().__init__(check, f"{file}: {detail}")
        self.file = file


class BallotNotFound(AuditError):
    """No ballot with this tracking code is in the log."""


class DecryptionRefused(AuditError):
    """The trustee tool refuses to decrypt: the ciphertext is not the aggregate of the log."""
