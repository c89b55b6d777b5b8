"""Attacks by the election server itself, which holds the log key and re-signs whatever it
writes: only the verifier's recomputation, the members' checks and the witnesses catch them
(THREATS T11, T12, T13, T14, T15)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from audit import events
from audit.entries import BallotCast, EntryType, receipt_body
from audit.errors import BallotNotFound
from audit.history import History, check_tracking_codes
from audit.log import Log
from audit.lookup import ballots_under, find_ballot
from audit.merkle import hash_leaf
from audit.record import Record
from audit.report import Findings, Report
from audit.store import MemoryStore
from audit.tracking import TrackingCode
from audit.verifier import verify_record
from ballots import (
    Announcement,
    Ballot,
    Complaint,
    ComplaintAnswer,
    DecryptedTally,
    EncryptedTally,
    Verdict,
    canonical_json,
    combine_shares,
    count_election,
    decrypt_share,
    election_key,
    encrypt_ballot,
    sign_document,
    tally_ballots,
)
from tests.audit.election import (
    ELECTION_ID,
    LOG_KEY,
    VOTES,
    Built,
    Ceremony,
    Judged,
    ceremony,
    close_and_tally,
    decrypt_and_publish,
    open_election,
    run_election,
    write,
)


def _verify(built: Built, tmp_path: Path, witness: tuple[object, ...] = ()) -> Report:
    record = write(built, tmp_path / "record")
    return verify_record(record, witness, workers=1)  # type: ignore[arg-type]


def _findings(report: Report, check: str) -> list[tuple[str, str]]:
    return [(f.file, f.entry) for f in report.findings if f.check == check]


def _log(index: int) -> str:
    return f"log/{index:08d}.json"


def _vote_all(built: Built, votes: list[tuple[str, dict[str, list[str]]]] = VOTES) -> None:
    for pseudonym, selections in votes:
        built.cast(pseudonym, selections)


def _publish_tally(built: Built, ballots: list[Ballot]) -> EncryptedTally:
    """The server closes and logs the tally of the ballots it chooses to count."""
    built.append(events.voting_closed(built.tick(), len(ballots)))
    tally = tally_ballots(built.election, ballots)
    built.append(events.encrypted_tally(tally, len(ballots)))
    built.tally = tally
    return tally


# ---------------------------------------------------------------- T11: the count


def test_a_counted_superseded_ballot_makes_the_tally_wrong(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    casts = [e for e in built.entries() if isinstance(e, BallotCast)]
    first_of_v1 = next(c for c in casts if c.pseudonym == "v1")
    counted = [b for b in built.counted_ballots() if b.pseudonym != "v1"]
    counted.append(Ballot.from_json(first_of_v1.ballot, built.election))
    _publish_tally(built, counted)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    tally_entry = len(built.log.entries()) - 4
    assert (_log(tally_entry), f"encrypted-tally {tally_entry}") in _findings(report, "tally")
    assert {f.check for f in report.findings} == {"tally"}


def test_a_dropped_ballot_makes_the_tally_and_turnout_wrong(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    counted = [b for b in built.counted_ballots() if b.pseudonym != "v3"]
    _publish_tally(built, counted)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    checks = {f.check for f in report.findings}
    assert {"tally", "turnout"} <= checks
    assert all(f.entry.startswith(("voting-closed", "encrypted-tally")) for f in report.findings)


def test_an_added_ballot_in_the_tally_makes_it_wrong(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    extra = encrypt_ballot(built.election, "v8", {"m1": ["tegen"], "locatie": ["zwolle"]})
    _publish_tally(built, [*built.counted_ballots(), extra])
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert "tally" in {f.check for f in report.findings}


def test_a_wrong_announced_outcome_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    result = _decrypt(built)
    outcomes = list(count_election(built.election.manifest, result))
    outcomes[0] = replace(outcomes[0], outcome=type(outcomes[0].outcome)("rejected"))
    built.append(events.result_published(result, outcomes, built.tick()))
    report = _verify(built, tmp_path)
    index = len(built.log.entries()) - 1
    assert _findings(report, "outcome") == [(_log(index), f"result-published {index}")]


def test_announced_counts_that_the_shares_do_not_give_are_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    result = _decrypt(built)
    (qid, counts), *rest = result.counts
    swapped = ((counts[0][0], counts[1][1]), (counts[1][0], counts[0][1]), *counts[2:])
    forged = replace(result, counts=((qid, swapped), *rest))
    built.append(
        events.result_published(
            forged, count_election(built.election.manifest, forged), built.tick()
        )
    )
    report = _verify(built, tmp_path)
    index = len(built.log.entries()) - 1
    assert _findings(report, "decryption") == [(_log(index), f"result-published {index}")]
    assert "outcome" in {c.name for c in report.checks if c.reason}


def _decrypt(built: Built, trustees: tuple[int, ...] = (1, 3)) -> DecryptedTally:

    assert built.tally is not None
    shares = []
    for secret in built.secrets:
        if secret.trustee in trustees:
            share = decrypt_share(built.election, built.tally, secret)
            shares.append(share)
            built.append(events.decryption_share(secret.trustee, share))
    return combine_shares(built.election, built.tally, shares)


# ---------------------------------------------------------------- T15: trustees


def test_fewer_than_k_shares_cannot_support_a_result(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    # Only trustee 2 decrypts; the server announces counts it obtained some other way.
    _decrypt_only(built, trustee=2)
    honest = run_election().result
    assert honest is not None
    result = replace(honest, trustees=(1, 2), fingerprint=built.election.fingerprint)
    built.append(
        events.result_published(
            result, count_election(built.election.manifest, result), built.tick()
        )
    )
    report = _verify(built, tmp_path)
    assert _findings(report, "threshold") == [("shares.json", "-")]
    index = len(built.log.entries()) - 1
    assert (_log(index), f"result-published {index}") in _findings(report, "decryption")


def _decrypt_only(built: Built, trustee: int) -> None:

    assert built.tally is not None
    secret = next(s for s in built.secrets if s.trustee == trustee)
    built.append(
        events.decryption_share(trustee, decrypt_share(built.election, built.tally, secret))
    )
    return True


@pytest.mark.parametrize("trustees", [(1, 2), (1, 3), (2, 3), (1, 2, 3)])
def test_any_k_valid_shares_give_a_result_that_verifies(
    trustees: tuple[int, ...], tmp_path: Path
) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    decrypt_and_publish(built, trustees)
    assert _verify(built, tmp_path).ok


def test_a_share_with_a_wrong_proof_is_excluded_and_named(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    assert built.tally is not None

    secret = built.secrets[1]
    good = decrypt_share(built.election, built.tally, secret)
    (qid, parts), *rest = good.questions
    bad_part = replace(parts[0], share=parts[1].share)
    forged = replace(good, questions=((qid, (bad_part, *parts[1:])), *rest))
    built.append(events.decryption_share(secret.trustee, forged))
    index = len(built.log.entries()) - 1
    decrypt_and_publish(built, (1, 3))
    report = _verify(built, tmp_path)
    assert _findings(report, "decryption-share") == [(_log(index), f"decryption-share {index}")]
    assert {f.check for f in report.findings} == {"decryption-share"}


def test_a_share_logged_for_another_trustee_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    assert built.tally is not None

    share = decrypt_share(built.election, built.tally, built.secrets[0])
    built.append(events.decryption_share(2, share))
    report = _verify(built, tmp_path)
    index = len(built.log.entries()) - 1
    assert _findings(report, "decryption-share") == [(_log(index), f"decryption-share {index}")]


def test_an_announcement_whose_proof_fails_is_found(tmp_path: Path) -> None:
    built = open_election()
    bad = built.announcements[1]
    forged = replace(bad, proofs=(bad.proofs[1], bad.proofs[0]))
    report = _verify_with_announcements(built, tmp_path, {2: forged})
    assert ("log/00000002.json", "trustee-commitments 2") in _findings(
        report, "trustee-announcement"
    )
    assert ("log/00000000.json", "election-created 0") in _findings(report, "trustee-announcement")


@pytest.mark.parametrize(("answered", "decrypting"), [(True, (2, 3)), (False, (1, 2))])
def test_complaints_of_the_ceremony_are_in_the_log_and_their_verdicts_verify(
    answered: bool, decrypting: tuple[int, ...], tmp_path: Path
) -> None:
    """Trustee 3's share for trustee 1 is garbled; trustee 1 complains. Answered, the complaint
    is dismissed and trustee 3 stays; unanswered, trustee 3 is disqualified and the key is made
    without it. Either way the log holds the complaint and the whole election verifies."""
    made = ceremony(3, 2, bad_share=(3, 1, answered))
    assert [(c.dealer, c.complainant, v) for c, _, v in made.complaints] == [
        (3, 1, Verdict.DISMISSED if answered else Verdict.DISQUALIFIED)
    ]
    built = open_election(made=made)
    _vote_all(built)
    close_and_tally(built)
    decrypt_and_publish(built, decrypting)
    report = _verify(built, tmp_path)
    assert report.ok, report.findings
    assert {c.trustee for c in built.election.key.commitments} == (
        {1, 2, 3} if answered else {1, 2}
    )


def test_a_trustee_left_out_of_the_key_without_a_complaint_is_found(tmp_path: Path) -> None:
    """The server drops trustee 3 from the key and hides the complaint that would explain it."""
    made = ceremony(3, 2, bad_share=(3, 1, False))
    built = open_election(made=replace(made, complaints=[]))
    assert ("log/00000000.json", "election-created 0") in _findings(
        _verify(built, tmp_path), "trustee-complaint"
    )


def test_a_verdict_the_answer_contradicts_is_found(tmp_path: Path) -> None:
    """Trustee 3 answered with the right share, but the server logs it as disqualified and
    makes the key without it."""
    made = ceremony(3, 2, bad_share=(3, 1, True))
    ((complaint, answer, _),) = made.complaints
    forged = replace(
        made,
        complaints=[(complaint, answer, Verdict.DISQUALIFIED)],
        key=election_key(made.announcements, {3}),
        secrets=made.secrets[:2],
    )
    report = _verify(open_election(made=forged), tmp_path)
    assert _findings(report, "trustee-complaint") == [("log/00000004.json", "trustee-complaint 4")]


def test_a_disqualified_trustee_kept_in_the_key_is_found(tmp_path: Path) -> None:
    made = ceremony(3, 2, bad_share=(3, 1, False))
    report = _verify(
        open_election(made=replace(made, key=election_key(made.announcements))), tmp_path
    )
    assert _findings(report, "trustee-complaint") == [("log/00000000.json", "election-created 0")]


def _forged_complaints(kind: str) -> list[Judged]:
    """Complaint entries a dishonest server might log, from trustee 1's real complaint about
    trustee 3 (dismissed by trustee 3's answer)."""
    made = ceremony(3, 2, bad_share=(3, 1, True))
    ((complaint, answer, verdict),) = made.complaints
    assert answer is not None
    second = replace(complaint, complainant=2)
    return {
        "unreadable": [(replace(complaint, election_id="Not An Id"), answer, verdict)],
        "other-election": [(replace(complaint, election_id="alv-1999"), answer, verdict)],
        "unannounced": [(replace(complaint, complainant=7), None, Verdict.DISQUALIFIED)],
        "itself": [(replace(complaint, complainant=3), None, Verdict.DISQUALIFIED)],
        "other-pair": [(complaint, replace(answer, complainant=2), verdict)],
        "twice": [(complaint, answer, verdict), (complaint, answer, verdict)],
        "order": [(second, answer_for(made, second), verdict), (complaint, answer, verdict)],
    }[kind]


def answer_for(made: Ceremony, complaint: Complaint) -> ComplaintAnswer:
    """Trustee 3's true answer to `complaint` (the verifier does not check seals)."""
    return ComplaintAnswer(
        ELECTION_ID, 3, complaint.complainant, made.secrets[2].polynomial(complaint.complainant)
    )


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("unreadable", "format"),
        ("other-election", "of another election"),
        ("unannounced", "without a valid announcement"),
        ("itself", "complains about itself"),
        ("other-pair", "the answer is to another complaint"),
        ("twice", "a second time"),
        ("order", "not in (dealer, complainant) order"),
    ],
)
def test_a_malformed_complaint_entry_is_found(kind: str, detail: str, tmp_path: Path) -> None:
    made = ceremony(3, 2, bad_share=(3, 1, True))
    report = _verify(
        open_election(made=replace(made, complaints=_forged_complaints(kind))), tmp_path
    )
    found = [f for f in report.findings if f.check == "trustee-complaint"]
    assert any(detail in f.detail and f.entry.startswith("trustee-complaint") for f in found), found


def test_a_trustee_without_an_announcement_is_found(tmp_path: Path) -> None:
    """The server drops trustee 3's commitments from the log and makes the key without it."""
    made = ceremony(3, 2)
    dropped = replace(
        made,
        announcements=made.announcements[:2],
        key=election_key(made.announcements, {3}),
        secrets=made.secrets[:2],
    )
    report = _verify(open_election(made=dropped), tmp_path)
    key_findings = [f.detail for f in report.findings if f.entry == "election-created 0"]
    assert "trustee 3 has no valid announcement" in key_findings
    assert "trustee 3 is left out of the key, but no complaint disqualifies it" in key_findings


def test_a_complaint_entry_after_the_electorate_is_out_of_order(tmp_path: Path) -> None:
    made = ceremony(3, 2, bad_share=(3, 1, True))
    built = open_election(made=replace(made, complaints=[]))
    ((complaint, answer, verdict),) = made.complaints
    built.append(events.trustee_complaint(complaint, answer, verdict))
    index = len(built.log.entries()) - 1
    assert (_log(index), f"trustee-complaint {index}") in _findings(
        _verify(built, tmp_path), "lifecycle"
    )


def test_a_cancelled_vote_verifies_with_nothing_to_count(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    built.append(events.voting_cancelled(built.tick()))
    built.append(events.officer_action("voting-cancelled", "officer-1", built.tick()))
    report = _verify(built, tmp_path)
    assert report.ok, report.findings
    items = {c.name: c.items for c in report.checks}
    assert [items[c] for c in ("tally", "decryption-share", "threshold", "outcome")] == [0] * 4


@pytest.mark.parametrize("after", ["ballot", "tally", "close", "cancel", "share", "result"])
def test_nothing_is_cast_closed_or_tallied_after_a_cancellation(after: str, tmp_path: Path) -> None:
    """The server cancels in the log and goes on anyway: the verifier finds it."""
    built = open_election()
    _vote_all(built)
    built.append(events.voting_cancelled(built.tick()))
    if after == "ballot":
        built.cast("v7", {"m1": ["voor"], "locatie": []})
    elif after == "tally":
        tally = tally_ballots(built.election, built.counted_ballots())
        built.append(events.encrypted_tally(tally, 6))
    elif after == "close":
        built.append(events.voting_closed(built.tick(), 6))
    elif after == "cancel":
        built.append(events.voting_cancelled(built.tick()))
    else:  # a share or a result for a tally that was never logged
        tally = tally_ballots(built.election, built.counted_ballots())
        share = decrypt_share(built.election, tally, built.secrets[0])
        if after == "share":
            built.append(events.decryption_share(1, share))
        else:
            result = combine_shares(
                built.election,
                tally,
                [share, decrypt_share(built.election, tally, built.secrets[1])],
            )
            outcomes = count_election(built.election.manifest, result)
            built.append(events.result_published(result, outcomes, built.tick()))
    index = next(i for i, e in enumerate(built.entries()) if type(e).__name__ == "VotingCancelled")
    found = [e for _, e in _findings(_verify(built, tmp_path), "lifecycle")]
    assert found, "a lifecycle finding after the cancellation"
    assert all(int(e.rsplit(" ", 1)[1]) > index for e in found)


def test_a_cancellation_after_voting_closed_is_out_of_order(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    built.append(events.voting_cancelled(built.tick()))
    index = len(built.log.entries()) - 1
    assert (_log(index), f"voting-cancelled {index}") in _findings(
        _verify(built, tmp_path), "lifecycle"
    )


def _verify_with_announcements(
    built: Built, tmp_path: Path, replaced: dict[int, Announcement]
) -> Report:
    """Rebuild the log with the announcements at some log indices replaced."""

    log = Log(MemoryStore(), ELECTION_ID)
    for index, raw in enumerate(built.log.entries()):
        if index in replaced:
            announcement = replaced[index]
            log.append(events.trustee_commitments(announcement.trustee, announcement))
        else:
            log.append(lambda _i, raw=raw: raw)
        log.sign_head(LOG_KEY, built.tick())
    built.log = log
    return _verify(built, tmp_path)


# ---------------------------------------------------------------- T12, T13: ghosts and clashes


def test_a_ghost_ballot_under_an_unknown_pseudonym_fails_eligibility(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    ghost = built.cast("ghost", {"m1": ["voor"], "locatie": ["utrecht"]})
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert _findings(report, "eligibility") == [(_log(ghost.index), f"ballot-cast {ghost.index}")]


def test_a_ghost_ballot_under_a_member_who_did_not_vote_is_found_by_that_member(
    tmp_path: Path,
) -> None:
    built = open_election()
    _vote_all(built)
    ghost = built.cast("v7", {"m1": ["voor"], "locatie": ["utrecht"]})
    close_and_tally(built)
    decrypt_and_publish(built)
    record = write(built, tmp_path / "record")
    with Record.from_path(record) as opened:
        assert ballots_under(opened, "v7") == (ghost.index,)
        assert ballots_under(opened, "v8") == ()
        assert len(ballots_under(opened, "v1")) == 2


def test_equal_choices_give_different_ballots_and_codes(election: Built) -> None:
    votes = {"m1": ["voor"], "locatie": ["utrecht"]}
    first = encrypt_ballot(election.election, "v1", votes)
    second = encrypt_ballot(election.election, "v1", votes)
    assert first.to_json() != second.to_json()
    a = events.ballot_cast(ELECTION_ID, first, LOG_KEY)(6)
    b = events.ballot_cast(ELECTION_ID, second, LOG_KEY)(6)

    assert TrackingCode.from_leaf_hash(hash_leaf(a)) != TrackingCode.from_leaf_hash(hash_leaf(b))


def test_a_record_with_two_ballots_under_one_tracking_code_fails(election: Built) -> None:
    # A real clash needs about 2**60 work; the check is tested on the leaf hashes it reads.
    entries = [e for e in election.entries()]
    history = History.of(entries)  # type: ignore[arg-type]
    leaves = [bytes(32)] * len(entries)
    casts = [c.index for c in history.casts]
    leaves[casts[0]] = b"\x11" * 15 + b"\x00" * 17
    leaves[casts[1]] = b"\x11" * 15 + b"\xff" * 17
    for other, index in enumerate(casts[2:]):
        leaves[index] = bytes([other + 1]) * 32
    findings = Findings()
    check_tracking_codes(history, leaves, findings)  # type: ignore[arg-type]
    report = findings.report()
    assert [(f.entry, f.check) for f in report.findings] == [
        (f"ballot-cast {casts[1]}", "tracking-code")
    ]


# ---------------------------------------------------------------- ballots the server adds


def test_a_ballot_cast_again_by_the_server_is_a_copy(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    casts = [e for e in built.entries() if isinstance(e, BallotCast)]
    ballot = Ballot.from_json(casts[2].ballot, built.election)
    again = built.append(events.ballot_cast(ELECTION_ID, ballot, LOG_KEY))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert (_log(again.index), f"ballot-cast {again.index}") in _findings(report, "ballot-copy")
    assert (_log(casts[2].index), f"ballot-cast {casts[2].index}") in _findings(report, "supersede")


def test_a_ballot_copied_to_another_voter_fails_its_proofs_and_the_copy_check(
    tmp_path: Path,
) -> None:
    built = open_election()
    _vote_all(built)
    casts = [e for e in built.entries() if isinstance(e, BallotCast)]
    copied_json = dict(casts[0].ballot)
    copied_json["pseudonym"] = "v8"
    copied = Ballot.from_json(copied_json, built.election)
    again = built.append(events.ballot_cast(ELECTION_ID, copied, LOG_KEY))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    where = (_log(again.index), f"ballot-cast {again.index}")
    assert where in _findings(report, "ballot-proof")
    assert where in _findings(report, "ballot-copy")


def test_a_ballot_cast_after_voting_closed_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    close_and_tally(built)
    late = built.cast("v8", {"m1": ["voor"], "locatie": []})
    report = _verify(built, tmp_path)
    assert (_log(late.index), f"ballot-cast {late.index}") in _findings(report, "lifecycle")


def test_a_receipt_for_another_index_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    ballot = encrypt_ballot(built.election, "v8", {"m1": ["voor"], "locatie": []})
    cast = built.append(_forged_cast(ballot, receipt_index=lambda index: index + 1))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert _findings(report, "receipt") == [(_log(cast.index), f"ballot-cast {cast.index}")]


def _forged_cast(
    ballot: Ballot,
    receipt_index: Callable[[int], int] = lambda index: index,
    digest: bytes | None = None,
) -> Callable[[int], bytes]:

    def make(index: int) -> bytes:
        body = receipt_body(
            ELECTION_ID, receipt_index(index), ballot.pseudonym, digest or ballot.digest()
        )
        return canonical_json(
            {
                "ballot": ballot.to_json(),
                "index": index,
                "pseudonym": ballot.pseudonym,
                "receipt": sign_document(LOG_KEY, "receipt", body).to_json(),
                "type": str(EntryType.BALLOT_CAST),
                "version": 1,
            }
        )

    return make


def test_a_receipt_signed_over_another_ballot_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    ballot = encrypt_ballot(built.election, "v8", {"m1": ["voor"], "locatie": []})
    other = encrypt_ballot(built.election, "v8", {"m1": ["tegen"], "locatie": []})
    cast = built.append(_forged_cast(ballot, digest=other.digest()))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert _findings(report, "receipt") == [(_log(cast.index), f"ballot-cast {cast.index}")]


def test_an_entry_pseudonym_other_than_the_ballots_is_found(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built)
    ballot = encrypt_ballot(built.election, "v8", {"m1": ["voor"], "locatie": []})
    renamed = _Renamed(ballot, "v7")
    cast = built.append(events.ballot_cast(ELECTION_ID, renamed, LOG_KEY))
    close_and_tally(built)
    decrypt_and_publish(built)
    report = _verify(built, tmp_path)
    assert _findings(report, "ballot-pseudonym") == [
        (_log(cast.index), f"ballot-cast {cast.index}")
    ]


class _Renamed:
    """A ballot the server files under another voter's pseudonym."""

    def __init__(self, ballot: Ballot, pseudonym: str) -> None:
        self._ballot, self.pseudonym = ballot, pseudonym

    def to_json(self) -> dict[str, object]:
        return self._ballot.to_json()  # type: ignore[return-value]

    def digest(self) -> bytes:
        return self._ballot.digest()


# ---------------------------------------------------------------- T14: rewriting history


def test_a_log_truncated_and_re_extended_is_caught_by_a_witness_head(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built, VOTES[:3])
    witness = built.log.heads()[-1]
    # The server cuts v3's ballot off, casts another one for v3 and re-signs everything.
    _keep(built, len(built.log.entries()) - 1)
    built.receipts.pop("v3")
    built.cast("v3", {"m1": ["tegen"], "locatie": ["zwolle"]})
    _vote_all(built, VOTES[3:])
    close_and_tally(built)
    decrypt_and_publish(built)
    assert _verify(built, tmp_path / "alone").ok
    report = _verify(built, tmp_path, (witness,))
    assert _findings(report, "equivocation") == [("--witness", "witness head 0")]


def _keep(built: Built, size: int) -> None:
    """The server's log holds only its first `size` entries, with fresh heads."""

    log = Log(MemoryStore(), ELECTION_ID)
    for raw in built.log.entries(0, size):
        log.append(lambda _i, raw=raw: raw)
        log.sign_head(LOG_KEY, built.tick())
    built.log = log


def test_a_voter_whose_ballot_was_dropped_cannot_find_it(tmp_path: Path) -> None:
    built = open_election()
    _vote_all(built, VOTES[:3])
    dropped = built.receipts["v3"][-1]
    _keep(built, dropped.index)
    record = write(built, tmp_path / "record")
    with Record.from_path(record) as opened, pytest.raises(BallotNotFound, match="not-in-log"):
        find_ballot(opened, dropped.tracking_code)
