"""Copying a vote as a new draft: the way on after a cancelled vote, or to hold a vote again.

The copy is built by the preparation services themselves (`stage_election`,
`stage_question`), so it passes every check a vote typed in by hand passes, in one
transaction: either the whole draft exists or nothing does. It takes over the questions with
their texts, options, seats, choices and majority rules, the amendments (to the same
paragraph of the copied motion), the electorate (kind, branch, listed members), the second
step setting and the number of trustees needed. It takes over no trustees (the officer
chooses them again, for example without one who stalled the ceremony), nothing of the key
ceremony, no ballot and no log. The times are asked again: a copy never takes over a time
that has passed.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.elections.manifests import rule_of
from voting.elections.models import (
    Election,
    ElectionQuestion,
    ElectorateKind,
    ElectorateListing,
    QuestionKind,
)
from voting.elections.preparation import (
    RuleChoice,
    require_manager,
    stage_election,
    stage_question,
)
from voting.errors import Conflict
from voting.events import record_event

_FIXED_OPTIONS = frozenset({QuestionKind.MOTION, QuestionKind.AMENDMENT, QuestionKind.BUDGET_LINE})


def copy_election(
    session: Session,
    actor: Account,
    source: Election,
    *,
    title: str,
    opens_local: dt.datetime,
    closes_local: dt.datetime,
    cutoff: dt.date,
    now: dt.datetime,
) -> Election:
    """A new draft in the source's meeting with the source's questions and settings.

    Times are wall-clock in the meeting's zone, as for `create_election`. The source may be
    in any state, a cancelled or a published vote included.

    Raises:
        Forbidden: the actor may not run the source vote (`may_manage`), or (as a
            `FieldError` from `create_election`) may not prepare a vote of its electorate.
        FieldError: the times or the cut-off date (named), as for a new vote.
        Conflict: a question's rule cannot be expressed as an officer's choice.
    """
    require_manager(actor, source)
    rules = {q.id: RuleChoice.from_rule(rule_of(q)) for q in source.questions}
    listed: list[int] = []
    if source.electorate_kind is ElectorateKind.LISTED:
        listed = list(
            session.scalars(
                select(ElectorateListing.member_id)
                .where(ElectorateListing.election_id == source.id)
                .order_by(ElectorateListing.member_id)
            )
        )
    copy = stage_election(
        session,
        actor,
        source.meeting,
        title=title,
        opens_local=opens_local,
        closes_local=closes_local,
        electorate_kind=source.electorate_kind,
        branch_id=source.electorate_branch_id,
        cutoff=cutoff,
        require_second_factor=source.require_second_factor,
        now=now,
        listed_members=listed,
    )
    # The trustees are chosen again (`set_trustees` checks k against them); k is only the
    # form's starting value until then.
    copy.threshold = source.threshold
    made: dict[int, ElectionQuestion] = {}
    for question in source.questions:
        # An amendment always comes after the motion it amends, so its copy exists.
        amends = made[question.amends_id] if question.amends_id is not None else None
        made[question.id] = stage_question(
            session,
            actor,
            copy,
            kind=question.kind,
            title=question.title,
            text=question.text,
            rule=rules[question.id],
            options=[] if question.kind in _FIXED_OPTIONS else [o.label for o in question.options],
            seats=question.seats,
            min_selections=question.min_selections,
            max_selections=question.max_selections,
            amends=amends,
            amends_paragraph=question.amends_paragraph,
            now=now,
        )
        if made[question.id].rule_json != question.rule_json:
            raise Conflict(
                _l(
                    "The rule of question %(number)d cannot be copied exactly: add it by hand.",
                    number=question.position,
                )
            )
    record_event(
        session,
        action="election.copied",
        actor_id=actor.id,
        now=now,
        subject=f"election:{copy.id}",
        details={"source": source.id, "questions": len(made)},
    )
    session.commit()
    return copy
