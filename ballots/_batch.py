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
from collections.abc import Sequence
from typing import Any, Final, TypeAlias

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


def _fill_buckets(terms: Sequence[tuple[int, _Raw]], w: int) -> list[list[list[_Raw]]]:
    windows = (256 + w - 1) // w
    buckets: list[list[list[_Raw]]] = [[[] for _ in range(1 << w)] for _ in range(windows)]
    if w == 8:
        for k, key in terms:
            for row, digit in zip(
                buckets, k.to_bytes((k.bit_length() + 7) // 8, "little"), strict=False
            ):
                if digit:
                    row[digit].append(key)
        return buckets
    mask = (1 << w) - 1
    for k, key in terms:
        i = 0
        while k:
            digit = k & mask
            if digit:
                buckets[i][digit].append(key)
            k >>= w
            i += 1
    return buckets


def _bucket_sum(terms: Sequence[tuple[int, _Raw]]) -> _Raw | None:
    """Sum of k*P by the bucket method; None for the identity."""
    w = _window_bits(len(terms))
    total: _Raw | None = None
    for row in reversed(_fill_buckets(terms, w)):
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


def multi_mul(terms: Sequence[tuple[int, Point]]) -> Point:
    """Sum of k*P for public scalars k (reduced mod n); variable time."""
    pairs = []
    for k, p in terms:
        k %= N
        if k and p.key is not None:
            pairs.append((k, p.key))
    if len(pairs) < _BUCKET_THRESHOLD:
        return Point.sum(Point.of_key(key.multiply(k.to_bytes(32, "big"))) for k, key in pairs)
    result = _bucket_sum([(k, key.public_key) for k, key in pairs])
    return IDENTITY if result is None else Point.of_key(PublicKey(result))


def _equation_value(equation: Equation, key: Point) -> Point:
    terms, g, k, _ = equation
    return multi_mul([*terms, (g, GENERATOR), (k, key)])


class Batch:
    """Equations waiting for one combined check (§I.8).

    An accumulator local to one verification call; `check` raises `InvalidProof` naming the
    first equation that fails on its own.
    """

    def __init__(self, key: Point) -> None:
        self._key = key
        self._equations: list[Equation] = []

    def add(self, equation: Equation) -> None:
        """Queue one equation."""
        self._equations.append(equation)

    def extend(self, equations: Sequence[Equation]) -> None:
        """Queue several equations."""
        self._equations.extend(equations)

    def pending(self) -> list[Equation]:
        """The queued equations (a copy)."""
        return list(self._equations)

    def __len__(self) -> int:
        return len(self._equations)

    def check(self) -> None:
        """Check every queued equation; the queue is emptied either way.

        Raises:
            InvalidProof: ``proof-equation`` with the question, option and branch of the first
                equation that does not hold.
        """
        equations, self._equations = self._equations, []
        if not equations:
            return
        coefficients: dict[bytes, int] = {}
        points: dict[bytes, Point] = {}
        g = k = 0
        for equation_terms, eg, ek, _ in equations:
            z = secrets.randbelow(2**WEIGHT_BITS - 1) + 1
            g += z * eg
            k += z * ek
            for e, point in equation_terms:
                encoding = point.encoding
                coefficients[encoding] = coefficients.get(encoding, 0) + z * e
                points[encoding] = point
        terms = [(c, points[encoding]) for encoding, c in coefficients.items()]
        terms.append((g, GENERATOR))
        terms.append((k, self._key))
        if multi_mul(terms).is_identity:
            return
        for equation in equations:
            if not _equation_value(equation, self._key).is_identity:
                question, option, detail = equation[3]
                raise InvalidProof(
                    "proof-equation", question=question, option=option, detail=detail
                )
        # The weighted sum of equations that each hold is O, so this is unreachable unless the
        # multi-scalar multiplication is wrong; fail closed rather than accept.
        raise InvalidProof("proof-equation", detail="batch")  # pragma: no cover - see above
