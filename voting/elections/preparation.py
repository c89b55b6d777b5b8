"""Preparing a vote: meetings, elections, questions with their majority rules, options,
the electorate and the trustees. Everything here changes drafts only; once the key
ceremony starts the election's shape is fixed, and when voting opens its texts are frozen.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Concatenate, Final, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots import Comparison, Fraction, MajorityRule, RuleKind, TieRule, canonical_json
from voting.accounts.models import Account, Role, RoleGrant
from voting.elections.models import (
    Election,
    ElectionOption,
    ElectionQuestion,
    ElectionState,
    ElectorateKind,
    ElectorateListing,
    Meeting,
    QuestionKind,
    Trustee,
)
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.members.models import Branch
from voting.members.services import officer_branch_ids

P = ParamSpec("P")
R = TypeVar("R")

# The manifest keeps the statutes' Dutch words, whatever the officer's language; pages
# show them translated by key (voting/elections/manifests.py `option_label`).
MOTION_OPTIONS: Final = (("voor", "Voor"), ("tegen", "Tegen"), ("onthouding", "Onthouding"))
MAX_QUESTIONS: Final = 60
MAX_OPTIONS: Final = 60
MAX_TRUSTEES: Final = 15
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


class RulePreset:
    """The majority rules an officer picks from, in plain language (shown to voters)."""

    SIMPLE = "simple"  # more than half of the votes for and against
    TWO_THIRDS = "two-thirds"  # at least two thirds (changes to the statutes)
    PLURALITY = "plurality"  # most votes wins (multiple choice)
    APPROVAL = "approval"  # the candidates with most votes fill the seats


@dataclass(frozen=True, slots=True)
class RuleChoice:
    """What the officer chose for a question's rule."""

    preset: str
    quorum_percent: int | None = None
    abstain_counts: bool = False
    blank_counts: bool = False
    tie: TieRule = TieRule.REJECTED
    # For motions: a stated supermajority (at least p/q of the votes cast) instead of a preset.
    supermajority: tuple[int, int] | None = None

    @classmethod
    def from_rule(cls, rule: MajorityRule) -> RuleChoice:
        """The choice that gives `rule` again (`rule(kind)` is its inverse): copying a vote
        passes its questions' rules through the same checks as the officer's form.

        Raises:
            Conflict: a rule no choice expresses (a quorum that is not a whole percentage,
                or a "more than" other than the simple majority).
        """
        quorum: int | None = None
        if rule.quorum is not None:
            if rule.quorum.denominator != 100:
                raise Conflict(_l("This majority rule cannot be copied: change it by hand."))
            quorum = rule.quorum.numerator
        threshold = (rule.threshold.numerator, rule.threshold.denominator)
        preset, supermajority = RulePreset.SIMPLE, None
        if rule.kind is RuleKind.PLURALITY:
            preset = RulePreset.PLURALITY
        elif rule.kind is RuleKind.APPROVAL:
            preset = RulePreset.APPROVAL
        elif rule.comparison is Comparison.MORE_THAN:
            if threshold != (1, 2):
                raise Conflict(_l("This majority rule cannot be copied: change it by hand."))
        elif threshold == (2, 3):
            preset = RulePreset.TWO_THIRDS
        else:
            supermajority = threshold
        return cls(
            preset,
            quorum,
            rule.abstain_counts,
            rule.blank_counts,
            rule.tie,
            supermajority,
        )

    def rule(self, kind: QuestionKind) -> MajorityRule:
        """The ballots `MajorityRule` (exact fractions) for a question of `kind`.

        Raises:
            FieldError: a preset that does not fit the kind, or a quorum outside 1-100 %.
        """
        quorum = None
        if self.quorum_percent is not None:
            if not 1 <= self.quorum_percent <= 100:
                raise FieldError("quorum_percent", _l("A quorum is a percentage from 1 to 100."))
            quorum = Fraction(self.quorum_percent, 100)
        motion_like = kind in {
            QuestionKind.MOTION,
            QuestionKind.AMENDMENT,
            QuestionKind.BUDGET_LINE,
        }
        if motion_like and self.supermajority is not None:
            return MajorityRule(
                RuleKind.MAJORITY,
                Fraction(*self.supermajority),
                Comparison.AT_LEAST,
                self.tie,
                quorum,
                self.abstain_counts,
                self.blank_counts,
            )
        if motion_like and self.preset in {RulePreset.SIMPLE, RulePreset.TWO_THIRDS}:
            threshold, comparison = (
                (Fraction(1, 2), Comparison.MORE_THAN)
                if self.preset == RulePreset.SIMPLE
                else (Fraction(2, 3), Comparison.AT_LEAST)
            )
            return MajorityRule(
                RuleKind.MAJORITY,
                threshold,
                comparison,
                self.tie,
                quorum,
                self.abstain_counts,
                self.blank_counts,
            )
        if kind is QuestionKind.MULTIPLE_CHOICE and self.preset == RulePreset.PLURALITY:
            return MajorityRule(
                RuleKind.PLURALITY,
                Fraction(0, 1),
                Comparison.MORE_THAN,
                self.tie,
                quorum,
                False,
                self.blank_counts,
            )
        if kind is QuestionKind.APPROVAL and self.preset == RulePreset.APPROVAL:
            return MajorityRule(
                RuleKind.APPROVAL, Fraction(0, 1), Comparison.MORE_THAN, self.tie, quorum
            )
        raise FieldError("preset", _l("This rule does not fit this kind of question."))


# ------------------------------------------------------------------ times


EARLIEST_YEAR: Final = 2000
LATEST_YEAR: Final = 2100


def to_utc(local: dt.datetime, timezone: str, field: str) -> dt.datetime:
    """A wall-clock time in `timezone` as UTC; refuses times that do not exist or occur twice.

    On the night the clocks change, 02:30 in Amsterdam either does not exist (spring) or
    happens twice (autumn); a voting deadline must never be ambiguous (THREATS T20).

    Raises:
        FieldError: on `field`, naming the problem.
    """
    if not EARLIEST_YEAR <= local.year <= LATEST_YEAR:
        # Far-off years are typing errors, and the ends of the calendar overflow in UTC.
        raise FieldError(
            field,
            _l(
                "Choose a date between the years %(low)d and %(high)d.",
                low=EARLIEST_YEAR,
                high=LATEST_YEAR,
            ),
        )
    zone = ZoneInfo(timezone)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise FieldError(
            field,
            _l(
                "This time does not exist on this day because the clocks change. Choose another time."
            ),
        )
    if first.utcoffset() != second.utcoffset():
        raise FieldError(
            field,
            _l(
                "This time happens twice on this day because the clocks change. Choose another time."
            ),
        )
    return first.astimezone(dt.UTC)


# ------------------------------------------------------------------ meetings and elections


def may_manage(account: Account, election: Election) -> bool:
    """Whether `account` may prepare and run `election` (docs/security.md, object scope).

    Administrators and national officers run every vote. An officer of one or more branches
    runs only the votes of those branches' members, and the listed votes they set up
    themselves (a decision group's secret fallback vote); never a vote of all members or of
    the Partijraad.
    """
    allowed = officer_branch_ids(account)
    if allowed is None:
        return True
    if election.electorate_kind is ElectorateKind.BRANCH:
        return election.electorate_branch_id in allowed
    if election.electorate_kind is ElectorateKind.LISTED:
        return election.created_by_id == account.id
    return False


def require_manager(account: Account, election: Election) -> None:
    """Raise Forbidden unless `account` may prepare and run `election` (`may_manage`)."""
    if not may_manage(account, election):
        raise Forbidden(_l("This vote is run by the officers of another branch or of the party."))


def create_meeting(
    session: Session,
    actor: Account,
    *,
    title: str,
    starts_local: dt.datetime,
    timezone: str,
    location: str,
    online: bool,
    now: dt.datetime,
) -> Meeting:
    """A new meeting (ALV)."""
    meeting = Meeting(
        title=title,
        starts_at=to_utc(starts_local, timezone, "starts_at"),
        location=location,
        online=online,
        timezone=timezone,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    record_event(
        session,
        action="meeting.created",
        actor_id=actor.id,
        now=now,
        subject=f"meeting:{meeting.id}",
    )
    session.commit()
    return meeting


def _slug(title: str, session: Session) -> str:
    base = _SLUG_UNSAFE.sub("-", title.lower()).strip("-")[:40] or "election"
    while True:
        slug = f"{base}-{secrets.token_hex(3)}"
        if session.scalar(select(Election).where(Election.slug == slug)) is None:
            return slug


def stage_election(
    session: Session,
    actor: Account,
    meeting: Meeting,
    *,
    title: str,
    opens_local: dt.datetime,
    closes_local: dt.datetime,
    electorate_kind: ElectorateKind,
    branch_id: int | None,
    cutoff: dt.date,
    require_second_factor: bool,
    now: dt.datetime,
    listed_members: Sequence[int] = (),
) -> Election:
    """A new draft election under a meeting; times are wall-clock in the meeting's zone.
    Flushes without committing (a copy of a vote is one transaction, copying.py);
    `create_election` commits.

    A listed electorate (`ElectorateKind.LISTED`) is the members in `listed_members`, for
    example a decision group's secret fallback vote.

    Raises:
        FieldError: closing before opening, opening in the past, a branch electorate without
            a branch.
    """
    opens_at = to_utc(opens_local, meeting.timezone, "opens_at")
    closes_at = to_utc(closes_local, meeting.timezone, "closes_at")
    if closes_at <= opens_at:
        raise FieldError("closes_at", _l("Voting must close after it opens."))
    if opens_at < now:
        raise FieldError("opens_at", _l("Voting cannot open in the past."))
    if electorate_kind is ElectorateKind.BRANCH:
        if branch_id is None or session.get(Branch, branch_id) is None:
            raise FieldError("branch", _l("Choose the branch whose members vote."))
    else:
        branch_id = None
    allowed = officer_branch_ids(actor)
    if allowed is not None and electorate_kind is not ElectorateKind.LISTED:
        if electorate_kind is not ElectorateKind.BRANCH:
            raise FieldError(
                "electorate", _l("You prepare votes of your own branch: choose its members.")
            )
        if branch_id not in allowed:
            raise FieldError("branch", _l("Choose one of your own branches."))
    if (electorate_kind is ElectorateKind.LISTED) != bool(listed_members):
        raise FieldError(
            "electorate", _l("A listed electorate needs its members, and only it takes a list.")
        )
    election = Election(
        meeting=meeting,
        slug=_slug(title, session),
        title=title,
        state=ElectionState.DRAFT,
        opens_at=opens_at,
        closes_at=closes_at,
        electorate_kind=electorate_kind,
        electorate_branch_id=branch_id,
        electorate_cutoff=cutoff,
        require_second_factor=require_second_factor,
        threshold=2,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(election)
    session.flush()
    session.add_all(
        ElectorateListing(election_id=election.id, member_id=m)
        for m in dict.fromkeys(listed_members)
    )
    record_event(
        session,
        action="election.created",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    return election


def draft(session: Session, election_id: int) -> Election:
    """An election that can still be changed.

    Raises:
        NotFound: no such election.
        Conflict: the key ceremony has started; the election is fixed.
    """
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound
    if election.state is not ElectionState.DRAFT:
        raise Conflict(_l("This vote can no longer be changed: the key ceremony has started."))
    return election


def stage_question(
    session: Session,
    actor: Account,
    election: Election,
    *,
    kind: QuestionKind,
    title: str,
    text: str,
    rule: RuleChoice,
    options: Sequence[str] = (),
    seats: int | None = None,
    min_selections: int | None = None,
    max_selections: int | None = None,
    amends: ElectionQuestion | None = None,
    amends_paragraph: int | None = None,
    now: dt.datetime,
) -> ElectionQuestion:
    """Add a question to a draft election, flushing without committing; `add_question`
    commits.

    Motions, amendments and budget lines get the options voor / tegen / onthouding (no
    selection is a blank vote). Multiple choice and approval take the given options.

    Raises:
        Forbidden: the actor may not run this vote (`may_manage`).
        FieldError: naming the field (options, seats, selections, amended paragraph, rule).
    """
    require_manager(actor, election)
    if len(election.questions) >= MAX_QUESTIONS:
        raise FieldError(
            "title", _l("A vote can have at most %(count)d questions.", count=MAX_QUESTIONS)
        )
    labels = [label.strip() for label in options if label.strip()]
    motion_like = kind in {QuestionKind.MOTION, QuestionKind.AMENDMENT, QuestionKind.BUDGET_LINE}
    if motion_like:
        low, high, seats = 0, 1, None
    else:
        if len(labels) < 2:
            raise FieldError("options", _l("Give at least two options, one per line."))
        if len(labels) > MAX_OPTIONS or len(set(labels)) != len(labels):
            raise FieldError(
                "options", _l("Give at most %(count)d options, each once.", count=MAX_OPTIONS)
            )
        if kind is QuestionKind.APPROVAL:
            if seats is None or not 1 <= seats <= len(labels):
                raise FieldError(
                    "seats",
                    _l("The number of seats must be between 1 and the number of candidates."),
                )
            low, high = min_selections or 0, max_selections or seats
        else:
            seats = None
            low, high = min_selections if min_selections is not None else 1, max_selections or 1
        if not 0 <= low <= high <= len(labels) or high < 1:
            raise FieldError(
                "max_selections",
                _l("The number of choices must be between the minimum and the number of options."),
            )
    if kind is QuestionKind.AMENDMENT:
        if (
            amends is None
            or amends.election_id != election.id
            or amends.kind is not QuestionKind.MOTION
        ):
            raise FieldError("amends", _l("Choose the motion this amendment changes."))
        paragraphs = paragraphs_of(amends.text)
        if amends_paragraph is None or not 1 <= amends_paragraph <= len(paragraphs):
            raise FieldError(
                "amends_paragraph",
                _l("Choose the paragraph of the motion that the amendment changes."),
            )
    else:
        amends, amends_paragraph = None, None
    majority = rule.rule(kind)
    question = ElectionQuestion(
        election=election,
        position=len(election.questions) + 1,
        kind=kind,
        title=title,
        text=text,
        amends=amends,
        amends_paragraph=amends_paragraph,
        rule_json=canonical_json(majority.to_json()).decode(),
        min_selections=low,
        max_selections=high,
        seats=seats,
    )
    pairs = (
        list(MOTION_OPTIONS)
        if motion_like
        else [(f"o{i}", label) for i, label in enumerate(labels, 1)]
    )
    for position, (key, label) in enumerate(pairs, 1):
        question.options.append(ElectionOption(position=position, key=key, label=label))
    session.add(question)
    session.flush()
    record_event(
        session,
        action="election.question-added",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"question": question.position, "kind": kind.value},
    )
    return question


def _committing(
    stage: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """The service that runs `stage` and then commits the session."""

    @functools.wraps(stage)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = stage(session, *args, **kwargs)
        session.commit()
        return result

    return run


create_election = _committing(stage_election)
add_question = _committing(stage_question)


def remove_question(
    session: Session, actor: Account, election: Election, question_id: int, now: dt.datetime
) -> None:
    """Remove a question (and any amendment to it) from a draft; the rest are renumbered."""
    require_manager(actor, election)
    question = session.get(ElectionQuestion, question_id)
    if question is None or question.election_id != election.id:
        raise NotFound
    for other in list(election.questions):
        if other.amends_id == question.id:
            election.questions.remove(other)
    election.questions.remove(question)
    session.flush()
    for position, remaining in enumerate(election.questions, 1):
        remaining.position = -position  # avoid clashes while renumbering
    session.flush()
    for remaining in election.questions:
        remaining.position = -remaining.position
    record_event(
        session,
        action="election.question-removed",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()


# Issue 8 (candidate Q&A): the candidates admitted in the Q&A become the options of their
# approval question while the election is a draft. The caller links each candidate to its
# new option and commits, so the options and the links change together.
def replace_candidate_options(
    session: Session,
    actor: Account,
    election: Election,
    question: ElectionQuestion,
    labels: Sequence[str],
    now: dt.datetime,
) -> list[ElectionOption]:
    """Replace the options of a draft approval question by `labels`, in that order.

    Flushes and does not commit: the caller commits.

    Raises:
        Conflict: the key ceremony has started (the election is fixed).
        FieldError: ("options") not an approval question of this election, fewer than two
            or more than MAX_OPTIONS labels, or a label twice; ("seats") more seats or
            choices than candidates.
    """
    require_manager(actor, election)
    if election.state is not ElectionState.DRAFT:
        raise Conflict(_l("This vote can no longer be changed: the key ceremony has started."))
    if question.election_id != election.id or question.kind is not QuestionKind.APPROVAL:
        raise FieldError("options", _l("Choose a candidate election of this vote."))
    if not 2 <= len(labels) <= MAX_OPTIONS or len(set(labels)) != len(labels):
        raise FieldError(
            "options",
            _l("A candidate election needs between 2 and %(count)d candidates.", count=MAX_OPTIONS),
        )
    if (question.seats or 0) > len(labels) or question.max_selections > len(labels):
        raise FieldError(
            "seats",
            _l("The number of seats must be between 1 and the number of candidates."),
        )
    question.options.clear()
    session.flush()
    for position, label in enumerate(labels, 1):
        question.options.append(ElectionOption(position=position, key=f"o{position}", label=label))
    session.flush()
    record_event(
        session,
        action="election.options-replaced",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"question": question.position, "options": len(labels)},
    )
    return list(question.options)


def paragraphs_of(text: str) -> list[str]:
    """A motion's paragraphs: blocks separated by an empty line."""
    return [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]


def eligible_trustees(session: Session) -> list[Account]:
    """Accounts that may be trustees: holders of the trustee role (Partijraad)."""
    return list(
        session.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.role == Role.TRUSTEE)
            .order_by(Account.id)
        ).unique()
    )


def set_trustees(
    session: Session,
    actor: Account,
    election: Election,
    account_ids: Sequence[int],
    threshold: int,
    now: dt.datetime,
) -> None:
    """Choose the n trustees and the threshold k of a draft election.

    Raises:
        Forbidden: the actor may not run this vote (`may_manage`).
        FieldError: fewer than two trustees, someone without the trustee role, or k not in [2, n].
    """
    require_manager(actor, election)
    allowed = {account.id for account in eligible_trustees(session)}
    chosen = list(dict.fromkeys(account_ids))
    if not 2 <= len(chosen) <= MAX_TRUSTEES:
        raise FieldError(
            "trustees", _l("Choose between 2 and %(count)d trustees.", count=MAX_TRUSTEES)
        )
    if not set(chosen) <= allowed:
        raise FieldError(
            "trustees", _l("Only members of the Partijraad with the trustee role can be trustees.")
        )
    if not 2 <= threshold <= len(chosen):
        # k = 1 would let any one trustee decrypt every ballot on their own (§I.10).
        raise FieldError(
            "threshold",
            _l("The number of trustees needed must be between 2 and the number of trustees."),
        )
    election.trustees.clear()
    session.flush()
    for index, account_id in enumerate(chosen, 1):
        election.trustees.append(Trustee(account_id=account_id, index=index))
    election.threshold = threshold
    record_event(
        session,
        action="election.trustees-set",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"trustees": len(chosen), "threshold": threshold},
    )
    session.commit()
