"""Encrypted ballots: encryption with proofs, strict parsing and validation.

Implements docs/protocol.md §I.8: one exponential ElGamal ciphertext per option with a
disjunctive 0/1 proof (Cramer-Damgard-Schoenmakers 1994), one [min, max] proof per question on
the sum of its options, strong Fiat-Shamir over the election fingerprint, key, pseudonym, ids
and ciphertexts (Bernhard-Pereira-Warinschi 2012), batch verification (Bellare-Garay-Rabin
1998), and the copy check against re-cast ciphertexts (Cortier-Smyth 2011). Shape and sizes are
checked before any group operation (THREATS T07, T10).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ballots import _fields as f
from ballots._shape import PSEUDONYM_PATTERN as PSEUDONYM_PATTERN
from ballots._shape import Shape, check_shape, selection_branches
from ballots.canonical import (
    JSONObject,
    JSONValue,
    b64decode,
    b64encode,
    b64encode_each,
    canonical_json,
    parse_canonical_json,
)
from ballots.election import Election
from ballots.elgamal import Ciphertext
from ballots.encoding import (
    TAG_BALLOT_DIGEST,
    TAG_OPTION_PROOF,
    TAG_SELECTION_PROOF,
    Field,
    data,
    hash_bytes,
    integer,
    items,
    point,
    text,
)
from ballots.errors import BallotsError, InvalidBallot
from ballots.group import POINT_BYTES, decode_point
from ballots.manifest import Question
from ballots.proofs import (
    RangeProof,
    RangeStatement,
)

_POINT_TEXT: Final = 44
"""The base64url length of a 33-byte point."""
_PLAIN_TEXT: Final = re.compile(r"[A-Za-z0-9_-]*")
"""Texts that canonical JSON writes between quotes exactly as they are (§I.3)."""
# The canonical JSON of a ballot whose texts are plain, keys sorted (§I.3, §I.8).
_OPTION_JSON: Final = '{{"alpha":"{}","beta":"{}","id":"{}","proof":"{}"}}'
_QUESTION_JSON: Final = '{{"id":"{}","options":[{}],"selections_proof":"{}"}}'
_BALLOT_JSON: Final = (
    '{{"election_id":"{}","fingerprint":"{}","pseudonym":"{}","questions":[{}],"version":1}}'
)


def max_ballot_bytes(election: Election) -> int:
    """The largest canonical JSON a ballot for `election` may have: 64 KiB + 2 KiB per option."""
    return 65536 + 2048 * sum(len(q.options) for q in election.manifest.questions)


@dataclass(frozen=True, slots=True)
class EncryptedOption:
    """One option's ciphertext (alpha, beta) with its 0/1 proof (§I.8)."""

    id: str
    ciphertext: Ciphertext
    proof: RangeProof


@dataclass(frozen=True, slots=True)
class EncryptedQuestion:
    """One question's options and the [min, max] proof on their sum (§I.8)."""

    id: str
    options: tuple[EncryptedOption, ...]
    selections_proof: RangeProof


@dataclass(frozen=True, slots=True)
class Ballot:
    """An encrypted ballot (§I.8). Build it with `encrypt_ballot` or `Ballot.from_json`.

    `fingerprint` is the election fingerprint F; `pseudonym` the voter's pseudonym on the
    public record.
    """

    election_id: str
    fingerprint: bytes
    pseudonym: str
    questions: tuple[EncryptedQuestion, ...]

    def _texts(self) -> list[tuple[str, list[tuple[str, str, str, str]], str]]:
        """Per question its id, (id, alpha, beta, proof) per option, and its selections proof,
        with the bytes in base64url; the points all in one call (`b64encode_each`)."""
        points = iter(
            b64encode_each(
                [
                    p.encoding
                    for q in self.questions
                    for o in q.options
                    for p in (o.ciphertext.alpha, o.ciphertext.beta)
                ]
            )
        )
        return [
            (
                q.id,
                [
                    (o.id, next(points), next(points), b64encode(o.proof.to_bytes()))
                    for o in q.options
                ],
                b64encode(q.selections_proof.to_bytes()),
            )
            for q in self.questions
        ]

    def to_json(self) -> JSONObject:
        """The §I.8 ballot document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "fingerprint": b64encode(self.fingerprint),
            "pseudonym": self.pseudonym,
            "questions": [
                {
                    "id": qid,
                    "options": [
                        {"id": oid, "alpha": alpha, "beta": beta, "proof": proof}
                        for oid, alpha, beta, proof in options
                    ],
                    "selections_proof": selections,
                }
                for qid, options, selections in self._texts()
            ],
        }

    def _canonical(self) -> bytes:
        """`canonical_json(self.to_json())`, the bytes the digest and the record hold (§I.3).

        When every text is an id or pseudonym, which JSON writes as it is, the canonical form
        is assembled directly, keys in sorted order; any other ballot goes the general way.
        """
        texts = self._texts()
        names = [self.election_id, self.pseudonym]
        names += [q for q, _, _ in texts] + [o[0] for _, options, _ in texts for o in options]
        if not all(type(name) is str and _PLAIN_TEXT.fullmatch(name) for name in names):
            return canonical_json(self.to_json())
        questions = ",".join(
            _QUESTION_JSON.format(
                qid,
                ",".join(_OPTION_JSON.format(a, b, oid, proof) for oid, a, b, proof in options),
                selections,
            )
            for qid, options, selections in texts
        )
        fingerprint = b64encode(self.fingerprint)
        return _BALLOT_JSON.format(
            self.election_id, fingerprint, self.pseudonym, questions
        ).encode()

    def digest(self) -> bytes:
        """H(TAG_BALLOT_DIGEST, bytes(canonical(ballot))) (§I.8)."""
        return hash_bytes(TAG_BALLOT_DIGEST, data(self._canonical()))

    @classmethod
    def from_json(cls, value: JSONValue, election: Election) -> Ballot:
        """Read a ballot for `election`: the whole shape first, then every point and scalar.

        Proofs are not checked here; use `validate_ballot`.

        Raises:
            InvalidBallot: naming the check, question, option and field.
        """
        pseudonym, shape = check_shape(value, election)
        try:
            questions = _decode_in_bulk(shape, election)
        except BallotsError:
            # The same checks one field at a time, in order, to name the first bad value.
            questions = _decode(shape, election)
        return cls(election.election_id, election.fingerprint, pseudonym, questions)


def _decode(shape: Shape, election: Election) -> tuple[EncryptedQuestion, ...]:
    """Every point and scalar of a ballot whose shape is checked, each error naming its field."""
    questions = []
    for q, raw_q in zip(election.manifest.questions, shape, strict=True):
        options = []
        for raw_o in raw_q[0]:
            oid = str(raw_o["id"])
            where = f"questions.{q.id}.options.{oid}"
            try:
                alpha = f.get_point(raw_o, "alpha", field=where)
                beta = f.get_point(raw_o, "beta", field=where)
                proof = RangeProof.from_bytes(
                    b64decode(raw_o["proof"], field=f"{where}.proof"),
                    branches=2,
                    field=f"{where}.proof",
                )
            except BallotsError as exc:
                raise InvalidBallot(exc.check, question=q.id, option=oid, field=exc.field) from exc
            options.append(EncryptedOption(oid, Ciphertext(alpha, beta), proof))
        where = f"questions.{q.id}.selections_proof"
        try:
            selections = RangeProof.from_bytes(
                b64decode(raw_q[1], field=where), branches=selection_branches(q), field=where
            )
        except BallotsError as exc:
            raise InvalidBallot(exc.check, question=q.id, field=exc.field) from exc
        questions.append(EncryptedQuestion(q.id, tuple(options), selections))
    return tuple(questions)


def _decode_in_bulk(shape: Shape, election: Election) -> tuple[EncryptedQuestion, ...]:
    """`_decode`, with every alpha and beta text of the ballot decoded by one base64 call.

    Texts of 44 characters hold 33 bytes with no unused bits, so their concatenation is
    canonical exactly when each of them is. Any bad value raises a `BallotsError` that does
    not name it; the caller then runs `_decode`, which does.
    """
    texts = [raw_o[key] for raw_q in shape for raw_o in raw_q[0] for key in ("alpha", "beta")]
    strings = [text for text in texts if isinstance(text, str) and len(text) == _POINT_TEXT]
    if len(strings) != len(texts):
        raise InvalidBallot("point-length")
    raw = b64decode("".join(strings), field="questions", length=POINT_BYTES * len(strings))
    points = [
        decode_point(raw[i : i + POINT_BYTES], "point") for i in range(0, len(raw), POINT_BYTES)
    ]
    at = 0
    questions = []
    for q, (raw_options, raw_selections) in zip(election.manifest.questions, shape, strict=True):
        options = []
        for raw_o in raw_options:
            proof = RangeProof.from_bytes(b64decode(raw_o["proof"], field="proof"), branches=2)
            ciphertext = Ciphertext(points[at], points[at + 1])
            options.append(EncryptedOption(str(raw_o["id"]), ciphertext, proof))
            at += 2
        selections = RangeProof.from_bytes(
            b64decode(raw_selections, field="selections_proof"), branches=selection_branches(q)
        )
        questions.append(EncryptedQuestion(q.id, tuple(options), selections))
    return tuple(questions)


def statement_prefix(election: Election, pseudonym: str) -> Field:
    """bytes(F), point(K), text(pseudonym): the fields every proof of one ballot starts with.

    Encoded once per ballot; concatenated fields hash exactly as the separate fields do.
    """
    return Field(data(election.fingerprint) + point(election.key.joint_key) + text(pseudonym))


def option_statement(
    election: Election,
    pseudonym: str,
    question_id: str,
    option_id: str,
    ciphertext: Ciphertext,
    *,
    prefix: Field | None = None,
) -> RangeStatement:
    """The 0/1 statement of one option with its §I.8 Fiat-Shamir fields."""
    context = (
        prefix or statement_prefix(election, pseudonym),
        text(question_id),
        text(option_id),
        integer(0),
        integer(1),
        point(ciphertext.alpha),
        point(ciphertext.beta),
    )
    return RangeStatement(
        TAG_OPTION_PROOF,
        context,
        election.key.joint_key,
        ciphertext,
        (ciphertext,),
        0,
        1,
        question_id,
        option_id,
    )


def selection_statement(
    election: Election,
    pseudonym: str,
    question: Question,
    parts: Sequence[Ciphertext],
    *,
    prefix: Field | None = None,
) -> RangeStatement:
    """The [min, max] statement on a question's sum with its §I.8 Fiat-Shamir fields."""
    key = election.key.joint_key
    total = Ciphertext.sum(parts)
    context = (
        prefix or statement_prefix(election, pseudonym),
        text(question.id),
        items([text(o) for o in question.option_ids]),
        integer(question.min_selections),
        integer(question.max_selections),
        items([items([point(c.alpha), point(c.beta)]) for c in parts]),
        point(total.alpha),
        point(total.beta),
    )
    return RangeStatement(
        TAG_SELECTION_PROOF,
        context,
        key,
        total,
        tuple(parts),
        question.min_selections,
        question.max_selections,
        question.id,
        None,
    )


def parse_ballot(raw: bytes, election: Election) -> Ballot:
    """Parse a ballot's canonical JSON bytes (size-limited) for `election`.

    Raises:
        InvalidBallot: including ``json-size`` and the canonical-JSON checks.
    """
    try:
        value = parse_canonical_json(raw, max_bytes=max_ballot_bytes(election))
    except BallotsError as exc:
        raise InvalidBallot(exc.check, field=exc.field, detail=exc.detail) from exc
    return Ballot.from_json(value, election)
