"""The decryption guard (audit/guard.py): a trustee decrypts the sum of the counted ballots and
nothing else (THREATS T16); and the record holds no count before that decryption (T17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit import events
from audit.entries import BallotCast
from audit.errors import DecryptionRefused
from audit.guard import aggregate_to_decrypt
from audit.head import SignedTreeHead
from audit.verifier import verify_record
from ballots import (
    Ballot,
    JSONValue,
    canonical_json,
    decrypt_share,
    encrypt_ballot,
    parse_canonical_json,
    tally_ballots,
)
from tests.audit.election import (
    ELECTION_ID,
    LOG_KEY,
    VOTES,
    Built,
    close_and_tally,
    open_election,
    write,
)


def _closed(votes: list[tuple[str, dict[str, list[str]]]] = VOTES) -> Built:
    built = open_election()
    for pseudonym, selections in votes:
        built.cast(pseudonym, selections)
    close_and_tally(built)
    return built


@pytest.fixture(scope="module")
def closed() -> Built:
    """An election whose voting closed: the trustees are about to decrypt."""
    return _closed()


@pytest.fixture
def closed_record(closed: Built, tmp_path: Path) -> Path:
    return write(closed, tmp_path / "record")


def _final(built: Built) -> SignedTreeHead:
    return built.log.heads()[-1]


def _ask(record: Path, requested: JSONValue, head: SignedTreeHead) -> object:
    return aggregate_to_decrypt(record, requested, head, workers=1).tally


def test_the_sum_of_the_counted_ballots_is_what_a_trustee_decrypts(
    closed: Built, closed_record: Path
) -> None:
    assert closed.tally is not None
    granted = _ask(closed_record, closed.tally.to_json(), _final(closed))
    assert granted == closed.tally


def test_one_voters_ballot_is_refused(closed: Built, closed_record: Path) -> None:
    one = closed.counted_ballots()[:1]
    with pytest.raises(DecryptionRefused, match="not-the-aggregate"):
        _ask(closed_record, tally_ballots(closed.election, one).to_json(), _final(closed))


def test_a_subset_of_the_ballots_is_refused(closed: Built, closed_record: Path) -> None:
    subset = closed.counted_ballots()[1:]
    with pytest.raises(DecryptionRefused, match="not-the-aggregate"):
        _ask(closed_record, tally_ballots(closed.election, subset).to_json(), _final(closed))


def test_a_superseded_ballot_in_place_of_the_last_is_refused(
    closed: Built, closed_record: Path
) -> None:
    casts = [e for e in closed.entries() if isinstance(e, BallotCast)]
    first = Ballot.from_json(casts[0].ballot, closed.election)
    swapped = [first if b.pseudonym == first.pseudonym else b for b in closed.counted_ballots()]
    with pytest.raises(DecryptionRefused, match="not-the-aggregate"):
        _ask(closed_record, tally_ballots(closed.election, swapped).to_json(), _final(closed))


def test_something_that_is_not_a_tally_of_this_election_is_refused(
    closed: Built, closed_record: Path
) -> None:
    with pytest.raises(DecryptionRefused, match="not-the-aggregate"):
        _ask(closed_record, {"version": 1}, _final(closed))


def test_nothing_is_decrypted_before_voting_closes(tmp_path: Path) -> None:
    built = open_election()
    for pseudonym, selections in VOTES:
        built.cast(pseudonym, selections)
    record = write(built, tmp_path / "record")
    tally = tally_ballots(built.election, built.counted_ballots())
    with pytest.raises(DecryptionRefused, match="not-closed"):
        _ask(record, tally.to_json(), _final(built))


@pytest.mark.parametrize("then_closed", [False, True])
def test_a_cancelled_vote_is_never_decrypted(then_closed: bool, tmp_path: Path) -> None:
    """After voting-cancelled there is nothing to decrypt; a server that closes and tallies
    anyway forks the lifecycle, and the guard refuses that record too."""
    built = open_election()
    for pseudonym, selections in VOTES:
        built.cast(pseudonym, selections)
    built.append(events.voting_cancelled(built.tick()))
    tally = tally_ballots(built.election, built.counted_ballots())
    if then_closed:
        close_and_tally(built)
    record = write(built, tmp_path / "record")
    with pytest.raises(DecryptionRefused, match="record" if then_closed else "not-closed"):
        _ask(record, tally.to_json(), _final(built))


def test_a_record_with_a_ghost_ballot_is_refused_whatever_is_asked(tmp_path: Path) -> None:
    built = open_election()
    for pseudonym, selections in VOTES:
        built.cast(pseudonym, selections)
    built.cast("ghost", {"m1": ["voor"], "locatie": ["zwolle"]})
    tally = close_and_tally(built)
    record = write(built, tmp_path / "record")
    with pytest.raises(DecryptionRefused, match="record") as refused:
        _ask(record, tally.to_json(), _final(built))
    assert "eligibility" in refused.value.detail


def test_a_final_head_that_does_not_cover_the_log_is_refused(
    closed: Built, closed_record: Path
) -> None:
    assert closed.tally is not None
    older = closed.log.heads()[-3]
    with pytest.raises(DecryptionRefused, match="head"):
        _ask(closed_record, closed.tally.to_json(), older)


def test_a_record_that_is_not_the_log_the_final_head_signs_is_refused(
    closed: Built, closed_record: Path
) -> None:
    assert closed.tally is not None
    other = _closed(VOTES[:5])
    assert other.tally is not None
    with pytest.raises(DecryptionRefused, match="record") as refused:
        _ask(closed_record, closed.tally.to_json(), _final(other))
    assert "equivocation" in refused.value.detail


def test_shares_of_earlier_trustees_do_not_stop_the_next_one(tmp_path: Path) -> None:
    built = _closed()
    assert built.tally is not None
    share = decrypt_share(built.election, built.tally, built.secrets[0])
    built.append(events.decryption_share(1, share))
    record = write(built, tmp_path / "record")
    assert _ask(record, built.tally.to_json(), _final(built)) == built.tally


def test_every_trustee_gets_the_closing_head_however_many_shares_came_before(
    tmp_path: Path,
) -> None:
    """The meeting witnesses the closing head (§II.3): the first trustee decrypts at it, the
    next ones after the log grew by their shares; all must be shown the same size and root
    (the one the trustee tool compares with --expect-root)."""
    built = _closed()
    assert built.tally is not None
    tally = built.tally.to_json()
    closing = _final(built)
    first = aggregate_to_decrypt(write(built, tmp_path / "first"), tally, closing, workers=1)
    assert first.closing == closing
    for secret in built.secrets[:2]:
        share = decrypt_share(built.election, built.tally, secret)
        built.append(events.decryption_share(secret.trustee, share))
    grown = _final(built)
    assert grown.head.size == closing.head.size + 2
    record = write(built, tmp_path / "later")
    later = aggregate_to_decrypt(record, tally, grown, workers=1)
    assert later.closing == closing
    assert later.tally == built.tally


# ---------------------------------------------------------------- T17, the record's side


def test_no_count_exists_anywhere_in_the_record_before_decryption(closed_record: Path) -> None:
    for path in closed_record.rglob("*.json"):
        text = path.read_text()
        assert '"count"' not in text, path
        assert '"counts"' not in text, path
    assert not (closed_record / "result.json").exists()
    report = verify_record(closed_record, workers=1)
    reasons = {c.name: c.reason for c in report.checks}
    assert "no published result" in reasons["decryption"]
    assert "no published result" in reasons["outcome"]
    assert "decrypted" in reasons["threshold"]
    assert "decrypted" in reasons["decryption-share"]
    assert {f.check for f in report.findings} == {
        "decryption-share",
        "decryption",
        "outcome",
        "threshold",
    }


def test_ballots_and_receipts_have_the_same_size_whatever_the_choice(closed: Built) -> None:
    sizes = set()
    receipts = set()
    for selections in (
        {"m1": ["voor"], "locatie": ["utrecht"]},
        {"m1": ["tegen"], "locatie": ["kralendijk"]},
        {"m1": [], "locatie": []},
    ):
        ballot = encrypt_ballot(closed.election, "v7", selections)
        entry = events.ballot_cast(ELECTION_ID, ballot, LOG_KEY)(12)
        sizes.add(len(entry))
        value = parse_canonical_json(entry, max_bytes=10**6)
        receipts.add(len(canonical_json(value["receipt"])))  # type: ignore[index]
    assert len(sizes) == 1
    assert len(receipts) == 1
