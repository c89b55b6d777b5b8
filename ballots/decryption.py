"""Partial decryptions with Chaum-Pedersen proofs, and their threshold combination.

Implements docs/protocol.md §I.12 (decryption share, combination, decrypted tally): trustee j
publishes D = x_j * A for every aggregate with a Chaum-Pedersen proof (Chaum, Pedersen, CRYPTO
1992) under strong Fiat-Shamir (Bernhard-Pereira-Warinschi 2012); any k valid shares are
combined by Lagrange interpolation in the exponent (Shamir 1979; Pedersen, EUROCRYPT 1991) and
the count is the bounded discrete logarithm of §I.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ballots import _fields as f
from ballots._batch import Batch
from ballots.canonical import JSONObject, JSONValue, b64decode, b64encode
from ballots.ceremony import TrusteeSecret
from ballots.election import MAX_TRUSTEES, Election
from ballots.elgamal import Ciphertext
from ballots.encoding import TAG_DECRYPTION_PROOF, data, hash_to_scalar, integer, point, text
from ballots.errors import BallotsError, InvalidShare
from ballots.group import IDENTITY, N, Point, random_scalar
from ballots.proofs import (
    DECRYPTION_PROOF_BYTES,
    DecryptionProof,
    decryption_equations,
    prove_decryption,
)
from ballots.tally import EncryptedTally, _document, _shape, _wrap

_SHARE_KEYS: Final = frozenset({"version", "election_id", "fingerprint", "trustee", "questions"})
_RESULT_KEYS: Final = frozenset(
    {"version", "election_id", "fingerprint", "ballots_counted", "trustees", "questions"}
)


@dataclass(frozen=True, slots=True)
class PartialDecryption:
    """D = x_j * A for one option, with its proof (None exactly when A is the identity)."""

    option: str
    share: Point
    proof: DecryptionProof | None


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee j's partial decryption of a whole tally (§I.12)."""

    election_id: str
    fingerprint: bytes
    trustee: int
    questions: tuple[tuple[str, tuple[PartialDecryption, ...]], ...]

    def to_json(self) -> JSONObject:
        """The §I.12 decryption share document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "fingerprint": b64encode(self.fingerprint),
            "trustee": self.trustee,
            "questions": [
                {
                    "id": qid,
                    "options": [
                        {
                            "id": p.option,
                            "share": b64encode(p.share.encoding),
                            "proof": "" if p.proof is None else b64encode(p.proof.to_bytes()),
                        }
                        for p in parts
                    ],
                }
                for qid, parts in self.questions
            ],
        }

    @classmethod
    def from_json(cls, value: JSONValue, election: Election) -> DecryptionShare:
        """Read a decryption share for `election` (call `verify_share` to check its proofs).

        Raises:
            InvalidShare: a malformed or mismatched field, named.
        """
        obj = _document(value, "share", _SHARE_KEYS, election)
        trustee = _wrap(lambda: f.get_int(obj, "trustee", field="share", low=1, high=MAX_TRUSTEES))
        questions = []
        for q, raw_options in _shape(obj, election.manifest, "share", {"id", "share", "proof"}):
            parts = []
            for o, raw in zip(q.options, raw_options, strict=True):
                where = f"share.{q.id}.{o.id}"
                try:
                    share = f.get_point(raw, "share", field=where, allow_identity=True)
                    text_proof = raw["proof"]
                    proof = (
                        None
                        if text_proof == ""
                        else DecryptionProof.from_bytes(
                            b64decode(
                                text_proof, field=f"{where}.proof", length=DECRYPTION_PROOF_BYTES
                            ),
                            field=f"{where}.proof",
                        )
                    )
                except BallotsError as exc:
                    raise InvalidShare(
                        exc.check, question=q.id, option=o.id, field=exc.field, trustee=trustee
                    ) from exc
                parts.append(PartialDecryption(o.id, share, proof))
            questions.append((q.id, tuple(parts)))
        return cls(election.election_id, election.fingerprint, trustee, tuple(questions))


def _challenge(
    election: Election,
    trustee: int,
    qid: str,
    oid: str,
    public: Point,
    ct: Ciphertext,
    share: Point,
) -> Callable[[Point, Point], int]:
    def challenge(h1: Point, h2: Point) -> int:
        return hash_to_scalar(
            TAG_DECRYPTION_PROOF,
            data(election.fingerprint),
            integer(trustee),
            text(qid),
            text(oid),
            point(public),
            point(ct.alpha),
            point(ct.beta),
            point(share),
            point(h1),
            point(h2),
        )

    return challenge


def _check_tally(election: Election, tally: EncryptedTally) -> None:
    if tally.fingerprint != election.fingerprint or tally.election_id != election.election_id:
        raise InvalidShare("fingerprint", field="tally")
    shape = [(q.id, q.option_ids) for q in election.manifest.questions]
    if [(qid, tuple(oid for oid, _ in options)) for qid, options in tally.questions] != shape:
        raise InvalidShare("question-order", field="tally")


def _decrypt_share_from_parts(
    election: Election, tally: EncryptedTally, secret: TrusteeSecret, draw: Callable[[], int]
) -> DecryptionShare:
    """`decrypt_share` with the proof nonces taken from `draw` (known-answer vectors)."""
    _check_tally(election, tally)
    j = secret.trustee
    if secret.share is None or secret.election_id != election.election_id:
        raise InvalidShare(
            "secret-share", trustee=j, detail="the ceremony is not finished for this election"
        )
    public = election.key.verification_key(j)
    x = secret.share
    if Point.mul_base(x) != public:
        raise InvalidShare("verification-key", trustee=j)
    questions = []
    for qid, options in tally.questions:
        parts = []
        for oid, ct in options:
            if ct.alpha.is_identity:
                parts.append(PartialDecryption(oid, IDENTITY, None))
                continue
            share = ct.alpha.mul(x)
            proof = prove_decryption(
                x, ct.alpha, _challenge(election, j, qid, oid, public, ct, share), draw=draw
            )
            parts.append(PartialDecryption(oid, share, proof))
        questions.append((qid, tuple(parts)))
    return DecryptionShare(election.election_id, election.fingerprint, j, tuple(questions))


def decrypt_share(
    election: Election, tally: EncryptedTally, secret: TrusteeSecret
) -> DecryptionShare:
    """Trustee `secret.trustee`'s partial decryption of `tally`, with a proof per option.

    The trustee tool must recompute `tally` from the ballots itself (THREATS T16): this
    function decrypts exactly the aggregate it is given.

    Raises:
        InvalidShare: ``secret-share`` (ceremony not finished), ``verification-key`` (the
            secret does not match the election key), ``fingerprint``, ``question-order``.
    """
    return _decrypt_share_from_parts(election, tally, secret, random_scalar)


def verify_share(election: Election, tally: EncryptedTally, share: DecryptionShare) -> None:
    """Check every proof of `share` against `tally` (§I.12); return only if all hold.

    Raises:
        InvalidShare: naming the trustee, question, option and check (``challenge``-free:
            ``proof-equation``, ``decryption-identity``, ``question-order``, ...).
    """
    _check_tally(election, tally)
    j = share.trustee
    if share.fingerprint != election.fingerprint or not 1 <= j <= election.key.trustees:
        raise InvalidShare(
            "fingerprint" if share.fingerprint != election.fingerprint else "trustee-index",
            trustee=j,
        )
    if [(qid, tuple(p.option for p in parts)) for qid, parts in share.questions] != [
        (qid, tuple(oid for oid, _ in options)) for qid, options in tally.questions
    ]:
        raise InvalidShare("question-order", trustee=j)
    public = election.key.verification_key(j)
    batch = Batch(election.key.joint_key)
    for (qid, options), (_, parts) in zip(tally.questions, share.questions, strict=True):
        for (oid, ct), part in zip(options, parts, strict=True):
            if ct.alpha.is_identity or part.proof is None or part.share.is_identity:
                if not (ct.alpha.is_identity and part.proof is None and part.share.is_identity):
                    raise InvalidShare("decryption-identity", trustee=j, question=qid, option=oid)
                continue
            proof = part.proof
            c = _challenge(election, j, qid, oid, public, ct, part.share)(proof.h1, proof.h2)
            batch.extend(
                decryption_equations(
                    proof, c, public, ct.alpha, part.share, (qid, oid, "decryption")
                )
            )
    try:
        batch.check()
    except BallotsError as exc:
        raise InvalidShare(exc.check, trustee=j, question=exc.question, option=exc.option) from exc


def lagrange_coefficients(trustees: Sequence[int]) -> dict[int, int]:
    """lambda_j = prod over m != j of m / (m - j) mod n, for distinct indices (§I.12)."""
    out = {}
    for j in trustees:
        numerator = denominator = 1
        for m in trustees:
            if m != j:
                numerator = numerator * m % N
                denominator = denominator * (m - j) % N
        out[j] = numerator * pow(denominator, -1, N) % N
    return out
