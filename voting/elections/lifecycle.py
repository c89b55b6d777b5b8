"""Opening, closing, decrypting and publishing an election, each step in the audit log.

Opening freezes the texts, the electorate and the manifest, makes the election document
(manifest, key, fingerprint) and starts the log: election created, the trustees'
announcements, the frozen electorate. Closing appends "voting closed" and the encrypted
tally (the homomorphic sum of the current ballots). At the meeting each trustee uploads a
partial decryption with proofs; the server checks each, combines any k valid ones, counts
under the majority rules, and the officer publishes. No route can compute a count before
that (THREATS T17): the only code that decrypts is `decrypt`, and it needs k valid shares.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Final

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from audit import events
from audit.log import Log
from ballots import (
    Ballot,
    BallotsError,
    DecryptedTally,
    DecryptionShare,
    EncryptedTally,
    JSONValue,
    QuestionOutcome,
    SigningKey,
    canonical_json,
    combine_shares,
    count_election,
    parse_ballot,
    tally_ballots,
    verify_share,
)
from ballots import (
    Election as ElectionDocument,
)
from voting.accounts.models import Account, Role, RoleGrant
from voting.auditlog import open_log
from voting.elections.ceremony import announcements, judged_complaints, key_of
from voting.elections.manifests import build_manifest
from voting.elections.models import (
    CastBallot,
    DecryptionShareRecord,
    Election,
    ElectionState,
    ElectorateKind,
    ElectorateListing,
    Trustee,
    Voter,
    stored,
)
from voting.elections.preparation import require_manager
from voting.errors import Conflict, VotingError
from voting.events import record_event
from voting.keys import Keyring
from voting.members.models import Member, MemberStatus
from voting.sealing import Sealer

PSEUDONYM_INFO: Final = b"stembus pseudonym key v1"
PSEUDONYM_BYTES: Final = 16
# After publication the result can be appealed for six weeks; then the pseudonym key goes.
APPEAL_PERIOD: Final = dt.timedelta(days=42)
CANCELLED_NOT_COUNTED: Final = _l(
    "This vote has been cancelled: its ballots are never counted or decrypted."
)


class ShareRefused(VotingError):
    """A trustee's decryption share fails a check; `check` names it."""

    def __init__(self, check: str, message: object) -> None:
        self.check = check
        super().__init__(message)


# ------------------------------------------------------------------ helpers


def election_log(
    session: Session, keyring: Keyring, election: Election, now: dt.datetime
) -> tuple[Log, SigningKey]:
    """The election's log and the key that signs its heads and receipts."""
    key = keyring.signing_key(session, f"log:{election.slug}", now)
    return Log(open_log(session, election.slug, now), election.slug), key


def document(election: Election) -> ElectionDocument:
    """The frozen election document (manifest, key, fingerprint).

    Raises:
        Conflict: voting has not opened yet.
    """
    if election.election_json is None:
        raise Conflict(_l("Voting has not opened yet."))
    return _parsed_document(election.election_json)


@functools.lru_cache(maxsize=16)
def _parsed_document(text: str) -> ElectionDocument:
    # The document never changes once voting opens, and parsing it (every point checked)
    # costs milliseconds on every cast; the text itself is the cache key.
    return ElectionDocument.from_json(stored(text))


def pseudonym_of(secret_key: str, election: Election, member: Member) -> str:
    """The member's pseudonym in this election: a keyed hash of the member number (T36).

    Raises:
        Conflict: the pseudonym key was destroyed after the appeal period.
    """
    if election.pseudonym_key is None:
        raise Conflict(
            _l(
                "Pseudonyms of this vote can no longer be computed: the key was destroyed after the appeal period."
            )
        )
    key = Sealer(secret_key, PSEUDONYM_INFO).open(election.slug, election.pseudonym_key)
    digest = hmac.new(key, f"{election.slug}\x00{member.number}".encode(), hashlib.sha256).digest()
    # URL-safe base64 without padding: the pseudonym alphabet of protocol.md.
    return base64.urlsafe_b64encode(digest[:PSEUDONYM_BYTES]).rstrip(b"=").decode()


def _electorate_statement(election: Election) -> Select[Member]:
    statement = select(Member).where(
        Member.status == MemberStatus.ACTIVE, Member.member_since <= election.electorate_cutoff
    )
    if election.electorate_kind is ElectorateKind.BRANCH:
        statement = statement.where(Member.branch_id == election.electorate_branch_id)
    elif election.electorate_kind is ElectorateKind.LISTED:
        statement = statement.where(
            Member.id.in_(
                select(ElectorateListing.member_id).where(
                    ElectorateListing.election_id == election.id
                )
            )
        )
    elif election.electorate_kind is ElectorateKind.COUNCIL:
        statement = statement.where(
            Member.id.in_(
                select(Account.member_id)
                .join(RoleGrant, RoleGrant.account_id == Account.id)
                .where(RoleGrant.role == Role.TRUSTEE)
            )
        )
    return statement


def electorate(session: Session, election: Election) -> list[Member]:
    """The members who may vote, as the election defines them, today."""
    return list(session.scalars(_electorate_statement(election).order_by(Member.id)))


# Issue 8 (candidate Q&A): only the electorate reads and asks, so the Q&A asks about one
# member at a time, by the same rule as `electorate` (and the frozen list once voting opens).
def in_electorate(session: Session, election: Election, member_id: int) -> bool:
    """True when the member may vote in the election (frozen at opening, else as defined now)."""
    if election.electorate_size is not None:
        return session.get(Voter, (election.id, member_id)) is not None
    found = session.scalar(_electorate_statement(election).where(Member.id == member_id).limit(1))
    return found is not None


def current_ballots(session: Session, election: Election) -> list[CastBallot]:
    """The ballots that count: the last of each pseudonym, in log order."""
    return list(
        session.scalars(
            select(CastBallot)
            .where(CastBallot.election_id == election.id, CastBallot.superseded_by_index.is_(None))
            .order_by(CastBallot.log_index)
        )
    )


def turnout(session: Session, election: Election) -> int:
    """How many voters have a ballot that counts (a count, never who)."""
    return len(current_ballots(session, election))


# ------------------------------------------------------------------ open


def open_voting(
    session: Session,
    keyring: Keyring,
    secret_key: str,
    actor: Account,
    election: Election,
    now: dt.datetime,
) -> None:
    """Freeze texts, electorate and manifest; start the log. Casting starts at `opens_at`.

    Raises:
        Forbidden: the actor may not run this vote.
        Conflict: the ceremony is not complete, voting has closed already, or nobody may vote.
    """
    require_manager(actor, election)
    if election.state is not ElectionState.READY:
        raise Conflict(_l("Voting can open only after the key ceremony is complete."))
    if now >= election.closes_at:
        raise Conflict(_l("The closing time has passed; change the times in a new vote."))
    members = electorate(session, election)
    if not members:
        raise Conflict(_l("Nobody may vote in this vote: check the electorate."))
    key = key_of(election)
    manifest = build_manifest(election, len(members))
    doc = ElectionDocument.create(manifest, key)
    sealer = Sealer(secret_key, PSEUDONYM_INFO)
    election.pseudonym_key = sealer.seal(election.slug, secrets.token_bytes(32))
    session.add_all(Voter(election_id=election.id, member_id=m.id) for m in members)
    pseudonyms = [pseudonym_of(secret_key, election, m) for m in members]
    log, log_key = election_log(session, keyring, election, now)
    log.append(events.election_created(election.slug, doc, log_key.verifying_key(), now))
    for announcement in sorted(announcements(session, election), key=lambda a: a.trustee):
        log.append(events.trustee_commitments(announcement.trustee, announcement))
    for complaint, answer, verdict in judged_complaints(session, election):
        log.append(events.trustee_complaint(complaint, answer, verdict))
    log.append(events.electorate_frozen(pseudonyms, now))
    log.append(events.officer_action("voting-opened", f"account-{actor.id}", now))
    log.sign_head(log_key, now)
    election.election_json = canonical_json(doc.to_json()).decode()
    election.electorate_size = len(members)
    election.state = ElectionState.OPEN
    election.opened_at = now
    record_event(
        session,
        action="election.opened",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
        details={"electorate": len(members)},
    )
    session.commit()


# ------------------------------------------------------------------ close


def lock_election(session: Session, election_id: int) -> Election:
    """The election row, locked against concurrent closing (PostgreSQL; SQLite serialises)."""
    election = session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if election is None:
        raise Conflict(_l("This vote does not exist."))
    return election


def close_voting(
    session: Session, keyring: Keyring, actor: Account | None, election_id: int, now: dt.datetime
) -> EncryptedTally:
    """Close voting and compute the encrypted tally; serialised with casting (THREATS T19).

    Casting holds a shared lock on the election row while it appends; closing takes the
    exclusive lock, so a cast either committed before the "voting closed" entry or sees
    the election closed and is refused.
    """
    election = lock_election(session, election_id)
    if actor is not None:
        require_manager(actor, election)
    if election.state is not ElectionState.OPEN:
        raise Conflict(_l("Voting is not open."))
    doc = document(election)
    counted = current_ballots(session, election)
    ballots: list[Ballot] = [parse_ballot(row.body, doc) for row in counted]
    tally = tally_ballots(doc, ballots)
    log, log_key = election_log(session, keyring, election, now)
    log.append(events.voting_closed(now, len(counted)))
    log.append(events.encrypted_tally(tally, len(counted)))
    if actor is not None:
        log.append(events.officer_action("voting-closed", f"account-{actor.id}", now))
    closing = log.sign_head(log_key, now)
    election.closing_root = closing.head.root.hex()
    election.closing_size = closing.head.size
    election.tally_json = canonical_json(tally.to_json()).decode()
    election.state = ElectionState.CLOSED
    election.closed_at = now
    record_event(
        session,
        action="election.closed",
        actor_id=actor.id if actor else None,
        now=now,
        subject=f"election:{election.id}",
        details={"counted": len(counted)},
    )
    session.commit()
    return tally


def close_due(session: Session, keyring: Keyring, now: dt.datetime) -> list[int]:
    """Close every open election whose closing time has passed (run every minute)."""
    due = session.scalars(
        select(Election.id).where(Election.state == ElectionState.OPEN, Election.closes_at <= now)
    ).all()
    for election_id in due:
        close_voting(session, keyring, None, election_id, now)
    return list(due)


def tally_of(election: Election) -> EncryptedTally:
    """The encrypted tally computed at closing."""
    if election.tally_json is None:
        raise Conflict(_l("Voting has not closed yet."))
    return EncryptedTally.from_json(stored(election.tally_json), document(election))


# ------------------------------------------------------------------ decrypt and publish


def receive_share(
    session: Session, keyring: Keyring, trustee: Trustee, value: JSONValue, now: dt.datetime
) -> None:
    """Store a trustee's partial decryption after checking every proof against the tally.

    Raises:
        ShareRefused: cancelled, not closed, a second share, or a share whose proofs fail
            (named).
    """
    election = lock_election(session, trustee.election_id)
    if election.state is ElectionState.CANCELLED:
        raise ShareRefused("cancelled", CANCELLED_NOT_COUNTED)
    if election.state is not ElectionState.CLOSED:
        raise ShareRefused(
            "state",
            _l(
                "Decryption shares are accepted only after voting has closed and before the result."
            ),
        )
    if trustee.disqualified_at is not None:
        raise ShareRefused("disqualified", _l("A disqualified trustee cannot decrypt."))
    existing = session.scalar(
        select(DecryptionShareRecord).where(
            DecryptionShareRecord.election_id == election.id,
            DecryptionShareRecord.trustee_index == trustee.index,
        )
    )
    if existing is not None:
        raise ShareRefused("duplicate", _l("Your share is in already."))
    doc = document(election)
    tally = tally_of(election)
    try:
        share = DecryptionShare.from_json(value, doc)
        if share.trustee != trustee.index:
            raise ShareRefused("trustee", _l("This share is another trustee's."))
        verify_share(doc, tally, share)
    except BallotsError as exc:
        where = f" ({exc.question}/{exc.option})" if exc.question else ""
        raise ShareRefused(
            exc.check,
            _l(
                "The share's proof does not hold: %(check)s%(where)s.", check=exc.check, where=where
            ),
        ) from exc
    session.add(
        DecryptionShareRecord(
            election_id=election.id,
            trustee_index=trustee.index,
            body=canonical_json(share.to_json()).decode(),
            received_at=now,
        )
    )
    log, log_key = election_log(session, keyring, election, now)
    log.append(events.decryption_share(trustee.index, share))
    log.sign_head(log_key, now)
    record_event(
        session,
        action="election.share-received",
        actor_id=trustee.account_id,
        now=now,
        subject=f"election:{election.id}",
        details={"trustee": trustee.index},
    )
    session.commit()


def shares_of(session: Session, election: Election) -> list[DecryptionShare]:
    """The valid shares received."""
    doc = document(election)
    rows = session.scalars(
        select(DecryptionShareRecord)
        .where(DecryptionShareRecord.election_id == election.id)
        .order_by(DecryptionShareRecord.trustee_index)
    )
    return [DecryptionShare.from_json(stored(r.body), doc) for r in rows]


def decrypt(
    session: Session, actor: Account, election_id: int, now: dt.datetime
) -> tuple[DecryptedTally, tuple[QuestionOutcome, ...]]:
    """Combine k valid shares into the counts and apply the majority rules (for the officer).

    Raises:
        Conflict: not closed, or fewer than k valid shares.
    """
    election = lock_election(session, election_id)
    require_manager(actor, election)
    if election.state is not ElectionState.CLOSED:
        raise Conflict(_l("The counts can be computed only after voting has closed."))
    doc = document(election)
    try:
        result = combine_shares(doc, tally_of(election), shares_of(session, election))
    except BallotsError as exc:
        raise Conflict(
            _l("Not enough valid decryption shares yet (%(check)s).", check=exc.check)
        ) from exc
    outcomes = count_election(doc.manifest, result)
    election.result_json = canonical_json(result.to_json()).decode()
    election.state = ElectionState.DECRYPTED
    election.decrypted_at = now
    record_event(
        session,
        action="election.decrypted",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()
    return result, outcomes


def result_of(election: Election) -> tuple[DecryptedTally, tuple[QuestionOutcome, ...]]:
    """The decrypted counts and outcomes."""
    if election.result_json is None:
        raise Conflict(_l("The votes have not been counted yet."))
    doc = document(election)
    result = DecryptedTally.from_json(stored(election.result_json), doc)
    return result, count_election(doc.manifest, result)


def publish(
    session: Session, keyring: Keyring, actor: Account, election_id: int, now: dt.datetime
) -> None:
    """Announce the result: append it to the log with the outcomes and sign the final head."""
    election = lock_election(session, election_id)
    require_manager(actor, election)
    if election.state is not ElectionState.DECRYPTED:
        raise Conflict(_l("Only a counted vote can be published."))
    result, outcomes = result_of(election)
    log, log_key = election_log(session, keyring, election, now)
    log.append(events.result_published(result, outcomes, now))
    log.sign_head(log_key, now)
    election.state = ElectionState.PUBLISHED
    election.published_at = now
    election.appeal_until = (now + APPEAL_PERIOD).date()
    record_event(
        session,
        action="election.published",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()


def destroy_pseudonym_keys(session: Session, now: dt.datetime) -> Sequence[int]:
    """After the appeal period, destroy pseudonym keys: the record can no longer be linked
    to members by anyone (THREATS T36; docs/privacy.md)."""
    due = session.scalars(
        select(Election).where(
            Election.pseudonym_key.is_not(None),
            Election.appeal_until.is_not(None),
            Election.appeal_until < now.date(),
        )
    ).all()
    for election in due:
        election.pseudonym_key = None
        election.pseudonym_key_destroyed_at = now
        record_event(
            session,
            action="election.pseudonym-key-destroyed",
            actor_id=None,
            now=now,
            subject=f"election:{election.id}",
        )
    session.commit()
    return [e.id for e in due]
