"""Cancelling a vote: the way out of a vote that cannot go on (a trustee who never announces,
complaints that leave fewer than k qualified trustees) or that the meeting called off.

An officer may cancel a vote in the states draft, ceremony, ready and open; once voting has
closed, its ballots are counted at the meeting and the vote can no longer be cancelled. A
cancelled vote is final: casting, the key ceremony and the trustees' decryption refuse it,
and closing, counting and publishing never reach it, so none of its ballots is ever counted
or decrypted.

An open vote has a public log. Its cancellation is appended there as a `voting-cancelled`
entry, and the officer's `officer-action` (protocol.md §II.1), with a newly signed head: the
verifier then refuses any ballot, tally or share after it, and the record of the cancelled
vote verifies with nothing to count. The reason is free text and stays out of the log (it is
on the vote's pages and in the event table).

Members who cast a ballot in a cancelled open vote get an e-mail (`send_cancellation_notices`)
that names the vote, the time and the reason, never a choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import events
from voting.accounts.models import Account
from voting.config import Settings
from voting.elections.confirmations import member_mail
from voting.elections.lifecycle import (
    APPEAL_PERIOD,
    election_log,
    lock_election,
    pseudonym_of,
)
from voting.elections.models import (
    CANCEL_REASON_MAX,
    CastBallot,
    Election,
    ElectionState,
    Voter,
)
from voting.elections.preparation import require_manager
from voting.errors import Conflict, FieldError
from voting.events import record_event
from voting.keys import Keyring
from voting.mail import Mailer, send_later

CANCELLABLE: Final = frozenset(
    {ElectionState.DRAFT, ElectionState.CEREMONY, ElectionState.READY, ElectionState.OPEN}
)
LOG_ACTION: Final = "voting-cancelled"


def cancel_election(
    session: Session,
    keyring: Keyring,
    secret_key: str,
    actor: Account,
    election_id: int,
    reason: str,
    now: dt.datetime,
) -> list[Account]:
    """Cancel a vote that has not closed; returns the accounts of the members who cast a
    ballot in it (to tell them, after the commit, with `send_cancellation_notices`).

    Takes the election row exclusively, like closing, so a cast either committed before
    the cancellation or sees the vote cancelled and is refused (THREATS T19).

    Raises:
        Forbidden: the actor may not run this vote (`may_manage`).
        FieldError: ("reason") no reason, or one longer than CANCEL_REASON_MAX.
        Conflict: the vote is cancelled already, or voting has closed.
    """
    election = lock_election(session, election_id)
    require_manager(actor, election)
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", _l("Say why the vote is cancelled."))
    if len(reason) > CANCEL_REASON_MAX:
        raise FieldError(
            "reason",
            _l("Keep the reason to %(count)d characters at most.", count=CANCEL_REASON_MAX),
        )
    if election.state is ElectionState.CANCELLED:
        raise Conflict(_l("This vote has been cancelled."))
    if election.state not in CANCELLABLE:
        raise Conflict(
            _l(
                "Voting has closed: the ballots are counted at the meeting, so this vote can no longer be cancelled."
            )
        )
    previous = election.state
    voted = voters_who_cast(session, secret_key, election)
    if election.has_log:
        log, log_key = election_log(session, keyring, election, now)
        log.append(events.voting_cancelled(now))
        log.append(events.officer_action(LOG_ACTION, f"account-{actor.id}", now))
        log.sign_head(log_key, now)
    if election.pseudonym_key is not None:
        # The members may look up their ballots for the appeal period; then the key goes,
        # as after a publication (docs/privacy.md).
        election.appeal_until = (now + APPEAL_PERIOD).date()
    election.state = ElectionState.CANCELLED
    election.cancelled_at = now
    election.cancel_reason = reason
    election.cancelled_by_id = actor.id
    record_event(
        session,
        action="election.cancelled",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"state": previous.value, "told": len(voted)},
    )
    session.commit()
    return voted


def voters_who_cast(session: Session, secret_key: str, election: Election) -> list[Account]:
    """The accounts of the members of the frozen electorate with a ballot in the log.

    Nothing stores who voted: this recomputes each voter's pseudonym with the vote's key
    and looks for it among the ballots' pseudonyms. Empty before voting opens.
    """
    if not election.has_log or election.pseudonym_key is None:
        return []
    cast = set(
        session.scalars(
            select(CastBallot.pseudonym).where(CastBallot.election_id == election.id).distinct()
        )
    )
    if not cast:
        return []
    accounts = session.scalars(
        select(Account)
        .join(Voter, Voter.member_id == Account.member_id)
        .where(Voter.election_id == election.id)
        .order_by(Account.id)
    )
    return [a for a in accounts if pseudonym_of(secret_key, election, a.member) in cast]


def send_cancellation_notices(
    settings: Settings,
    mailer: Mailer,
    accounts: Sequence[Account],
    election: Election,
) -> None:
    """Mail each member who voted that the vote was cancelled (in the background), in their
    own language and time zone. The mail names the vote, the time and the reason only."""
    if election.cancelled_at is None or election.cancel_reason is None:
        raise Conflict(_l("This vote has not been cancelled."))
    subject = _l("Vote cancelled: %(title)s", title=election.title)
    messages = [
        member_mail(
            settings,
            account,
            election,
            election.cancelled_at,
            "mail/vote_cancelled.txt",
            subject,
            reason=election.cancel_reason,
        )
        for account in accounts
    ]
    if messages:
        send_later(mailer, messages)
