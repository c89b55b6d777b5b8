"""Exponential ElGamal on secp256k1 and the bounded discrete logarithm.

Implements docs/protocol.md §I.5: Enc(m; r) = (r·G, m·G + r·K), componentwise addition, and
baby-step giant-step over [0, N] for decrypted totals. Sources: T. ElGamal, IEEE Trans. IT 31(4)
1985; the "exponential" variant as used by Cramer, Gennaro, Schoenmakers (EUROCRYPT 1997);
Shanks's baby-step giant-step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ballots.errors import DecryptionError
from ballots.group import GENERATOR, IDENTITY, N, Point, random_scalar


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext (alpha, beta) (§I.5).

    `alpha` is alpha = r·G and `beta` is beta = m·G + r·K.
    """

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    @staticmethod
    def sum(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
        """Σ ciphertexts (the encryption of the sum), (O, O) for none; two library calls."""
        items = list(ciphertexts)
        return Ciphertext(Point.sum(c.alpha for c in items), Point.sum(c.beta for c in items))


def encrypt_with(key: Point, value: int, randomness: int) -> Ciphertext:
    """Enc(value; randomness) under `key` (§I.5); 0 ≤ value < n, 1 ≤ randomness < n.

    Costs one fixed-base and one variable-base constant-time multiplication (value·G is free
    for 0 and 1, a further fixed-base multiplication otherwise).
    """
    return Ciphertext(Point.mul_base(randomness), key.mul_plus_base(randomness, value))


def encrypt(key: Point, value: int) -> tuple[Ciphertext, int]:
    """Encrypt `value` with fresh randomness; returns the ciphertext and r (keep r secret)."""
    randomness = random_scalar()
    return encrypt_with(key, value, randomness), randomness


def decrypt_to_point(ciphertext: Ciphertext, secret: int) -> Point:
    """M = beta - x·alpha = m·G for the secret key x (used by tests and single-key tools)."""
    return ciphertext.beta + ciphertext.alpha.mul((N - secret) % N)


@dataclass(frozen=True, slots=True)
class DiscreteLogTable:
    """Baby-step giant-step for m·G with 0 ≤ m ≤ bound (§I.5).

    `baby` maps the encoding of j·G to j for 0 ≤ j < `step`; `giant` is -step·G. Build it
    once per tally with `for_bound` and reuse it for every option.
    """

    bound: int
    step: int
    baby: Mapping[bytes, int] = field(repr=False)
    giant: Point = field(repr=False)

    @classmethod
    def for_bound(cls, bound: int) -> DiscreteLogTable:
        """A table for [0, bound], with ⌈√(bound + 1)⌉ baby steps."""
        if bound < 0:
            raise DecryptionError("decryption-range", detail="negative bound")
        step = math.isqrt(bound) + 1
        baby: dict[bytes, int] = {}
        current = IDENTITY
        for j in range(step):
            baby[current.encoding] = j
            current = current + GENERATOR
        return cls(bound, step, baby, -Point.mul_base(step))

    def solve(self, value: Point) -> int:
        """The m in [0, bound] with m·G = value.

        Raises:
            DecryptionError: ``decryption-range`` when no such m exists.
        """
        current = value
        for i in range(self.step + 1):
            j = self.baby.get(current.encoding)
            if j is not None:
                m = i * self.step + j
                if m <= self.bound:
                    return m
                break
            current = current + self.giant
        raise DecryptionError("decryption-range", detail=f"not in [0, {self.bound}]")
