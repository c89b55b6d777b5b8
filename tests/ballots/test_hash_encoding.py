"""Typed, length-prefixed hash inputs (docs/protocol.md §I.2; THREATS T05)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots import encoding as enc
from ballots.errors import InvalidEncoding
from ballots.group import GENERATOR, IDENTITY, N, Point

# A field tree: ("bytes", b), ("text", s), ("int", v), ("scalar", v), ("point", k) for k·G,
# or ("list", [trees]).
Tree = tuple[str, object]

leaves = st.one_of(
    st.tuples(st.just("bytes"), st.binary(max_size=8)),
    st.tuples(st.just("text"), st.text(max_size=6)),
    st.tuples(st.just("int"), st.integers(min_value=0, max_value=2**64 - 1)),
    st.tuples(st.just("scalar"), st.integers(min_value=0, max_value=N - 1)),
    st.tuples(st.just("point"), st.integers(min_value=0, max_value=3)),
)
trees = st.recursive(
    leaves,
    lambda children: st.tuples(st.just("list"), st.lists(children, max_size=3)),
    max_leaves=8,
)
tags = st.text(alphabet="abc/-", min_size=1, max_size=6)


def _field(tree: Tree) -> enc.Field:
    kind, value = tree
    if kind == "bytes":
        assert isinstance(value, bytes)
        return enc.data(value)
    if kind == "text":
        assert isinstance(value, str)
        return enc.text(value)
    if kind == "int":
        assert isinstance(value, int)
        return enc.integer(value)
    if kind == "scalar":
        assert isinstance(value, int)
        return enc.scalar(value)
    if kind == "point":
        assert isinstance(value, int)
        return enc.point(Point.mul_base(value))
    assert isinstance(value, list)
    return enc.items([_field(child) for child in value])


def _decode(raw: bytes) -> tuple[str, list[Tree]]:
    """An independent parser of §I.2: if it recovers every input, the encoding is injective."""
    tag_length = raw[0]
    tag = raw[1 : 1 + tag_length].decode("ascii")
    pos = 1 + tag_length
    fields: list[Tree] = []
    while pos < len(raw):
        tree, pos = _decode_field(raw, pos)
        fields.append(tree)
    return tag, fields


def _decode_field(raw: bytes, pos: int) -> tuple[Tree, int]:
    kind = raw[pos]
    pos += 1
    if kind in (1, 2):
        length = int.from_bytes(raw[pos : pos + 4], "big")
        body = raw[pos + 4 : pos + 4 + length]
        value: object = body if kind == 1 else body.decode("utf-8")
        return ("bytes" if kind == 1 else "text", value), pos + 4 + length
    if kind == 3:
        return ("int", int.from_bytes(raw[pos : pos + 8], "big")), pos + 8
    if kind == 4:
        return ("scalar", int.from_bytes(raw[pos : pos + 32], "big")), pos + 32
    if kind in (5, 6):
        point = IDENTITY if kind == 6 else Point.from_bytes(raw[pos : pos + 33])
        k = next(i for i in range(4) if Point.mul_base(i) == point)
        return ("point", k), pos + (0 if kind == 6 else 33)
    assert kind == 7
    count = int.from_bytes(raw[pos : pos + 4], "big")
    pos += 4
    children = []
    for _ in range(count):
        child, pos = _decode_field(raw, pos)
        children.append(child)
    return ("list", children), pos


@given(tags, st.lists(trees, max_size=4))
def test_hash_input_encoding_is_injective(tag: str, fields: list[Tree]) -> None:
    raw = enc.encode(tag, *(_field(f) for f in fields))
    assert _decode(raw) == (tag, fields)


@given(tags, st.lists(trees, max_size=3), tags, st.lists(trees, max_size=3))
def test_different_hash_input_structures_give_different_bytes(
    tag_a: str, a: list[Tree], tag_b: str, b: list[Tree]
) -> None:
    raw_a = enc.encode(tag_a, *(_field(f) for f in a))
    raw_b = enc.encode(tag_b, *(_field(f) for f in b))
    assert (raw_a == raw_b) == ((tag_a, a) == (tag_b, b))


def test_split_strings_and_nesting_give_different_hashes() -> None:
    t = "stembus/v1/test"
    assert enc.hash_bytes(t, enc.text("ab"), enc.text("c")) != enc.hash_bytes(
        t, enc.text("a"), enc.text("bc")
    )
    flat = enc.hash_bytes(t, enc.text("a"), enc.text("b"))
    nested = enc.hash_bytes(t, enc.items([enc.text("a"), enc.text("b")]))
    assert flat != nested
    assert enc.hash_bytes(t, enc.scalar(1)) != enc.hash_bytes(t, enc.data((1).to_bytes(32, "big")))
    assert enc.hash_bytes("stembus/v1/a", enc.text("x")) != enc.hash_bytes(
        "stembus/v1/b", enc.text("x")
    )


def test_hash_functions_follow_the_specification() -> None:
    raw = enc.encode("t", enc.integer(5), enc.point(GENERATOR), enc.point(IDENTITY))
    assert (
        raw == b"\x01t" + b"\x03" + (5).to_bytes(8, "big") + b"\x05" + GENERATOR.encoding + b"\x06"
    )
    assert (
        enc.hash_bytes("t", enc.integer(5))
        == hashlib.sha256(b"\x01t\x03" + bytes(7) + b"\x05").digest()
    )
    expected = int.from_bytes(hashlib.sha512(b"\x01t").digest(), "big") % N
    assert enc.hash_to_scalar("t") == expected


@pytest.mark.parametrize(
    ("build", "check"),
    [
        (lambda: enc.encode(""), "hash-input-tag"),
        (lambda: enc.encode("x" * 256), "hash-input-tag"),
        (lambda: enc.encode("é"), "hash-input-tag"),
        (lambda: enc.integer(-1), "hash-input-integer"),
        (lambda: enc.integer(2**64), "hash-input-integer"),
        (lambda: enc.scalar(N), "hash-input-scalar"),
        (lambda: enc.text("\ud800"), "hash-input-text"),
    ],
)
def test_unencodable_hash_inputs_are_rejected(build: object, check: str) -> None:
    assert callable(build)
    with pytest.raises(InvalidEncoding, match=check):
        build()


def test_hash_input_lengths_beyond_u32_are_rejected() -> None:
    with pytest.raises(InvalidEncoding, match="hash-input-length"):
        enc._length(2**32)
