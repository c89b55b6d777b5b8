"""Canonical JSON (docs/protocol.md §I.3; THREATS T10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots.canonical import (
    MAX_SAFE_INTEGER,
    JSONValue,
    b64decode,
    b64encode,
    canonical_json,
    parse_canonical_json,
)
from ballots.errors import InvalidEncoding

json_values = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=5), children, max_size=4
        ),
    ),
    max_leaves=12,
)


@given(json_values)
def test_canonical_json_round_trips_exactly(value: JSONValue) -> None:
    raw = canonical_json(value)
    parsed = parse_canonical_json(raw, max_bytes=1 << 20)
    assert parsed == value
    assert canonical_json(parsed) == raw


def test_canonical_form_is_sorted_compact_and_literal_utf8() -> None:
    raw = canonical_json({"b": [1, True, "é\n\x1f"], "a": -3, "B": (2,)})
    assert raw == '{"B":[2],"a":-3,"b":[1,true,"é\\n\\u001f"]}'.encode()


@pytest.mark.parametrize(
    ("raw", "check"),
    [
        (b'{"a": 1}', "json-not-canonical"),
        (b'{"b":1,"a":2}', "json-not-canonical"),
        (b'"\\u00e9"', "json-not-canonical"),
        (b'{"a":1,"a":1}', "json-duplicate-key"),
        (b"1.5", "json-type"),
        (b"1e3", "json-type"),
        (b"NaN", "json-type"),
        (b"null", "json-type"),
        (b"9007199254740992", "json-integer-range"),
        (b"9" * 100_000, "json-integer-range"),
        (b"\xff", "json-utf8"),
        (b"[1,", "json-syntax"),
        (b"[" * 100_000 + b"]" * 100_000, "json-depth"),
        (b"[" * 40 + b"]" * 40, "json-depth"),
    ],
)
def test_non_canonical_or_hostile_json_is_rejected(raw: bytes, check: str) -> None:
    with pytest.raises(InvalidEncoding, match=check):
        parse_canonical_json(raw, max_bytes=1 << 20)


def test_oversized_json_is_rejected_before_parsing() -> None:
    with pytest.raises(InvalidEncoding, match="json-size"):
        parse_canonical_json(b"[" + b"1," * 1000 + b"1]", max_bytes=100)


@pytest.mark.parametrize(
    ("value", "check"),
    [
        (1.5, "json-type"),
        (None, "json-type"),
        (b"bytes", "json-type"),
        ({1: 2}, "json-key-type"),
        (2**53, "json-integer-range"),
        ("\ud800", "json-string"),
    ],
)
def test_values_outside_the_json_subset_cannot_be_serialised(value: object, check: str) -> None:
    with pytest.raises(InvalidEncoding, match=check):
        canonical_json(value)  # type: ignore[arg-type]  # deliberately outside JSONValue


@given(st.binary(max_size=70))
def test_base64url_round_trips(raw: bytes) -> None:
    text = b64encode(raw)
    assert "=" not in text
    assert b64decode(text, field="x") == raw


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("AA==", "base64"),
        ("A+B/", "base64"),
        ("AB", "base64"),  # non-zero trailing bits: "AA" is the canonical form of b"\x00"
        ("A", "base64"),
        (5, "base64"),
        ("ü", "base64"),
    ],
)
def test_non_canonical_base64_is_rejected(text: object, check: str) -> None:
    with pytest.raises(InvalidEncoding, match=check):
        b64decode(text, field="proof")


def test_base64_length_is_checked_before_decoding() -> None:
    with pytest.raises(InvalidEncoding, match="length") as info:
        b64decode("A" * 1000, field="alpha", length=33)
    assert info.value.field == "alpha"
    with pytest.raises(InvalidEncoding, match="length"):
        b64decode("A" * 1000, field="alpha", max_length=65)
