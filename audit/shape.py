"""Validating readers for the JSON documents of audit/ (log entries, heads, record files).

protocol.md Part II, §II.1. The documents are canonical JSON (protocol.md §I.3, parsed by
`ballots.canonical`); these readers check one field each, before anything is decoded, and
raise the caller's `InvalidDocument` subclass naming the field (`where.key`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from audit.errors import InvalidDocument
from ballots.canonical import JSONObject, JSONValue

VERSION: Final = 1
"""Every top-level document carries "version": 1 (protocol.md §I.3)."""

ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
"""Election ids, entry types, officer actions: lower-case ASCII, digits and '-'."""

HEX32_PATTERN: Final = re.compile(r"[0-9a-f]{64}")
"""A 32-byte digest as lower-case hex."""

PSEUDONYM_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A voter pseudonym as it appears on the record (opaque, per election)."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer canonical JSON carries (protocol.md §I.3)."""


def as_object(
    value: JSONValue,
    where: str,
    error: type[InvalidDocument],
    required: frozenset[str],
    optional: frozenset[str] = frozenset(),
) -> JSONObject:
    """Return `value` if it is an object with all `required` keys and no unknown key."""
    if not isinstance(value, Mapping):
        raise error("shape", f"{where} is not an object")
    missing = required - value.keys()
    if missing:
        raise error("missing-field", f"{where}.{min(missing)} is missing")
    unknown = value.keys() - required - optional
    if unknown:
        raise error("unknown-field", f"{where}.{min(unknown)} is not allowed")
    return value


def check_version(obj: JSONObject, where: str, error: type[InvalidDocument]) -> None:
    """Require "version": 1."""
    version = obj["version"]
    if isinstance(version, bool) or version != VERSION:
        raise error("version", f"{where}.version is not {VERSION}")


def get_int(
    obj: JSONObject,
    key: str,
    where: str,
    error: type[InvalidDocument],
    low: int = 0,
    high: int = MAX_SAFE_INTEGER,
) -> int:
    """Return the integer obj[key] with low <= value <= high (booleans are not integers)."""
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise error("shape", f"{where}.{key} is not an integer")
    if not low <= value <= high:
        raise error("range", f"{where}.{key} = {value} is outside [{low}, {high}]")
    return value


def get_str(
    obj: JSONObject, key: str, where: str, error: type[InvalidDocument], pattern: re.Pattern[str]
) -> str:
    """Return the string obj[key], which must match `pattern` entirely."""
    value = obj[key]
    if not isinstance(value, str):
        raise error("shape", f"{where}.{key} is not a string")
    if not pattern.fullmatch(value):
        raise error("format", f"{where}.{key} does not match {pattern.pattern}")
    return value


def get_hex32(obj: JSONObject, key: str, where: str, error: type[InvalidDocument]) -> bytes:
    """Return the 32 bytes written as 64 lower-case hex digits in obj[key]."""
    return bytes.fromhex(get_str(obj, key, where, error, HEX32_PATTERN))


def get_object(obj: JSONObject, key: str, where: str, error: type[InvalidDocument]) -> JSONObject:
    """Return obj[key], which must be an object (its own reader checks its fields)."""
    value = obj[key]
    if not isinstance(value, Mapping):
        raise error("shape", f"{where}.{key} is not an object")
    return value


def get_list(
    obj: JSONObject, key: str, where: str, error: type[InvalidDocument], max_length: int
) -> Sequence[JSONValue]:
    """Return the array obj[key], of at most `max_length` elements."""
    value = obj[key]
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise error("shape", f"{where}.{key} is not an array")
    if len(value) > max_length:
        raise error("length", f"{where}.{key} has more than {max_length} elements")
    return value
