"""Exponential ElGamal and the bounded discrete logarithm (docs/protocol.md §I.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots.elgamal import Ciphertext, DiscreteLogTable, decrypt_to_point, encrypt, encrypt_with
from ballots.errors import DecryptionError
from ballots.group import GENERATOR, IDENTITY, N, Point, random_scalar

SECRET = 0x1234567890ABCDEF
KEY = Point.mul_base(SECRET)
values = st.integers(min_value=0, max_value=300)
randomness = st.integers(min_value=1, max_value=N - 1)


@given(values, randomness)
def test_encrypt_then_decrypt_round_trips(m: int, r: int) -> None:
    ct = encrypt_with(KEY, m, r)
    assert ct.alpha == Point.mul_base(r)
    assert DiscreteLogTable.for_bound(300).solve(decrypt_to_point(ct, SECRET)) == m


@given(st.lists(st.tuples(values, randomness), min_size=0, max_size=5))
def test_ciphertexts_add_homomorphically(items: list[tuple[int, int]]) -> None:
    cts = [encrypt_with(KEY, m, r) for m, r in items]
    total = Ciphertext.sum(cts)
    expected = encrypt_with(KEY, sum(m for m, _ in items), sum(r for _, r in items) % N or 1)
    if sum(r for _, r in items) % N:
        assert total == expected
    assert DiscreteLogTable.for_bound(1500).solve(decrypt_to_point(total, SECRET)) == sum(
        m for m, _ in items
    )
    if len(cts) >= 2:
        assert cts[0] + cts[1] == Ciphertext.sum(cts[:2])


def test_empty_sum_is_the_identity_ciphertext() -> None:
    empty = Ciphertext.sum([])
    assert empty == Ciphertext(IDENTITY, IDENTITY)
    assert DiscreteLogTable.for_bound(0).solve(decrypt_to_point(empty, SECRET)) == 0


def test_fresh_encryptions_of_equal_values_differ() -> None:
    (a, ra), (b, rb) = encrypt(KEY, 1), encrypt(KEY, 1)
    assert a != b
    assert ra != rb


@pytest.mark.parametrize("bound", [0, 1, 2, 3, 7, 8, 9, 100, 7000])
def test_discrete_log_finds_every_value_up_to_the_bound(bound: int) -> None:
    table = DiscreteLogTable.for_bound(bound)
    for m in {0, min(1, bound), bound // 2, bound}:
        assert table.solve(Point.mul_base(m)) == m


@pytest.mark.parametrize(
    ("bound", "value"), [(0, 1), (10, 11), (100, 101), (100, 10**6), (100, N - 1)]
)
def test_value_outside_the_bound_is_a_decryption_error(bound: int, value: int) -> None:
    with pytest.raises(DecryptionError, match="decryption-range"):
        DiscreteLogTable.for_bound(bound).solve(Point.mul_base(value))


def test_negative_bound_is_refused() -> None:
    with pytest.raises(DecryptionError, match="decryption-range"):
        DiscreteLogTable.for_bound(-1)


def test_encrypting_larger_values_uses_a_fixed_base_multiple() -> None:
    r = random_scalar()
    assert encrypt_with(KEY, 5, r).beta == KEY.mul(r) + GENERATOR.mul(5)
