"""The history checks (audit/history.py) on hand-made logs: order of events, times, revotes,
eligibility and turnout, one named finding per rule (THREATS T11, T12, T14)."""

from __future__ import annotations

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
    VotingClosed,
)
from audit.history import (
    History,
    check_eligibility,
    check_lifecycle,
    check_supersede,
    check_times,
    check_turnout,
)
from audit.report import Findings
from ballots import SigningKey, sign_document

KEY = SigningKey(bytes(range(32)))
RECEIPT = sign_document(KEY, "receipt", {"x": 1})


def created(index: int = 0, at: int = 1) -> ElectionCreated:
    return ElectionCreated(index, "alv-2026", {}, KEY.verifying_key(), at)


def frozen(index: int, pseudonyms: tuple[str, ...] = ("a", "b"), at: int = 2) -> ElectorateFrozen:
    return ElectorateFrozen(index, len(pseudonyms), pseudonyms, at)


def cast(index: int, pseudonym: str) -> BallotCast:
    return BallotCast(index, pseudonym, {}, RECEIPT)


def _run(check: object, entries: list[Entry]) -> list[tuple[str, str, str]]:
    findings = Findings()
    check(History.of(entries), findings)  # type: ignore[operator]
    return [(f.file, f.entry, f.detail) for f in findings.report().findings]


def _entries_of(found: list[tuple[str, str, str]]) -> list[str]:
    return [entry for _, entry, _ in found]


# ---------------------------------------------------------------- lifecycle


def test_a_complete_election_follows_the_lifecycle() -> None:
    log: list[Entry] = [
        created(),
        TrusteeCommitments(1, 1, {}),
        frozen(2),
        OfficerAction(3, "voting-opened", "officer-1", 3),
        cast(4, "a"),
        VotingClosed(5, 4, 1),
        EncryptedTally(6, 1, {}),
        DecryptionShare(7, 1, {}),
        ResultPublished(8, 5, {}, ()),
        OfficerAction(9, "published", "officer-1", 6),
    ]
    assert _run(check_lifecycle, log) == []
    assert _run(check_times, log) == []


def test_the_log_must_begin_with_its_election() -> None:
    found = _run(check_lifecycle, [OfficerAction(0, "x", "officer-1", 1), created(1)])
    assert _entries_of(found) == ["officer-action 0"]


def test_a_second_election_electorate_closing_tally_or_result_is_out_of_place() -> None:
    log: list[Entry] = [
        created(),
        created(1),
        frozen(2),
        frozen(3),
        VotingClosed(4, 4, 0),
        VotingClosed(5, 4, 0),
        EncryptedTally(6, 0, {}),
        EncryptedTally(7, 0, {}),
        ResultPublished(8, 5, {}, ()),
        ResultPublished(9, 5, {}, ()),
    ]
    assert _entries_of(_run(check_lifecycle, log)) == [
        "election-created 1",
        "electorate-frozen 3",
        "voting-closed 5",
        "encrypted-tally 7",
        "result-published 9",
    ]


def test_ballots_only_while_voting_is_open() -> None:
    log: list[Entry] = [
        created(),
        cast(1, "a"),
        frozen(2),
        cast(3, "a"),
        VotingClosed(4, 4, 1),
        cast(5, "b"),
        BallotSuperseded(6, "a", 3, 5),
    ]
    found = _run(check_lifecycle, log)
    assert _entries_of(found) == ["ballot-cast 1", "ballot-cast 5", "ballot-superseded 6"]
    assert "cannot follow closing" in found[1][2]


def test_announcements_before_opening_and_shares_after_the_tally_once_per_trustee() -> None:
    log: list[Entry] = [
        created(),
        TrusteeCommitments(1, 1, {}),
        TrusteeCommitments(2, 1, {}),
        frozen(3),
        TrusteeCommitments(4, 2, {}),
        DecryptionShare(5, 1, {}),
        VotingClosed(6, 4, 0),
        EncryptedTally(7, 0, {}),
        DecryptionShare(8, 1, {}),
        DecryptionShare(9, 1, {}),
    ]
    found = _run(check_lifecycle, log)
    assert _entries_of(found) == [
        "trustee-commitments 2",
        "trustee-commitments 4",
        "decryption-share 5",
        "decryption-share 9",
    ]
    assert "second time" in found[0][2]


def test_time_going_backwards_between_entries_is_found() -> None:
    log: list[Entry] = [created(at=10), frozen(1, at=5), OfficerAction(2, "x", "officer-1", 11)]
    found = _run(check_times, log)
    assert found == [("log/00000001.json", "electorate-frozen 1", "time 5 ms is before 10 ms")]


# ---------------------------------------------------------------- revotes


def test_revotes_superseded_in_order_hold() -> None:
    log: list[Entry] = [
        created(),
        frozen(1),
        cast(2, "a"),
        cast(3, "a"),
        BallotSuperseded(4, "a", 2, 3),
        cast(5, "a"),
        BallotSuperseded(6, "a", 3, 5),
    ]
    assert _run(check_supersede, log) == []
    assert History.of(log).counted == {"a": 5}


def test_every_wrong_supersede_is_named() -> None:
    log: list[Entry] = [
        created(),
        frozen(1),
        cast(2, "a"),
        cast(3, "b"),
        cast(4, "a"),
        cast(5, "a"),
        BallotSuperseded(6, "a", 2, 99),  # not a ballot
        BallotSuperseded(7, "a", 2, 3),  # another voter's ballot
        BallotSuperseded(8, "a", 2, 5),  # not the next one
        BallotSuperseded(9, "a", 2, 4),  # right
        BallotSuperseded(10, "a", 2, 4),  # twice
        BallotSuperseded(11, "a", 4, 5),  # right
    ]
    found = _run(check_supersede, log)
    assert [(entry, detail) for _, entry, detail in found] == [
        ("ballot-superseded 6", "does not name two cast ballots"),
        ("ballot-superseded 7", "names ballots of different voters"),
        ("ballot-superseded 8", "ballot 5 is not the next ballot after 2"),
        ("ballot-superseded 10", "ballot 2 is superseded twice"),
    ]


def test_a_supersede_before_the_new_ballot_or_missing_is_named() -> None:
    log: list[Entry] = [
        created(),
        frozen(1),
        cast(2, "a"),
        BallotSuperseded(3, "a", 2, 4),
        cast(4, "a"),
        cast(5, "a"),
    ]
    found = _run(check_supersede, log)
    assert [(entry, detail) for _, entry, detail in found] == [
        ("ballot-superseded 3", "comes before the ballot that supersedes"),
        ("ballot-cast 2", "replaced by ballot 4 without a superseded entry"),
        ("ballot-cast 4", "replaced by ballot 5 without a superseded entry"),
    ]


def test_a_ballot_after_closing_does_not_count() -> None:
    log: list[Entry] = [created(), frozen(1), cast(2, "a"), VotingClosed(3, 4, 1), cast(4, "a")]
    assert History.of(log).counted == {"a": 2}


# ---------------------------------------------------------------- electorate and turnout


def test_eligibility_needs_the_frozen_electorate() -> None:
    findings = Findings()
    check_eligibility(History.of([created(), cast(1, "a")]), findings)
    report = findings.report()
    assert report.findings[0].detail == "could not run: the log has no electorate-frozen entry"


def test_an_electorate_whose_size_is_not_its_list_is_found() -> None:
    wrong = ElectorateFrozen(1, 3, ("a", "b"), 2)
    found = _run(check_eligibility, [created(), wrong])
    assert found == [("log/00000001.json", "electorate-frozen 1", "size 3 but 2 pseudonyms")]


def test_more_voters_than_the_electorate_or_a_wrong_count_at_closing_is_found() -> None:
    log: list[Entry] = [
        created(),
        ElectorateFrozen(1, 1, ("a",), 2),
        cast(2, "a"),
        cast(3, "b"),
        VotingClosed(4, 4, 1),
        EncryptedTally(5, 2, {}),
    ]
    found = _run(check_turnout, log)
    assert _entries_of(found) == ["electorate-frozen 1", "voting-closed 4"]
