"""Signed tree heads: the log's size and root hash at a moment, signed by the election server.

protocol.md Part II, §II.3. Sources: RFC 9162 §4.10 (TreeHeadDataV2: tree size, root hash and
a timestamp in milliseconds since the epoch) and §2.1.4 (consistency between heads); the
signature is a protocol.md §I.4 signed document of type "tree-head" (Ed25519, RFC 8032).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Self

from audit.errors import InvalidHead
from audit.merkle import HASH_SIZE, MAX_TREE_SIZE, TreeHash
from audit.shape import ID_PATTERN, as_object, check_version, get_hex32, get_int, get_str
from ballots.canonical import JSONObject, JSONValue
from ballots.errors import BallotsError
from ballots.signing import SignedDocument, SigningKey, VerifyingKey, sign_document, verify_document

HEAD_TYPE: Final = "tree-head"
"""The §I.4 document type of a signed tree head."""

HEAD_FIELDS: Final = frozenset({"log", "root", "size", "timestamp", "version"})

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)

MAX_TIMESTAMP: Final = 2**53 - 1
"""Milliseconds since 1970-01-01T00:00:00Z; canonical JSON carries integers up to 2**53 - 1."""


def timestamp_of(moment: datetime) -> int:
    """Return `moment` as whole milliseconds since the Unix epoch (RFC 9162 §4.10).

    Raises `InvalidHead` ("head-time") for a naive datetime: times in audit/ are UTC-aware.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidHead("head-time", "a head's time must be timezone-aware (UTC)")
    return (moment - EPOCH) // _MILLISECOND


def moment_of(timestamp: int) -> datetime:
    """Return the UTC datetime of a head's timestamp in milliseconds."""
    return EPOCH + timestamp * _MILLISECOND


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The signed body of a head.

    `log` — the election id whose log this is; `size` — tree_size; `root` — root_hash
    MTH(D[0:size]); `timestamp` — milliseconds since the epoch, UTC (RFC 9162 §4.10).
    """

    log: str
    size: int
    root: TreeHash
    timestamp: int

    def to_json(self) -> JSONObject:
        """Return the canonical JSON body (protocol.md §II.3)."""
        return {
            "log": self.log,
            "root": self.root.hex(),
            "size": self.size,
            "timestamp": self.timestamp,
            "version": 1,
        }

    @classmethod
    def from_json(cls, value: JSONValue, where: str = "head.body") -> Self:
        """Read a head's body; raises `InvalidHead` naming the field."""
        obj = as_object(value, where, InvalidHead, HEAD_FIELDS)
        check_version(obj, where, InvalidHead)
        return cls(
            log=get_str(obj, "log", where, InvalidHead, ID_PATTERN),
            size=get_int(obj, "size", where, InvalidHead, 0, min(MAX_TREE_SIZE - 1, 2**53 - 1)),
            root=TreeHash(get_hex32(obj, "root", where, InvalidHead)),
            timestamp=get_int(obj, "timestamp", where, InvalidHead, 0, MAX_TIMESTAMP),
        )


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head with the server's §I.4 signature (`document` holds both)."""

    head: TreeHead
    document: SignedDocument

    @property
    def key_id(self) -> str:
        """The key id of the signing key (protocol.md §I.4)."""
        return self.document.key_id

    def to_json(self) -> JSONObject:
        """Return the signed document's canonical JSON object."""
        return self.document.to_json()

    @classmethod
    def from_json(cls, value: JSONValue, where: str = "head") -> Self:
        """Read a signed head's shape (the signature is checked by `verify`).

        Raises `InvalidHead` ("head-shape") naming what is wrong.
        """
        try:
            document = SignedDocument.from_json(value)
        except BallotsError as error:
            raise InvalidHead("head-shape", f"{where}: {error}") from error
        if document.doc_type != HEAD_TYPE:
            raise InvalidHead("head-shape", f"{where} is a {document.doc_type!r} document")
        return cls(head=TreeHead.from_json(document.body, f"{where}.body"), document=document)

    def verify(self, key: VerifyingKey) -> None:
        """Check the signature with the log's key; raises `InvalidHead` ("head-signature")."""
        try:
            verify_document(self.document, key, doc_type=HEAD_TYPE)
        except BallotsError as error:
            raise InvalidHead("head-signature", f"{error}") from error


def sign_head(key: SigningKey, head: TreeHead) -> SignedTreeHead:
    """Sign `head` with the election server's key (protocol.md §II.3)."""
    if len(head.root) != HASH_SIZE:
        raise InvalidHead("head-shape", f"a root hash has {HASH_SIZE} bytes")
    return SignedTreeHead(head=head, document=sign_document(key, HEAD_TYPE, head.to_json()))


def check_succession(earlier: TreeHead, later: TreeHead) -> None:
    """Check that `later` may follow `earlier`: same log, size and time not going back.

    Raises `InvalidHead` naming the check: "head-log", "head-size" or "head-time".
    """
    if later.log != earlier.log:
        raise InvalidHead("head-log", f"head of log {later.log!r} follows log {earlier.log!r}")
    if later.size < earlier.size:
        raise InvalidHead("head-size", f"size {later.size} follows size {earlier.size}")
    if later.timestamp < earlier.timestamp:
        raise InvalidHead(
            "head-time", f"time {moment_of(later.timestamp):%Y-%m-%dT%H:%M:%S.%fZ} goes back"
        )
