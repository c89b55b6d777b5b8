"""Every cast ballot checked: proofs, receipt, pseudonym and copies, in parallel chunks.

protocol.md Part II, §II.8 (checks "ballot-proof", "ballot-pseudonym", "receipt",
"ballot-copy"). The proofs are checked by ballots/ (`validate_ballots`, protocol.md §I.8, one
combined batch per chunk with a per-ballot fallback that names the failure); the copy check is
§I.8's (Cortier-Smyth 2011): no alpha may appear twice in the election. While it has the ballots
decoded, each chunk also adds up the ciphertexts of the ballots that count, so the tally check
(audit/tallycheck.py) needs no second pass.

Chunks go to a pool of processes (`spawn`, so the same on every platform); a chunk re-reads its
entries from the record and checks each against the leaf hash of the log scan, so the
parent never ships ballots to the workers and memory stays bounded.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from audit.container import Limits, RecordArchive
from audit.entries import RECEIPT_TYPE, BallotCast, parse_entry, receipt_body
from audit.errors import AuditError
from audit.history import History
from audit.merkle import LeafHash, hash_leaf
from audit.record import Record, entry_name
from audit.report import Finding, Findings
from audit.workers import Workers
from ballots.ballot import Ballot
from ballots.canonical import JSONObject
from ballots.election import Election
from ballots.elgamal import Ciphertext
from ballots.errors import BallotsError
from ballots.group import Point
from ballots.signing import VerifyingKey, verify_document
from ballots.validation import ciphertext_keys, validate_ballots

CHUNK_LIMITS = (16, 200)
"""Ballots per chunk: at least 16 (the pool's overhead), at most 200 (memory, and the point
where a combined batch stops getting cheaper per ballot, bench/crypto.py)."""


@dataclass(frozen=True, slots=True)
class BallotChunk:
    """Work for one process: the record, the election and the ballots to check.

    `items` holds (log index, leaf hash from the scan, whether the ballot counts).
    """

    path: str
    limits: Limits
    election: JSONObject
    election_id: str
    log_key: bytes
    items: tuple[tuple[int, bytes, bool], ...]


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a chunk found. `sums` adds up the counted ballots per option (manifest order,
    alpha and beta encodings); `summed` says how many; `unsummable` lists counted ballots that could
    not be decoded, which makes the tally impossible to recompute."""

    findings: tuple[Finding, ...]
    covered: tuple[tuple[str, int], ...]
    alphas: tuple[tuple[int, tuple[bytes, ...]], ...]
    sums: tuple[tuple[bytes, bytes], ...]
    summed: int
    unsummable: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BallotTotals:
    """The homomorphic sum of the counted ballots: one ciphertext per option, in manifest
    order, and the number of ballots added (`None` sums when a counted ballot was unreadable)."""

    sums: tuple[Ciphertext, ...] | None
    counted: int
    reason: str


def _where(index: int) -> tuple[str, str]:
    return entry_name(index), f"ballot-cast {index}"


def check_chunk(chunk: BallotChunk) -> ChunkResult:
    """Check the ballots of one chunk; run in a worker process (or in-process)."""
    election = Election.from_json(chunk.election)
    key = VerifyingKey.from_bytes(chunk.log_key)
    findings: list[Finding] = []
    decoded: list[tuple[int, bool, Ballot]] = []
    unsummable: list[int] = []
    with RecordArchive.open(chunk.path, chunk.limits) as archive:
        for index, leaf, counted in chunk.items:
            ballot, problems = _read_ballot(archive, index, leaf, election, key, chunk.election_id)
            findings.extend(Finding(*_where(index), check, detail) for check, detail in problems)
            if ballot is not None:
                decoded.append((index, counted, ballot))
            elif counted:
                unsummable.append(index)
    errors = validate_ballots(election, [b for _, _, b in decoded])
    for position, error in sorted(errors.items()):
        findings.append(Finding(*_where(decoded[position][0]), "ballot-proof", str(error)))
    counted_ballots = [b for _, counted, b in decoded if counted]
    sums = _sum_options(counted_ballots)
    return ChunkResult(
        findings=tuple(findings),
        covered=(
            ("ballot-proof", len(chunk.items)),
            ("ballot-pseudonym", len(decoded)),
            ("receipt", len(decoded)),
        ),
        alphas=tuple((index, tuple(ciphertext_keys(b))) for index, _, b in decoded),
        sums=tuple((c.alpha.to_bytes(), c.beta.to_bytes()) for c in sums),
        summed=len(counted_ballots),
        unsummable=tuple(unsummable),
    )


def _read_ballot(
    archive: RecordArchive,
    index: int,
    leaf: bytes,
    election: Election,
    key: VerifyingKey,
    election_id: str,
) -> tuple[Ballot | None, list[tuple[str, str]]]:
    """Decode one ballot and check its pseudonym and receipt; return the ballot (None if it
    cannot be decoded) and the problems found as (check, detail)."""
    try:
        raw = archive.read(entry_name(index))
    except AuditError as error:
        return None, [("entry-shape", f"{error.check}: {error.detail}")]
    if not hmac.compare_digest(hash_leaf(raw), leaf):
        return None, [("entry-shape", "the entry changed while the record was read")]
    # The scan parsed these very bytes (same leaf hash) as this ballot-cast entry.
    entry = parse_entry(raw, index, canonical_checked=True)
    if not isinstance(entry, BallotCast):  # pragma: no cover - same bytes as the scan parsed
        return None, [("entry-shape", "the entry is not a ballot")]
    try:
        ballot = Ballot.from_json(entry.ballot, election)
    except BallotsError as error:
        return None, [("ballot-proof", str(error))]
    problems: list[tuple[str, str]] = []
    if ballot.pseudonym != entry.pseudonym:
        problems.append(("ballot-pseudonym", "the ballot's proofs name another pseudonym"))
    try:
        body = verify_document(entry.receipt, key, doc_type=RECEIPT_TYPE)
    except BallotsError as error:
        problems.append(("receipt", str(error)))
    else:
        if body != receipt_body(election_id, index, entry.pseudonym, ballot.digest()):
            problems.append(("receipt", "the receipt is for another ballot, index or voter"))
    return ballot, problems


def _sum_options(ballots: Sequence[Ballot]) -> list[Ciphertext]:
    if not ballots:
        return []
    columns = zip(
        *([o.ciphertext for q in b.questions for o in q.options] for b in ballots), strict=True
    )
    return [Ciphertext.sum(column) for column in columns]


def _chunks(
    items: Sequence[tuple[int, bytes, bool]], workers: int
) -> Iterator[tuple[tuple[int, bytes, bool], ...]]:
    low, high = CHUNK_LIMITS
    size = max(low, min(high, -(-len(items) // (workers * 4))))
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])


def check_ballots(
    record: Record,
    history: History,
    leaf_hashes: Sequence[LeafHash | None],
    election: Election | None,
    findings: Findings,
    workers: Workers,
) -> BallotTotals:
    """Check every cast ballot of the record and return the sum of those that count."""
    checks = ("ballot-proof", "ballot-pseudonym", "receipt", "ballot-copy")
    created = history.created
    if election is None or created is None:
        for check in checks:
            findings.skip(check, "the election document could not be read")
        return BallotTotals(None, 0, "the election document could not be read")
    items = [
        (cast.index, bytes(leaf), history.counted.get(cast.pseudonym) == cast.index)
        for cast in history.casts
        if (leaf := leaf_hashes[cast.index]) is not None  # a parsed entry always has one
    ]
    chunks = [
        BallotChunk(
            path=str(record.archive.path),
            limits=record.archive.limits,
            election=created.election,
            election_id=created.election_id,
            log_key=created.log_key.raw,
            items=part,
        )
        for part in _chunks(items, workers.count)
    ]
    for check in checks:
        findings.covered(check, 0)
    options = sum(len(q.options) for q in election.manifest.questions)
    totals = [Ciphertext.sum(()) for _ in range(options)]
    counted = 0
    unsummable: list[int] = []
    first_seen: dict[bytes, int] = {}
    for result in workers.map(check_chunk, chunks):
        for check, count in result.covered:
            findings.covered(check, count)
        for finding in result.findings:
            findings.add(finding.file, finding.entry, finding.check, finding.detail)
        for index, alphas in result.alphas:
            findings.covered("ballot-copy")
            _check_copies(index, alphas, first_seen, findings)
        if result.sums:
            partial = [
                Ciphertext(
                    Point.from_bytes(a, allow_identity=True),
                    Point.from_bytes(b, allow_identity=True),
                )
                for a, b in result.sums
            ]
            totals = [t + p for t, p in zip(totals, partial, strict=True)]
        counted += result.summed
        unsummable.extend(result.unsummable)
    if unsummable:
        reason = f"counted ballot {unsummable[0]} could not be decoded"
        return BallotTotals(None, counted, reason)
    return BallotTotals(tuple(totals), counted, "")


def _check_copies(
    index: int, alphas: Sequence[bytes], first_seen: dict[bytes, int], findings: Findings
) -> None:
    for alpha in alphas:
        earlier = first_seen.setdefault(alpha, index)
        if earlier != index:
            findings.add(*_where(index), "ballot-copy", f"re-uses a ciphertext of ballot {earlier}")
            return
    if len(set(alphas)) != len(alphas):
        findings.add(*_where(index), "ballot-copy", "uses one ciphertext twice")
