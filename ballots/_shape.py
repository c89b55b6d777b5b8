"""The shape of a ballot's JSON, checked before anything in it is decoded.

Implements step 1 of §I.8's validation in docs/protocol.md: version, election id and
fingerprint, pseudonym, exactly the manifest's questions and options in order, and every proof
text of exactly the length its statement fixes, all on the raw JSON before any point is
decoded or any group operation runs (THREATS T07, T10). `Ballot.from_json` (ballot.py) then
decodes what this let through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, TypeAlias

from ballots import _fields as f
from ballots.canonical import JSONObject, JSONValue
from ballots.election import Election
from ballots.errors import BallotsError, InvalidBallot
from ballots.manifest import Question
from ballots.proofs import BRANCH_BYTES

PSEUDONYM_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_OPTION_KEYS: Final = frozenset({"id", "alpha", "beta", "proof"})
_QUESTION_KEYS: Final = frozenset({"id", "options", "selections_proof"})
_BALLOT_KEYS: Final = frozenset({"version", "election_id", "fingerprint", "pseudonym", "questions"})

Shape: TypeAlias = list[tuple[Sequence[JSONObject], JSONValue]]
"""Per question of the manifest, its checked option objects and its selections proof text."""


def selection_branches(question: Question) -> int:
    return question.max_selections - question.min_selections + 1


def _b64_length(size: int) -> int:
    return (4 * size + 2) // 3


def check_shape(value: JSONValue, election: Election) -> tuple[str, Shape]:
    """Every check of §I.8 step 1, on the raw JSON, before any decoding (T07, T10)."""
    try:
        obj = f.as_object(value, field="ballot", required=_BALLOT_KEYS)
        f.check_version(obj, field="ballot")
        if f.get_id(obj, "election_id", field="ballot") != election.election_id:
            raise InvalidBallot("election-id", field="election_id")
        if f.get_bytes(obj, "fingerprint", field="ballot", length=32) != election.fingerprint:
            raise InvalidBallot("fingerprint", field="fingerprint")
        pseudonym = f.get_str(
            obj, "pseudonym", field="ballot", max_length=64, pattern=PSEUDONYM_PATTERN
        )
        manifest_questions = election.manifest.questions
        raw_questions = f.get_list(
            obj, "questions", field="ballot", max_length=len(manifest_questions) + 1
        )
    except InvalidBallot:
        raise
    except BallotsError as exc:
        raise InvalidBallot(exc.check, field=exc.field) from exc
    out = []
    for i, q in enumerate(manifest_questions):
        if i >= len(raw_questions):
            raise InvalidBallot("question-missing", question=q.id, field="questions")
        raw_q = _question_shape(raw_questions[i], q, election)
        out.append(raw_q)
    if len(raw_questions) > len(manifest_questions):
        raise InvalidBallot("question-extra", field="questions")
    return pseudonym, out


def _question_shape(
    raw: JSONValue, q: Question, election: Election
) -> tuple[Sequence[JSONObject], JSONValue]:
    try:
        obj = f.as_object(raw, field=f"questions.{q.id}", required=_QUESTION_KEYS)
        qid = f.get_id(obj, "id", field=f"questions.{q.id}")
    except BallotsError as exc:
        raise InvalidBallot(exc.check, question=q.id, field=exc.field) from exc
    if qid != q.id:
        check = (
            "question-order"
            if any(qid == other.id for other in election.manifest.questions)
            else "question-unknown"
        )
        raise InvalidBallot(
            check, question=q.id, field=f"questions.{q.id}.id", detail=f"found {qid}"
        )
    selections = obj["selections_proof"]
    if not isinstance(selections, str) or len(selections) != _b64_length(
        selection_branches(q) * BRANCH_BYTES
    ):
        raise InvalidBallot(
            "proof-length", question=q.id, field=f"questions.{q.id}.selections_proof"
        )
    try:
        raw_options = f.get_list(
            obj, "options", field=f"questions.{q.id}", max_length=len(q.options) + 1
        )
    except BallotsError as exc:
        raise InvalidBallot(exc.check, question=q.id, field=exc.field) from exc
    options: list[JSONObject] = []
    for j, option in enumerate(q.options):
        if j >= len(raw_options):
            raise InvalidBallot(
                "option-missing", question=q.id, option=option.id, field=f"questions.{q.id}.options"
            )
        where = f"questions.{q.id}.options.{option.id}"
        try:
            o = f.as_object(raw_options[j], field=where, required=_OPTION_KEYS)
            oid = f.get_id(o, "id", field=where)
        except BallotsError as exc:
            raise InvalidBallot(
                exc.check, question=q.id, option=option.id, field=exc.field
            ) from exc
        if oid != option.id:
            check = "option-order" if oid in q.option_ids else "option-unknown"
            raise InvalidBallot(
                check, question=q.id, option=option.id, field=f"{where}.id", detail=f"found {oid}"
            )
        proof = o["proof"]
        if not isinstance(proof, str) or len(proof) != _b64_length(2 * BRANCH_BYTES):
            raise InvalidBallot("proof-length", question=q.id, option=oid, field=f"{where}.proof")
        options.append(o)
    if len(raw_options) > len(q.options):
        raise InvalidBallot("option-extra", question=q.id, field=f"questions.{q.id}.options")
    return options, selections
