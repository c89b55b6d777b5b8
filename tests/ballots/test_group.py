"""Points and scalars (docs/protocol.md §I.1; THREATS T01, T02)."""

import pytest
from coincurve import PublicKey
from hypothesis import given
from hypothesis import strategies as st

from ballots.errors import InvalidPoint, InvalidScalar
from ballots.group import GENERATOR, IDENTITY, N, P, Point, Scalar, random_scalar

scalars = st.integers(min_value=0, max_value=N - 1)


def _uncompressed(point: Point) -> bytes:
    assert point.key is not None
    return point.key.format(compressed=False)


def test_uncompressed_point_is_rejected_although_libsecp256k1_accepts_it() -> None:
    raw = _uncompressed(GENERATOR.mul(7))
    PublicKey(raw)  # the library itself would parse it
    with pytest.raises(InvalidPoint, match="point-length") as info:
        Point.from_bytes(raw, field="alpha")
    assert info.value.field == "alpha"


@pytest.mark.parametrize("prefix", [6, 7])
def test_hybrid_point_is_rejected_although_libsecp256k1_accepts_it(prefix: int) -> None:
    raw = bytes([prefix]) + _uncompressed(GENERATOR.mul(7))[1:]
    if prefix == 6 + (raw[-1] & 1):
        PublicKey(raw)  # the matching hybrid prefix parses in the library
    with pytest.raises(InvalidPoint, match="point-length"):
        Point.from_bytes(raw, field="beta")


@pytest.mark.parametrize("length", [0, 32, 34, 64, 65])
def test_point_of_wrong_length_is_rejected(length: int) -> None:
    with pytest.raises(InvalidPoint, match="point-length"):
        Point.from_bytes(b"\x02" * length, field="k")


@pytest.mark.parametrize("prefix", [0, 1, 4, 5, 6, 7, 0xFF])
def test_point_with_wrong_prefix_is_rejected(prefix: int) -> None:
    raw = bytes([prefix]) + GENERATOR.encoding[1:]
    with pytest.raises(InvalidPoint, match="point-prefix"):
        Point.from_bytes(raw, field="k")


@pytest.mark.parametrize("x", [P, P + 1, 2**256 - 1])
def test_point_with_x_not_below_p_is_rejected(x: int) -> None:
    with pytest.raises(InvalidPoint, match="point-range"):
        Point.from_bytes(b"\x02" + x.to_bytes(32, "big"), field="k")


def test_point_off_the_curve_is_rejected() -> None:
    x = 5  # 5³ + 7 = 132 is not a square mod p
    assert pow(x**3 + 7, (P - 1) // 2, P) != 1
    with pytest.raises(InvalidPoint, match="point-on-curve") as info:
        Point.from_bytes(b"\x03" + x.to_bytes(32, "big"), field="commitment")
    assert info.value.field == "commitment"


def test_identity_is_rejected_where_not_allowed() -> None:
    with pytest.raises(InvalidPoint, match="point-identity"):
        Point.from_bytes(b"\x00", field="alpha")
    assert Point.from_bytes(b"\x00", allow_identity=True) == IDENTITY


@given(scalars)
def test_point_encoding_round_trips(k: int) -> None:
    point = Point.mul_base(k)
    raw = point.to_bytes()
    assert Point.from_bytes(raw, allow_identity=True) == point
    assert len(raw) == (1 if k == 0 else 33)


@given(scalars, scalars)
def test_group_law_matches_scalar_arithmetic(a: int, b: int) -> None:
    pa, pb = Point.mul_base(a), Point.mul_base(b)
    assert pa + pb == Point.mul_base((a + b) % N)
    assert pa - pb == Point.mul_base((a - b) % N)
    assert -pa == Point.mul_base(-a % N)
    assert pa.mul(b) == Point.mul_base(a * b % N)
    assert hash(pa) == hash(Point.mul_base(a))


def test_identity_is_handled_explicitly() -> None:
    g = GENERATOR
    assert (g - g).is_identity
    assert g + IDENTITY == g
    assert IDENTITY + g == g
    assert -IDENTITY == IDENTITY
    assert IDENTITY.mul(5) == IDENTITY
    assert g.mul(0) == IDENTITY
    assert Point.mul_base(0) == IDENTITY
    assert Point.sum([]) == IDENTITY
    assert Point.sum([g]) == g
    assert Point.sum([g, g, -g.mul(2)]) == IDENTITY
    assert g != "not a point"


def test_scalar_multiplication_rejects_out_of_range_scalars() -> None:
    with pytest.raises(InvalidScalar, match="scalar-range"):
        GENERATOR.mul(N)
    with pytest.raises(InvalidScalar, match="scalar-range"):
        Point.mul_base(-1)


def test_scalar_of_n_is_rejected_not_reduced() -> None:
    with pytest.raises(InvalidScalar, match="scalar-range") as info:
        Scalar.from_bytes(N.to_bytes(32, "big"), field="s")
    assert info.value.field == "s"
    with pytest.raises(InvalidScalar, match="scalar-range"):
        Scalar.from_bytes((2**256 - 1).to_bytes(32, "big"))
    with pytest.raises(InvalidScalar, match="scalar-range"):
        Scalar(N)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_scalar_of_wrong_length_is_rejected(length: int) -> None:
    with pytest.raises(InvalidScalar, match="scalar-length"):
        Scalar.from_bytes(b"\x01" * length)


def test_zero_scalar_is_rejected_where_not_allowed() -> None:
    zero = bytes(32)
    assert Scalar.from_bytes(zero).value == 0
    with pytest.raises(InvalidScalar, match="scalar-zero"):
        Scalar.from_bytes(zero, nonzero=True)


@given(scalars)
def test_scalar_encoding_round_trips(k: int) -> None:
    assert Scalar.from_bytes(Scalar(k).to_bytes()).value == k


def test_random_scalars_are_in_range_and_distinct() -> None:
    values = {random_scalar() for _ in range(64)}
    assert len(values) == 64
    assert all(1 <= v < N for v in values)


@given(scalars, scalars, st.integers(min_value=0, max_value=5))
def test_mul_plus_base_is_k_times_point_plus_e_times_g(k: int, e: int, i: int) -> None:
    point = Point.mul_base(i)
    assert point.mul_plus_base(k, e) == point.mul(k) + Point.mul_base(e)
    assert point.mul_plus_base(k, 1) == point.mul(k) + GENERATOR


def test_mul_plus_base_handles_zeros_the_identity_and_cancellation() -> None:
    assert GENERATOR.mul_plus_base(0, 0) == IDENTITY
    assert IDENTITY.mul_plus_base(5, 0) == IDENTITY
    assert IDENTITY.mul_plus_base(5, 3) == Point.mul_base(3)
    assert GENERATOR.mul_plus_base(2, N - 2) == IDENTITY
    with pytest.raises(InvalidScalar, match="scalar-range"):
        GENERATOR.mul_plus_base(N, 1)
