"""Canonical JSON: one byte string per value, and exact round trips.

Implements docs/protocol.md §I.3. Serialisation is Python's `json` with sorted keys, no
whitespace and literal UTF-8, after a walk that admits only objects with string keys, arrays,
strings, booleans and integers with |v| ≤ 2⁵³ - 1. Parsing accepts input only if it is already
canonical: it parses strictly and then requires that re-serialising gives the same bytes.
Bytes travel as unpadded base64url (RFC 4648 §5) with a canonical-form check.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Final, NoReturn, TypeAlias

from ballots.errors import InvalidEncoding

JSONValue: TypeAlias = "Mapping[str, JSONValue] | Sequence[JSONValue] | str | int | bool"
"""A JSON value as §I.3 allows it (no null, no floats)."""
JSONObject: TypeAlias = Mapping[str, JSONValue]

MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_DEPTH: Final = 32
_MAX_INT_DIGITS: Final = 16
_FROM_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_B64_ALPHABET_BYTES: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64_CANONICAL_LAST: Final[tuple[frozenset[int], ...]] = (
    # By length mod 4: the characters allowed last. A text of 4k + 2 characters ends in 4 unused
    # bits and one of 4k + 3 in 2, which must be zero; 4k holds none (4k + 1 is rejected).
    frozenset(_B64_ALPHABET_BYTES),
    frozenset(),
    frozenset(_B64_ALPHABET_BYTES[::16]),
    frozenset(_B64_ALPHABET_BYTES[::4]),
)


def _walk(value: object, depth: int) -> object:
    """Check that `value` is a §I.3 JSON value and return it with tuples as lists."""
    if depth > MAX_DEPTH:
        raise InvalidEncoding("json-depth")
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidEncoding("json-integer-range")
        return value
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEncoding("json-key-type")
            out[key] = _walk(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_walk(item, depth + 1) for item in value]
    raise InvalidEncoding("json-type", detail=type(value).__name__)


def _is_plain(value: object, depth: int) -> bool:
    """`_walk`'s checks, in its order and with its errors, without copying.

    Returns False, having checked only part of `value`, at a container that is not exactly a
    dict, list or tuple: such a value is copied by `_walk`, which then checks it all again.
    Strings, the most common nodes, are checked inline (a ballot holds some 600 nodes).
    """
    if depth > MAX_DEPTH:
        raise InvalidEncoding("json-depth")
    if isinstance(value, str):
        return True
    inner = depth + 1
    if isinstance(value, dict):
        if type(value) is not dict:
            return False
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEncoding("json-key-type")
            if (inner > MAX_DEPTH or not isinstance(item, str)) and not _is_plain(item, inner):
                return False
        return True
    if isinstance(value, list | tuple):
        if type(value) is not list and type(value) is not tuple:
            return False
        for item in value:
            if (inner > MAX_DEPTH or not isinstance(item, str)) and not _is_plain(item, inner):
                return False
        return True
    if isinstance(value, Mapping):
        return False
    _walk(value, depth)  # integers and booleans, and the errors
    return True


def canonical_json(value: JSONValue) -> bytes:
    """The canonical bytes of `value` (§I.3).

    Raises:
        InvalidEncoding: ``json-type`` (null, floats, bytes, other objects),
            ``json-integer-range``, ``json-key-type``, ``json-depth``, ``json-string`` (a lone
            surrogate).
    """
    checked = value if _is_plain(value, 0) else _walk(value, 0)
    text = json.dumps(checked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEncoding("json-string") from None


def _reject_float(_: str) -> NoReturn:
    raise InvalidEncoding("json-type", detail="number with a fraction or exponent")


def _reject_constant(_: str) -> NoReturn:
    raise InvalidEncoding("json-type", detail="NaN or Infinity")


def _parse_int(digits: str) -> int:
    # Checked before int() so that a megabyte of digits costs nothing (T10).
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
        raise InvalidEncoding("json-integer-range")
    return int(digits)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise InvalidEncoding("json-duplicate-key")
    return out


def parse_canonical_json(raw: bytes, *, max_bytes: int) -> JSONValue:
    """Parse bytes that must already be canonical JSON (§I.3).

    Raises:
        InvalidEncoding: ``json-size`` (more than `max_bytes`), ``json-utf8``, ``json-syntax``,
            ``json-duplicate-key``, ``json-type``, ``json-integer-range``, ``json-depth``, and
            ``json-not-canonical`` when the bytes parse but are not the canonical form.
    """
    if len(raw) > max_bytes:
        raise InvalidEncoding("json-size", detail=f"{len(raw)} > {max_bytes} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEncoding("json-utf8") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
        )
    except RecursionError:
        raise InvalidEncoding("json-depth") from None
    except json.JSONDecodeError as exc:
        raise InvalidEncoding("json-syntax", detail=f"at byte {exc.pos}") from None
    # `canonical_json` re-checks every type (null included) and the depth.
    if canonical_json(value) != raw:
        raise InvalidEncoding("json-not-canonical")
    return value  # type: ignore[no-any-return]  # checked by canonical_json just above


def b64encode(raw: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5), the text form of bytes in JSON (§I.3)."""
    return binascii.b2a_base64(raw, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


def b64encode_each(values: Sequence[bytes]) -> list[str]:
    """`[b64encode(v) for v in values]`, in one call when all have one length, a multiple of 3.

    Base64 turns each 3 bytes into 4 characters on its own, so the text of such values joined
    is their texts joined (the 33-byte points of a ballot, §I.8).
    """
    size = len(values[0]) if values else 0
    if size and size % 3 == 0 and set(map(len, values)) == {size}:
        text = b64encode(b"".join(values))
        step = size // 3 * 4
        return [text[i : i + step] for i in range(0, len(text), step)]
    return [b64encode(v) for v in values]


def b64decode(
    value: object, *, field: str, length: int | None = None, max_length: int = 0
) -> bytes:
    """Decode canonical unpadded base64url.

    Raises:
        InvalidEncoding: ``base64`` for a non-string, padding, a character outside the
            alphabet, non-zero trailing bits or an impossible length; ``length`` when the
            decoded size differs from `length` or exceeds `max_length` (if given). The size is
            checked on the text before decoding (T10).
    """
    if not isinstance(value, str) or not value.isascii():
        raise InvalidEncoding("base64", field=field)
    size = len(value)
    if length is not None and size != (4 * length + 2) // 3:
        raise InvalidEncoding("length", field=field)
    if max_length and size > (4 * max_length + 2) // 3:
        raise InvalidEncoding("length", field=field)
    raw_text = value.encode("ascii")
    # Deleting the alphabet leaves nothing exactly when every character is in it.
    if size % 4 == 1 or raw_text.translate(None, _B64_ALPHABET_BYTES):
        raise InvalidEncoding("base64", field=field)
    # Only the canonical text has zero unused bits in its last character (RFC 4648 §3.5).
    if raw_text and raw_text[-1] not in _B64_CANONICAL_LAST[size % 4]:
        raise InvalidEncoding("base64", field=field, detail="non-zero trailing bits")
    standard = raw_text.translate(_FROM_URLSAFE) + b"=" * (-size % 4)
    try:
        return binascii.a2b_base64(standard, strict_mode=True)
    except binascii.Error:  # pragma: no cover - the alphabet and length checks above exclude it
        raise InvalidEncoding("base64", field=field) from None
