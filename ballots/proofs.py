"""Sigma proofs with the strong Fiat-Shamir transform.

Implements docs/protocol.md §I.6: the disjunctive Chaum-Pedersen proof that a ciphertext holds
a value in [lo, hi] (Cramer, Damgard, Schoenmakers, CRYPTO 1994; Chaum, Pedersen, CRYPTO 1992),
the Chaum-Pedersen proof of a correct partial decryption, and the Schnorr proof of knowledge of
a discrete logarithm (Schnorr, J. Cryptology 1991). Every challenge hashes the tag, the context,
the whole statement and all commitments (Bernhard, Pereira, Warinschi, ASIACRYPT 2012). Proofs
carry their commitments so that their equations can be checked in a batch (§I.8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ballots._batch import Accumulator, Equation, Where
from ballots.elgamal import Ciphertext
from ballots.encoding import Field, hash_to_scalar, items, point
from ballots.errors import InvalidProof
from ballots.group import (
    POINT_BYTES,
    SCALAR_BYTES,
    N,
    Point,
    Scalar,
    decode_point,
    decode_scalar,
    random_scalar,
)

BRANCH_BYTES = 2 * POINT_BYTES + 2 * SCALAR_BYTES
"""Bytes per branch of a range proof: a, b, c, s (§I.6.1)."""
MAX_BRANCHES = 65
DECRYPTION_PROOF_BYTES = 2 * POINT_BYTES + SCALAR_BYTES
SCHNORR_PROOF_BYTES = POINT_BYTES + SCALAR_BYTES


def _split_point(raw: bytes, offset: int, field: str) -> Point:
    return decode_point(raw[offset : offset + POINT_BYTES], field)


def _split_scalar(raw: bytes, offset: int, field: str) -> Scalar:
    return decode_scalar(raw[offset : offset + SCALAR_BYTES], field)


@dataclass(frozen=True, slots=True)
class RangeBranch:
    """One branch j of a range proof: commitments a_j, b_j, challenge c_j, response s_j."""

    a: Point
    b: Point
    c: Scalar
    s: Scalar


@dataclass(frozen=True, slots=True)
class RangeProof:
    """A disjunctive proof that a ciphertext holds one of lo..hi (§I.6.1)."""

    branches: tuple[RangeBranch, ...]

    def to_bytes(self) -> bytes:
        """The wire form: a_j || b_j || c_j || s_j for each branch."""
        out: list[bytes] = []
        for br in self.branches:
            out += (br.a.encoding, br.b.encoding, br.c.to_bytes(), br.s.to_bytes())
        return b"".join(out)

    @classmethod
    def from_bytes(cls, raw: bytes, *, branches: int, field: str = "proof") -> RangeProof:
        """Decode a proof with exactly `branches` branches; the length is checked first.

        Raises:
            InvalidProof: ``proof-length``.
            InvalidPoint, InvalidScalar: a commitment or scalar that §I.1 rejects.
        """
        if not 1 <= branches <= MAX_BRANCHES or len(raw) != branches * BRANCH_BYTES:
            raise InvalidProof("proof-length", field=field)
        # a_j, b_j, c_j, s_j in wire order, so the first bad value is the one named. The
        # slices have the lengths decode_point and decode_scalar check, as the total was.
        out = []
        for o in range(0, branches * BRANCH_BYTES, BRANCH_BYTES):
            a = decode_point(raw[o : o + 33], field)
            b = decode_point(raw[o + 33 : o + 66], field)
            c = decode_scalar(raw[o + 66 : o + 98], field)
            s = decode_scalar(raw[o + 98 : o + 130], field)
            out.append(_branch(a, b, c, s))
        return _range_proof(tuple(out))


_new_object = object.__new__
_set_attribute = object.__setattr__


def _branch(a: Point, b: Point, c: Scalar, s: Scalar) -> RangeBranch:
    """A `RangeBranch` of values already decoded and checked (no dataclass machinery)."""
    out: RangeBranch = _new_object(RangeBranch)
    _set_attribute(out, "a", a)
    _set_attribute(out, "b", b)
    _set_attribute(out, "c", c)
    _set_attribute(out, "s", s)
    return out


def _range_proof(branches: tuple[RangeBranch, ...]) -> RangeProof:
    out: RangeProof = _new_object(RangeProof)
    _set_attribute(out, "branches", branches)
    return out


@dataclass(frozen=True, slots=True)
class RangeStatement:
    """What a range proof claims, with its Fiat-Shamir context (§I.6.1, §I.8).

    `ciphertext` is the proved ciphertext; `parts` the ciphertexts it is the sum of (one for
    an option); `context` the encoded fields hashed before the commitments; `tag` the domain
    tag; `low`, `high` the range; `question`, `option` name it in errors.
    """

    tag: str
    context: tuple[Field, ...]
    key: Point
    ciphertext: Ciphertext
    parts: tuple[Ciphertext, ...]
    low: int
    high: int
    question: str | None
    option: str | None

    @property
    def branch_count(self) -> int:
        """R = high - low + 1."""
        return self.high - self.low + 1

    def challenge(self, commitments: Sequence[tuple[Point, Point]]) -> int:
        """c = H_n(tag, context..., list[list[a_j, b_j]])."""
        pairs = items([items([point(a), point(b)]) for a, b in commitments])
        return hash_to_scalar(self.tag, *self.context, pairs)


def prove_range(
    statement: RangeStatement,
    randomness: int,
    value: int,
    *,
    draw: Callable[[], int] = random_scalar,
) -> RangeProof:
    """Prove that `statement.ciphertext` = Enc(value; randomness), low <= value <= high.

    Costs 1 fixed-base and 1 variable-base multiplication for the real branch and 2 + 1 for
    each simulated one (§I.6.1); every secret scalar goes through a constant-time path.
    `draw` supplies the secret scalars; only known-answer vectors pass anything but the
    default, `secrets`-based one.
    """
    if not statement.low <= value <= statement.high:
        raise InvalidProof("proof-range", question=statement.question, option=statement.option)
    key = statement.key
    real = value - statement.low
    commitments: list[tuple[Point, Point]] = []
    simulated: dict[int, tuple[int, int]] = {}
    nonce = 0
    for j in range(statement.branch_count):
        if j == real:
            nonce = draw()
            commitments.append((Point.mul_base(nonce), key.mul(nonce)))
            continue
        u, c = draw(), draw()
        shift = c * (statement.low + j - value) % N
        a = Point.mul_base(u)
        b = key.mul_plus_base(u, shift)
        commitments.append((a, b))
        simulated[j] = (c, (u + c * randomness) % N)
    total = statement.challenge(commitments)
    c_real = (total - sum(c for c, _ in simulated.values())) % N
    s_real = (nonce + c_real * randomness) % N
    branches = []
    for j, (a, b) in enumerate(commitments):
        c, s = (c_real, s_real) if j == real else simulated[j]
        branches.append(RangeBranch(a, b, Scalar(c), Scalar(s)))
    return RangeProof(tuple(branches))


class RangeCheck:
    """A range proof's equations as a batch source (see `_batch.Batch.add_source`).

    It holds what the equations need: the branches, the ciphertexts the proved one is the sum
    of (`parts`), the low end of the range, and the question and option that name it in
    errors. `accumulate` adds the 2R weighted equations of `range_equations` straight into the
    batch's sums, without building them: the alpha terms of every branch share one coefficient
    per part. A plain slots class: a 30-motion ballot queues 120 of them.
    """

    __slots__ = ("branches", "low", "option", "parts", "question")

    def __init__(
        self,
        branches: tuple[RangeBranch, ...],
        parts: Sequence[Ciphertext],
        low: int,
        question: str | None,
        option: str | None,
    ) -> None:
        self.branches = branches
        self.parts = parts
        self.low = low
        self.question = question
        self.option = option

    def weight_count(self) -> int:
        """Two equations per branch."""
        return 2 * len(self.branches)

    def accumulate(self, acc: Accumulator, weights: Iterator[int]) -> None:
        """Add z_a*(a + c*A - s*G) + z_b*(b + c*B - c*v*G - s*K) for each branch."""
        value = self.low
        add_term = acc.add_term
        on_alpha = on_beta = g = k = 0
        for br in self.branches:
            za, zb = next(weights), next(weights)
            c, s = br.c.value, br.s.value
            add_term(br.a, za)
            add_term(br.b, zb)
            zc = zb * c
            on_alpha += za * c
            on_beta += zc
            g -= za * s + zc * value
            k -= zb * s
            value += 1
        add = acc.add
        for part in self.parts:
            add(part.alpha, on_alpha)
            add(part.beta, on_beta)
        acc.g += g
        acc.k += k

    def equations(self) -> list[Equation]:
        """The same equations one by one (for naming the failing one)."""
        out: list[Equation] = []
        parts, question, option, low = self.parts, self.question, self.option, self.low
        for j, br in enumerate(self.branches):
            c, s = br.c.value, br.s.value
            alpha_terms = ((1, br.a), *[(c, part.alpha) for part in parts])
            beta_terms = ((1, br.b), *[(c, part.beta) for part in parts])
            out.append((alpha_terms, -s % N, 0, (question, option, f"branch {j} alpha")))
            out.append(
                (beta_terms, -c * (low + j) % N, -s % N, (question, option, f"branch {j} beta"))
            )
        return out


@dataclass(frozen=True, slots=True)
class DecryptionProof:
    """Chaum-Pedersen proof that log_G X = log_A D (§I.6.2): commitments h1, h2, response s."""

    h1: Point
    h2: Point
    s: Scalar

    def to_bytes(self) -> bytes:
        """h1 || h2 || s, 98 bytes."""
        return self.h1.encoding + self.h2.encoding + self.s.to_bytes()

    @classmethod
    def from_bytes(cls, raw: bytes, *, field: str = "proof") -> DecryptionProof:
        """Decode a 98-byte proof.

        Raises:
            InvalidProof: ``proof-length``; InvalidPoint, InvalidScalar.
        """
        if len(raw) != DECRYPTION_PROOF_BYTES:
            raise InvalidProof("proof-length", field=field)
        return cls(
            _split_point(raw, 0, field),
            _split_point(raw, POINT_BYTES, field),
            _split_scalar(raw, 2 * POINT_BYTES, field),
        )


def prove_decryption(
    secret: int,
    base: Point,
    challenge: Callable[[Point, Point], int],
    *,
    draw: Callable[[], int] = random_scalar,
) -> DecryptionProof:
    """Prove D = secret*base for X = secret*G; `challenge(h1, h2)` hashes the statement."""
    nonce = draw()
    h1, h2 = Point.mul_base(nonce), base.mul(nonce)
    c = challenge(h1, h2)
    return DecryptionProof(h1, h2, Scalar((nonce + c * secret) % N))


def decryption_equations(
    proof: DecryptionProof, c: int, public: Point, base: Point, share: Point, where: Where
) -> list[Equation]:
    """s*G = h1 + c*X and s*A = h2 + c*D, as batch equations."""
    s = proof.s.value
    return [
        (((1, proof.h1), (c, public)), -s % N, 0, where),
        (((1, proof.h2), (c, share), (-s % N, base)), 0, 0, where),
    ]


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Proof of knowledge of log_G C (§I.6.3): commitment h, response s."""

    h: Point
    s: Scalar

    def to_bytes(self) -> bytes:
        """h || s, 65 bytes."""
        return self.h.encoding + self.s.to_bytes()

    @classmethod
    def from_bytes(cls, raw: bytes, *, field: str = "proof") -> SchnorrProof:
        """Decode a 65-byte proof.

        Raises:
            InvalidProof: ``proof-length``; InvalidPoint, InvalidScalar.
        """
        if len(raw) != SCHNORR_PROOF_BYTES:
            raise InvalidProof("proof-length", field=field)
        return cls(_split_point(raw, 0, field), _split_scalar(raw, POINT_BYTES, field))


def prove_knowledge(
    secret: int, challenge: Callable[[Point], int], *, draw: Callable[[], int] = random_scalar
) -> SchnorrProof:
    """Prove knowledge of `secret` = log_G C; `challenge(h)` hashes the statement."""
    nonce = draw()
    h = Point.mul_base(nonce)
    return SchnorrProof(h, Scalar((nonce + challenge(h) * secret) % N))


def schnorr_equation(proof: SchnorrProof, c: int, public: Point, where: Where) -> Equation:
    """s*G = h + c*C as a batch equation."""
    return (((1, proof.h), (c, public)), -proof.s.value % N, 0, where)
