"""Casting a ballot: encrypt with proofs, verify, store, log, sign, and forget the choice.

One transaction holds the ballot row, its log entry (and the "superseded" entry of the
voter's earlier ballot) and the new signed head; a receipt exists only after it commits
(THREATS T21). The plaintext choice lives only in this request: it is passed in, encrypted,
and never stored, logged, mailed or put in the session (T35).

Serialisation: a cast takes a shared lock on the election row (closing takes the exclusive
one, T19) and an exclusive lock on the voter's row of the frozen electorate (two casts of
one member queue, even before the first ballot exists, T18); the log row lock orders log
appends. The database backs each rule: one current ballot per pseudonym (unique partial
index) and no ciphertext twice (T06).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from audit import events
from audit.errors import InvalidTrackingCode
from audit.log import parse_head
from audit.tracking import TrackingCode
from ballots import (
    BallotsError,
    canonical_json,
    ciphertext_keys,
    encrypt_ballot,
    validate_ballot,
)
from voting.accounts.models import Account
from voting.auditlog import head_covering
from voting.elections.lifecycle import document, election_log, pseudonym_of
from voting.elections.models import CastBallot, Election, ElectionState, SeenCiphertext, Voter
from voting.errors import Forbidden, NotFound, VotingError
from voting.keys import Keyring

_CODE_PROBLEMS = {
    "code-length": _l("it has too few or too many characters."),
    "code-symbol": _l("it holds a character that tracking codes do not use."),
    "code-check": _l("the last character does not match; there may be a typo."),
}


class NotOpen(VotingError):
    """Voting has not opened yet, or has closed (server clock)."""

    status = 409


class NotEligible(Forbidden):
    """The member is not in this election's frozen electorate."""

    default_message = _l("You are not on the list of voters for this vote.")


class BallotRefused(VotingError):
    """The choices do not fit the ballot; `question` names where."""

    def __init__(self, message: object, question: str | None = None) -> None:
        self.question = question
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the voter keeps: tracking code, log index, the signed receipt and head."""

    election: str
    tracking_code: str
    log_index: int
    receipt: str  # canonical JSON of the signed receipt (protocol.md §II.1)
    head: str  # canonical JSON of the signed tree head that includes the ballot

    def document(self) -> str:
        """The downloadable receipt file: receipt, tracking code and head, as canonical JSON."""
        return canonical_json(
            {
                "version": 1,
                "election_id": self.election,
                "tracking_code": self.tracking_code,
                "log_index": self.log_index,
                "receipt": json.loads(self.receipt),
                "head": json.loads(self.head),
            }
        ).decode()


def check_open(election: Election, now: dt.datetime) -> None:
    """Refuse outside the voting period, with the times in the message.

    Raises:
        NotOpen: cancelled, before `opens_at`, at or after `closes_at`, or not in the open
            state.
    """
    if election.state is ElectionState.CANCELLED:
        raise NotOpen(_l("This vote has been cancelled."))
    if (
        election.state in {ElectionState.DRAFT, ElectionState.CEREMONY, ElectionState.READY}
        or now < election.opens_at
    ):
        raise NotOpen(_l("Voting has not opened yet."))
    if election.state is not ElectionState.OPEN or now >= election.closes_at:
        raise NotOpen(_l("Voting has closed. Your vote was not received."))


def cast_ballot(
    session: Session,
    keyring: Keyring,
    secret_key: str,
    account: Account,
    election_id: int,
    selections: Mapping[str, Collection[str]],
    now: dt.datetime,
    *,
    second_factor_done: bool,
) -> Receipt:
    """Cast (or recast) the member's ballot; returns the receipt after the commit.

    Raises:
        NotFound, NotOpen, NotEligible, Forbidden (second factor required), BallotRefused;
        in each case nothing was committed, and the caller rolls the session back.
    """
    election = session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if election is None:
        raise NotFound
    check_open(election, now)
    voter = session.scalar(
        select(Voter)
        .where(Voter.election_id == election.id, Voter.member_id == account.member_id)
        .with_for_update()
    )
    if voter is None:
        raise NotEligible
    if election.require_second_factor and not second_factor_done:
        raise Forbidden(
            _l("This vote asks for the second step. Set it up under My account, then vote.")
        )
    doc = document(election)
    pseudonym = pseudonym_of(secret_key, election, account.member)
    try:
        ballot = encrypt_ballot(doc, pseudonym, selections)
        validate_ballot(doc, ballot)
    except BallotsError as exc:
        raise BallotRefused(_l("Your choices do not fit this question."), exc.question) from exc
    try:
        # One multi-row INSERT (no ORM objects: 90 rows for a 30-motion ballot). No savepoint:
        # a refusal ends the cast, and the caller rolls the whole transaction back.
        session.execute(
            insert(SeenCiphertext),
            [{"election_id": election.id, "key": key} for key in ciphertext_keys(ballot)],
        )
    except (
        IntegrityError
    ) as exc:  # pragma: no cover  # fresh randomness: only a copied ballot repeats
        raise BallotRefused(_l("This ballot was cast before.")) from exc
    previous = session.scalar(
        select(CastBallot)
        .where(
            CastBallot.election_id == election.id,
            CastBallot.pseudonym == pseudonym,
            CastBallot.superseded_by_index.is_(None),
        )
        .options(defer(CastBallot.body))  # tens of kilobytes that a revote does not need
    )
    log, log_key = election_log(session, keyring, election, now)
    written: list[bytes] = []
    make_entry = events.ballot_cast(election.slug, ballot, log_key)

    def keep(index: int) -> bytes:
        written.append(make_entry(index))
        return written[-1]

    appended = log.append(keep)
    entry = json.loads(written[-1])
    if previous is not None:
        log.append(events.ballot_superseded(pseudonym, previous.log_index, appended.index))
        previous.superseded_by_index = appended.index
        session.flush()
    code = str(appended.tracking_code)
    receipt = canonical_json(entry["receipt"]).decode()
    session.add(
        CastBallot(
            election_id=election.id,
            pseudonym=pseudonym,
            log_index=appended.index,
            tracking_code=code,
            body=canonical_json(ballot.to_json()),
            receipt=receipt,
            cast_at=now,
        )
    )
    head = log.sign_head(log_key, now)
    session.commit()
    return Receipt(
        election.slug, code, appended.index, receipt, canonical_json(head.to_json()).decode()
    )


def my_ballots(
    session: Session, secret_key: str, account: Account, election: Election
) -> list[CastBallot]:
    """The ballots under the member's pseudonym, oldest first (T12: "is there a ballot under my
    pseudonym that I did not cast?"), without their encrypted bodies."""
    pseudonym = pseudonym_of(secret_key, election, account.member)
    return list(
        session.scalars(
            select(CastBallot)
            .where(CastBallot.election_id == election.id, CastBallot.pseudonym == pseudonym)
            .order_by(CastBallot.log_index)
            .options(defer(CastBallot.body, raiseload=True))
        )
    )


def receipt_for(
    session: Session, secret_key: str, account: Account, election: Election, code: str
) -> Receipt:
    """The member's own receipt by tracking code, with the newest signed head.

    Raises:
        NotFound: no such ballot under the member's pseudonym.
    """
    for row in my_ballots(session, secret_key, account, election):
        if row.tracking_code == code:
            raw = head_covering(session, election.slug, row.log_index)
            if raw is None:  # pragma: no cover  # the cast's own transaction signed one
                raise NotFound
            head = parse_head(raw)
            return Receipt(
                election.slug,
                row.tracking_code,
                row.log_index,
                row.receipt,
                canonical_json(head.to_json()).decode(),
            )
    raise NotFound


def find_by_tracking_code(
    session: Session, election: Election | None, text: str
) -> tuple[Election, CastBallot]:
    """The ballot with this tracking code (check page; anyone may ask).

    Raises:
        NotFound: a malformed code, or no ballot has it (one answer).
    """
    try:
        code = str(TrackingCode.parse(text))
    except InvalidTrackingCode as exc:
        raise NotFound(
            _l(
                "This is not a tracking code: %(why)s Check it and try again.",
                why=_CODE_PROBLEMS.get(exc.check, ""),
            )
        ) from exc
    statement = select(CastBallot).where(CastBallot.tracking_code == code)
    if election is not None:
        statement = statement.where(CastBallot.election_id == election.id)
    row = session.scalar(statement)
    if row is None:
        raise NotFound(_l("No ballot has this tracking code."))
    found = session.get(Election, row.election_id)
    if found is None:  # pragma: no cover  # a foreign key guarantees it
        raise NotFound
    return found, row
