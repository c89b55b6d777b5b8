"""The election key and the election: manifest, key and their fingerprint.

Implements docs/protocol.md §I.7 (election key document, election document, fingerprint F).
The fingerprint binds the manifest, the threshold parameters, the joint key and every
qualified trustee's polynomial commitments; every ballot proof hashes it (strong Fiat-Shamir,
Bernhard-Pereira-Warinschi 2012).
"""

from __future__ import annotations

from dataclasses import dataclass

from ballots import _fields as f
from ballots._batch import multi_mul
from ballots.canonical import JSONObject, JSONValue, b64encode
from ballots.encoding import TAG_FINGERPRINT, data, hash_bytes, integer, items, point, text
from ballots.errors import BallotsError, CeremonyError, InvalidEncoding
from ballots.group import N, Point
from ballots.manifest import Manifest

MAX_TRUSTEES = 50


@dataclass(frozen=True, slots=True)
class TrusteeCommitments:
    """Trustee i's published coefficients C_i,0 ... C_i,k-1 = a_i,l * G (§I.10)."""

    trustee: int
    coefficients: tuple[Point, ...]

    def to_json(self) -> JSONObject:
        """``{"trustee": i, "coefficients": [b64, ...]}``."""
        return {
            "trustee": self.trustee,
            "coefficients": [b64encode(c.encoding) for c in self.coefficients],
        }

    def share_image(self, index: int) -> Point:
        """f_i(index) * G = sum_l index^l * C_i,l, the public image of the share for `index`."""
        return multi_mul([(pow(index, power, N), c) for power, c in enumerate(self.coefficients)])


@dataclass(frozen=True, slots=True)
class ElectionKey:
    """The public result of the key ceremony (§I.7, §I.10).

    `threshold` is k, `trustees` n, `commitments` those of the qualified trustees in
    ascending order, `joint_key` K = sum of their C_i,0.

    Raises:
        CeremonyError: on construction with inconsistent parts (``threshold``,
            ``qualified``, ``coefficient-count``, ``trustee-index``, ``joint-key``).
    """

    election_id: str
    threshold: int
    trustees: int
    commitments: tuple[TrusteeCommitments, ...]
    joint_key: Point

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= self.trustees <= MAX_TRUSTEES:
            raise CeremonyError("threshold")
        indices = [c.trustee for c in self.commitments]
        if indices != sorted(set(indices)) or not all(1 <= i <= self.trustees for i in indices):
            raise CeremonyError("trustee-index")
        if len(indices) < self.threshold:
            raise CeremonyError("qualified")
        for c in self.commitments:
            if len(c.coefficients) != self.threshold:
                raise CeremonyError("coefficient-count", trustee=c.trustee)
            if any(p.is_identity for p in c.coefficients):
                raise CeremonyError("point-identity", trustee=c.trustee)
        if self.joint_key.is_identity or self.joint_key != Point.sum(
            c.coefficients[0] for c in self.commitments
        ):
            raise CeremonyError("joint-key")

    @property
    def qualified(self) -> tuple[int, ...]:
        """QUAL, ascending."""
        return tuple(c.trustee for c in self.commitments)

    def verification_key(self, trustee: int) -> Point:
        """X_j = sum over QUAL of f_i(j) * G: trustee j's public share (§I.10).

        Raises:
            CeremonyError: ``trustee-index`` outside 1..n.
        """
        if not 1 <= trustee <= self.trustees:
            raise CeremonyError("trustee-index", trustee=trustee)
        combined = [
            Point.sum(c.coefficients[power] for c in self.commitments)
            for power in range(self.threshold)
        ]
        return multi_mul([(pow(trustee, power, N), c) for power, c in enumerate(combined)])

    def to_json(self) -> JSONObject:
        """The §I.7 election key document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "threshold": self.threshold,
            "trustees": self.trustees,
            "joint_key": b64encode(self.joint_key.encoding),
            "commitments": [c.to_json() for c in self.commitments],
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> ElectionKey:
        """Read and check an election key document.

        Raises:
            CeremonyError: any check, naming the field or trustee.
        """
        try:
            obj = f.as_object(
                value,
                field="key",
                required=frozenset(
                    {"version", "election_id", "threshold", "trustees", "joint_key", "commitments"}
                ),
            )
            f.check_version(obj, field="key")
            threshold = f.get_int(obj, "threshold", field="key", low=1, high=MAX_TRUSTEES)
            commitments = []
            for i, raw in enumerate(
                f.get_list(obj, "commitments", field="key", max_length=MAX_TRUSTEES)
            ):
                where = f"key.commitments[{i}]"
                c = f.as_object(raw, field=where, required=frozenset({"trustee", "coefficients"}))
                coefficients = f.get_list(c, "coefficients", field=where, max_length=MAX_TRUSTEES)
                commitments.append(
                    TrusteeCommitments(
                        f.get_int(c, "trustee", field=where, low=1, high=MAX_TRUSTEES),
                        tuple(
                            f.get_point({"c": v}, "c", field=f"{where}.coefficients")
                            for v in coefficients
                        ),
                    )
                )
            return cls(
                f.get_id(obj, "election_id", field="key"),
                threshold,
                f.get_int(obj, "trustees", field="key", low=1, high=MAX_TRUSTEES),
                tuple(commitments),
                f.get_point(obj, "joint_key", field="key"),
            )
        except CeremonyError:
            raise
        except BallotsError as exc:
            raise CeremonyError(exc.check, field=exc.field, detail=exc.detail) from exc


def fingerprint(manifest: Manifest, key: ElectionKey) -> bytes:
    """F = H(TAG_FINGERPRINT, election id, D_M, k, n, K, QUAL's commitments) (§I.7)."""
    return hash_bytes(
        TAG_FINGERPRINT,
        text(manifest.election_id),
        data(manifest.digest()),
        integer(key.threshold),
        integer(key.trustees),
        point(key.joint_key),
        items(
            [
                items([integer(c.trustee), items([point(p) for p in c.coefficients])])
                for c in key.commitments
            ]
        ),
    )


@dataclass(frozen=True, slots=True)
class Election:
    """A manifest with its election key and fingerprint F (§I.7): what ballots are made for.

    Raises:
        InvalidEncoding: on construction when the ids differ (``election-id``) or F is not
            the fingerprint of the parts (``fingerprint``).
    """

    manifest: Manifest
    key: ElectionKey
    fingerprint: bytes

    def __post_init__(self) -> None:
        if self.manifest.election_id != self.key.election_id:
            raise InvalidEncoding("election-id", field="key.election_id")
        if self.fingerprint != fingerprint(self.manifest, self.key):
            raise InvalidEncoding("fingerprint", field="fingerprint")

    @classmethod
    def create(cls, manifest: Manifest, key: ElectionKey) -> Election:
        """The election of `manifest` under `key`, with its fingerprint computed."""
        return cls(manifest, key, fingerprint(manifest, key))

    @property
    def election_id(self) -> str:
        """The election id."""
        return self.manifest.election_id

    def to_json(self) -> JSONObject:
        """The §I.7 election document."""
        return {
            "version": 1,
            "manifest": self.manifest.to_json(),
            "key": self.key.to_json(),
            "fingerprint": b64encode(self.fingerprint),
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> Election:
        """Read an election document and recompute its fingerprint.

        Raises:
            BallotsError: a subclass naming the failed check and field.
        """
        obj = f.as_object(
            value,
            field="election",
            required=frozenset({"version", "manifest", "key", "fingerprint"}),
        )
        f.check_version(obj, field="election")
        return cls(
            Manifest.from_json(obj["manifest"]),
            ElectionKey.from_json(obj["key"]),
            f.get_bytes(obj, "fingerprint", field="election", length=32),
        )
