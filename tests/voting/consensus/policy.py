"""Objects for the route-by-role policy table (tests/voting/test_authorization.py).

A national group facilitated by the table's subject, with the signed-in actor as a member
(every role except "other_branch", which stands for a member outside the group) and one
more member. Its proposal has a closed first round, where the subject objected and the
third member reported that reason, and an open second round. None of the table's roles
facilitates, so facilitator routes are refused to all of them there; the facilitator's
own way through is tested in tests/voting/consensus/test_web.py.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests import factories
from tests.voting.consensus import arrange
from voting.accounts.models import Account
from voting.consensus import moderation
from voting.consensus.models import PositionKind


def consensus_args(db: Session, subject: Account, actor: Account | None) -> dict[str, object]:
    """Ids for the consensus routes' paths."""
    third = factories.account(db, factories.auth_config(), name="Third Person")
    members = [third] if actor is None else [third, actor]
    found = arrange.group(db, subject, members)
    proposal = arrange.proposal(db, subject, found)
    first = arrange.open_next(db, subject, proposal)
    objection = arrange.take(db, subject, first, PositionKind.OBJECT, "Too expensive.")
    arrange.close(db, first)
    report = moderation.report_reason(
        db, third, objection.id, "Not about the plan.", arrange.after(first)
    )
    arrange.answer_all(db, subject, first, arrange.after(first))
    arrange.open_next(db, subject, proposal, now=arrange.after(first))
    return {
        "group_id": found.id,
        "proposal_id": proposal.id,
        "round_id": first.id,
        "position_id": objection.id,
        "report_id": report.id,
        "group_account_id": third.id,
    }
