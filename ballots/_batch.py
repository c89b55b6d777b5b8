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
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, Final, Protocol, TypeAlias

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi as _ffi
from coincurve._libsecp256k1 import lib as _lib
from coincurve.context import GLOBAL_CONTEXT

from ballots.errors import InvalidProof
from ballots.group import GENERATOR, IDENTITY, N, Point

WEIGHT_BITS: Final = 128
_BUCKET_THRESHOLD: Final = 250
"""Below this many terms, one constant-time multiplication per term is faster (measured
2026-11-26: 200 terms 7.3 ms against 7.7 ms, 300 terms 10.1 ms against 9.0 ms)."""


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
_KEY_ARRAY: Final = "secp256k1_pubkey[]"

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


_SHORT_BYTES: Final = 17
"""Scalars below 2^136 (the 128-bit weights of commitments, §I.8) use 17 byte columns, not 32."""
_LOW_NIBBLE: Final = bytes(d & 15 for d in range(256))
_HIGH_NIBBLE: Final = bytes(d >> 4 for d in range(256))
_DIGITS_WITH_BIT: Final = {
    w: tuple(tuple(d for d in range(1, 1 << w) if d >> bit & 1) for bit in range(w)) for w in (4, 8)
}
_CONTIGUOUS_FROM: Final = 2000
"""From this many terms the keys are copied into one array first: the bucket method reads each
key once per window, and a dense array is cheaper to read (bench/crypto.py, 2026-11-26)."""


_EIGHT_BIT_WINDOWS_FROM: Final = 5000


def _window_bits(count: int) -> int:
    # The digits are bytes (8) or their halves (4), so that C code extracts them. Measured for
    # ballots' mixed 128- and 256-bit scalars (2026-11-26), per ballot of 660 terms: 1 ballot
    # 16.0 ms (4) against 26.2 ms (8), 8 ballots 11.2 against 11.0, 100 ballots 16.1 against 10.5.
    return 4 if count < _EIGHT_BIT_WINDOWS_FROM else 8


def _window_sum(row: list[list[_Raw]], w: int) -> _Raw | None:
    """sum_d d*S_d for the bucket sums S_d of one window (row[d] holds the keys of S_d)."""
    sums = [None, *[_add(bucket) for bucket in row[1:]]]
    # sum_d d*S_d = sum_t 2^t * (sum of S_d with bit t of d set), from the top bit down.
    window: _Raw | None = None
    for digits in reversed(_DIGITS_WITH_BIT[w]):
        window = _double(window)
        part = [s for d in digits if (s := sums[d]) is not None]
        if window is not None:
            part.append(window)
        window = _add(part)
    return window


def _bucket_sum(scalars: Sequence[int], keys: Sequence[_Raw]) -> _Raw | None:
    """Sum of k*P by the bucket method, for 0 <= k < 2^256; None for the identity.

    The digits of a window are one byte column of the scalars' little-endian bytes (or its
    nibbles), and keys go into buckets by C-level iteration, not a Python loop per digit. The
    result is always a key of its own, never one of `keys`.
    """
    w = _window_bits(len(scalars))
    if len(keys) >= _CONTIGUOUS_FROM:
        dense = _ffi.new(_KEY_ARRAY, [key[0] for key in keys])
        keys = list(map(dense.__add__, range(len(keys))))
    short_keys, long_keys, short, long = [], [], [], []
    for k, key in zip(scalars, keys, strict=True):
        if k >> (8 * _SHORT_BYTES):
            long.append(k.to_bytes(32, "little"))
            long_keys.append(key)
        else:
            short.append(k.to_bytes(_SHORT_BYTES, "little"))
            short_keys.append(key)
    short_columns, long_columns = b"".join(short), b"".join(long)
    total: _Raw | None = None
    for i in reversed(range(32 if long_keys else _SHORT_BYTES)):
        columns = [(long_columns[i::32], long_keys)]
        if i < _SHORT_BYTES:
            columns.append((short_columns[i::_SHORT_BYTES], short_keys))
        windows = [columns]
        if w == 4:
            windows = [
                [(digits.translate(_HIGH_NIBBLE), ks) for digits, ks in columns],
                [(digits.translate(_LOW_NIBBLE), ks) for digits, ks in columns],
            ]
        for window_columns in windows:
            for _ in range(w):
                total = _double(total)
            row: list[list[_Raw]] = [[] for _ in range(1 << w)]
            bucket = row.__getitem__
            for digits, ks in window_columns:
                # row[digit].append(key) for every key, iterated in C (deque of size 0).
                deque(map(list.append, map(bucket, digits), ks), maxlen=0)
            window = _window_sum(row, w)
            if window is not None:
                total = window if total is None else _add([total, window])
    if total is None:
        return None
    # A sum of one key is that key, which may point into `dense`: return a copy of our own.
    return _ffi.new(_NEW_KEY, total[0])


def _sum_raw(scalars: Sequence[int], keys: Sequence[_Raw]) -> _Raw | None:
    """Sum of k*P for 0 < k < n and raw keys; variable time; None for the identity."""
    if len(scalars) >= _BUCKET_THRESHOLD:
        return _bucket_sum(scalars, keys)
    total = Point.sum(
        Point.of_key(PublicKey(key).multiply(k.to_bytes(32, "big")))
        for k, key in zip(scalars, keys, strict=True)
    )
    return total.raw


def _sum_of_multiples(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """Sum of k*P for public scalars k (reduced mod n), as parallel lists; variable time."""
    ks: list[int] = []
    keys: list[_Raw] = []
    for k, p in zip(scalars, points, strict=True):
        k %= N
        if k and p.raw is not None:
            ks.append(k)
            keys.append(p.raw)
    result = _sum_raw(ks, keys)
    return IDENTITY if result is None else Point.of_key(PublicKey(result))


def multi_mul(terms: Sequence[tuple[int, Point]]) -> Point:
    """Sum of k*P for public scalars k (reduced mod n); variable time."""
    return _sum_of_multiples([k for k, _ in terms], [p for _, p in terms])


def _equation_value(equation: Equation, key: Point) -> Point:
    terms, g, k, _ = equation
    return multi_mul([*terms, (g, GENERATOR), (k, key)])


class Accumulator:
    """The weighted sums of one batch: coefficients of points, and those of G and K.

    A point that recurs (a ciphertext, in its 0/1 proof and its question's sum) is merged by
    its encoding with `add`, so it is one term; a point in one equation only (a commitment) is
    appended with `add_term`, which saves the lookup. The sum is the same either way.
    """

    __slots__ = ("coefficients", "g", "k", "points", "scalars", "terms")

    def __init__(self) -> None:
        self.coefficients: dict[bytes, int] = {}
        self.points: dict[bytes, Point] = {}
        self.scalars: list[int] = []
        self.terms: list[Point] = []
        self.g = 0
        self.k = 0

    def add(self, point: Point, coefficient: int) -> None:
        """Add coefficient*point to the sum, merged with the other terms of the same point."""
        encoding = point.encoding
        self.coefficients[encoding] = self.coefficients.get(encoding, 0) + coefficient
        self.points[encoding] = point

    def add_term(self, point: Point, coefficient: int) -> None:
        """Add coefficient*point to the sum as a term of its own."""
        self.scalars.append(coefficient)
        self.terms.append(point)

    def is_identity(self, key: Point) -> bool:
        """Whether the accumulated sum, with `key` as K, is O (one multi-scalar multiplication)."""
        scalars: list[int] = []
        keys: list[_Raw] = []
        points = self.points
        merged = ((k, points[e]) for e, k in self.coefficients.items())
        ends = ((self.g, GENERATOR), (self.k, key))
        for terms in (zip(self.scalars, self.terms, strict=True), merged, ends):
            for k, p in terms:
                k %= N
                if k and p.raw is not None:
                    scalars.append(k)
                    keys.append(p.raw)
        return _sum_raw(scalars, keys) is None


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
    return iter(
        [int.from_bytes(raw[i : i + size], "big") + 1 for i in range(0, size * count, size)]
    )


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
        if acc.is_identity(self._key):
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
