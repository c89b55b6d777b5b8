"""The decrypted tally: combining k valid shares, and checking a claimed result.

Implements docs/protocol.md §I.12 (combination, decrypted tally, its check): M = B - sum of
lambda_j * D_j over k valid shares (Lagrange interpolation in the exponent; Shamir 1979,
Pedersen 1991), the count by baby-step giant-step over [0, N] (§I.5), and the verifier's check
c * G = M, which needs no discrete-log search.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ballots import _fields as f
from ballots.canonical import JSONObject, JSONValue, b64encode
from ballots.decryption import DecryptionShare, lagrange_coefficients, verify_share
from ballots.election import MAX_TRUSTEES, Election
from ballots.elgamal import DiscreteLogTable
from ballots.errors import BallotsError, DecryptionError, InvalidShare, ThresholdNotMet
from ballots.group import N, Point
from ballots.manifest import MAX_ELECTORATE
from ballots.tally import EncryptedTally, _document, _shape, _wrap

_RESULT_KEYS: Final = frozenset(
    {"version", "election_id", "fingerprint", "ballots_counted", "trustees", "questions"}
)


@dataclass(frozen=True, slots=True)
class DecryptedTally:
    """The count per option (§I.12), with the trustees whose shares were combined.

    `counts` holds, per question in manifest order, (option id, count) in manifest order.
    """

    election_id: str
    fingerprint: bytes
    ballots_counted: int
    trustees: tuple[int, ...]
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]

    def counts_for(self, question: str) -> dict[str, int]:
        """The counts of one question by option id.

        Raises:
            DecryptionError: ``question-unknown``.
        """
        for qid, options in self.counts:
            if qid == question:
                return dict(options)
        raise DecryptionError("question-unknown", question=question)

    def to_json(self) -> JSONObject:
        """The §I.12 decrypted tally document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "fingerprint": b64encode(self.fingerprint),
            "ballots_counted": self.ballots_counted,
            "trustees": list(self.trustees),
            "questions": [
                {"id": qid, "counts": [{"id": oid, "count": c} for oid, c in options]}
                for qid, options in self.counts
            ],
        }

    @classmethod
    def from_json(cls, value: JSONValue, election: Election) -> DecryptedTally:
        """Read a decrypted tally for `election` (use `check_decrypted_tally` to verify it).

        Raises:
            InvalidShare: a malformed or mismatched field, named.
        """
        obj = _document(value, "result", _RESULT_KEYS, election)
        counted = _wrap(
            lambda: f.get_int(obj, "ballots_counted", field="result", low=0, high=MAX_ELECTORATE)
        )
        raw_trustees = _wrap(
            lambda: f.get_list(obj, "trustees", field="result", max_length=MAX_TRUSTEES)
        )
        trustees = []
        for t in raw_trustees:
            if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= MAX_TRUSTEES:
                raise InvalidShare("trustee-index", field="result.trustees")
            trustees.append(t)
        counts = []
        for q, raw_options in _shape(obj, election.manifest, "result", {"id", "count"}, "counts"):
            options = []
            for o, raw in zip(q.options, raw_options, strict=True):
                try:
                    options.append(
                        (
                            o.id,
                            f.get_int(
                                raw, "count", field=f"result.{q.id}.{o.id}", low=0, high=counted
                            ),
                        )
                    )
                except BallotsError as exc:
                    raise InvalidShare(
                        exc.check, question=q.id, option=o.id, field=exc.field
                    ) from exc
            counts.append((q.id, tuple(options)))
        return cls(
            election.election_id, election.fingerprint, counted, tuple(trustees), tuple(counts)
        )


def _combined_points(
    election: Election, tally: EncryptedTally, shares: Mapping[int, DecryptionShare]
) -> list[tuple[str, list[tuple[str, Point]]]]:
    """M = B - sum of lambda_j * D_j for each option, over exactly the given trustees."""
    weights = lagrange_coefficients(sorted(shares))
    out = []
    for qi, (qid, options) in enumerate(tally.questions):
        row = []
        for oi, (oid, ct) in enumerate(options):
            terms = [ct.beta]
            for j, share in shares.items():
                terms.append(share.questions[qi][1][oi].share.mul((N - weights[j]) % N))
            row.append((oid, Point.sum(terms)))
        out.append((qid, row))
    return out


def combine_shares(
    election: Election, tally: EncryptedTally, shares: Sequence[DecryptionShare]
) -> DecryptedTally:
    """Verify every share, combine the k valid ones of smallest index, and decrypt the counts.

    Invalid shares are left out (check them with `verify_share` to report why).

    Raises:
        ThresholdNotMet: ``threshold`` when fewer than k distinct trustees gave a valid share.
        DecryptionError: ``decryption-range`` when a count is outside [0, N].
    """
    valid: dict[int, DecryptionShare] = {}
    for share in shares:
        if share.trustee in valid:
            continue
        try:
            verify_share(election, tally, share)
        except InvalidShare:
            continue
        valid[share.trustee] = share
    k = election.key.threshold
    if len(valid) < k:
        raise ThresholdNotMet("threshold", detail=f"{len(valid)} valid shares, {k} needed")
    chosen = {j: valid[j] for j in sorted(valid)[:k]}
    table = DiscreteLogTable.for_bound(tally.ballots_counted)
    counts = []
    for qid, row in _combined_points(election, tally, chosen):
        options = []
        for oid, m in row:
            try:
                options.append((oid, table.solve(m)))
            except DecryptionError as exc:
                raise DecryptionError(
                    exc.check, question=qid, option=oid, detail=exc.detail
                ) from exc
        counts.append((qid, tuple(options)))
    return DecryptedTally(
        election.election_id,
        election.fingerprint,
        tally.ballots_counted,
        tuple(chosen),
        tuple(counts),
    )


def check_decrypted_tally(
    election: Election,
    tally: EncryptedTally,
    shares: Sequence[DecryptionShare],
    result: DecryptedTally,
) -> None:
    """Check a claimed result: its k trustees' shares are valid and c * G = M for every count.

    Raises:
        InvalidShare: a share of a listed trustee that fails, or ``ballots-counted``.
        ThresholdNotMet: ``threshold`` when the result lists other than k distinct trustees
            or a listed trustee has no share.
        DecryptionError: ``decryption-result`` naming the question and option of a wrong count.
    """
    if (
        result.fingerprint != election.fingerprint
        or result.ballots_counted != tally.ballots_counted
    ):
        raise InvalidShare("ballots-counted", field="result")
    k = election.key.threshold
    listed = result.trustees
    if len(set(listed)) != k or len(listed) != k:
        raise ThresholdNotMet("threshold", detail="a result combines exactly k distinct trustees")
    by_trustee = {s.trustee: s for s in shares}
    chosen = {}
    for j in listed:
        if j not in by_trustee:
            raise ThresholdNotMet("threshold", trustee=j, detail="no share from a listed trustee")
        verify_share(election, tally, by_trustee[j])
        chosen[j] = by_trustee[j]
    claimed = {qid: dict(options) for qid, options in result.counts}
    for qid, row in _combined_points(election, tally, chosen):
        for oid, m in row:
            count = claimed.get(qid, {}).get(oid)
            if (
                count is None
                or not 0 <= count <= tally.ballots_counted
                or Point.mul_base(count) != m
            ):
                raise DecryptionError("decryption-result", question=qid, option=oid)
