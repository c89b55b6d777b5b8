"""The encrypted tally, partial decryptions with proofs, and their threshold combination.

Implements docs/protocol.md §I.12: homomorphic aggregation of exponential ElGamal ciphertexts,
each trustee's partial decryption D = x_j * A with a Chaum-Pedersen proof (CRYPTO 1992) under
strong Fiat-Shamir (Bernhard-Pereira-Warinschi 2012), Lagrange combination of any k valid
shares (Shamir 1979; Pedersen 1991), and the bounded discrete logarithm (§I.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from ballots import _fields as f
from ballots.ballot import Ballot
from ballots.canonical import JSONObject, JSONValue, b64encode
from ballots.election import Election
from ballots.elgamal import Ciphertext
from ballots.errors import BallotsError, InvalidShare
from ballots.manifest import MAX_ELECTORATE, Manifest, Question

_TALLY_KEYS: Final = frozenset(
    {"version", "election_id", "fingerprint", "ballots_counted", "questions"}
)


@dataclass(frozen=True, slots=True)
class EncryptedTally:
    """Sum of the counted ballots' ciphertexts per question and option (§I.12).

    `options` maps each question id to its options' (id, aggregate ciphertext) in manifest
    order; `ballots_counted` is N.
    """

    election_id: str
    fingerprint: bytes
    ballots_counted: int
    questions: tuple[tuple[str, tuple[tuple[str, Ciphertext], ...]], ...]

    def to_json(self) -> JSONObject:
        """The §I.12 encrypted tally document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "fingerprint": b64encode(self.fingerprint),
            "ballots_counted": self.ballots_counted,
            "questions": [
                {
                    "id": qid,
                    "options": [
                        {
                            "id": oid,
                            "alpha": b64encode(c.alpha.encoding),
                            "beta": b64encode(c.beta.encoding),
                        }
                        for oid, c in options
                    ],
                }
                for qid, options in self.questions
            ],
        }

    @classmethod
    def from_json(cls, value: JSONValue, election: Election) -> EncryptedTally:
        """Read an encrypted tally for `election` (shape first, then points; O allowed).

        Raises:
            InvalidShare: a malformed or mismatched field, named (check, question, option).
        """
        obj = _document(value, "tally", _TALLY_KEYS, election)
        counted = _wrap(
            lambda: f.get_int(obj, "ballots_counted", field="tally", low=0, high=MAX_ELECTORATE)
        )
        questions = []
        for q, raw_options in _shape(obj, election.manifest, "tally", {"id", "alpha", "beta"}):
            options = []
            for o, raw in zip(q.options, raw_options, strict=True):
                where = f"tally.{q.id}.{o.id}"
                try:
                    alpha = f.get_point(raw, "alpha", field=where, allow_identity=True)
                    beta = f.get_point(raw, "beta", field=where, allow_identity=True)
                except BallotsError as exc:
                    raise InvalidShare(
                        exc.check, question=q.id, option=o.id, field=exc.field
                    ) from exc
                options.append((o.id, Ciphertext(alpha, beta)))
            questions.append((q.id, tuple(options)))
        return cls(election.election_id, election.fingerprint, counted, tuple(questions))


def tally_ballots(election: Election, ballots: Sequence[Ballot]) -> EncryptedTally:
    """Aggregate the counted ballots (already validated, one per pseudonym) (§I.12).

    Raises:
        InvalidShare: ``fingerprint`` for a ballot of another election, ``question-order``
            for one whose shape differs from the manifest.
    """
    shape = [(q.id, q.option_ids) for q in election.manifest.questions]
    for ballot in ballots:
        if ballot.fingerprint != election.fingerprint:
            raise InvalidShare("fingerprint", field="ballot")
        if [(eq.id, tuple(o.id for o in eq.options)) for eq in ballot.questions] != shape:
            raise InvalidShare("question-order", field="ballot")
    questions = []
    for qi, q in enumerate(election.manifest.questions):
        options = []
        for oi, option in enumerate(q.options):
            total = Ciphertext.sum(b.questions[qi].options[oi].ciphertext for b in ballots)
            options.append((option.id, total))
        questions.append((q.id, tuple(options)))
    return EncryptedTally(
        election.election_id, election.fingerprint, len(ballots), tuple(questions)
    )


_T = TypeVar("_T")


def _wrap(read: Callable[[], _T]) -> _T:
    try:
        return read()
    except InvalidShare:
        raise
    except BallotsError as exc:
        raise InvalidShare(exc.check, field=exc.field) from exc


def _document(value: JSONValue, name: str, keys: frozenset[str], election: Election) -> JSONObject:
    def read() -> JSONObject:
        obj = f.as_object(value, field=name, required=keys)
        f.check_version(obj, field=name)
        if f.get_id(obj, "election_id", field=name) != election.election_id:
            raise InvalidShare("election-id", field=f"{name}.election_id")
        if f.get_bytes(obj, "fingerprint", field=name, length=32) != election.fingerprint:
            raise InvalidShare("fingerprint", field=f"{name}.fingerprint")
        return obj

    return _wrap(read)


def _shape(
    obj: JSONObject,
    manifest: Manifest,
    name: str,
    option_keys: set[str],
    options_key: str = "options",
) -> list[tuple[Question, list[JSONObject]]]:
    """Check questions and options against the manifest, in order, before decoding anything."""
    question: str | None = None
    option: str | None = None
    out = []
    try:
        raw_questions = f.get_list(obj, "questions", field=name, max_length=len(manifest.questions))
        if len(raw_questions) != len(manifest.questions):
            raise InvalidShare("question-missing", field=f"{name}.questions")
        for q, raw_q in zip(manifest.questions, raw_questions, strict=True):
            question, option = q.id, None
            where = f"{name}.{q.id}"
            qobj = f.as_object(raw_q, field=where, required=frozenset({"id", options_key}))
            if qobj["id"] != q.id:
                raise InvalidShare("question-order", question=q.id, field=f"{where}.id")
            raw_options = f.get_list(qobj, options_key, field=where, max_length=len(q.options))
            if len(raw_options) != len(q.options):
                raise InvalidShare("option-missing", question=q.id, field=f"{where}.options")
            options = []
            for o, raw_o in zip(q.options, raw_options, strict=True):
                option = o.id
                oobj = f.as_object(raw_o, field=f"{where}.{o.id}", required=frozenset(option_keys))
                if oobj["id"] != o.id:
                    raise InvalidShare(
                        "option-order", question=q.id, option=o.id, field=f"{where}.{o.id}.id"
                    )
                options.append(oobj)
            out.append((q, options))
    except InvalidShare:
        raise
    except BallotsError as exc:
        raise InvalidShare(exc.check, question=question, option=option, field=exc.field) from exc
    return out
