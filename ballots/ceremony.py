"""The k-of-n key ceremony: Joint-Feldman DKG with proofs of knowledge and complaints.

Implements docs/protocol.md §I.10. Sources: Feldman (FOCS 1987) verifiable secret sharing,
Pedersen (EUROCRYPT 1991) distributed key generation, the complaint procedure of Gennaro,
Jarecki, Krawczyk, Rabin (J. Cryptology 2007) and, for threshold ElGamal on a Joint-Feldman
key, Gennaro et al. (CT-RSA 2003). Every coefficient carries a Schnorr proof of knowledge
(Schnorr 1991) with strong Fiat-Shamir. Shares travel encrypted with PyNaCl's `Box`
(X25519 + XSalsa20-Poly1305), a standard authenticated public-key encryption.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from nacl.public import PrivateKey

from ballots import _fields as f
from ballots._batch import Batch
from ballots.canonical import JSONObject, JSONValue, b64encode, canonical_json
from ballots.election import MAX_TRUSTEES, TrusteeCommitments
from ballots.encoding import TAG_COEFFICIENT_PROOF, data, hash_to_scalar, integer, point, text
from ballots.errors import BallotsError, CeremonyError
from ballots.group import GENERATOR, N, Point, Scalar, random_scalar
from ballots.proofs import SchnorrProof, prove_knowledge, schnorr_equation

BOX_KEY_BYTES: Final = 32
_ANNOUNCEMENT_KEYS: Final = frozenset(
    {
        "version",
        "election_id",
        "trustee",
        "threshold",
        "trustees",
        "box_key",
        "coefficients",
        "proofs",
    }
)


def _check_parameters(trustee: int, threshold: int, trustees: int) -> None:
    if not 1 <= threshold <= trustees <= MAX_TRUSTEES:
        raise CeremonyError("threshold", trustee=trustee)
    if not 1 <= trustee <= trustees:
        raise CeremonyError("trustee-index", trustee=trustee)


def _coefficient_challenge(
    election_id: str,
    trustee: int,
    power: int,
    threshold: int,
    trustees: int,
    box_key: bytes,
    c: Point,
    h: Point,
) -> int:
    return hash_to_scalar(
        TAG_COEFFICIENT_PROOF,
        text(election_id),
        integer(trustee),
        integer(power),
        integer(threshold),
        integer(trustees),
        data(box_key),
        point(c),
        point(h),
    )


@dataclass(frozen=True, slots=True)
class Announcement:
    """Trustee i's public step 1 (§I.10): Box key B_i, commitments C_i,l and their proofs."""

    election_id: str
    trustee: int
    threshold: int
    trustees: int
    box_key: bytes
    coefficients: tuple[Point, ...]
    proofs: tuple[SchnorrProof, ...]

    def to_json(self) -> JSONObject:
        """The §I.10 announcement document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "trustee": self.trustee,
            "threshold": self.threshold,
            "trustees": self.trustees,
            "box_key": b64encode(self.box_key),
            "coefficients": [b64encode(c.encoding) for c in self.coefficients],
            "proofs": [b64encode(p.to_bytes()) for p in self.proofs],
        }

    def digest(self) -> str:
        """hex(SHA-256(canonical JSON)), read aloud at the meeting to detect swapped keys."""
        return hashlib.sha256(canonical_json(self.to_json())).hexdigest()

    @property
    def commitments(self) -> TrusteeCommitments:
        """The coefficients as they enter the election key."""
        return TrusteeCommitments(self.trustee, self.coefficients)

    def verify(self) -> None:
        """Check the parameters, the points and every proof of knowledge.

        Raises:
            CeremonyError: ``threshold``, ``trustee-index``, ``coefficient-count``,
                ``box-key``, or ``coefficient-proof``/``proof-equation`` naming the trustee.
        """
        i = self.trustee
        _check_parameters(i, self.threshold, self.trustees)
        if len(self.coefficients) != self.threshold or len(self.proofs) != self.threshold:
            raise CeremonyError("coefficient-count", trustee=i)
        if len(self.box_key) != BOX_KEY_BYTES:
            raise CeremonyError("box-key", trustee=i)
        batch = Batch(GENERATOR)
        for power, (c, proof) in enumerate(zip(self.coefficients, self.proofs, strict=True)):
            if c.is_identity or proof.h.is_identity:
                raise CeremonyError("point-identity", trustee=i, detail=f"coefficient {power}")
            challenge = _coefficient_challenge(
                self.election_id, i, power, self.threshold, self.trustees, self.box_key, c, proof.h
            )
            batch.add(schnorr_equation(proof, challenge, c, (None, None, f"coefficient {power}")))
        try:
            batch.check()
        except BallotsError as exc:
            raise CeremonyError("coefficient-proof", trustee=i, detail=exc.detail) from exc

    @classmethod
    def from_json(cls, value: JSONValue) -> Announcement:
        """Read an announcement (call `verify` to check its proofs).

        Raises:
            CeremonyError: a malformed field, named.
        """
        try:
            obj = f.as_object(value, field="announcement", required=_ANNOUNCEMENT_KEYS)
            f.check_version(obj, field="announcement")
            coefficients = f.get_list(
                obj, "coefficients", field="announcement", max_length=MAX_TRUSTEES
            )
            proofs = f.get_list(obj, "proofs", field="announcement", max_length=MAX_TRUSTEES)
            return cls(
                f.get_id(obj, "election_id", field="announcement"),
                f.get_int(obj, "trustee", field="announcement", low=1, high=MAX_TRUSTEES),
                f.get_int(obj, "threshold", field="announcement", low=1, high=MAX_TRUSTEES),
                f.get_int(obj, "trustees", field="announcement", low=1, high=MAX_TRUSTEES),
                f.get_bytes(obj, "box_key", field="announcement", length=BOX_KEY_BYTES),
                tuple(
                    f.get_point({"c": c}, "c", field="announcement.coefficients")
                    for c in coefficients
                ),
                tuple(
                    SchnorrProof.from_bytes(
                        f.get_bytes({"p": p}, "p", field="announcement.proofs", length=65)
                    )
                    for p in proofs
                ),
            )
        except BallotsError as exc:
            raise CeremonyError(exc.check, field=exc.field, detail=exc.detail) from exc


@dataclass(frozen=True, slots=True)
class TrusteeSecret:
    """What trustee i keeps in its secret file (§I.11): never sent to the server.

    `box_secret_key` is the X25519 key for the shares, `coefficients` the polynomial a_i,l,
    `share` the final x_i once the ceremony is finished (None before).
    """

    election_id: str
    trustee: int
    threshold: int
    trustees: int
    box_secret_key: bytes = field(repr=False)
    coefficients: tuple[int, ...] = field(repr=False)
    share: int | None = field(default=None, repr=False)

    def __eq__(self, other: object) -> bool:
        # Secrets are compared in constant time, through their canonical encoding.
        if not isinstance(other, TrusteeSecret):
            return NotImplemented
        return hmac.compare_digest(canonical_json(self.to_json()), canonical_json(other.to_json()))

    def __hash__(self) -> int:
        return hash((self.election_id, self.trustee))

    def polynomial(self, at: int) -> int:
        """f_i(at) mod n."""
        return sum(a * pow(at, power, N) for power, a in enumerate(self.coefficients)) % N

    def to_json(self) -> JSONObject:
        """The plaintext of the secret file (§I.11)."""
        out: dict[str, JSONValue] = {
            "version": 1,
            "election_id": self.election_id,
            "trustee": self.trustee,
            "threshold": self.threshold,
            "trustees": self.trustees,
            "box_secret_key": b64encode(self.box_secret_key),
            "coefficients": [b64encode(Scalar(a).to_bytes()) for a in self.coefficients],
        }
        if self.share is not None:
            out["share"] = b64encode(Scalar(self.share).to_bytes())
        return out

    @classmethod
    def from_json(cls, value: JSONValue) -> TrusteeSecret:
        """Read a secret file's plaintext.

        Raises:
            CeremonyError: a malformed field, named.
        """
        try:
            obj = f.as_object(
                value,
                field="secret",
                required=frozenset(
                    {
                        "version",
                        "election_id",
                        "trustee",
                        "threshold",
                        "trustees",
                        "box_secret_key",
                        "coefficients",
                    }
                ),
                optional=frozenset({"share"}),
            )
            f.check_version(obj, field="secret")
            raw = f.get_list(obj, "coefficients", field="secret", max_length=MAX_TRUSTEES)
            coefficients = tuple(
                f.get_scalar({"a": a}, "a", field="secret.coefficients", nonzero=True).value
                for a in raw
            )
            threshold = f.get_int(obj, "threshold", field="secret", low=1, high=MAX_TRUSTEES)
            if len(coefficients) != threshold:
                raise CeremonyError("coefficient-count", field="secret.coefficients")
            return cls(
                f.get_id(obj, "election_id", field="secret"),
                f.get_int(obj, "trustee", field="secret", low=1, high=MAX_TRUSTEES),
                threshold,
                f.get_int(obj, "trustees", field="secret", low=1, high=MAX_TRUSTEES),
                f.get_bytes(obj, "box_secret_key", field="secret", length=BOX_KEY_BYTES),
                coefficients,
                f.get_scalar(obj, "share", field="secret", nonzero=True).value
                if "share" in obj
                else None,
            )
        except CeremonyError:
            raise
        except BallotsError as exc:
            raise CeremonyError(exc.check, field=exc.field, detail=exc.detail) from exc


def _announce_from_parts(
    election_id: str,
    trustee: int,
    threshold: int,
    trustees: int,
    box_secret_key: bytes,
    draw: Callable[[], int],
) -> tuple[TrusteeSecret, Announcement]:
    """`announce` with the Box key and every scalar given (known-answer vectors)."""
    _check_parameters(trustee, threshold, trustees)
    f.get_id({"e": election_id}, "e", field="election_id")
    box_key = bytes(PrivateKey(box_secret_key).public_key)
    coefficients = tuple(draw() for _ in range(threshold))
    commitments = tuple(Point.mul_base(a) for a in coefficients)
    proofs = []
    for power, (a, c) in enumerate(zip(coefficients, commitments, strict=True)):

        def challenge(h: Point, power: int = power, c: Point = c) -> int:
            return _coefficient_challenge(
                election_id, trustee, power, threshold, trustees, box_key, c, h
            )

        proofs.append(prove_knowledge(a, challenge, draw=draw))
    secret = TrusteeSecret(election_id, trustee, threshold, trustees, box_secret_key, coefficients)
    return secret, Announcement(
        election_id, trustee, threshold, trustees, box_key, commitments, tuple(proofs)
    )


def announce(
    election_id: str, trustee: int, threshold: int, trustees: int
) -> tuple[TrusteeSecret, Announcement]:
    """Step 1 for trustee `trustee`: a fresh Box key and polynomial; publish the announcement.

    Raises:
        CeremonyError: ``threshold`` or ``trustee-index`` for impossible parameters.
    """
    return _announce_from_parts(
        election_id, trustee, threshold, trustees, bytes(PrivateKey.generate()), random_scalar
    )
