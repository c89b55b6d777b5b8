"""Batch verification of proof equations by a random linear combination.

Implements the batch check of docs/protocol.md §I.8 (Bellare, Garay, Rabin, EUROCRYPT 1998,
small-exponent test). Every proof equation is written Σ e_t·P_t + g·G + kappa·K = O; a `Batch`
collects them, draws a fresh secret 128-bit weight per equation, and checks the weighted sum
with one multi-scalar multiplication. If the sum is not O, each equation is checked on its own
so that the error names the one that failed. Verification scalars are public, so the
multi-scalar multiplication may be variable-time.

The multi-scalar multiplication is the bucket method (Pippenger; see Bernstein et al.,
"Faster batch forgery identification", INDOCRYPT 2012, §4) with libsecp256k1's point
addition (`pubkey_combine`, many points per call) as the only primitive.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from typing import Any, Final, Protocol, TypeAlias

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi as _ffi
from coincurve._libsecp256k1 import lib as _lib
from coincurve.context import GLOBAL_CONTEXT

from ballots.errors import InvalidProof
from ballots.group import GENERATOR, IDENTITY, N, Point

WEIGHT_BITS: Final = 128
_BUCKET_THRESHOLD: Final = 500
"""Below this many terms, one constant-time multiplication per term is faster (bench/crypto.py)."""


Where: TypeAlias = tuple[str | None, str | None, str]
"""Where an equation comes from, for the error: (question, option, detail)."""

Equation: TypeAlias = tuple[tuple[tuple[int, Point], ...], int, int, Where]
"""sum(e*P for e, P in terms) + g*G + kappa*K = O, scalars mod n (§I.8): (terms, g, kappa, where).

A plain tuple rather than a dataclass: a ballot of 30 motions queues 480 of them, and
construction cost matters here (bench/crypto.py).
"""


# The bucket method adds points thousands of times per batch, so it calls libsecp256k1's
# `pubkey_combine` through coincurve's own cffi binding with raw key pointers: coincurve's
# `PublicKey.combine_keys` rebuilds a Python list per call, which doubles the cost
# (bench/crypto.py). Only point addition is used this way; it involves no secret.
_CONTEXT: Final = GLOBAL_CONTEXT.ctx
_LIB_COMBINE: Final = _lib.secp256k1_ec_pubkey_combine
_NEW_KEY: Final = "secp256k1_pubkey *"

_Raw = Any  # a cffi `secp256k1_pubkey *`; cffi objects have no static type


def _add(raw: list[_Raw]) -> _Raw | None:
    """The sum of raw keys; None for none, or when the sum is the point at infinity."""
    count = len(raw)
    if count == 0:
        return None
    if count == 1:
        return raw[0]
    out = _ffi.new(_NEW_KEY)
    if not _LIB_COMBINE(_CONTEXT, out, raw, count):
        return None
    return out


def _double(key: _Raw | None) -> _Raw | None:
    return None if key is None else _add([key, key])


def _window_bits(count: int) -> int:
    # Measured optimum for mixed 128- and 256-bit scalars (bench/crypto.py, 2026-11-26).
    if count < 1200:
        return 4
    if count < 3000:
        return 5
    return 6 if count < 8000 else 8


def _fill_buckets(scalars: Sequence[int], keys: Sequence[_Raw], w: int) -> list[list[list[_Raw]]]:
    windows = (256 + w - 1) // w
    buckets: list[list[list[_Raw]]] = [[[] for _ in range(1 << w)] for _ in range(windows)]
    if w == 8:
        for k, key in zip(scalars, keys, strict=True):
            for row, digit in zip(
                buckets, k.to_bytes((k.bit_length() + 7) // 8, "little"), strict=False
            ):
                if digit:
                    row[digit].append(key)
        return buckets
    mask = (1 << w) - 1
    for k, key in zip(scalars, keys, strict=True):
        i = 0
        while k:
            digit = k & mask
            if digit:
                buckets[i][digit].append(key)
            k >>= w
            i += 1
    return buckets


def _bucket_sum(scalars: Sequence[int], keys: Sequence[_Raw]) -> _Raw | None:
    """Sum of k*P by the bucket method; None for the identity."""
    w = _window_bits(len(scalars))
    total: _Raw | None = None
    for row in reversed(_fill_buckets(scalars, keys, w)):
        for _ in range(w):
            total = _double(total)
        sums = [_add(bucket) for bucket in row]
        # sum_d d*S_d = sum_t 2^t * (sum of S_d with bit t of d set), from the top bit down.
        window: _Raw | None = None
        for bit in reversed(range(w)):
            window = _double(window)
            part = [s for d, s in enumerate(sums) if (d >> bit) & 1 and s is not None]
            if window is not None:
                part.append(window)
            window = _add(part)
        if window is not None:
            total = window if total is None else _add([total, window])
    return total


def _sum_of_multiples(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """Sum of k*P for public scalars k (reduced mod n), as parallel lists; variable time."""
    ks: list[int] = []
    keys: list[PublicKey] = []
    for k, p in zip(scalars, points, strict=True):
        k %= N
        if k and p.key is not None:
            ks.append(k)
            keys.append(p.key)
    if len(ks) < _BUCKET_THRESHOLD:
        return Point.sum(
            Point.of_key(key.multiply(k.to_bytes(32, "big")))
            for k, key in zip(ks, keys, strict=True)
        )
    result = _bucket_sum(ks, [key.public_key for key in keys])
    return IDENTITY if result is None else Point.of_key(PublicKey(result))


def multi_mul(terms: Sequence[tuple[int, Point]]) -> Point:
    """Sum of k*P for public scalars k (reduced mod n); variable time."""
    return _sum_of_multiples([k for k, _ in terms], [p for _, p in terms])


def _equation_value(equation: Equation, key: Point) -> Point:
    terms, g, k, _ = equation
    return multi_mul([*terms, (g, GENERATOR), (k, key)])


class Accumulator:
    """The weighted sums of one batch: a coefficient per distinct point, and those of G and K."""

    __slots__ = ("coefficients", "g", "k", "points")

    def __init__(self) -> None:
        self.coefficients: dict[bytes, int] = {}
        self.points: dict[bytes, Point] = {}
        self.g = 0
        self.k = 0

    def add(self, point: Point, coefficient: int) -> None:
        """Add coefficient*point to the sum."""
        encoding = point.encoding
        self.coefficients[encoding] = self.coefficients.get(encoding, 0) + coefficient
        self.points[encoding] = point


class Source(Protocol):
    """Something whose equations can be weighted into a batch, or listed one by one."""

    def weight_count(self) -> int:
        """How many weights `accumulate` takes (one per equation)."""
        ...

    def accumulate(self, acc: Accumulator, weights: Iterator[int]) -> None:
        """Add each equation times its own weight to `acc`."""
        ...

    def equations(self) -> list[Equation]:
        """The equations, for checking one at a time."""
        ...


class _Equations:
    """Plain equations as a source."""

    __slots__ = ("_equations",)

    def __init__(self, equations: Sequence[Equation]) -> None:
        self._equations = list(equations)

    def weight_count(self) -> int:
        return len(self._equations)

    def accumulate(self, acc: Accumulator, weights: Iterator[int]) -> None:
        for terms, g, k, _ in self._equations:
            z = next(weights)
            acc.g += z * g
            acc.k += z * k
            for e, point in terms:
                acc.add(point, z * e)

    def equations(self) -> list[Equation]:
        return self._equations


def _weights(count: int) -> Iterator[int]:
    """`count` independent uniform weights in [1, 2^128], from one `secrets` read."""
    size = WEIGHT_BITS // 8
    raw = secrets.token_bytes(size * count)
    return (int.from_bytes(raw[i : i + size], "big") + 1 for i in range(0, size * count, size))


class Batch:
    """Equations waiting for one combined check (§I.8).

    An accumulator local to one verification call; `check` raises `InvalidProof` naming the
    first equation that fails on its own.
    """

    def __init__(self, key: Point) -> None:
        self._key = key
        self._sources: list[Source] = []

    def add(self, equation: Equation) -> None:
        """Queue one equation."""
        self._sources.append(_Equations((equation,)))

    def extend(self, equations: Sequence[Equation]) -> None:
        """Queue several equations."""
        self._sources.append(_Equations(equations))

    def add_source(self, source: Source) -> None:
        """Queue the equations of a proof that weights them itself (see `proofs.RangeCheck`)."""
        self._sources.append(source)

    def pending(self) -> list[Source]:
        """The queued sources (a copy)."""
        return list(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def check(self) -> None:
        """Check every queued equation; the queue is emptied either way.

        Raises:
            InvalidProof: ``proof-equation`` with the question, option and branch of the first
                equation that does not hold.
        """
        sources, self._sources = self._sources, []
        if not sources:
            return
        weights = _weights(sum(s.weight_count() for s in sources))
        acc = Accumulator()
        for source in sources:
            source.accumulate(acc, weights)
        scalars = [*acc.coefficients.values(), acc.g, acc.k]
        points = [*acc.points.values(), GENERATOR, self._key]
        if _sum_of_multiples(scalars, points).is_identity:
            return
        for source in sources:
            for equation in source.equations():
                if not _equation_value(equation, self._key).is_identity:
                    question, option, detail = equation[3]
                    raise InvalidProof(
                        "proof-equation", question=question, option=option, detail=detail
                    )
        # The weighted sum of equations that each hold is O, so this is unreachable unless the
        # multi-scalar multiplication is wrong; fail closed rather than accept.
        raise InvalidProof("proof-equation", detail="batch")  # pragma: no cover - see above
