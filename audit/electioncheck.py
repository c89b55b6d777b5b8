"""The election the log opens with: its document, the trustees' announcements, the electorate.

protocol.md Part II, §II.8 (checks "election", "trustee-announcement", "electorate"); the
documents are protocol.md §I.7 (election document: manifest, key, fingerprint) and §I.10
(announcements with Schnorr proofs of knowledge), read and checked by ballots/. The election
key's commitments must be exactly those the qualified trustees announced, with valid proofs,
so that no key the trustees did not make can sneak in.
"""

from __future__ import annotations

from audit.history import History, label
from audit.record import entry_name
from audit.report import Findings
from ballots.ceremony import Announcement
from ballots.election import Election
from ballots.errors import BallotsError


def check_election(history: History, findings: Findings) -> Election | None:
    """Read and check the election document; return it, or None when it cannot be used."""
    created = history.created
    if created is None:
        reason = "the log has no readable election-created entry"
        for check in ("election", "trustee-announcement", "electorate"):
            findings.skip(check, reason)
        return None
    where = (entry_name(created.index), label(created))
    findings.covered("election")
    try:
        election = Election.from_json(created.election)
    except BallotsError as error:
        findings.add(*where, "election", str(error))
        reason = "the election document could not be read"
        for check in ("trustee-announcement", "electorate"):
            findings.skip(check, reason)
        return None
    if election.election_id != created.election_id:
        findings.add(*where, "election", "the document is of another election than the log")
    _check_announcements(history, election, where, findings)
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
) -> None:
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
