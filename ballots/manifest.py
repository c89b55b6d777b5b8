"""The ballot manifest: questions, options, selection limits and majority rules.

Implements docs/protocol.md §I.7 (manifest) and the rule formats used by §I.13. The manifest
is frozen when voting opens; its canonical JSON is hashed into the election fingerprint, and
each question carries the SHA-256 of its frozen text so voters can later prove what they voted
on. Kinds and rules follow DESIGN.md "Elections and decisions".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ballots import _fields as f
from ballots.canonical import JSONObject, JSONValue, canonical_json
from ballots.encoding import TAG_MANIFEST, data, hash_bytes
from ballots.errors import BallotsError, InvalidManifest
from ballots.rules import MajorityRule, RuleKind, parse_enum

MOTION_OPTIONS: Final = ("voor", "tegen", "onthouding")
MAX_QUESTIONS: Final = 100
MAX_OPTIONS: Final = 64
MAX_ELECTORATE: Final = 10_000_000
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


class QuestionKind(StrEnum):
    """The kinds of question of §I.7."""

    MOTION = "motion"
    AMENDMENT = "amendment"
    BUDGET_LINE = "budget-line"
    MULTIPLE_CHOICE = "multiple-choice"
    APPROVAL = "approval"


MOTION_KINDS: Final = frozenset(
    {QuestionKind.MOTION, QuestionKind.AMENDMENT, QuestionKind.BUDGET_LINE}
)


_RULE_OF_KIND: Final = {
    QuestionKind.MOTION: RuleKind.MAJORITY,
    QuestionKind.AMENDMENT: RuleKind.MAJORITY,
    QuestionKind.BUDGET_LINE: RuleKind.MAJORITY,
    QuestionKind.MULTIPLE_CHOICE: RuleKind.PLURALITY,
    QuestionKind.APPROVAL: RuleKind.APPROVAL,
}


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a question: an id (``voor``, a candidate id, ...) and its label."""

    id: str
    label: str

    def to_json(self) -> JSONObject:
        """``{"id", "label"}``."""
        return {"id": self.id, "label": self.label}


@dataclass(frozen=True, slots=True)
class Amends:
    """For an amendment: the motion it amends and the paragraph it changes."""

    question: str
    paragraph: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the manifest (§I.7).

    `text_sha256` is hex(SHA-256 of the frozen text's UTF-8 bytes); `min_selections` and
    `max_selections` bound the number of options a voter selects; `amends` is set only for
    amendments, `seats` only for approval elections.
    """

    id: str
    kind: QuestionKind
    title: str
    text_sha256: str
    options: tuple[Option, ...]
    min_selections: int
    max_selections: int
    rule: MajorityRule
    amends: Amends | None = None
    seats: int | None = None

    def __post_init__(self) -> None:
        self._check()

    @property
    def option_ids(self) -> tuple[str, ...]:
        """The option ids in manifest order."""
        return tuple(o.id for o in self.options)

    def _fail(self, check: str, detail: str = "") -> InvalidManifest:
        return InvalidManifest(check, question=self.id, detail=detail)

    def _check(self) -> None:
        if not f.ID_PATTERN.fullmatch(self.id):
            raise self._fail("format", "question id")
        if not _HEX64.fullmatch(self.text_sha256):
            raise self._fail("format", "text_sha256")
        if not 1 <= len(self.options) <= MAX_OPTIONS:
            raise self._fail("option-count")
        ids = self.option_ids
        if len(set(ids)) != len(ids) or not all(f.ID_PATTERN.fullmatch(i) for i in ids):
            raise self._fail("option-ids")
        if (
            not 0 <= self.min_selections <= self.max_selections <= len(ids)
            or self.max_selections < 1
        ):
            raise self._fail("selections")
        if self.rule.kind is not _RULE_OF_KIND[self.kind]:
            raise self._fail("rule-kind")
        if self.rule.blank_counts and self.max_selections != 1:
            raise self._fail("rule-blank", "blank ballots are only derivable when max is 1")
        if (self.amends is not None) != (self.kind is QuestionKind.AMENDMENT):
            raise self._fail("amends")
        if (self.seats is not None) != (self.kind is QuestionKind.APPROVAL):
            raise self._fail("seats")
        if self.kind in MOTION_KINDS:
            if ids != MOTION_OPTIONS or (self.min_selections, self.max_selections) != (0, 1):
                raise self._fail("motion-options", "voor, tegen, onthouding; 0 to 1 selection")
        elif self.kind is QuestionKind.MULTIPLE_CHOICE and len(ids) < 2:
            raise self._fail("option-count")
        elif self.seats is not None and not 1 <= self.seats <= len(ids):
            raise self._fail("seats")

    def to_json(self) -> JSONObject:
        """The §I.7 QUESTION object."""
        out: dict[str, JSONValue] = {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "text_sha256": self.text_sha256,
            "options": [o.to_json() for o in self.options],
            "min_selections": self.min_selections,
            "max_selections": self.max_selections,
            "rule": self.rule.to_json(),
        }
        if self.amends is not None:
            out["amends"] = {"question": self.amends.question, "paragraph": self.amends.paragraph}
        if self.seats is not None:
            out["seats"] = self.seats
        return out

    @classmethod
    def from_json(cls, value: JSONValue, *, field: str) -> Question:
        """Read and check a QUESTION object."""
        obj = f.as_object(
            value,
            field=field,
            required=frozenset(
                {
                    "id",
                    "kind",
                    "title",
                    "text_sha256",
                    "options",
                    "min_selections",
                    "max_selections",
                    "rule",
                }
            ),
            optional=frozenset({"amends", "seats"}),
        )
        qid = f.get_id(obj, "id", field=field)
        options = []
        for i, raw in enumerate(f.get_list(obj, "options", field=field, max_length=MAX_OPTIONS)):
            where = f"{field}.options[{i}]"
            o = f.as_object(raw, field=where, required=frozenset({"id", "label"}))
            options.append(
                Option(
                    f.get_id(o, "id", field=where),
                    f.get_str(o, "label", field=where, max_length=200),
                )
            )
        amends = None
        if "amends" in obj:
            a = f.as_object(
                obj["amends"],
                field=f"{field}.amends",
                required=frozenset({"question", "paragraph"}),
            )
            amends = Amends(
                f.get_id(a, "question", field=f"{field}.amends"),
                f.get_str(a, "paragraph", field=f"{field}.amends", max_length=100),
            )
        return cls(
            id=qid,
            kind=parse_enum(QuestionKind, obj["kind"], f"{field}.kind"),
            title=f.get_str(obj, "title", field=field, max_length=300),
            text_sha256=f.get_str(obj, "text_sha256", field=field, max_length=64, pattern=_HEX64),
            options=tuple(options),
            min_selections=f.get_int(obj, "min_selections", field=field, low=0, high=MAX_OPTIONS),
            max_selections=f.get_int(obj, "max_selections", field=field, low=0, high=MAX_OPTIONS),
            rule=MajorityRule.from_json(obj["rule"], field=f"{field}.rule"),
            amends=amends,
            seats=f.get_int(obj, "seats", field=field, low=1, high=MAX_OPTIONS)
            if "seats" in obj
            else None,
        )


def text_sha256(text: str) -> str:
    """hex(SHA-256(UTF-8 bytes)) of a frozen question text (§I.7)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def motion(
    qid: str,
    title: str,
    text: str,
    *,
    rule: MajorityRule | None = None,
    kind: QuestionKind = QuestionKind.MOTION,
    amends: Amends | None = None,
) -> Question:
    """A motion-like question with the options voor, tegen, onthouding (blanco = none)."""
    options = (Option("voor", "Voor"), Option("tegen", "Tegen"), Option("onthouding", "Onthouding"))
    return Question(
        qid,
        kind,
        title,
        text_sha256(text),
        options,
        0,
        1,
        rule or MajorityRule.simple_majority(),
        amends,
    )


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything voters vote on, frozen when voting opens (§I.7).

    `electorate_size` is E, the number of eligible voters, used by quorums and as the
    largest possible number of ballots.
    """

    election_id: str
    title: str
    electorate_size: int
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        if not f.ID_PATTERN.fullmatch(self.election_id):
            raise InvalidManifest("format", field="election_id")
        if not 1 <= self.electorate_size <= MAX_ELECTORATE:
            raise InvalidManifest("range", field="electorate_size")
        if not 1 <= len(self.questions) <= MAX_QUESTIONS:
            raise InvalidManifest("question-count")
        seen: dict[str, Question] = {}
        for q in self.questions:
            if q.id in seen:
                raise InvalidManifest("question-ids", question=q.id)
            if q.amends is not None:
                parent = seen.get(q.amends.question)
                if parent is None or parent.kind is not QuestionKind.MOTION:
                    raise InvalidManifest(
                        "amends", question=q.id, detail="must amend an earlier motion"
                    )
            seen[q.id] = q

    def question(self, qid: str) -> Question:
        """The question with id `qid`.

        Raises:
            InvalidManifest: ``question-unknown``.
        """
        for q in self.questions:
            if q.id == qid:
                return q
        raise InvalidManifest("question-unknown", question=qid)

    def to_json(self) -> JSONObject:
        """The §I.7 manifest document."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "title": self.title,
            "electorate_size": self.electorate_size,
            "questions": [q.to_json() for q in self.questions],
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> Manifest:
        """Read and check a manifest.

        Raises:
            InvalidManifest: any check of §I.7, naming the field or question.
        """
        try:
            obj = f.as_object(
                value,
                field="manifest",
                required=frozenset(
                    {"version", "election_id", "title", "electorate_size", "questions"}
                ),
            )
            f.check_version(obj, field="manifest")
            raw_questions = f.get_list(obj, "questions", field="manifest", max_length=MAX_QUESTIONS)
            return cls(
                f.get_id(obj, "election_id", field="manifest"),
                f.get_str(obj, "title", field="manifest", max_length=200),
                f.get_int(obj, "electorate_size", field="manifest", low=1, high=MAX_ELECTORATE),
                tuple(
                    Question.from_json(q, field=f"manifest.questions[{i}]")
                    for i, q in enumerate(raw_questions)
                ),
            )
        except InvalidManifest:
            raise
        except BallotsError as exc:
            raise InvalidManifest(exc.check, field=exc.field, detail=exc.detail) from exc

    def digest(self) -> bytes:
        """D_M = H(TAG_MANIFEST, bytes(canonical(manifest))) (§I.7)."""
        return hash_bytes(TAG_MANIFEST, data(canonical_json(self.to_json())))
