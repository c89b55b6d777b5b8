"""Validating readers for the `from_json` classmethods (docs/protocol.md §I.3).

Each reader checks one field of a parsed JSON object and raises `InvalidEncoding` naming the
field; the callers re-raise with the question and option when they know them. Sizes are checked
before any decoding or group operation (THREATS T10).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ballots.canonical import JSONObject, JSONValue, b64decode
from ballots.errors import InvalidEncoding
from ballots.group import Point, Scalar

VERSION: Final = 1
ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
"""Election, question and option ids: lowercase ASCII letters, digits and '-', ≤ 64 chars."""


def as_object(
    value: JSONValue,
    *,
    field: str,
    required: frozenset[str],
    optional: frozenset[str] = frozenset(),
) -> JSONObject:
    """Check that `value` is an object with exactly the required keys plus optional ones."""
    # Parsed JSON holds dicts and lists; exact types are checked because ABC checks are slow.
    if not isinstance(value, dict):
        raise InvalidEncoding("json-shape", field=field, detail="expected an object")
    keys = set(value)
    missing = required - keys
    if missing:
        raise InvalidEncoding("missing-field", field=f"{field}.{min(missing)}")
    extra = keys - required - optional
    if extra:
        raise InvalidEncoding("unknown-field", field=f"{field}.{min(extra)}")
    return value


def check_version(obj: JSONObject, *, field: str) -> None:
    """Reject a document whose ``version`` is not 1 (§I.3)."""
    version = obj["version"]
    if isinstance(version, bool) or version != VERSION:
        raise InvalidEncoding("version", field=f"{field}.version")


def get_str(
    obj: JSONObject,
    key: str,
    *,
    field: str,
    max_length: int,
    pattern: re.Pattern[str] | None = None,
) -> str:
    """A string of at most `max_length` characters, matching `pattern` when given."""
    value = obj[key]
    if not isinstance(value, str):
        raise InvalidEncoding("json-shape", field=f"{field}.{key}", detail="expected a string")
    if len(value) > max_length:
        raise InvalidEncoding("length", field=f"{field}.{key}")
    if pattern is not None and not pattern.fullmatch(value):
        raise InvalidEncoding("format", field=f"{field}.{key}")
    return value


def get_id(obj: JSONObject, key: str, *, field: str) -> str:
    """An id matching `ID_PATTERN`."""
    return get_str(obj, key, field=field, max_length=64, pattern=ID_PATTERN)


def get_int(obj: JSONObject, key: str, *, field: str, low: int, high: int) -> int:
    """An integer (not a boolean) with low ≤ value ≤ high."""
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEncoding("json-shape", field=f"{field}.{key}", detail="expected an integer")
    if not low <= value <= high:
        raise InvalidEncoding("range", field=f"{field}.{key}")
    return value


def get_list(obj: JSONObject, key: str, *, field: str, max_length: int) -> Sequence[JSONValue]:
    """An array of at most `max_length` elements (checked before its elements are read)."""
    value = obj[key]
    if not isinstance(value, list | tuple):
        raise InvalidEncoding("json-shape", field=f"{field}.{key}", detail="expected an array")
    if len(value) > max_length:
        raise InvalidEncoding("length", field=f"{field}.{key}")
    return value


def get_bytes(obj: JSONObject, key: str, *, field: str, length: int) -> bytes:
    """Base64url bytes of exactly `length` bytes."""
    return b64decode(obj[key], field=f"{field}.{key}", length=length)


def get_point(obj: JSONObject, key: str, *, field: str, allow_identity: bool = False) -> Point:
    """A point in base64url, decoded with every check of §I.1."""
    name = f"{field}.{key}"
    value = obj[key]
    if allow_identity and value == "AA":
        return Point.from_bytes(b"\x00", field=name, allow_identity=True)
    # Decoded with room for the 65-byte forms, so that `Point.from_bytes` names them.
    return Point.from_bytes(b64decode(value, field=name, max_length=65), field=name)


def get_scalar(obj: JSONObject, key: str, *, field: str, nonzero: bool = False) -> Scalar:
    """A canonical scalar in base64url."""
    name = f"{field}.{key}"
    return Scalar.from_bytes(
        b64decode(obj[key], field=name, length=32), field=name, nonzero=nonzero
    )
