"""Ed25519 signed documents with key ids.

Implements docs/protocol.md §I.4. Sources: RFC 8032 §5.1 (Ed25519), through
pyca/cryptography; the signed message is the §I.2 encoding of the document type and the
canonical JSON (§I.3) of its body, so a signature for one type never verifies as another.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ballots import _fields
from ballots.canonical import JSONObject, JSONValue, b64decode, b64encode, canonical_json
from ballots.encoding import TAG_SIGNED_DOCUMENT, data, encode, text
from ballots.errors import BallotsError, InvalidEncoding, InvalidSignature

KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64
_TYPE_PATTERN: Final = _fields.ID_PATTERN


def key_id(public_key: bytes) -> str:
    """hex(SHA-256(raw 32-byte public key)), all 64 digits (§I.4)."""
    return hashlib.sha256(public_key).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """An Ed25519 public key (RFC 8032 encoding, 32 bytes)."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != KEY_BYTES:
            raise InvalidSignature("key-length", field="public_key")

    @classmethod
    def from_bytes(cls, raw: bytes) -> VerifyingKey:
        """Decode a raw public key.

        pyca/cryptography does not decode the point until it verifies, so a key that is not
        a valid encoding is only caught then, as a failed signature (``signature``).

        Raises:
            InvalidSignature: ``key-length`` unless exactly 32 bytes.
        """
        return cls(raw)

    @property
    def key_id(self) -> str:
        """The key id of §I.4."""
        return key_id(self.raw)

    def to_json(self) -> str:
        """The key as base64url text."""
        return b64encode(self.raw)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An Ed25519 private key (the 32-byte RFC 8032 seed; never in repr)."""

    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != KEY_BYTES:
            raise InvalidSignature("key-length", field="seed")

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh key from the operating system's randomness."""
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(raw)

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifying_key(self) -> VerifyingKey:
        """The matching public key."""
        raw = (
            self._private()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
        return VerifyingKey(raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and hmac.compare_digest(self.seed, other.seed)

    def __hash__(self) -> int:
        return hash(self.verifying_key().raw)


def _message(doc_type: str, body: JSONObject) -> bytes:
    return encode(TAG_SIGNED_DOCUMENT, text(doc_type), data(canonical_json(body)))


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """A canonical JSON body signed for one document type (§I.4).

    `doc_type` is the ``type`` field, `body` the signed object, `key_id` the signer's key id,
    `signature` the 64-byte Ed25519 signature.
    """

    doc_type: str
    body: JSONObject
    key_id: str
    signature: bytes

    def to_json(self) -> JSONObject:
        """The §I.4 JSON object."""
        return {
            "body": self.body,
            "key_id": self.key_id,
            "signature": b64encode(self.signature),
            "type": self.doc_type,
            "version": 1,
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> SignedDocument:
        """Read a signed document's shape (the signature is checked by `verify_document`).

        Raises:
            InvalidEncoding: a missing, extra or malformed field, named.
        """
        obj = _fields.as_object(
            value,
            field="document",
            required=frozenset({"body", "key_id", "signature", "type", "version"}),
        )
        _fields.check_version(obj, field="document")
        body = obj["body"]
        if not isinstance(body, Mapping):
            raise InvalidEncoding("json-shape", field="document.body", detail="expected an object")
        doc_type = _fields.get_str(
            obj, "type", field="document", max_length=64, pattern=_TYPE_PATTERN
        )
        kid = _fields.get_str(obj, "key_id", field="document", max_length=64)
        signature = b64decode(
            obj["signature"], field="document.signature", max_length=SIGNATURE_BYTES
        )
        return cls(doc_type, body, kid, signature)


def sign_document(key: SigningKey, doc_type: str, body: JSONObject) -> SignedDocument:
    """Sign `body` as a document of type `doc_type` (§I.4).

    Raises:
        InvalidEncoding: ``format`` for a type that is not an id, or a body that is not
            canonical-JSON serialisable.
    """
    if not _TYPE_PATTERN.fullmatch(doc_type):
        raise InvalidEncoding("format", field="type")
    signature = key._private().sign(_message(doc_type, body))
    return SignedDocument(doc_type, body, key.verifying_key().key_id, signature)


def verify_document(document: SignedDocument, key: VerifyingKey, *, doc_type: str) -> JSONObject:
    """Check `document` against `key` and the expected type; return its body.

    Raises:
        InvalidSignature: ``document-type``, ``key-id``, ``signature-length`` or ``signature``.
    """
    if document.doc_type != doc_type:
        raise InvalidSignature("document-type", field="type")
    if not hmac.compare_digest(document.key_id, key.key_id):
        raise InvalidSignature("key-id", field="key_id")
    if len(document.signature) != SIGNATURE_BYTES:
        raise InvalidSignature("signature-length", field="signature")
    try:
        message = _message(document.doc_type, document.body)
        Ed25519PublicKey.from_public_bytes(key.raw).verify(document.signature, message)
    except (_CryptographyInvalidSignature, ValueError, BallotsError):
        raise InvalidSignature("signature", field="signature") from None
    return document.body
