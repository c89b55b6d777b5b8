"""The election the log opens with: its document, the trustees' announcements, the electorate.

protocol.md Part II, §II.8 (checks "election", "trustee-announcement", "trustee-complaint",
"electorate"); the documents are protocol.md §I.7 (election document: manifest, key,
fingerprint) and §I.10 (announcements with Schnorr proofs of knowledge, complaints and
answers), read and checked by ballots/. The election key's commitments must be exactly those
the qualified trustees announced, with valid proofs, so that no key the trustees did not make
can sneak in; and the qualified trustees must be the announced ones minus those that a
complaint's recomputed verdict disqualifies (§II.1 "Complaints").
"""

from __future__ import annotations

from audit.history import History, label
from audit.record import entry_name
from audit.report import Findings
from ballots.ceremony import Announcement
from ballots.complaints import Complaint, ComplaintAnswer, Verdict, resolve_complaint
from ballots.election import Election
from ballots.errors import BallotsError

_KEY_CHECKS = ("trustee-announcement", "trustee-complaint", "electorate")


def check_election(history: History, findings: Findings) -> Election | None:
    """Read and check the election document; return it, or None when it cannot be used."""
    created = history.created
    if created is None:
        reason = "the log has no readable election-created entry"
        for check in ("election", *_KEY_CHECKS):
            findings.skip(check, reason)
        return None
    where = (entry_name(created.index), label(created))
    findings.covered("election")
    try:
        election = Election.from_json(created.election)
    except BallotsError as error:
        findings.add(*where, "election", str(error))
        reason = "the election document could not be read"
        for check in _KEY_CHECKS:
            findings.skip(check, reason)
        return None
    if election.election_id != created.election_id:
        findings.add(*where, "election", "the document is of another election than the log")
    announced = _check_announcements(history, election, where, findings)
    _check_complaints(history, election, announced, where, findings)
    electorate = history.electorate
    if electorate is None:
        findings.skip("electorate", "the log has no electorate-frozen entry")
    else:
        findings.covered("electorate")
        if election.manifest.electorate_size != electorate.size:
            findings.add(
                entry_name(electorate.index),
                label(electorate),
                "electorate",
                f"{electorate.size} voters, the manifest says {election.manifest.electorate_size}",
            )
    return election


def _check_announcements(
    history: History, election: Election, key_where: tuple[str, str], findings: Findings
) -> dict[int, Announcement]:
    """Check every announcement and the key's commitments; return the valid announcements."""
    key = election.key
    announced: dict[int, Announcement] = {}
    for entry in history.announcements:
        where = (entry_name(entry.index), label(entry))
        findings.covered("trustee-announcement")
        try:
            announcement = Announcement.from_json(entry.announcement)
            announcement.verify()
        except BallotsError as error:
            findings.add(*where, "trustee-announcement", str(error))
            continue
        if (announcement.election_id, announcement.trustee) != (
            election.election_id,
            entry.trustee,
        ):
            findings.add(*where, "trustee-announcement", "of another election or trustee")
            continue
        if (announcement.threshold, announcement.trustees) != (key.threshold, key.trustees):
            findings.add(*where, "trustee-announcement", "another threshold than the election key")
            continue
        announced[announcement.trustee] = announcement
    for commitments in key.commitments:
        findings.covered("trustee-announcement")
        known = announced.get(commitments.trustee)
        if known is None:
            detail = f"trustee {commitments.trustee} of the key has no valid announcement"
        elif known.coefficients != commitments.coefficients:
            detail = f"trustee {commitments.trustee}'s key commitments are not its announced ones"
        else:
            continue
        findings.add(*key_where, "trustee-announcement", detail)
    in_key = {c.trustee for c in key.commitments}  # those without one are reported above
    for seat in range(1, key.trustees + 1):
        findings.covered("trustee-announcement")
        if seat not in announced and seat not in in_key:
            findings.add(
                *key_where, "trustee-announcement", f"trustee {seat} has no valid announcement"
            )
    return announced


def _check_complaints(
    history: History,
    election: Election,
    announced: dict[int, Announcement],
    key_where: tuple[str, str],
    findings: Findings,
) -> None:
    """Recompute every complaint's verdict; the key's trustees must be the trustees 1 … n with
    a valid announcement, minus the disqualified dealers ("trustee-complaint")."""
    findings.covered("trustee-complaint", 0)
    disqualified: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    last = (0, 0)
    for entry in history.complaints:
        where = (entry_name(entry.index), label(entry))
        findings.covered("trustee-complaint")
        try:
            complaint = Complaint.from_json(entry.complaint)
            answer = None if entry.answer is None else ComplaintAnswer.from_json(entry.answer)
        except BallotsError as error:
            findings.add(*where, "trustee-complaint", str(error))
            continue
        pair = (complaint.dealer, complaint.complainant)
        dealer = announced.get(complaint.dealer)
        if complaint.election_id != election.election_id or (
            answer is not None and answer.election_id != election.election_id
        ):
            problem = "of another election"
        elif dealer is None or complaint.complainant not in announced:
            problem = "names a trustee without a valid announcement"
        elif complaint.dealer == complaint.complainant:
            problem = "a trustee complains about itself"
        elif answer is not None and (answer.dealer, answer.complainant) != pair:
            problem = "the answer is to another complaint"
        elif pair in pairs:
            problem = f"trustee {pair[1]} complains about trustee {pair[0]} a second time"
        elif pair < last:
            problem = "not in (dealer, complainant) order"
        elif (verdict := resolve_complaint(dealer, complaint, answer)) != entry.verdict:
            problem = f"the verdict is {entry.verdict}, but the answer gives {verdict}"
        else:
            problem = None
        pairs.add(pair)
        last = max(last, pair)
        if problem is not None:
            findings.add(*where, "trustee-complaint", problem)
        if entry.verdict == Verdict.DISQUALIFIED:
            disqualified.add(complaint.dealer)
    findings.covered("trustee-complaint")
    expected = set(range(1, election.key.trustees + 1)) - disqualified
    in_key = {c.trustee for c in election.key.commitments}
    for trustee in sorted(expected - in_key):
        findings.add(
            *key_where,
            "trustee-complaint",
            f"trustee {trustee} is left out of the key, but no complaint disqualifies it",
        )
    for trustee in sorted(in_key & disqualified):
        findings.add(
            *key_where,
            "trustee-complaint",
            f"trustee {trustee} is in the key, though a complaint disqualifies it",
        )
