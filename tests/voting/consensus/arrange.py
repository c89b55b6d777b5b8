"""Consensus test data, made through the services: people, a group, a proposal, rounds.

Times are explicit: `NOW` is the factories' fixed instant, and each round is opened with a
deadline a week later unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from tests import factories
from voting.accounts.models import Account, Role
from voting.consensus import proposals, rounds, services
from voting.consensus.anonymity import RoundKeys
from voting.consensus.models import (
    DecisionGroup,
    DecisionRule,
    FallbackMode,
    GroupKind,
    Position,
    PositionKind,
    Proposal,
    Round,
)
from voting.keys import Keyring

SECRET = "test-secret-key-that-is-long-enough-0123456789"
NOW = factories.NOW
WEEK = dt.timedelta(days=7)
KEYRING = Keyring(SECRET)
ROUND_KEYS = RoundKeys(SECRET)


def people(db: Session, count: int, *, prefix: str = "Person", **fields: object) -> list[Account]:
    """Members with accounts (password set), in branch Utrecht unless told otherwise."""
    auth = factories.auth_config()
    return [
        factories.account(db, auth, name=f"{prefix} {chr(65 + i)}", **fields)  # type: ignore[arg-type]
        for i in range(count)
    ]


def officer(db: Session, *, totp: bool = False, branch: str | None = None) -> Account:
    """A national election officer (or one of `branch`)."""
    return factories.account(
        db,
        factories.auth_config(),
        name="Olga Officer",
        roles=(Role.OFFICER,),
        totp=totp,
        officer_branch=branch,
    )


def settings(**changes: object) -> services.GroupSettings:
    """Group settings: consensus, 50 % participation, 3 rounds, an open 2/3 fallback."""
    values: dict[str, object] = {
        "name": "Board",
        "description": "",
        "kind": GroupKind.BOARD,
        "branch_id": None,
        "rule": DecisionRule.CONSENSUS,
        "anonymous": False,
        "live_positions": False,
        "min_participation": 50,
        "max_rounds": 3,
        "fallback": FallbackMode.OPEN,
        "fallback_numerator": 2,
        "fallback_denominator": 3,
    }
    values.update(changes)
    return services.GroupSettings(**values)  # type: ignore[arg-type]


def group(
    db: Session,
    facilitator: Account,
    others: Sequence[Account],
    *,
    by: Account | None = None,
    **changes: object,
) -> DecisionGroup:
    """A group with one facilitator and other members, set up by an officer."""
    return services.create_group(
        db,
        by or officer(db),
        settings(**changes),
        "\n".join(a.member.number for a in others),
        facilitator.member.number,
        KEYRING,
        NOW,
    )


def proposal(
    db: Session,
    facilitator: Account,
    found: DecisionGroup,
    *,
    rule: DecisionRule | None = None,
    body: str = "We buy a **new** banner for the branch.",
    title: str = "A new banner",
) -> Proposal:
    """A proposal (version 1) with the group's rule unless told otherwise."""
    return proposals.start_proposal(
        db,
        facilitator,
        found.id,
        proposals.ProposalText(title=title, body=body),
        rule or found.rule,
        7,
        KEYRING,
        NOW,
    )


def open_next(
    db: Session, facilitator: Account, found: Proposal, *, now: dt.datetime = NOW
) -> Round:
    """Open the next round with a deadline a week from `now`."""
    db.refresh(found)
    return rounds.open_round(
        db, facilitator, found.id, now + WEEK, len(found.rounds), KEYRING, ROUND_KEYS, now
    )


def take(
    db: Session,
    account: Account,
    found: Round,
    kind: PositionKind,
    reason: str = "",
    *,
    now: dt.datetime = NOW,
) -> Position:
    """Take or change a position, with the revision the page would carry."""
    mine = rounds.own_position(db, found, account, ROUND_KEYS)
    return rounds.submit_position(
        db,
        account,
        found.proposal_id,
        found.id,
        kind,
        reason,
        mine.revision if mine is not None else 0,
        ROUND_KEYS,
        now,
    )


def close(db: Session, found: Round) -> Round:
    """Close the round at its deadline."""
    return rounds.close_round(db, found.id, KEYRING, ROUND_KEYS, found.deadline)


def after(found: Round) -> dt.datetime:
    """The instant just after the round closed."""
    assert found.closed_at is not None
    return found.closed_at + dt.timedelta(minutes=1)


def answer_all(db: Session, facilitator: Account, found: Round, now: dt.datetime) -> None:
    """Answer every objection standing in a closed round, and write its summary."""
    for position in proposals.unanswered_objections(db, found):
        proposals.answer_position(
            db, facilitator, position.id, "We changed the text.", KEYRING, now
        )
    proposals.write_summary(db, facilitator, found.id, "Summary of the round.", KEYRING, now)
