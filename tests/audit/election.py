"""A small real election, run through ballots/ and audit/ the way the service runs one.

A key ceremony of n trustees with threshold k, a frozen electorate, voters who cast and
revote, closing, the encrypted tally, k partial decryptions, the combined result with the
majority rules applied, and a signed head after every append. Everything is real: no step is
faked, so the record it writes must verify, and every tampering test starts from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nacl.public import Box, PrivateKey, PublicKey

from audit import events
from audit.entries import BallotCast, parse_entry
from audit.log import Appended, Log
from audit.merkle import hash_leaf
from audit.record import write_record
from audit.store import MemoryStore
from audit.tracking import TrackingCode
from ballots import (
    Announcement,
    Ballot,
    Comparison,
    Complaint,
    ComplaintAnswer,
    DecryptedTally,
    Election,
    ElectionKey,
    EncryptedTally,
    Fraction,
    MajorityRule,
    Manifest,
    Option,
    Question,
    QuestionKind,
    RuleKind,
    SigningKey,
    TieRule,
    TrusteeSecret,
    Verdict,
    announce,
    answer_complaint,
    combine_shares,
    count_election,
    deal_shares,
    decrypt_share,
    election_key,
    encrypt_ballot,
    finish_ceremony,
    motion,
    receive_shares,
    resolve_complaint,
    tally_ballots,
    text_sha256,
    validate_ballot,
)
from ballots._messages import share_plaintext
from ballots.group import N

ELECTION_ID = "alv-2026"
START = datetime(2026, 11, 14, 9, 0, tzinfo=UTC)
LOG_KEY = SigningKey(bytes(range(1, 33)))


def manifest(electorate: int) -> Manifest:
    """A motion (simple majority) and a multiple-choice question (plurality, one choice)."""
    choice = Question(
        "locatie",
        QuestionKind.MULTIPLE_CHOICE,
        "Waar houden we het volgende congres?",
        text_sha256("Utrecht, Zwolle of Kralendijk"),
        (
            Option("utrecht", "Utrecht"),
            Option("zwolle", "Zwolle"),
            Option("kralendijk", "Kralendijk"),
        ),
        0,
        1,
        MajorityRule(RuleKind.PLURALITY, Fraction(0, 1), Comparison.MORE_THAN, TieRule.REJECTED),
    )
    return Manifest(
        ELECTION_ID,
        "ALV november 2026",
        electorate,
        (motion("m1", "Motie 1", "De partij kiest voor ..."), choice),
    )


Judged = tuple[Complaint, ComplaintAnswer | None, Verdict]


@dataclass(frozen=True)
class Ceremony:
    """A finished key ceremony: the qualified trustees' secrets, every announcement, the key,
    and the complaints with their answers and verdicts (protocol.md §I.10)."""

    secrets: list[TrusteeSecret]
    announcements: list[Announcement]
    key: ElectionKey
    complaints: list[Judged]


def ceremony(
    trustees: int, threshold: int, *, bad_share: tuple[int, int, bool] | None = None
) -> Ceremony:
    """Run the whole key ceremony. With `bad_share` = (dealer, recipient, answered), the
    dealer sends the recipient a wrong share (the recipient complains); the dealer answers the
    complaint with the right share, or not at all and is disqualified."""
    pairs = [announce(ELECTION_ID, i, threshold, trustees) for i in range(1, trustees + 1)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    messages = [m for s in secrets for m in deal_shares(s, announcements)]
    if bad_share is not None:
        dealer, recipient, _ = bad_share
        cheat = secrets[dealer - 1]
        wrong = share_plaintext(
            ELECTION_ID, dealer, recipient, (cheat.polynomial(recipient) + 1) % N
        )
        box = Box(PrivateKey(cheat.box_secret_key), PublicKey(announcements[recipient - 1].box_key))
        messages = [
            replace(m, ciphertext=bytes(box.encrypt(wrong)))
            if (m.dealer, m.recipient) == (dealer, recipient)
            else m
            for m in messages
        ]
    judged: list[Judged] = []
    received = {}
    for secret in secrets:
        shares, complaints = receive_shares(secret, announcements, messages)
        received[secret.trustee] = shares
        for complaint in complaints:
            assert bad_share is not None
            answer = (
                answer_complaint(secrets[complaint.dealer - 1], announcements, complaint)
                if bad_share[2]
                else None
            )
            verdict = resolve_complaint(announcements[complaint.dealer - 1], complaint, answer)
            if answer is not None and verdict is Verdict.DISMISSED:
                shares[complaint.dealer] = answer.share
            judged.append((complaint, answer, verdict))
    disqualified = {c.dealer for c, _, v in judged if v is Verdict.DISQUALIFIED}
    key = election_key(announcements, disqualified)
    finished = [
        finish_ceremony(
            s, key, {d: v for d, v in received[s.trustee].items() if d not in disqualified}
        )
        for s in secrets
        if s.trustee not in disqualified
    ]
    return Ceremony(finished, announcements, key, judged)


@dataclass
class Built:
    """What the builder made: the election, its log, the trustees' secrets and what voters saw."""

    election: Election
    log: Log
    secrets: list[TrusteeSecret]
    announcements: list[Announcement]
    pseudonyms: list[str]
    receipts: dict[str, list[Appended]] = field(default_factory=dict)
    tally: EncryptedTally | None = None
    result: DecryptedTally | None = None
    now: datetime = START

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def append(self, factory: events.EntryFactory) -> Appended:
        """Append and sign a head, as the service does in one transaction."""
        appended = self.log.append(factory)
        self.log.sign_head(LOG_KEY, self.tick())
        return appended

    def cast(self, pseudonym: str, selections: Mapping[str, Sequence[str]]) -> Appended:
        """Encrypt, validate and append a ballot; supersede the voter's previous one."""
        ballot = encrypt_ballot(self.election, pseudonym, selections)
        validate_ballot(self.election, ballot)
        appended = self.append(events.ballot_cast(ELECTION_ID, ballot, LOG_KEY))
        earlier = self.receipts.setdefault(pseudonym, [])
        if earlier:
            self.append(events.ballot_superseded(pseudonym, earlier[-1].index, appended.index))
        earlier.append(appended)
        return appended

    def counted_ballots(self) -> list[Ballot]:
        casts = [e for e in self.entries() if isinstance(e, BallotCast)]
        last = {c.pseudonym: c for c in casts}
        return [Ballot.from_json(c.ballot, self.election) for c in last.values()]

    def entries(self) -> list[object]:

        return [parse_entry(raw, i) for i, raw in enumerate(self.log.entries())]


VOTES: list[tuple[str, dict[str, list[str]]]] = [
    ("v1", {"m1": ["voor"], "locatie": ["utrecht"]}),
    ("v2", {"m1": ["tegen"], "locatie": ["zwolle"]}),
    ("v3", {"m1": ["voor"], "locatie": []}),
    ("v4", {"m1": ["onthouding"], "locatie": ["utrecht"]}),
    ("v1", {"m1": ["tegen"], "locatie": ["kralendijk"]}),  # revote
    ("v5", {"m1": [], "locatie": ["utrecht"]}),
    ("v2", {"m1": ["voor"], "locatie": ["zwolle"]}),  # revote
    ("v6", {"m1": ["voor"], "locatie": ["utrecht"]}),
]
"""Final choices: m1 voor 3 (v2, v3, v6), tegen 1 (v1), onthouding 1, blank 1 → adopted;
locatie utrecht 3, zwolle 1, kralendijk 1, blank 1 → utrecht."""


def open_election(
    electorate: int = 8, trustees: int = 3, threshold: int = 2, *, made: Ceremony | None = None
) -> Built:
    """Ceremony, election-created, announcements, complaints and the frozen electorate:
    voting is open."""
    made = made or ceremony(trustees, threshold)
    election = Election.create(manifest(electorate), made.key)
    built = Built(
        election=election,
        log=Log(MemoryStore(), ELECTION_ID),
        secrets=made.secrets,
        announcements=made.announcements,
        pseudonyms=[f"v{i}" for i in range(1, electorate + 1)],
    )
    built.append(
        events.election_created(ELECTION_ID, election, LOG_KEY.verifying_key(), built.tick())
    )
    for announcement in made.announcements:
        built.append(events.trustee_commitments(announcement.trustee, announcement))
    for complaint, answer, verdict in made.complaints:
        built.append(events.trustee_complaint(complaint, answer, verdict))
    built.append(events.electorate_frozen(built.pseudonyms, built.tick()))
    built.append(events.officer_action("voting-opened", "officer-1", built.tick()))
    return built


def close_and_tally(built: Built) -> EncryptedTally:
    """Close voting and append the encrypted tally of the counted ballots."""
    counted = built.counted_ballots()
    built.append(events.voting_closed(built.tick(), len(counted)))
    tally = tally_ballots(built.election, counted)
    built.append(events.encrypted_tally(tally, len(counted)))
    built.tally = tally
    return tally


def decrypt_and_publish(built: Built, trustees: Sequence[int] = (1, 3)) -> DecryptedTally:
    """k trustees decrypt at the meeting; the officer publishes counts and outcomes."""
    assert built.tally is not None
    shares = []
    for secret in built.secrets:
        if secret.trustee in trustees:
            share = decrypt_share(built.election, built.tally, secret)
            shares.append(share)
            built.append(events.decryption_share(secret.trustee, share))
    result = combine_shares(built.election, built.tally, shares)
    outcomes = count_election(built.election.manifest, result)
    built.append(events.result_published(result, outcomes, built.tick()))
    built.result = result
    return result


def run_election(votes: Sequence[tuple[str, Mapping[str, Sequence[str]]]] = VOTES) -> Built:
    """The whole election, from the ceremony to the published result."""
    built = open_election()
    for pseudonym, selections in votes:
        built.cast(pseudonym, selections)
    close_and_tally(built)
    decrypt_and_publish(built)
    return built


def receipt_document(log: Log, index: int) -> dict[str, object]:
    """The receipt file a voter downloads for the ballot at `index`, as the service writes it
    (voting/elections/casting.py `Receipt.document()`, protocol.md §II.1), with the head
    signed right after the cast."""
    raw = log.entries(index, index + 1)[0]
    entry = parse_entry(raw, index)
    assert isinstance(entry, BallotCast)
    head = next(h for h in log.heads() if h.head.size == index + 1)
    return {
        "version": 1,
        "election_id": log.log_id,
        "tracking_code": str(TrackingCode.from_leaf_hash(hash_leaf(raw))),
        "log_index": index,
        "receipt": entry.receipt.to_json(),
        "head": head.to_json(),
    }


def write(built: Built, path: Path) -> Path:
    """Write the election's record."""
    return write_record(path, built.log)
