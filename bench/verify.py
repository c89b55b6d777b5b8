"""Benchmark: build a whole election record through ballots/ and audit/, then time the verifier.

    python bench/verify.py --voters 7000 --questions 30 [--revotes 0.05] [--workers 2]
                           [--keep DIR] [--record DIR]

Building runs the key ceremony, encrypts every ballot with its proofs (in a process pool),
appends every entry to the log with a signed head after each append (as the service does),
closes, tallies, decrypts with k of n trustees and publishes; it is not timed as the
benchmark. Then `python -m audit verify` runs in a fresh process with every check on every
ballot (no sampling), and one JSON line is printed: ballots verified per second, seconds, the
CPU seconds of the verifier and its workers (the figure to trust on a busy machine: on idle
cores the wall time is about CPU seconds / workers), and peak memory (the verifier's process
plus its largest worker times the number of workers).
`--keep DIR` keeps the record; `--record DIR` verifies an existing one without building.

The build and the verifier each run in a process of their own, started from this small one:
Linux keeps a process's peak RSS (`ru_maxrss`) across `exec`, so a verifier started from the
process that built the record would report the builder's peak as its own.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit import events  # noqa: E402
from audit.log import Log  # noqa: E402
from audit.record import write_record  # noqa: E402
from audit.store import MemoryStore  # noqa: E402
from ballots import (  # noqa: E402 - after the path set-up, so the bench runs from a checkout
    Election,
    EncryptedTally,
    JSONObject,
    Manifest,
    SigningKey,
    announce,
    canonical_json,
    combine_shares,
    count_election,
    deal_shares,
    decrypt_share,
    election_key,
    encrypt_ballot,
    finish_ceremony,
    motion,
    receive_shares,
)
from ballots.elgamal import Ciphertext  # noqa: E402
from ballots.group import Point  # noqa: E402

ELECTION_ID = "bench-alv"
OPTIONS = ("voor", "tegen", "onthouding")


@dataclass(frozen=True)
class PreparedBallot:
    """An encrypted ballot as a worker returns it: canonical JSON, pseudonym and digest."""

    raw: bytes
    pseudonym: str
    ballot_digest: bytes

    def to_json(self) -> JSONObject:
        return json.loads(self.raw)  # type: ignore[no-any-return]

    def digest(self) -> bytes:
        return self.ballot_digest


_ELECTION: list[Election] = []


def _start_worker(election_json: bytes) -> None:
    _ELECTION.append(Election.from_json(json.loads(election_json)))


def _encrypt_chunk(
    votes: Sequence[tuple[str, dict[str, list[str]], bool]],
) -> tuple[list[PreparedBallot], list[tuple[bytes, bytes]]]:
    """Encrypt a chunk of votes; return the ballots and the sum of those that count."""
    election = _ELECTION[0]
    prepared, counted = [], []
    for pseudonym, selections, is_final in votes:
        ballot = encrypt_ballot(election, pseudonym, selections)
        prepared.append(
            PreparedBallot(canonical_json(ballot.to_json()), pseudonym, ballot.digest())
        )
        if is_final:
            counted.append([o.ciphertext for q in ballot.questions for o in q.options])
    sums = [Ciphertext.sum(column) for column in zip(*counted, strict=True)] if counted else []
    return prepared, [(c.alpha.to_bytes(), c.beta.to_bytes()) for c in sums]


def _ceremony(trustees: int, threshold: int) -> tuple[list, list]:  # type: ignore[type-arg]
    pairs = [announce(ELECTION_ID, i, threshold, trustees) for i in range(1, trustees + 1)]
    secrets_, announcements = [s for s, _ in pairs], [a for _, a in pairs]
    messages = [m for s in secrets_ for m in deal_shares(s, announcements)]
    key = election_key(announcements)
    finished = []
    for secret in secrets_:
        shares, _ = receive_shares(secret, announcements, messages)
        finished.append(finish_ceremony(secret, key, shares))
    return finished, announcements


def build(
    voters: int, questions: int, revotes: float, workers: int, path: Path
) -> dict[str, float]:
    """Build the record of a synthetic election at `path`; return timings."""
    started = time.perf_counter()
    trustee_secrets, announcements = _ceremony(3, 2)
    manifest = Manifest(
        ELECTION_ID,
        "Benchmark ALV",
        voters,
        tuple(motion(f"m{i}", f"Motie {i}", f"Tekst van motie {i}") for i in range(questions)),
    )
    election = Election.create(manifest, election_key(announcements))
    pseudonyms = [f"p{n:07d}" for n in range(voters)]
    revoters = set(pseudonyms[: int(voters * revotes)])

    def choice() -> dict[str, list[str]]:
        return {f"m{i}": [secrets.choice((*OPTIONS, ""))] for i in range(questions)}

    votes = [(p, choice(), p not in revoters) for p in pseudonyms]
    votes += [(p, choice(), True) for p in sorted(revoters)]
    for selections in (v[1] for v in votes):
        for qid, chosen in selections.items():
            selections[qid] = [c for c in chosen if c]
    chunk = 50
    parts = [votes[i : i + chunk] for i in range(0, len(votes), chunk)]
    context = multiprocessing.get_context("spawn")
    election_json = canonical_json(election.to_json())
    with context.Pool(workers, initializer=_start_worker, initargs=(election_json,)) as pool:
        results = pool.map(_encrypt_chunk, parts)
    encrypted = time.perf_counter()

    key = SigningKey.generate()
    log = Log(MemoryStore(), ELECTION_ID)
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def append(factory: events.EntryFactory) -> int:
        nonlocal now
        appended = log.append(factory)
        now += timedelta(seconds=1)
        log.sign_head(key, now)
        return appended.index

    append(events.election_created(ELECTION_ID, election, key.verifying_key(), now))
    for announcement in announcements:
        append(events.trustee_commitments(announcement.trustee, announcement))
    append(events.electorate_frozen(pseudonyms, now))
    cast_at: dict[str, int] = {}
    for prepared_chunk, _ in results:
        for ballot in prepared_chunk:
            index = append(events.ballot_cast(ELECTION_ID, ballot, key))
            if ballot.pseudonym in cast_at:
                append(events.ballot_superseded(ballot.pseudonym, cast_at[ballot.pseudonym], index))
            cast_at[ballot.pseudonym] = index
    append(events.voting_closed(now, voters))
    options = [(q.id, o.id) for q in manifest.questions for o in q.options]
    totals = [Ciphertext.sum(()) for _ in options]
    for _, sums in results:
        if sums:
            totals = [
                t
                + Ciphertext(
                    Point.from_bytes(a, allow_identity=True),
                    Point.from_bytes(b, allow_identity=True),
                )
                for t, (a, b) in zip(totals, sums, strict=True)
            ]
    by_question: dict[str, list[tuple[str, Ciphertext]]] = {}
    for (qid, oid), total in zip(options, totals, strict=True):
        by_question.setdefault(qid, []).append((oid, total))
    tally = EncryptedTally(
        ELECTION_ID,
        election.fingerprint,
        voters,
        tuple((qid, tuple(row)) for qid, row in by_question.items()),
    )
    append(events.encrypted_tally(tally, voters))
    shares = [decrypt_share(election, tally, s) for s in trustee_secrets[:2]]
    for share in shares:
        append(events.decryption_share(share.trustee, share))
    result = combine_shares(election, tally, shares)
    append(events.result_published(result, count_election(manifest, result), now))
    write_record(path, log)
    done = time.perf_counter()
    return {
        "encrypt_seconds": round(encrypted - started, 1),
        "build_seconds": round(done - started, 1),
    }


def measure(path: Path, workers: int) -> None:
    """Run the verifier in this (fresh) process and print its time and memory as JSON."""
    from audit.verifier import verify_record

    started = time.perf_counter()
    report = verify_record(path, workers=workers)
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    own, child = (u.ru_maxrss / 1024 for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    ballots = next(c.items for c in report.checks if c.name == "ballot-proof")
    print(
        json.dumps(
            {
                "ballots": ballots,
                "cpu_seconds": round(cpu, 1),
                "findings": len(report.findings),
                "ok": report.ok,
                "peak_rss_mb": {"verifier": round(own), "largest_worker": round(child)},
                "seconds": round(seconds, 1),
            }
        )
    )


def _run_self(*arguments: str) -> dict[str, Any]:
    """Run this script with `arguments` in a fresh process and return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True
    )
    printed: dict[str, Any] = json.loads(done.stdout)
    return printed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=7000)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--revotes", type=float, default=0.05, help="share of voters who revote")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write the record here and keep it")
    parser.add_argument("--record", type=Path, help="verify this record; do not build")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        print(
            json.dumps(build(args.voters, args.questions, args.revotes, args.workers, args.build))
        )
        return 0
    if args.measure:
        measure(args.measure, args.workers)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        built: dict[str, Any] = {}
        path = args.record
        if path is None:
            path = args.keep or Path(scratch) / "record"
            built = _run_self(
                "--build",
                str(path),
                "--voters",
                str(args.voters),
                "--questions",
                str(args.questions),
                "--revotes",
                str(args.revotes),
                "--workers",
                str(args.workers),
            )
        verified = _run_self("--measure", str(path), "--workers", str(args.workers))
        size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    peak = verified["peak_rss_mb"]
    print(
        json.dumps(
            {
                "benchmark": "verify",
                "voters": args.voters,
                "questions": args.questions,
                "ballots": verified["ballots"],
                "workers": args.workers,
                "ballots_per_s": round(verified["ballots"] / verified["seconds"], 1),
                "seconds": verified["seconds"],
                "cpu_seconds": verified["cpu_seconds"],
                "peak_memory_mb": peak["verifier"] + args.workers * peak["largest_worker"],
                "peak_rss_mb": peak,
                "ok": verified["ok"],
                "findings": verified["findings"],
                "record_mb": round(size / 2**20, 1),
                **built,
            }
        )
    )
    return 0 if verified["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
