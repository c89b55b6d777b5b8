"""The election's history as the log tells it: order of events, revotes, eligibility, turnout.

protocol.md Part II, §II.1 (the order of entries) and §II.8 (the verifier's checks
"lifecycle", "entry-time", "supersede", "eligibility", "turnout" and "tracking-code"). These
checks read only audit/'s own fields; the cryptography is checked in audit/ballotcheck.py
and audit/tallycheck.py. Every check reports into a `Findings` and goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from audit.entries import (
    BallotCast,
    BallotSuperseded,
    DecryptionShare,
    ElectionCreated,
    ElectorateFrozen,
    EncryptedTally,
    Entry,
    OfficerAction,
    ResultPublished,
    TrusteeCommitments,
    TrusteeComplaint,
    VotingCancelled,
    VotingClosed,
)
from audit.record import entry_name
from audit.report import Findings
from audit.tracking import TrackingCode

_E = TypeVar("_E")


def label(entry: Entry) -> str:
    """Return how a finding names an entry: its type and index, e.g. "ballot-cast 12"."""
    return f"{_TYPE_NAMES[type(entry)]} {entry.index}"


_TYPE_NAMES: dict[type, str] = {
    ElectionCreated: "election-created",
    TrusteeCommitments: "trustee-commitments",
    TrusteeComplaint: "trustee-complaint",
    ElectorateFrozen: "electorate-frozen",
    BallotCast: "ballot-cast",
    BallotSuperseded: "ballot-superseded",
    VotingClosed: "voting-closed",
    VotingCancelled: "voting-cancelled",
    EncryptedTally: "encrypted-tally",
    DecryptionShare: "decryption-share",
    ResultPublished: "result-published",
    OfficerAction: "officer-action",
}


@dataclass(frozen=True, slots=True)
class History:
    """The readable entries of a log, grouped the way the checks need them.

    `casts` in log order; `counted` maps each pseudonym to the index of its last ballot cast
    before voting closed (protocol.md §II.1: the last ballot counts);
    the singletons are the first entry of their type (a second one is a "lifecycle" finding).
    """

    entries: tuple[Entry, ...]
    casts: tuple[BallotCast, ...]
    counted: dict[str, int]
    created: ElectionCreated | None
    electorate: ElectorateFrozen | None
    closed: VotingClosed | None
    cancelled: VotingCancelled | None
    tally: EncryptedTally | None
    shares: tuple[DecryptionShare, ...]
    result: ResultPublished | None
    announcements: tuple[TrusteeCommitments, ...]
    complaints: tuple[TrusteeComplaint, ...]

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> History:
        """Group `entries` (the readable ones, in log order)."""
        casts = tuple(e for e in entries if isinstance(e, BallotCast))
        closed = _first(entries, VotingClosed)
        counted: dict[str, int] = {}
        for cast in casts:
            if closed is None or cast.index < closed.index:
                counted[cast.pseudonym] = cast.index
        return cls(
            entries=tuple(entries),
            casts=casts,
            counted=counted,
            created=_first(entries, ElectionCreated),
            electorate=_first(entries, ElectorateFrozen),
            closed=closed,
            cancelled=_first(entries, VotingCancelled),
            tally=_first(entries, EncryptedTally),
            shares=tuple(e for e in entries if isinstance(e, DecryptionShare)),
            result=_first(entries, ResultPublished),
            announcements=tuple(e for e in entries if isinstance(e, TrusteeCommitments)),
            complaints=tuple(e for e in entries if isinstance(e, TrusteeComplaint)),
        )


def _first(entries: Sequence[Entry], kind: type[_E]) -> _E | None:
    for entry in entries:
        if isinstance(entry, kind):
            return entry
    return None


def _where(entry: Entry) -> tuple[str, str]:
    return entry_name(entry.index), label(entry)


# The stages of an election's log, in order (protocol.md §II.1).
_START, _CREATED, _COMPLAINTS, _OPEN, _CLOSED, _TALLIED, _PUBLISHED, _CANCELLED = range(8)
_ALLOWED: dict[type, tuple[frozenset[int], int | None]] = {
    # entry type: (stages in which it may appear, the stage it moves to)
    ElectionCreated: (frozenset({_START}), _CREATED),
    TrusteeCommitments: (frozenset({_CREATED}), None),
    TrusteeComplaint: (frozenset({_CREATED, _COMPLAINTS}), _COMPLAINTS),
    ElectorateFrozen: (frozenset({_CREATED, _COMPLAINTS}), _OPEN),
    BallotCast: (frozenset({_OPEN}), None),
    BallotSuperseded: (frozenset({_OPEN}), None),
    VotingClosed: (frozenset({_OPEN}), _CLOSED),
    VotingCancelled: (frozenset({_OPEN}), _CANCELLED),
    EncryptedTally: (frozenset({_CLOSED}), _TALLIED),
    DecryptionShare: (frozenset({_TALLIED}), None),
    ResultPublished: (frozenset({_TALLIED}), _PUBLISHED),
    OfficerAction: (
        frozenset({_CREATED, _COMPLAINTS, _OPEN, _CLOSED, _TALLIED, _PUBLISHED, _CANCELLED}),
        None,
    ),
}
_STAGE_NAMES = (
    "the start",
    "creation",
    "the complaints",
    "opening",
    "closing",
    "the tally",
    "publication",
    "the cancellation",
)


def check_lifecycle(history: History, findings: Findings) -> None:
    """Check the order of events ("lifecycle"): election-created first; announcements, then
    complaints, before the electorate is frozen; ballots only while voting is open; voting
    closed or cancelled once; the tally after closing; shares after the tally, one per
    trustee; the result after the tally; after a cancellation only officer actions."""
    findings.covered("lifecycle", 0)
    stage = _START
    trustees: set[tuple[type, int]] = set()
    for entry in history.entries:
        findings.covered("lifecycle")
        allowed, moves_to = _ALLOWED[type(entry)]
        if stage not in allowed:
            findings.add(
                *_where(entry), "lifecycle", f"{label(entry)} cannot follow {_STAGE_NAMES[stage]}"
            )
            continue
        if isinstance(entry, TrusteeCommitments | DecryptionShare):
            key = (type(entry), entry.trustee)
            if key in trustees:
                findings.add(
                    *_where(entry), "lifecycle", f"trustee {entry.trustee} appears a second time"
                )
            trustees.add(key)
        if moves_to is not None:
            stage = moves_to


def entry_time(entry: Entry) -> int | None:
    """The entry's `at` time (ms since the epoch, UTC), for the types that have one."""
    timed = (
        ElectionCreated,
        ElectorateFrozen,
        VotingClosed,
        VotingCancelled,
        ResultPublished,
        OfficerAction,
    )
    return entry.at if isinstance(entry, timed) else None


def check_times(history: History, findings: Findings) -> None:
    """Check that the `at` times of the entries never go back ("entry-time")."""
    findings.covered("entry-time", 0)
    latest = 0
    for entry in history.entries:
        at = entry_time(entry)
        if at is None:
            continue
        findings.covered("entry-time")
        if at < latest:
            findings.add(*_where(entry), "entry-time", f"time {at} ms is before {latest} ms")
        latest = max(latest, at)


def check_supersede(history: History, findings: Findings) -> None:
    """Check the revotes: every ballot but a voter's last is superseded exactly once, by that
    voter's next ballot, in an entry that follows it ("supersede")."""
    findings.covered("supersede", 0)
    position = {cast.index: cast for cast in history.casts}
    following: dict[int, int] = {}
    latest: dict[str, int] = {}
    for cast in history.casts:
        if cast.pseudonym in latest:
            following[latest[cast.pseudonym]] = cast.index
        latest[cast.pseudonym] = cast.index
    seen: set[int] = set()
    for entry in history.entries:
        if not isinstance(entry, BallotSuperseded):
            continue
        findings.covered("supersede")
        old, new = position.get(entry.superseded), position.get(entry.by)
        if old is None or new is None:
            problem = "does not name two cast ballots"
        elif not old.pseudonym == new.pseudonym == entry.pseudonym:
            problem = "names ballots of different voters"
        elif following.get(old.index) != new.index:
            problem = f"ballot {new.index} is not the next ballot after {old.index}"
        elif entry.index < new.index:
            problem = "comes before the ballot that supersedes"
        elif old.index in seen:
            problem = f"ballot {old.index} is superseded twice"
        else:
            seen.add(old.index)
            continue
        findings.add(*_where(entry), "supersede", problem)
    for earlier, later in following.items():
        if earlier not in seen:
            findings.add(
                *_where(position[earlier]),
                "supersede",
                f"replaced by ballot {later} without a superseded entry",
            )


def check_eligibility(history: History, findings: Findings) -> None:
    """Check that every ballot was cast under a pseudonym of the frozen electorate and that
    the electorate's size is its number of pseudonyms ("eligibility")."""
    electorate = history.electorate
    if electorate is None:
        findings.skip("eligibility", "the log has no electorate-frozen entry")
        return
    findings.covered("eligibility")
    if electorate.size != len(electorate.pseudonyms):
        findings.add(
            *_where(electorate),
            "eligibility",
            f"size {electorate.size} but {len(electorate.pseudonyms)} pseudonyms",
        )
    members = frozenset(electorate.pseudonyms)
    for cast in history.casts:
        findings.covered("eligibility")
        if cast.pseudonym not in members:
            findings.add(
                *_where(cast),
                "eligibility",
                f"pseudonym {cast.pseudonym!r} is not in the electorate",
            )


def check_turnout(history: History, findings: Findings) -> None:
    """Check the number of counted ballots, one per voter who voted, against the closing and
    tally entries and the electorate ("turnout")."""
    findings.covered("turnout", 0)
    voters = len(history.counted)
    if history.electorate is not None:
        findings.covered("turnout")
        if voters > history.electorate.size:
            findings.add(
                *_where(history.electorate), "turnout", f"{voters} voters, more than the electorate"
            )
    for entry in (history.closed, history.tally):
        if entry is None:
            continue
        findings.covered("turnout")
        if entry.counted != voters:
            findings.add(
                *_where(entry),
                "turnout",
                f"says {entry.counted} counted, the log has {voters} voters",
            )


def check_tracking_codes(
    history: History, leaf_hashes: Sequence[bytes | None], findings: Findings
) -> None:
    """Check that no two ballots share a tracking code (T13, "tracking-code")."""
    findings.covered("tracking-code", 0)
    seen: dict[TrackingCode, int] = {}
    for cast in history.casts:
        leaf = leaf_hashes[cast.index]
        if leaf is None:  # pragma: no cover - a parsed entry always has its leaf hash
            continue
        findings.covered("tracking-code")
        code = TrackingCode.from_leaf_hash(leaf)
        if code in seen:
            findings.add(*_where(cast), "tracking-code", f"same code {code} as ballot {seen[code]}")
        seen.setdefault(code, cast.index)
