"""The count: the encrypted tally recomputed, every decryption share, the decryption, and the
outcome under each question's majority rule.

protocol.md Part II, §II.8 (checks "tally", "decryption-share", "threshold", "decryption",
"outcome"); the documents and their checks are ballots/'s: §I.12 (`EncryptedTally`,
`DecryptionShare`, `verify_share`, `DecryptedTally`, `check_decrypted_tally`) and §I.13
(`count_election`). The tally is compared with the sum of the counted ballots that
audit/ballotcheck.py added up while it checked their proofs (THREATS T11).
"""

from __future__ import annotations

from audit.ballotcheck import BallotTotals
from audit.history import History, label
from audit.record import entry_name
from audit.report import Findings
from ballots import (
    BallotsError,
    DecryptedTally,
    DecryptionShare,
    Election,
    EncryptedTally,
    canonical_json,
    check_decrypted_tally,
    count_election,
    verify_share,
)

TALLY_CHECKS = ("tally", "decryption-share", "threshold", "decryption", "outcome")


def expected_tally(election: Election, totals: BallotTotals) -> EncryptedTally | None:
    """The encrypted tally the counted ballots add up to, or None if they could not be read."""
    if totals.sums is None:
        return None
    sums = iter(totals.sums)
    questions = tuple(
        (q.id, tuple((o.id, next(sums)) for o in q.options)) for q in election.manifest.questions
    )
    return EncryptedTally(election.election_id, election.fingerprint, totals.counted, questions)


def check_tally(
    history: History, election: Election | None, totals: BallotTotals, findings: Findings
) -> None:
    """Run the tally checks; each one that cannot run says why."""
    if election is None:
        for check in TALLY_CHECKS:
            findings.skip(check, "the election document could not be read")
        return
    entry = history.tally
    if entry is None and history.cancelled is not None:
        for check in TALLY_CHECKS:
            findings.covered(check, 0)  # a cancelled vote has nothing to count (§II.8)
        return
    if entry is None:
        for check in TALLY_CHECKS:
            findings.skip(check, "the log has no encrypted tally (has voting closed?)")
        return
    where = (entry_name(entry.index), label(entry))
    try:
        published = EncryptedTally.from_json(entry.tally, election)
    except BallotsError as error:
        findings.add(*where, "tally", str(error))
        for check in TALLY_CHECKS[1:]:
            findings.skip(check, "the encrypted tally could not be read")
        return
    expected = expected_tally(election, totals)
    if expected is None:
        findings.skip("tally", totals.reason)
    else:
        findings.covered("tally")
        _compare_tallies(published, expected, entry.counted, where, findings)
    shares = _check_shares(history, election, published, findings)
    _check_result(history, election, published, shares, findings)


def _compare_tallies(
    published: EncryptedTally,
    expected: EncryptedTally,
    logged_count: int,
    where: tuple[str, str],
    findings: Findings,
) -> None:
    if (
        published.ballots_counted != expected.ballots_counted
        or logged_count != expected.ballots_counted
    ):
        findings.add(
            *where,
            "tally",
            f"counts {published.ballots_counted} ballots, the log's counted ballots are "
            f"{expected.ballots_counted}",
        )
    for (qid, published_options), (_, expected_options) in zip(
        published.questions, expected.questions, strict=True
    ):
        for (oid, got), (_, want) in zip(published_options, expected_options, strict=True):
            findings.covered("tally")
            if got != want:
                findings.add(
                    *where,
                    "tally",
                    f"question {qid} option {oid} is not the sum of the counted ballots",
                )


def _check_shares(
    history: History, election: Election, published: EncryptedTally, findings: Findings
) -> list[DecryptionShare]:
    if not history.shares and history.result is None:
        findings.skip("decryption-share", "no trustee has decrypted yet")
        findings.skip("threshold", "no trustee has decrypted yet")
        return []
    findings.covered("decryption-share", 0)
    valid: dict[int, DecryptionShare] = {}
    for entry in history.shares:
        where = (entry_name(entry.index), label(entry))
        findings.covered("decryption-share")
        try:
            share = DecryptionShare.from_json(entry.share, election)
            if share.trustee != entry.trustee:
                findings.add(*where, "decryption-share", "the share is another trustee's")
                continue
            verify_share(election, published, share)
        except BallotsError as error:
            findings.add(*where, "decryption-share", str(error))
            continue
        valid.setdefault(share.trustee, share)
    findings.covered("threshold")
    k = election.key.threshold
    if len(valid) < k:
        findings.add("shares.json", "-", "threshold", f"{len(valid)} valid shares, {k} are needed")
    return list(valid.values())


def _check_result(
    history: History,
    election: Election,
    published: EncryptedTally,
    shares: list[DecryptionShare],
    findings: Findings,
) -> None:
    entry = history.result
    if entry is None:
        for check in ("decryption", "outcome"):
            findings.skip(check, "the log has no published result yet")
        return
    where = (entry_name(entry.index), label(entry))
    findings.covered("decryption")
    try:
        decrypted = DecryptedTally.from_json(entry.tally, election)
        check_decrypted_tally(election, published, shares, decrypted)
    except BallotsError as error:
        findings.add(*where, "decryption", str(error))
        findings.skip("outcome", "the published counts could not be verified")
        return
    try:
        outcomes = count_election(election.manifest, decrypted)
    except BallotsError as error:
        findings.add(*where, "outcome", str(error))
        return
    announced = {o.get("question"): o for o in entry.outcomes}
    if len(announced) != len(entry.outcomes) or set(announced) != {o.question for o in outcomes}:
        findings.add(*where, "outcome", "the outcomes are not one per question of the manifest")
    for outcome in outcomes:
        findings.covered("outcome")
        claimed = announced.get(outcome.question)
        if claimed is None or canonical_json(claimed) != canonical_json(outcome.to_json()):
            findings.add(
                *where,
                "outcome",
                f"question {outcome.question}: the rule gives {outcome.outcome.value}, "
                "not what was announced",
            )
