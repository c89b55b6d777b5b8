"""The group secp256k1: canonical scalars and points, with the identity made explicit.

Implements docs/protocol.md §I.1. Sources: SEC 1 v2 §2.3.3-2.3.4 (point encodings), SEC 2 v2
§2.4.1 (curve parameters). Arithmetic is libsecp256k1's, through coincurve: fixed-base
multiplication uses its precomputed constant-time `ecmult_gen` table, variable-base
multiplication its constant-time `ecmult_const`, sums its `pubkey_combine`.

coincurve cannot represent the point at infinity (its functions fail instead), so `Point`
holds either a coincurve key or nothing for the identity O, and every operation here handles
O explicitly. Outside bytes become a `Point` only through `Point.from_bytes`, which checks the
length, prefix, range and curve equation before libsecp256k1 sees them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi as _ffi
from coincurve._libsecp256k1 import lib as _lib
from coincurve.context import GLOBAL_CONTEXT

from ballots.errors import InvalidPoint, InvalidScalar

P: Final = 2**256 - 2**32 - 977
"""The field prime p of secp256k1 (§I.1)."""

N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The group order n of secp256k1 (§I.1)."""

_P_BYTES: Final = P.to_bytes(32, "big")
SCALAR_BYTES: Final = 32
POINT_BYTES: Final = 33
IDENTITY_ENCODING: Final = b"\x00"

# Parsing calls libsecp256k1's `secp256k1_ec_pubkey_parse` through coincurve's own cffi binding,
# exactly as `PublicKey(data)` does, without its Python-level wrapping: a 30-motion ballot holds
# 660 points (bench/crypto.py). The checks of §I.1 all run before it.
_CONTEXT: Final = GLOBAL_CONTEXT.ctx
_LIB_PARSE: Final = _lib.secp256k1_ec_pubkey_parse
_LIB_COMBINE: Final = _lib.secp256k1_ec_pubkey_combine
_LIB_SERIALIZE: Final = _lib.secp256k1_ec_pubkey_serialize
_COMPRESSED: Final = _lib.SECP256K1_EC_COMPRESSED
_NEW_KEY: Final = "secp256k1_pubkey *"
_ENCODING: Final = "unsigned char[]"
_SIZE: Final = "size_t *"
_Raw: TypeAlias = Any  # a cffi `secp256k1_pubkey *`; cffi objects have no static type


def random_scalar() -> int:
    """Return a uniform secret scalar in [1, n - 1] from `secrets` (§I.1)."""
    return secrets.randbelow(N - 1) + 1


@dataclass(frozen=True, slots=True)
class Scalar:
    """An integer 0 ≤ value < n, encoded as 32 bytes big-endian (§I.1).

    Raises:
        InvalidScalar: on construction with a value outside [0, n).
    """

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < N:
            raise InvalidScalar("scalar-range")

    @classmethod
    def from_bytes(cls, data: bytes, *, field: str = "scalar", nonzero: bool = False) -> Scalar:
        """Decode a canonical scalar.

        Raises:
            InvalidScalar: ``scalar-length`` unless exactly 32 bytes, ``scalar-range`` when
                ≥ n (never reduced, so s and s + n are not both accepted), ``scalar-zero``
                when zero and `nonzero` is set.
        """
        if len(data) != SCALAR_BYTES:
            raise InvalidScalar("scalar-length", field=field)
        value = int.from_bytes(data, "big")
        if value >= N:
            raise InvalidScalar("scalar-range", field=field)
        if nonzero and value == 0:
            raise InvalidScalar("scalar-zero", field=field)
        return _scalar(value)

    def to_bytes(self) -> bytes:
        """The 32-byte big-endian encoding."""
        return self.value.to_bytes(SCALAR_BYTES, "big")


_new_object = object.__new__
_set_attribute = object.__setattr__


def _scalar(value: int) -> Scalar:
    """A `Scalar` for a value already known to be in [0, n), without re-checking it."""
    out: Scalar = _new_object(Scalar)
    _set_attribute(out, "value", value)
    return out


def decode_scalar(data: bytes, field: str) -> Scalar:
    """`Scalar.from_bytes(data, field=field)` for the hot loops of proof decoding."""
    if len(data) != SCALAR_BYTES:
        raise InvalidScalar("scalar-length", field=field)
    value = int.from_bytes(data, "big")
    if value >= N:
        raise InvalidScalar("scalar-range", field=field)
    return _scalar(value)


def _key_bytes(k: int) -> bytes:
    return k.to_bytes(SCALAR_BYTES, "big")


@dataclass(frozen=True, slots=True, eq=False)
class Point:
    """A point of secp256k1, possibly the identity O (§I.1).

    `raw` is libsecp256k1's representation (a cffi `secp256k1_pubkey *` that the point owns),
    or None for O; `encoding` is the 33-byte compressed form, or the single byte 0x00 for O.
    `key` wraps `raw` as a coincurve `PublicKey` on demand: a ballot holds 660 points, and a
    wrapper each would be 660 more objects for Python's garbage collector to walk. Build
    points with `from_bytes`, `mul_base` and the arithmetic below, never from their fields.
    """

    raw: _Raw | None = field(repr=False)
    encoding: bytes

    @property
    def key(self) -> PublicKey | None:
        """The point as a coincurve `PublicKey` (sharing `raw`), or None for O."""
        return None if self.raw is None else PublicKey(self.raw)

    @classmethod
    def of_key(cls, key: PublicKey) -> Point:
        """Wrap a key computed by libsecp256k1 (never one parsed from outside bytes)."""
        return _point(key.public_key, key.format())

    @classmethod
    def from_bytes(
        cls, data: bytes, *, field: str = "point", allow_identity: bool = False
    ) -> Point:
        """Decode a point with the checks of §I.1, in order, before any arithmetic.

        Raises:
            InvalidPoint: ``point-identity`` (0x00 where O is not allowed), ``point-length``
                (anything but 33 bytes, e.g. 65-byte uncompressed or hybrid forms),
                ``point-prefix`` (first byte not 0x02/0x03), ``point-range`` (x ≥ p),
                ``point-on-curve`` (x³ + 7 is not a square mod p).
        """
        if data == IDENTITY_ENCODING:
            if allow_identity:
                return IDENTITY
            raise InvalidPoint("point-identity", field=field)
        return decode_point(data, field)

    @classmethod
    def mul_base(cls, k: int) -> Point:
        """k·G by libsecp256k1's constant-time fixed-base multiplication; 0 ≤ k < n."""
        if not 0 <= k < N:
            raise InvalidScalar("scalar-range")
        if k == 0:
            return IDENTITY
        return cls.of_key(PublicKey.from_valid_secret(_key_bytes(k)))

    @staticmethod
    def sum(points: Iterable[Point]) -> Point:
        """The sum of `points` (O for none), in one libsecp256k1 call."""
        present = [p for p in points if p.raw is not None]
        if not present:
            return IDENTITY
        if len(present) == 1:
            return present[0]
        raws = [p.raw for p in present]
        out = _ffi.new(_NEW_KEY)
        if not _LIB_COMBINE(_CONTEXT, out, raws, len(raws)):
            # libsecp256k1 reports a sum equal to the point at infinity as an error.
            return IDENTITY
        return _of_raw(out)

    @property
    def is_identity(self) -> bool:
        """True for O."""
        return self.raw is None

    def mul(self, k: int) -> Point:
        """k·self by libsecp256k1's constant-time variable-base multiplication; 0 ≤ k < n."""
        if not 0 <= k < N:
            raise InvalidScalar("scalar-range")
        if k == 0 or self.raw is None:
            return IDENTITY
        return Point.of_key(PublicKey(self.raw).multiply(_key_bytes(k)))

    def mul_plus_base(self, k: int, e: int) -> Point:
        """k·self + e·G with both multiplications constant-time, formatting only the result.

        The prover's b_j = u·K + e·G and beta = r·K + m·G (§I.6.1); 0 <= k, e < n.
        """
        if not (0 <= k < N and 0 <= e < N):
            raise InvalidScalar("scalar-range")
        keys = []
        if k and self.raw is not None:
            keys.append(PublicKey(self.raw).multiply(_key_bytes(k)))
        if e == 1 and GENERATOR.raw is not None:
            keys.append(PublicKey(GENERATOR.raw))  # 1·G needs no multiplication
        elif e:
            keys.append(PublicKey.from_valid_secret(_key_bytes(e)))
        if not keys:
            return IDENTITY
        if len(keys) == 1:
            return Point.of_key(keys[0])
        try:
            return Point.of_key(PublicKey.combine_keys(keys))
        except ValueError:
            return IDENTITY

    def __add__(self, other: Point) -> Point:
        return Point.sum((self, other))

    def __neg__(self) -> Point:
        if self.raw is None:
            return IDENTITY
        # Negation flips the parity of y, which is the prefix byte of the compressed form.
        flipped = bytes((self.encoding[0] ^ 1,)) + self.encoding[1:]
        return _point(PublicKey(flipped).public_key, flipped)

    def __sub__(self, other: Point) -> Point:
        return self + (-other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.encoding == other.encoding

    def __hash__(self) -> int:
        return hash(self.encoding)

    def to_bytes(self) -> bytes:
        """The 33-byte compressed encoding, or 0x00 for O (only valid where §I.1 allows)."""
        return self.encoding


def _point(raw: _Raw | None, encoding: bytes) -> Point:
    """A `Point` from a raw key and its encoding, for values computed or checked here."""
    out: Point = _new_object(Point)
    _set_attribute(out, "raw", raw)
    _set_attribute(out, "encoding", encoding)
    return out


def _of_raw(raw: _Raw) -> Point:
    """A point computed by libsecp256k1, with its compressed encoding."""
    out = _ffi.new(_ENCODING, POINT_BYTES)
    size = _ffi.new(_SIZE, POINT_BYTES)
    _LIB_SERIALIZE(_CONTEXT, out, size, raw, _COMPRESSED)
    return _point(raw, _ffi.buffer(out, POINT_BYTES)[:])


def decode_point(data: bytes, field: str) -> Point:
    """`Point.from_bytes(data, field=field)` where O is not allowed: §I.1's checks in order.

    The decoding loops of ballots and proofs call this directly (660 points in a 30-motion
    ballot). Raises `InvalidPoint` as `Point.from_bytes` does.
    """
    if len(data) != POINT_BYTES:
        if data == IDENTITY_ENCODING:
            raise InvalidPoint("point-identity", field=field)
        raise InvalidPoint("point-length", field=field)
    if data[0] != 2 and data[0] != 3:
        raise InvalidPoint("point-prefix", field=field)
    # Big-endian bytes of equal length compare like the integers they encode.
    if data[1:] >= _P_BYTES:
        raise InvalidPoint("point-range", field=field)
    raw = _ffi.new(_NEW_KEY)
    # The length, prefix and range are checked above, so libsecp256k1 takes the compressed
    # path, whose only remaining failure is x³ + 7 not being a square.
    if not _LIB_PARSE(_CONTEXT, raw, data, POINT_BYTES):
        raise InvalidPoint("point-on-curve", field=field)
    return _point(raw, data)


IDENTITY: Final = _point(None, IDENTITY_ENCODING)
"""The identity O."""

GENERATOR: Final = Point.mul_base(1)
"""The standard generator G of secp256k1."""
