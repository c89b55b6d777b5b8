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
from ballots.group import POINT_BYTES, SCALAR_BYTES, N, Point, Scalar, random_scalar

BRANCH_BYTES = 2 * POINT_BYTES + 2 * SCALAR_BYTES
"""Bytes per branch of a range proof: a, b, c, s (§I.6.1)."""
MAX_BRANCHES = 65
DECRYPTION_PROOF_BYTES = 2 * POINT_BYTES + SCALAR_BYTES
SCHNORR_PROOF_BYTES = POINT_BYTES + SCALAR_BYTES


def _split_point(raw: bytes, offset: int, field: str) -> Point:
    return Point.from_bytes(raw[offset : offset + POINT_BYTES], field=field)


def _split_scalar(raw: bytes, offset: int, field: str) -> Scalar:
    return Scalar.from_bytes(raw[offset : offset + SCALAR_BYTES], field=field)


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
        return b"".join(
            br.a.encoding + br.b.encoding + br.c.to_bytes() + br.s.to_bytes()
            for br in self.branches
        )

    @classmethod
    def from_bytes(cls, raw: bytes, *, branches: int, field: str = "proof") -> RangeProof:
        """Decode a proof with exactly `branches` branches; the length is checked first.

        Raises:
            InvalidProof: ``proof-length``.
            InvalidPoint, InvalidScalar: a commitment or scalar that §I.1 rejects.
        """
        if not 1 <= branches <= MAX_BRANCHES or len(raw) != branches * BRANCH_BYTES:
            raise InvalidProof("proof-length", field=field)
        out = []
        for j in range(branches):
            o = j * BRANCH_BYTES
            out.append(
                RangeBranch(
                    _split_point(raw, o, field),
                    _split_point(raw, o + POINT_BYTES, field),
                    _split_scalar(raw, o + 2 * POINT_BYTES, field),
                    _split_scalar(raw, o + 2 * POINT_BYTES + SCALAR_BYTES, field),
                )
            )
        return cls(tuple(out))


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


def check_range_challenge(statement: RangeStatement, proof: RangeProof) -> None:
    """Check the branch count and that the c_j sum to the recomputed challenge (no group work).

    Raises:
        InvalidProof: ``proof-length`` or ``challenge-sum``.
    """
    question, option = statement.question, statement.option
    if len(proof.branches) != statement.branch_count:
        raise InvalidProof("proof-length", question=question, option=option)
    expected = statement.challenge([(br.a, br.b) for br in proof.branches])
    if sum(br.c.value for br in proof.branches) % N != expected:
        raise InvalidProof("challenge-sum", question=question, option=option)


def range_equations(statement: RangeStatement, proof: RangeProof) -> list[Equation]:
    """The 2R equations of §I.6.1 in the form sum(e*P) + g*G + kappa*K = O.

    For a sum of ciphertexts the alpha and beta terms are spread over the parts, which is the
    same point (A = sum of alpha_i) and lets a batch merge them with the parts' own terms.
    """
    out: list[Equation] = []
    parts = statement.parts
    question, option, low = statement.question, statement.option, statement.low
    for j, br in enumerate(proof.branches):
        c, s = br.c.value, br.s.value
        alpha_terms = ((1, br.a), *[(c, part.alpha) for part in parts])
        beta_terms = ((1, br.b), *[(c, part.beta) for part in parts])
        out.append((alpha_terms, -s % N, 0, (question, option, f"branch {j} alpha")))
        out.append((beta_terms, -c * (low + j) % N, -s % N, (question, option, f"branch {j} beta")))
    return out


@dataclass(frozen=True, slots=True)
class RangeCheck:
    """A range proof's equations as a batch source (see `_batch.Batch.add_source`).

    `accumulate` adds the 2R weighted equations of `range_equations` straight into the batch's
    sums, without building them: the alpha terms of every branch share one coefficient per part.
    """

    statement: RangeStatement
    proof: RangeProof

    def weight_count(self) -> int:
        """Two equations per branch."""
        return 2 * len(self.proof.branches)

    def accumulate(self, acc: Accumulator, weights: Iterator[int]) -> None:
        """Add z_a*(a + c*A - s*G) + z_b*(b + c*B - c*v*G - s*K) for each branch."""
        low = self.statement.low
        add = acc.add
        on_alpha = on_beta = g = k = 0
        for j, br in enumerate(self.proof.branches):
            za, zb = next(weights), next(weights)
            c, s = br.c.value, br.s.value
            add(br.a, za)
            add(br.b, zb)
            on_alpha += za * c
            on_beta += zb * c
            g -= za * s + zb * c * (low + j)
            k -= zb * s
        for part in self.statement.parts:
            add(part.alpha, on_alpha)
            add(part.beta, on_beta)
        acc.g += g
        acc.k += k

    def equations(self) -> list[Equation]:
        """The same equations one by one (for naming the failing one)."""
        return range_equations(self.statement, self.proof)


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
