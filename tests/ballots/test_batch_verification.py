"""Multi-scalar multiplication and the batch check (docs/protocol.md §I.8)."""

from __future__ import annotations

import secrets

import pytest
from coincurve import PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots._batch import Batch, _bucket_sum, _window_bits, multi_mul
from ballots.errors import InvalidProof
from ballots.group import GENERATOR, IDENTITY, N, Point, random_scalar

scalars = st.integers(min_value=0, max_value=N + 5)


def _naive(terms: list[tuple[int, Point]]) -> Point:
    return Point.sum(p.mul(k % N) for k, p in terms)


@given(st.lists(st.tuples(scalars, st.integers(min_value=0, max_value=40)), max_size=12))
def test_multi_scalar_multiplication_matches_separate_multiplications(
    raw: list[tuple[int, int]],
) -> None:
    terms = [(k, Point.mul_base(i)) for k, i in raw]
    assert multi_mul(terms) == _naive(terms)


@pytest.mark.parametrize(
    ("count", "every_long"), [(600, 5), (600, 0), (1500, 5), (4000, 5), (9000, 5), (9000, 0)]
)
def test_bucket_method_matches_separate_multiplications(count: int, every_long: int) -> None:
    # Full-size scalars (every `every_long`-th, or none) and 128-bit ones, as in a ballot batch.
    points = [Point.mul_base(random_scalar()) for _ in range(25)]
    terms = []
    for i in range(count):
        k = random_scalar() if every_long and i % every_long == 0 else secrets.randbits(128)
        terms.append((k, points[i % 25]))
    # Group the scalars per point so the reference costs 25 multiplications.
    grouped: dict[int, int] = {}
    for k, p in terms:
        grouped[id(p)] = grouped.get(id(p), 0) + k
    expected = Point.sum(p.mul(grouped[id(p)] % N) for p in points)
    assert multi_mul(terms) == expected


def test_bucket_method_handles_cancellation_to_the_identity() -> None:
    p = Point.mul_base(random_scalar())
    terms = [(1, p)] * 300 + [(N - 1, p)] * 300
    assert multi_mul(terms) == IDENTITY
    assert p.key is not None
    raw = p.key.public_key
    assert _bucket_sum([1, N - 1], [raw, raw]) is None


def test_window_widths_grow_with_the_batch() -> None:
    assert [_window_bits(c) for c in (500, 4999, 5000, 20000)] == [4, 4, 8, 8]


def test_bucket_method_returns_a_key_of_its_own() -> None:
    # One term with scalar 1 sums to that very key; the result must not point into the array
    # the keys were copied to, which is freed on return.
    p = Point.mul_base(random_scalar())
    assert p.key is not None
    keys = [p.key.public_key] * 3000
    result = _bucket_sum([1] + [0] * 2999, keys)
    assert result is not None
    assert result != p.key.public_key
    assert Point.of_key(PublicKey(result)) == p


def _equation(
    k: int, point: Point, where: str
) -> tuple[tuple[tuple[int, Point], ...], int, int, tuple[None, None, str]]:
    # k * point - (k * log point) * G = O, written as a batch equation.
    return (((k, point),), 0, 0, (None, None, where))


def test_batch_accepts_true_equations_and_names_the_false_one() -> None:
    x = random_scalar()
    key = Point.mul_base(x)
    batch = Batch(key)
    for i in range(50):
        a = random_scalar()
        batch.add((((1, Point.mul_base(a)),), -a % N, 0, (f"q{i}", None, "ok")))
    batch.add((((1, key),), 0, -1 % N, ("qk", None, "key")))
    assert len(batch) == 51
    batch.check()
    assert len(batch) == 0
    batch.check()  # an empty batch holds

    for i in range(20):
        a = random_scalar()
        batch.add((((1, Point.mul_base(a)),), -a % N, 0, (f"q{i}", None, "ok")))
    batch.add((((1, GENERATOR),), -2 % N, 0, ("q-bad", "o-bad", "branch 1 beta")))
    pending = batch.pending()
    assert len(pending) == 21
    with pytest.raises(InvalidProof, match="proof-equation") as info:
        batch.check()
    assert (info.value.question, info.value.option, info.value.detail) == (
        "q-bad",
        "o-bad",
        "branch 1 beta",
    )


@settings(max_examples=20)
@given(st.integers(min_value=1, max_value=N - 1))
def test_batch_rejects_any_single_wrong_equation(error: int) -> None:
    batch = Batch(GENERATOR)
    a = random_scalar()
    batch.add((((1, Point.mul_base(a)),), -(a + error) % N, 0, ("q", None, "wrong")))
    with pytest.raises(InvalidProof, match="proof-equation"):
        batch.check()
