"""A voter's receipt file: what the voter downloads after casting, read strictly.

protocol.md Part II, §II.1 ("Receipt file") and §II.8 ("A voter's receipt"). The file is
canonical JSON (protocol.md §I.3) holding the server's signed receipt (§II.1), the ballot's
tracking code (§II.4) and log index, and the signed head (§II.3) of the ballot's own
transaction. Reading only checks the shape; `audit.lookup.check_receipt` checks it against a
record.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Self

from audit.errors import AuditError, InvalidReceipt, RecordUnreadable
from audit.head import SignedTreeHead
from audit.merkle import MAX_TREE_SIZE
from audit.shape import ID_PATTERN, as_object, check_version, get_int, get_object, get_str
from audit.tracking import TrackingCode
from ballots.canonical import JSONValue, parse_canonical_json
from ballots.errors import BallotsError
from ballots.signing import SignedDocument

RECEIPT_FILE: Final = "RECEIPT"
"""How errors name the receipt file (the command line's argument)."""

MAX_RECEIPT_BYTES: Final = 16384
"""A receipt file is about a kilobyte; anything much larger is not one."""

_CODE_TEXT: Final = re.compile(r"[ -~]{1,64}")
"""A tracking code as written in the file: printable ASCII; `TrackingCode.parse` reads it."""

RECEIPT_FIELDS: Final = frozenset(
    {"election_id", "head", "log_index", "receipt", "tracking_code", "version"}
)


@dataclass(frozen=True, slots=True)
class VoterReceipt:
    """A receipt file (protocol.md §II.1): the `election_id`, the ballot's `tracking_code` and
    `log_index` i, the server's signed `receipt` over (election, i, pseudonym, D_B), and the
    signed `head` that includes the ballot."""

    election_id: str
    tracking_code: TrackingCode
    log_index: int
    receipt: SignedDocument
    head: SignedTreeHead

    @classmethod
    def from_json(cls, value: JSONValue) -> Self:
        """Read a receipt file's shape (nothing is checked against a record yet).

        Raises `InvalidReceipt` naming the field, or `InvalidHead` ("head-shape") for the head.
        """
        where = "receipt file"
        obj = as_object(value, where, InvalidReceipt, RECEIPT_FIELDS)
        check_version(obj, where, InvalidReceipt)
        try:
            code = TrackingCode.parse(
                get_str(obj, "tracking_code", where, InvalidReceipt, _CODE_TEXT)
            )
        except AuditError as error:
            raise InvalidReceipt(error.check, f"{where}.tracking_code: {error.detail}") from error
        try:
            signed = SignedDocument.from_json(get_object(obj, "receipt", where, InvalidReceipt))
        except BallotsError as error:
            raise InvalidReceipt("receipt-shape", f"{where}.receipt: {error}") from error
        return cls(
            election_id=get_str(obj, "election_id", where, InvalidReceipt, ID_PATTERN),
            tracking_code=code,
            log_index=get_int(obj, "log_index", where, InvalidReceipt, 0, MAX_TREE_SIZE - 1),
            receipt=signed,
            head=SignedTreeHead.from_json(obj["head"], f"{where}.head"),
        )


def read_receipt(path: str | os.PathLike[str]) -> VoterReceipt:
    """Read the receipt file at `path`.

    Raises `RecordUnreadable` (file "RECEIPT") when it cannot be read, is not canonical JSON,
    or is not a receipt file.
    """
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_RECEIPT_BYTES + 1)
        value = parse_canonical_json(raw, max_bytes=MAX_RECEIPT_BYTES)
    except OSError as error:
        raise RecordUnreadable(
            RECEIPT_FILE, "io", f"cannot read {path}: {error.strerror}"
        ) from error
    except BallotsError as error:
        raise RecordUnreadable(RECEIPT_FILE, "json", str(error)) from error
    try:
        return VoterReceipt.from_json(value)
    except AuditError as error:
        raise RecordUnreadable(RECEIPT_FILE, error.check, error.detail) from error


def is_receipt_file(value: JSONValue) -> bool:
    """Whether `value` looks like a receipt file (to tell a voter who gives one where a
    witness's heads are expected which command reads it)."""
    return isinstance(value, Mapping) and "receipt" in value and "tracking_code" in value
