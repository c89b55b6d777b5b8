"""The server's side of the key ceremony (protocol.md §I.10): a notice board for trustees.

Each trustee's own `stembus-trustee` tool makes its secrets and posts only public data:
its announcement (coefficient commitments with proofs and a Box key), shares encrypted to
each other trustee, complaints about shares that fail, and answers to complaints. The
server checks every message with `ballots`, moves the ceremony on when everyone has done a
step, resolves complaints, and computes the election key from the qualified trustees. It
never sees a secret share. Voting can open once every qualified trustee confirmed that
its tool stored its share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots import (
    Announcement,
    BallotsError,
    Complaint,
    ComplaintAnswer,
    ElectionKey,
    EncryptedShare,
    JSONObject,
    JSONValue,
    Verdict,
    canonical_json,
    election_key,
    parse_canonical_json,
    resolve_complaint,
)
from voting.accounts.credentials import new_token, token_digest
from voting.accounts.models import Account, Role
from voting.elections.manifests import build_manifest_questions
from voting.elections.models import (
    CeremonyMessage,
    CeremonyMessageKind,
    Election,
    ElectionState,
    Trustee,
    stored,
)
from voting.elections.preparation import require_manager
from voting.errors import Conflict, Forbidden, NotFound, VotingError
from voting.events import record_event

MAX_MESSAGE_BYTES = 64 * 1024


class CeremonyRefused(VotingError):
    """A trustee's message does not fit the ceremony; `check` names the rule."""

    def __init__(self, check: str, message: object) -> None:
        self.check = check
        super().__init__(message)


class Step(StrEnum):
    """Where the ceremony stands."""

    NOT_STARTED = "not-started"
    ANNOUNCE = "announce"
    DEAL = "deal"
    CHECK = "check"
    ANSWER = "answer"
    CONFIRM = "confirm"
    DONE = "done"
    CANCELLED = "cancelled"


def start_ceremony(session: Session, actor: Account, election: Election, now: dt.datetime) -> None:
    """Fix the draft and start the key ceremony.

    Raises:
        Forbidden: the actor may not run this vote.
        Conflict: no questions, no trustees, or a question the protocol refuses.
    """
    require_manager(actor, election)
    if election.state is not ElectionState.DRAFT:
        raise Conflict(_l("The key ceremony has already started."))
    if not election.questions:
        raise Conflict(_l("Add at least one question first."))
    if len(election.trustees) < 2:
        raise Conflict(_l("Choose the trustees first."))
    build_manifest_questions(election)  # raises if a question does not fit the protocol
    election.state = ElectionState.CEREMONY
    record_event(
        session,
        action="election.ceremony-started",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()


def issue_token(session: Session, account: Account, election: Election, now: dt.datetime) -> str:
    """A new token for the trustee's `stembus-trustee` tool (shown once; an older one stops working).

    Raises:
        Forbidden: the account is not a trustee of this election.
        Conflict: the vote has been cancelled.
    """
    trustee = trustee_of(election, account)
    if election.state is ElectionState.CANCELLED:
        raise Conflict(_l("This vote has been cancelled."))
    token = new_token()
    trustee.token_hash = token_digest(token)
    record_event(
        session,
        action="trustee.token-issued",
        actor_id=account.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()
    return token


def trustee_of(election: Election, account: Account) -> Trustee:
    """The account's trustee seat in the election.

    Raises:
        Forbidden: the account has none.
    """
    for trustee in election.trustees:
        if trustee.account_id == account.id:
            return trustee
    raise Forbidden(_l("You are not a trustee of this vote."))


def trustee_for_token(session: Session, token: str) -> Trustee:
    """The trustee a tool's token belongs to, while its account may still act as a trustee.

    A token works only as long as the web would let its holder make it: an account that was
    disabled, left the party or lost the trustee role loses its tool's access too
    (docs/security.md).

    Raises:
        NotFound: unknown token, or its account no longer usable or no longer a trustee (one
            answer for every failure).
    """
    trustee = session.scalar(select(Trustee).where(Trustee.token_hash == token_digest(token)))
    account = None if trustee is None else session.get(Account, trustee.account_id)
    if (
        trustee is None
        or account is None
        or not account.is_usable
        or Role.TRUSTEE not in account.role_set()
    ):
        raise NotFound(_l("This trustee token does not work. Make a new one on the website."))
    return trustee


# ------------------------------------------------------------------ reading the board


def _messages(
    session: Session, election: Election, kind: CeremonyMessageKind
) -> list[CeremonyMessage]:
    return list(
        session.scalars(
            select(CeremonyMessage)
            .where(CeremonyMessage.election_id == election.id, CeremonyMessage.kind == kind)
            .order_by(CeremonyMessage.sender, CeremonyMessage.recipient)
        )
    )


def _json(message: CeremonyMessage) -> JSONValue:
    return parse_canonical_json(message.body.encode(), max_bytes=MAX_MESSAGE_BYTES)


def announcements(session: Session, election: Election) -> list[Announcement]:
    """The verified announcements posted so far."""
    return [
        Announcement.from_json(_json(m))
        for m in _messages(session, election, CeremonyMessageKind.ANNOUNCEMENT)
    ]


def step(session: Session, election: Election) -> Step:
    """The ceremony's current step: NOT_STARTED for a draft, DONE once the key exists,
    CANCELLED for a cancelled vote (whatever step it had reached)."""
    if election.state is ElectionState.CANCELLED:
        return Step.CANCELLED
    if election.state is ElectionState.DRAFT:
        return Step.NOT_STARTED
    if election.state is not ElectionState.CEREMONY:
        return Step.DONE
    trustees = election.trustees
    if any(t.announced_at is None for t in trustees):
        return Step.ANNOUNCE
    if any(t.dealt_at is None for t in trustees):
        return Step.DEAL
    if any(t.checked_at is None for t in trustees):
        return Step.CHECK
    if election.key_json is None:
        return Step.ANSWER
    return Step.CONFIRM


def board(session: Session, election: Election, trustee: Trustee) -> JSONObject:
    """Everything a trustee's tool needs to take its next step (public data only)."""

    def bodies(kind: CeremonyMessageKind, *, to: int | None = None) -> list[JSONValue]:
        return [
            _json(m) for m in _messages(session, election, kind) if to is None or m.recipient == to
        ]

    out: dict[str, JSONValue] = {
        "version": 1,
        "election_id": election.slug,
        "title": election.title,
        "trustee": trustee.index,
        "threshold": election.threshold,
        "trustees": len(election.trustees),
        "step": step(session, election).value,
        "me": {
            "announced": trustee.announced_at is not None,
            "dealt": trustee.dealt_at is not None,
            "checked": trustee.checked_at is not None,
            "confirmed": trustee.confirmed_at is not None,
            "disqualified": trustee.disqualified_at is not None,
        },
        "announcements": bodies(CeremonyMessageKind.ANNOUNCEMENT),
        "shares": bodies(CeremonyMessageKind.SHARE, to=trustee.index),
        "complaints": bodies(CeremonyMessageKind.COMPLAINT),
        "answers": bodies(CeremonyMessageKind.ANSWER),
        "disqualified": [t.index for t in election.trustees if t.disqualified_at is not None],
    }
    if election.key_json is not None:
        out["key"] = stored(election.key_json)
    return out


# ------------------------------------------------------------------ posting


def _post(
    session: Session,
    trustee: Trustee,
    kind: CeremonyMessageKind,
    recipient: int,
    body: JSONObject,
    now: dt.datetime,
) -> None:
    session.add(
        CeremonyMessage(
            election_id=trustee.election_id,
            kind=kind,
            sender=trustee.index,
            recipient=recipient,
            body=canonical_json(body).decode(),
            created_at=now,
        )
    )


def _expect(session: Session, trustee: Trustee, wanted: Step) -> Election:
    election = trustee.election
    if election.state is ElectionState.CANCELLED:
        raise CeremonyRefused("cancelled", _l("This vote has been cancelled."))
    current = step(session, election)
    if current is not wanted:
        raise CeremonyRefused(
            "step", _l("The ceremony is at step “%(step)s”, not this one.", step=current.value)
        )
    return election


_T = TypeVar("_T")


def _read(check: str, parse: Callable[[JSONValue], _T], value: JSONValue) -> _T:
    try:
        return parse(value)
    except BallotsError as exc:
        raise CeremonyRefused(
            check, _l("The tool sent something that is not valid: %(detail)s", detail=str(exc))
        ) from exc


def post_announcement(
    session: Session, trustee: Trustee, value: JSONValue, now: dt.datetime
) -> None:
    """Step 1: the trustee's announcement, checked (proofs of knowledge, parameters, seat)."""
    election = _expect(session, trustee, Step.ANNOUNCE)
    if trustee.announced_at is not None:
        raise CeremonyRefused("duplicate", _l("You already announced."))
    announcement: Announcement = _read("announcement", Announcement.from_json, value)
    context = (
        announcement.election_id,
        announcement.trustee,
        announcement.threshold,
        announcement.trustees,
    )
    if context != (election.slug, trustee.index, election.threshold, len(election.trustees)):
        raise CeremonyRefused(
            "announcement-context", _l("The announcement is for another vote, seat or threshold.")
        )
    try:
        announcement.verify()
    except BallotsError as exc:
        raise CeremonyRefused(
            "announcement-proof", _l("The announcement's proofs do not hold.")
        ) from exc
    _post(session, trustee, CeremonyMessageKind.ANNOUNCEMENT, 0, announcement.to_json(), now)
    trustee.announced_at = now
    session.commit()


def post_shares(
    session: Session, trustee: Trustee, values: Sequence[JSONValue], now: dt.datetime
) -> None:
    """Step 2: one encrypted share for every other trustee."""
    election = _expect(session, trustee, Step.DEAL)
    if trustee.dealt_at is not None:
        raise CeremonyRefused("duplicate", _l("You already sent your shares."))
    shares: list[EncryptedShare] = [_read("share", EncryptedShare.from_json, v) for v in values]
    others = {t.index for t in election.trustees if t.index != trustee.index}
    recipients = [s.recipient for s in shares]
    if sorted(recipients) != sorted(others) or any(
        s.dealer != trustee.index or s.election_id != election.slug for s in shares
    ):
        raise CeremonyRefused("share-context", _l("Send exactly one share to every other trustee."))
    for share in shares:
        _post(session, trustee, CeremonyMessageKind.SHARE, share.recipient, share.to_json(), now)
    trustee.dealt_at = now
    session.commit()


def post_complaints(
    session: Session, trustee: Trustee, values: Sequence[JSONValue], now: dt.datetime
) -> None:
    """Step 3: the trustee checked its shares; complaints about the ones that failed (maybe none)."""
    election = _expect(session, trustee, Step.CHECK)
    if trustee.checked_at is not None:
        raise CeremonyRefused("duplicate", _l("You already reported on your shares."))
    complaints: list[Complaint] = [_read("complaint", Complaint.from_json, v) for v in values]
    seats = {t.index for t in election.trustees}
    for complaint in complaints:
        if (
            complaint.complainant != trustee.index
            or complaint.election_id != election.slug
            or complaint.dealer == trustee.index
            or complaint.dealer not in seats
        ):
            raise CeremonyRefused(
                "complaint-context", _l("A complaint must be yours and about another trustee.")
            )
    if len({c.dealer for c in complaints}) != len(complaints):
        raise CeremonyRefused(
            "duplicate", _l("Send at most one complaint about each trustee's share.")
        )
    for complaint in complaints:
        _post(
            session,
            trustee,
            CeremonyMessageKind.COMPLAINT,
            complaint.dealer,
            complaint.to_json(),
            now,
        )
    trustee.checked_at = now
    session.flush()
    _resolve_if_complete(session, election, now, final=False)
    session.commit()


def post_answers(
    session: Session, trustee: Trustee, values: Sequence[JSONValue], now: dt.datetime
) -> None:
    """Step 4: the dealer reveals the shares it was complained about."""
    election = _expect(session, trustee, Step.ANSWER)
    answers: list[ComplaintAnswer] = [_read("answer", ComplaintAnswer.from_json, v) for v in values]
    judged = judged_complaints(session, election)
    open_complaints = {
        c.complainant for c, answer, _ in judged if c.dealer == trustee.index and answer is None
    }
    for answer in answers:
        if answer.dealer != trustee.index or answer.election_id != election.slug:
            raise CeremonyRefused("answer-context", _l("An answer must be yours."))
    complainants = [a.complainant for a in answers]
    if len(set(complainants)) != len(complainants) or not set(complainants) <= open_complaints:
        raise CeremonyRefused(
            "answer-context",
            _l("Answer each open complaint about your shares once, and nothing else."),
        )
    for answer in answers:
        _post(
            session, trustee, CeremonyMessageKind.ANSWER, answer.complainant, answer.to_json(), now
        )
    session.flush()
    _resolve_if_complete(session, election, now, final=False)
    session.commit()


def resolve_unanswered(
    session: Session, actor: Account, election: Election, now: dt.datetime
) -> None:
    """Officer: close step 4; a dealer who did not answer a complaint is disqualified."""
    require_manager(actor, election)
    if step(session, election) is not Step.ANSWER:
        raise Conflict(_l("There are no open complaints."))
    _resolve_if_complete(session, election, now, final=True)
    record_event(
        session,
        action="election.complaints-closed",
        actor_id=actor.id,
        now=now,
        subject=f"election:{election.id}",
    )
    session.commit()


def judged_complaints(
    session: Session, election: Election
) -> list[tuple[Complaint, ComplaintAnswer | None, Verdict]]:
    """Every complaint of the ceremony, by (dealer, complainant), with the dealer's answer (None
    while there is none) and its verdict (§I.10 step 4: no answer disqualifies). The log
    holds them, so that anyone can recompute who was disqualified (protocol.md §II.1)."""
    by_dealer = {a.trustee: a for a in announcements(session, election)}
    answers = {
        (a.dealer, a.complainant): a
        for a in (
            ComplaintAnswer.from_json(_json(m))
            for m in _messages(session, election, CeremonyMessageKind.ANSWER)
        )
    }
    complaints = sorted(
        (
            Complaint.from_json(_json(m))
            for m in _messages(session, election, CeremonyMessageKind.COMPLAINT)
        ),
        key=lambda c: (c.dealer, c.complainant),
    )
    judged = []
    for complaint in complaints:
        answer = answers.get((complaint.dealer, complaint.complainant))
        judged.append(
            (complaint, answer, resolve_complaint(by_dealer[complaint.dealer], complaint, answer))
        )
    return judged


def _resolve_if_complete(
    session: Session, election: Election, now: dt.datetime, *, final: bool
) -> None:
    """After step 3 (and answers): disqualify dealers whose shares failed, then make the key."""
    if any(t.checked_at is None for t in election.trustees):
        return
    by_dealer = {a.trustee: a for a in announcements(session, election)}
    judged = judged_complaints(session, election)
    if not final and any(answer is None for _, answer, _ in judged):
        return  # wait for the dealers' answers
    complaints = [complaint for complaint, _, _ in judged]
    answers = {(c.dealer, c.complainant) for c, answer, _ in judged if answer is not None}
    disqualified = {c.dealer for c, _, verdict in judged if verdict is Verdict.DISQUALIFIED}
    for trustee in election.trustees:
        if trustee.index in disqualified and trustee.disqualified_at is None:
            trustee.disqualified_at = now
            record_event(
                session,
                action="election.trustee-disqualified",
                actor_id=None,
                now=now,
                subject=f"election:{election.id}",
                details={
                    "trustee": trustee.index,
                    "complaints": sum(c.dealer == trustee.index for c in complaints),
                    "unanswered": sum(
                        c.dealer == trustee.index and (c.dealer, c.complainant) not in answers
                        for c in complaints
                    ),
                },
            )
    try:
        key = election_key(list(by_dealer.values()), disqualified)
    except BallotsError as exc:
        raise CeremonyRefused(
            "qualified",
            _l(
                "Too few trustees are left to reach the threshold. Cancel this vote and copy it as a new draft with other trustees."
            ),
        ) from exc
    election.key_json = canonical_json(key.to_json()).decode()
    record_event(
        session,
        action="election.key-made",
        actor_id=None,
        now=now,
        subject=f"election:{election.id}",
        details={
            "trustees": len(by_dealer) - len(disqualified),
            "disqualified": len(disqualified),
            "threshold": election.threshold,
        },
    )


def key_of(election: Election) -> ElectionKey:
    """The election key made by the ceremony.

    Raises:
        Conflict: the ceremony has not produced it yet.
    """
    if election.key_json is None:
        raise Conflict(_l("The key ceremony is not finished."))
    return ElectionKey.from_json(stored(election.key_json))


def confirm(session: Session, trustee: Trustee, now: dt.datetime) -> None:
    """Step 5: the trustee's tool checked its share against the key and saved it.

    When every qualified trustee has confirmed, the election is ready to open.
    """
    election = _expect(session, trustee, Step.CONFIRM)
    if trustee.disqualified_at is not None:
        raise CeremonyRefused("disqualified", _l("You were disqualified in this ceremony."))
    trustee.confirmed_at = now
    if all(t.confirmed_at is not None for t in election.trustees if t.disqualified_at is None):
        election.state = ElectionState.READY
        record_event(
            session,
            action="election.ceremony-completed",
            actor_id=None,
            now=now,
            subject=f"election:{election.id}",
        )
    session.commit()
