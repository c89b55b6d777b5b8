"""The verifier's fast paths agree with plain reference code (docs/protocol.md §I.1-§I.3, §I.8).

Decoding, canonical JSON, ballot serialisation and the batch check have hot-loop versions
(bench/crypto.py). Each is compared here with a straightforward implementation of the same
rule, on values from hypothesis and on the hostile inputs the rule must refuse: the fast path
must accept exactly what the reference accepts, and raise the same check where it refuses.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots import Election, canonical_json, encrypt_ballot
from ballots._shape import check_shape
from ballots.ballot import Ballot, EncryptedOption, EncryptedQuestion, _decode, _decode_in_bulk
from ballots.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, b64decode, b64encode, b64encode_each
from ballots.elgamal import Ciphertext
from ballots.errors import BallotsError, InvalidEncoding, InvalidPoint, InvalidScalar
from ballots.group import (
    IDENTITY,
    N,
    P,
    Point,
    Scalar,
    decode_point,
    decode_scalar,
)

# ---------------------------------------------------------------- references


def _reference_walk(value: object, depth: int) -> object:
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
            out[key] = _reference_walk(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_reference_walk(item, depth + 1) for item in value]
    raise InvalidEncoding("json-type", detail=type(value).__name__)


def _reference_canonical(value: object) -> bytes:
    text = json.dumps(
        _reference_walk(value, 0), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEncoding("json-string") from None


_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _reference_b64decode(
    value: object, *, field: str, length: int | None = None, max_length: int = 0
) -> bytes:
    if not isinstance(value, str) or not value.isascii():
        raise InvalidEncoding("base64", field=field)
    if length is not None and len(value) != (4 * length + 2) // 3:
        raise InvalidEncoding("length", field=field)
    if max_length and len(value) > (4 * max_length + 2) // 3:
        raise InvalidEncoding("length", field=field)
    raw_text = value.encode("ascii")
    if len(raw_text) % 4 == 1 or not _ALPHABET.issuperset(raw_text):
        raise InvalidEncoding("base64", field=field)
    standard = raw_text.translate(bytes.maketrans(b"-_", b"+/")) + b"=" * (-len(raw_text) % 4)
    raw = binascii.a2b_base64(standard, strict_mode=True)
    if binascii.b2a_base64(raw, newline=False) != standard:
        raise InvalidEncoding("base64", field=field, detail="non-zero trailing bits")
    return raw


def _outcome(function: Callable[[], object]) -> tuple[str, object]:
    try:
        return "ok", function()
    except BallotsError as exc:
        return "error", (type(exc), exc.check, exc.field, exc.detail)


# ---------------------------------------------------------------- canonical JSON

leaves = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.text(max_size=6),
    st.none(),
    st.floats(allow_nan=False),
    st.binary(max_size=3),
)
hostile_json = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=4), children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=3).map(MappingProxyType),
        st.dictionaries(st.text(max_size=4), children, max_size=3).map(OrderedDict),
        st.dictionaries(st.integers(0, 3), children, max_size=2),
    ),
    max_leaves=16,
)


@settings(max_examples=400)
@given(hostile_json)
def test_canonical_json_matches_the_reference_walk_on_any_value(value: object) -> None:
    assert _outcome(lambda: canonical_json(value)) == _outcome(  # type: ignore[arg-type]
        lambda: _reference_canonical(value)
    )


def _nested(depth: int, leaf: object, kind: str) -> object:
    value = leaf
    for _ in range(depth):
        value = {"list": [value], "dict": {"k": value}, "proxy": MappingProxyType({"k": value})}[
            kind
        ]
    return value


@pytest.mark.parametrize("kind", ["list", "dict", "proxy"])
@pytest.mark.parametrize("leaf", ["text", 7, [], {}, None])
@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_canonical_json_depth_limit_matches_the_reference(
    depth: int, leaf: object, kind: str
) -> None:
    value = _nested(depth, leaf, kind)
    assert _outcome(lambda: canonical_json(value)) == _outcome(  # type: ignore[arg-type]
        lambda: _reference_canonical(value)
    )


class _StrSubclass(str):
    pass


class _ListSubclass(list[object]):
    pass


@pytest.mark.parametrize(
    "value",
    [
        _StrSubclass("x"),
        [_StrSubclass("x"), 1],
        _ListSubclass([1, "a"]),
        {"a": _ListSubclass([True])},
        {"a": "\ud800"},
        {"b": 1, 3: 2},
        [2**53],
        (1, (2, "x")),
    ],
)
def test_canonical_json_of_subclasses_and_edge_values_matches_the_reference(value: object) -> None:
    assert _outcome(lambda: canonical_json(value)) == _outcome(  # type: ignore[arg-type]
        lambda: _reference_canonical(value)
    )


# ---------------------------------------------------------------- base64url

b64_texts = st.text(alphabet="AQgwBbz09-_+/= \u00e9", max_size=12)


@settings(max_examples=400)
@given(
    st.one_of(b64_texts, st.binary(max_size=6).map(b64encode), st.integers()),
    st.one_of(st.none(), st.integers(0, 8)),
    st.integers(0, 8),
)
def test_b64decode_matches_the_reference_decoder(
    value: object, length: int | None, max_length: int
) -> None:
    def fast() -> bytes:
        return b64decode(value, field="f", length=length, max_length=max_length)

    def reference() -> bytes:
        return _reference_b64decode(value, field="f", length=length, max_length=max_length)

    assert _outcome(fast) == _outcome(reference)


@given(st.binary(max_size=40))
def test_b64encode_matches_the_standard_library(raw: bytes) -> None:
    assert b64encode(raw) == base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(st.lists(st.binary(max_size=7), max_size=5), st.integers(0, 3))
def test_b64encode_each_encodes_each_value(values: list[bytes], size: int) -> None:
    same = [v[:size].ljust(size, b"x") for v in values] if size else values
    for batch in (values, same, [bytes(33)] * 3, [bytes(33), b"\x00"]):
        assert b64encode_each(batch) == [b64encode(v) for v in batch]


# ---------------------------------------------------------------- points and scalars


def _reference_point(data: bytes) -> tuple[str, object]:
    return _outcome(lambda: Point.from_bytes(data, field="f").encoding)


@given(
    st.one_of(
        st.binary(min_size=33, max_size=33),
        st.builds(
            lambda prefix, x: bytes((prefix,)) + x.to_bytes(32, "big"),
            st.integers(0, 7),
            st.one_of(st.integers(0, 2**256 - 1), st.integers(P - 3, 2**256 - 1)),
        ),
        st.binary(max_size=66),
    )
)
def test_decode_point_applies_every_check_of_point_from_bytes(data: bytes) -> None:
    assert _outcome(lambda: decode_point(data, "f").encoding) == _reference_point(data)


def test_decode_point_rejects_the_identity_encoding() -> None:
    with pytest.raises(InvalidPoint, match="point-identity") as info:
        decode_point(b"\x00", "where")
    assert info.value.field == "where"


@given(
    st.one_of(
        st.binary(max_size=34), st.integers(N - 2, 2**256 - 1).map(lambda k: k.to_bytes(32, "big"))
    )
)
def test_decode_scalar_applies_every_check_of_scalar_from_bytes(data: bytes) -> None:
    assert _outcome(lambda: decode_scalar(data, "f").value) == _outcome(
        lambda: Scalar.from_bytes(data, field="f").value
    )


def test_decode_scalar_rejects_the_wrong_length_and_n() -> None:
    with pytest.raises(InvalidScalar, match="scalar-length"):
        decode_scalar(bytes(31), "f")
    with pytest.raises(InvalidScalar, match="scalar-range"):
        decode_scalar(N.to_bytes(32, "big"), "f")


# ---------------------------------------------------------------- ballots


def _with_option_id(ballot: Ballot, oid: str) -> Ballot:
    q = ballot.questions[0]
    first = replace(q.options[0], id=oid)
    question = EncryptedQuestion(q.id, (first, *q.options[1:]), q.selections_proof)
    return replace(ballot, questions=(question, *ballot.questions[1:]))


def test_ballot_serialisation_matches_the_general_canonical_json(
    motion_election: Election,
) -> None:
    ballot = encrypt_ballot(
        motion_election, "voter_A-1", {q.id: [] for q in motion_election.manifest.questions}
    )
    variants = [
        ballot,
        replace(ballot, pseudonym='quote"and\\slash'),
        replace(ballot, election_id="é\n"),
        _with_option_id(ballot, "\u00fcber"),
        _with_option_id(ballot, 7),  # type: ignore[arg-type]
        replace(ballot, questions=()),
    ]
    for variant in variants:
        assert variant._canonical() == canonical_json(variant.to_json())
    with pytest.raises(InvalidEncoding, match="json-string"):
        replace(ballot, pseudonym="\ud800")._canonical()


def test_ballot_with_identity_points_serialises_each_point_alone(
    motion_election: Election,
) -> None:
    ballot = encrypt_ballot(
        motion_election, "voter", {q.id: [] for q in motion_election.manifest.questions}
    )
    q = ballot.questions[0]
    option = EncryptedOption(
        q.options[0].id, Ciphertext(IDENTITY, q.options[0].ciphertext.beta), q.options[0].proof
    )
    odd = replace(
        ballot,
        questions=(
            EncryptedQuestion(q.id, (option, *q.options[1:]), q.selections_proof),
            *ballot.questions[1:],
        ),
    )
    assert b'"alpha":"AA"' in odd._canonical()
    assert odd._canonical() == canonical_json(odd.to_json())


def test_bulk_decoding_of_a_ballot_matches_decoding_field_by_field(
    motion_election: Election,
) -> None:
    ballot = encrypt_ballot(
        motion_election, "voter", {q.id: ["voor"] for q in motion_election.manifest.questions}
    )
    _, shape = check_shape(json.loads(canonical_json(ballot.to_json())), motion_election)
    assert _decode(shape, motion_election) == _decode_in_bulk(shape, motion_election)
    assert (
        Ballot(
            ballot.election_id,
            ballot.fingerprint,
            ballot.pseudonym,
            _decode(shape, motion_election),
        )
        == ballot
    )
