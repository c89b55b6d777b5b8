"""Typed, length-prefixed, domain-separated hash inputs.

Implements docs/protocol.md §I.2: every hash in ballots/ (and in audit/ where it hashes our
values) is computed over `encode(tag, field, …)`, never over `str()`, f-strings or joined
text. Each field is typed and self-delimiting, so the encoding is injective (THREATS T05).
Sources: the "tuple hash" idea of NIST SP 800-185 §5 (unambiguous encoding of a sequence of
strings), adapted to our field types.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final, NewType

from ballots.errors import InvalidEncoding
from ballots.group import N, Point, Scalar

Field = NewType("Field", bytes)
"""One encoded field: a type byte and its body (§I.2)."""

TAG_MANIFEST: Final = "stembus/v1/manifest"
TAG_FINGERPRINT: Final = "stembus/v1/election-fingerprint"
TAG_OPTION_PROOF: Final = "stembus/v1/proof/option"
TAG_SELECTION_PROOF: Final = "stembus/v1/proof/selections"
TAG_DECRYPTION_PROOF: Final = "stembus/v1/proof/decryption"
TAG_COEFFICIENT_PROOF: Final = "stembus/v1/proof/coefficient"
TAG_SIGNED_DOCUMENT: Final = "stembus/v1/signed-document"
TAG_BALLOT_DIGEST: Final = "stembus/v1/ballot"

_BYTES: Final = b"\x01"
_TEXT: Final = b"\x02"
_INTEGER: Final = b"\x03"
_SCALAR: Final = b"\x04"
_POINT: Final = b"\x05"
_IDENTITY: Final = b"\x06"
_LIST: Final = b"\x07"
_MAX_U32: Final = 2**32 - 1
_MAX_U64: Final = 2**64 - 1


def _length(n: int) -> bytes:
    if n > _MAX_U32:
        raise InvalidEncoding("hash-input-length")
    return n.to_bytes(4, "big")


def data(value: bytes) -> Field:
    """A bytes field: 0x01 ‖ u32(len) ‖ value."""
    return Field(_BYTES + _length(len(value)) + value)


def text(value: str) -> Field:
    """A text field: 0x02 ‖ u32(len) ‖ UTF-8.

    Raises:
        InvalidEncoding: ``hash-input-text`` for strings that are not valid Unicode.
    """
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEncoding("hash-input-text") from None
    return Field(_TEXT + _length(len(raw)) + raw)


def integer(value: int) -> Field:
    """An integer field: 0x03 ‖ u64(value), 0 ≤ value < 2⁶⁴.

    Raises:
        InvalidEncoding: ``hash-input-integer`` outside that range.
    """
    if not 0 <= value <= _MAX_U64:
        raise InvalidEncoding("hash-input-integer")
    return Field(_INTEGER + value.to_bytes(8, "big"))


def scalar(value: Scalar | int) -> Field:
    """A scalar field: 0x04 ‖ 32 bytes big-endian (< n)."""
    v = value.value if isinstance(value, Scalar) else value
    if not 0 <= v < N:
        raise InvalidEncoding("hash-input-scalar")
    return Field(_SCALAR + v.to_bytes(32, "big"))


def point(value: Point) -> Field:
    """A point field: 0x05 ‖ 33-byte compressed form, or 0x06 alone for the identity."""
    if value.is_identity:
        return Field(_IDENTITY)
    return Field(_POINT + value.encoding)


def items(values: Sequence[Field]) -> Field:
    """A list field: 0x07 ‖ u32(count) ‖ the encoded elements."""
    return Field(_LIST + _length(len(values)) + b"".join(values))


def list_header(count: int) -> bytes:
    """0x07 ‖ u32(count): `items(values)` is this followed by the joined values."""
    return _LIST + _length(count)


def encode(tag: str, *fields: Field) -> bytes:
    """u8(len(tag)) ‖ tag ‖ fields (§I.2).

    Raises:
        InvalidEncoding: ``hash-input-tag`` unless the tag is 1-255 ASCII bytes.
    """
    if not tag.isascii() or not 1 <= len(tag) <= 255:
        raise InvalidEncoding("hash-input-tag")
    raw = tag.encode("ascii")
    return bytes((len(raw),)) + raw + b"".join(fields)


def hash_bytes(tag: str, *fields: Field) -> bytes:
    """H(tag, fields…) = SHA-256(encode(tag, fields…)), 32 bytes (§I.2)."""
    return hashlib.sha256(encode(tag, *fields)).digest()


def hash_to_scalar(tag: str, *fields: Field) -> int:
    """H_n(tag, fields…) = int(SHA-512(encode(tag, fields…))) mod n (§I.2)."""
    return hash_encoded_to_scalar(encode(tag, *fields))


def hash_encoded_to_scalar(encoded: bytes) -> int:
    """H_n over the bytes of an `encode` call built piecewise: `encode(tag) + field + …`.

    Encoded fields simply follow the tag, so a caller hashing many statements that share
    their first fields can encode those once (the verifier's challenges, §I.8).
    """
    return int.from_bytes(hashlib.sha512(encoded).digest(), "big") % N
