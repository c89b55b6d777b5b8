"""Load test: concurrent voters casting full ALV ballots against gunicorn on PostgreSQL.

    python bench/cast_load.py [--voters 300] [--questions 30] [--clients 16] [--workers 4]

Makes a fresh PostgreSQL database, prepares an open election through the services (the
key ceremony included), starts gunicorn with 4 workers, then a separate process signs in
the voters and has them cast concurrently over HTTP on loopback. Afterwards it closes the
election, lets the trustees decrypt, publishes, writes the record and verifies it with
audit's verifier. Prints one JSON line: ballots per second, latency percentiles, errors,
whether the record verifies, the CPU per ballot of the service, PostgreSQL and the load
generator, the parts of a cast timed in-process (where the time goes), and the ceiling that
proving and checking alone set on this machine (cores ÷ their CPU per ballot).

Passwords use the cheap test profile of Argon2id (STEMBUS_ENV=test) so that signing in
300 members does not dominate; rate limits are off (RATELIMIT_ENABLED=false). Needs
PostgreSQL on 127.0.0.1:5432 (trust, database `test`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from voting.config import TEST_PASSWORD_HASHING  # noqa: E402
from voting.db import Database, make_engine  # noqa: E402
from voting.migrations import upgrade  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "a long and unusual pass phrase 2026"  # noqa: S105  # the benchmark's throwaway voters
SECRET_KEY = "bench-secret-key-" + "x" * 40


def fresh_database() -> str:
    name = f"bench_cast_{secrets.token_hex(4)}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade(connection)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, voters: int, questions: int):
    from voting.accounts.credentials import Passwords
    from voting.elections.simulation import Plan
    from voting.elections.simulation import prepare as prepare_election
    from voting.keys import Keyring

    database = Database(make_engine(url))
    keyring = Keyring(SECRET_KEY)
    with database.session() as session:
        now = dt.datetime.now(dt.UTC)
        prepared = prepare_election(
            session,
            keyring,
            SECRET_KEY,
            Plan(voters, questions, 3, 2, Path("unused"), mixed=False),
            now,
        )
        hashed = Passwords(TEST_PASSWORD_HASHING).hash(PASSWORD)
        for account in prepared.voters:
            account.password_hash = hashed
        # Open the window around the real clock for the HTTP load (a bench-only arrangement).
        prepared.election.opens_at = now - dt.timedelta(minutes=1)
        prepared.election.closes_at = now + dt.timedelta(hours=2)
        session.commit()
        emails = [a.member.email for a in prepared.voters]
        return database, keyring, prepared, emails


def profile_cast(
    database: Database, keyring, prepared, questions: int, samples: int = 7
) -> dict[str, float]:
    """Time the parts of a cast in this process: the median of `samples` recasts."""
    from ballots import encrypt_ballot, validate_ballot
    from voting.elections.casting import cast_ballot
    from voting.elections.lifecycle import document, pseudonym_of

    choice = {f"q{i}": ["voor"] for i in range(1, questions + 1)}
    parts: dict[str, list[float]] = {"encrypt_prove": [], "verify": [], "whole_cast_service": []}
    for voter in prepared.voters[-samples:]:
        with database.session() as session:
            election = session.merge(prepared.election)
            voter = session.merge(voter)
            doc = document(election)
            pseudonym = pseudonym_of(SECRET_KEY, election, voter.member)
            t0 = time.process_time()
            ballot = encrypt_ballot(doc, pseudonym, choice)
            t1 = time.process_time()
            validate_ballot(doc, ballot)
            t2 = time.process_time()
            now = dt.datetime.now(dt.UTC)
            cast_ballot(
                session,
                keyring,
                SECRET_KEY,
                voter,
                election.id,
                choice,
                now,
                second_factor_done=False,
            )
            t3 = time.process_time()
        parts["encrypt_prove"].append(t1 - t0)
        parts["verify"].append(t2 - t1)
        parts["whole_cast_service"].append(t3 - t2)
    median = {part: statistics.median(times) * 1000 for part, times in parts.items()}
    median["store_log_sign_commit"] = (
        median["whole_cast_service"] - median["encrypt_prove"] - median["verify"]
    )
    return {f"{part}_cpu_ms": round(value, 1) for part, value in median.items()}


def crypto_ceiling(profile: dict[str, float]) -> float:
    """Ballots per second if every core did nothing but prove and check (the in-process
    figures): the bound this machine sets, against which the measured rate can be read."""
    crypto_ms = profile["encrypt_prove_cpu_ms"] + profile["verify_cpu_ms"]
    return round((os.cpu_count() or 1) * 1000 / crypto_ms, 1)


def start_gunicorn(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str, Path]:
    from tests.mailsink import free_port

    port = free_port()
    log = Path(tempfile.mkdtemp()) / "gunicorn.log"
    env = {
        **os.environ,
        "STEMBUS_ENV": "test",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "STEMBUS_BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLED": "false",
        "SMTP_PORT": "1",  # confirmation mails fail quietly in the background
        "LOG_LEVEL": "ERROR",
        "STEMBUS_WITNESS_PATH": str(log.parent / "witness"),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "voting.wsgi:app",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                return process, base, log
        except OSError:
            time.sleep(0.1)
    raise SystemExit(log.read_text())


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def voter_session(base: str, email: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": PASSWORD}
    ).encode()
    opener.open(base + "/login", data=body, timeout=30).read()
    return opener


def cast_over_http(
    base: str, slug: str, opener: urllib.request.OpenerDirector, questions: int
) -> float:
    page = opener.open(f"{base}/vote/{slug}", timeout=60).read().decode()
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    fields = [("csrf_token", token), ("mode", "all"), ("action", "cast")]
    fields += [
        (f"q{i}", secrets.choice(["voor", "tegen", "onthouding", ""]))
        for i in range(1, questions + 1)
    ]
    body = urllib.parse.urlencode(fields).encode()
    started = time.perf_counter()
    response = opener.open(
        f"{base}/vote/{slug}", data=body, timeout=60
    )  # follows the 303 to the receipt
    response.read()
    elapsed = time.perf_counter() - started
    if "/receipt/" not in response.url:
        raise RuntimeError(f"no receipt: {response.url}")
    return elapsed


def load(
    base: str,
    slug: str,
    emails: list[str],
    questions: int,
    clients: int,
    queue: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    """The load generator's own process: sign everyone in, then cast concurrently."""
    with ThreadPoolExecutor(clients) as pool:
        openers = list(pool.map(lambda e: voter_session(base, e), emails))
    latencies: list[float] = []
    errors = 0
    queue.put("casting")
    own_cpu = time.process_time()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for result in pool.map(lambda o: _safe(cast_over_http, base, slug, o, questions), openers):
            if result is None:
                errors += 1
            else:
                latencies.append(result)
    queue.put(
        {
            "seconds": time.perf_counter() - started,
            "latencies": latencies,
            "errors": errors,
            "cpu_seconds": time.process_time() - own_cpu,
        }
    )


def _safe(function, *args):
    try:
        return function(*args)
    except (OSError, RuntimeError, urllib.error.HTTPError):
        return None


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of one live process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by all cores together (/proc/stat: all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


def cpu_snapshot(gunicorn: int) -> dict[str, float]:
    """CPU seconds so far of the service (gunicorn and its workers), PostgreSQL, the machine."""
    return {
        "service": sum(cpu_of(pid) for pid in [gunicorn, *children_of(gunicorn)]),
        "database": sum(cpu_of(pid) for pid in postgres_pids()),
        "machine": machine_busy_seconds(),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def cpu_per_ballot(
    before: dict[str, float], after: dict[str, float], outcome: dict, ballots: int
) -> dict[str, float]:
    """Where the CPU went while casting, per ballot: service, database, load generator, all."""
    if not ballots:
        return {}
    spent = {part: after[part] - before[part] for part in before}
    spent["load_generator"] = outcome["cpu_seconds"]
    spent["other"] = (
        spent["machine"] - spent["service"] - spent["database"] - spent["load_generator"]
    )
    return {part: round(seconds / ballots * 1000, 1) for part, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = fresh_database()
    process = None
    try:
        database, keyring, prepared, emails = prepare(url, args.voters, args.questions)
        slug = prepared.election.slug
        process, base, _log = start_gunicorn(url, args.workers)
        queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        generator = multiprocessing.Process(
            target=load, args=(base, slug, emails, args.questions, args.clients, queue)
        )
        generator.start()
        if queue.get() != "casting":
            raise SystemExit("the load generator did not start casting")
        before = cpu_snapshot(process.pid)
        outcome = queue.get()
        after = cpu_snapshot(process.pid)
        generator.join()
        process.terminate()
        process.wait(30)
        process = None
        profile = profile_cast(database, keyring, prepared, args.questions)
        from audit.verifier import verify_record
        from voting.elections.simulation import finish

        with tempfile.TemporaryDirectory() as folder, database.session() as session:
            prepared.election = session.merge(prepared.election)
            prepared.officer = session.merge(prepared.officer)
            out = Path(folder) / "record"
            counted = finish(session, keyring, prepared, 2, out)
            verify_started = time.perf_counter()
            report = verify_record(out)
            verify_seconds = time.perf_counter() - verify_started
        latencies = outcome["latencies"]
        print(
            json.dumps(
                {
                    "benchmark": "cast_load",
                    "voters": args.voters,
                    "questions": args.questions,
                    "options_per_ballot": args.questions * 3,
                    "clients": args.clients,
                    "gunicorn_workers": args.workers,
                    "cores": os.cpu_count(),
                    "ballots": len(latencies),
                    "ballots_per_s": round(len(latencies) / outcome["seconds"], 2)
                    if outcome["seconds"]
                    else 0,
                    "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                    "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                    "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                    "errors": outcome["errors"],
                    "counted": counted,
                    "record_verifies": report.ok,
                    "verify_seconds": round(verify_seconds, 2),
                    "cast_in_process": profile,
                    "crypto_ceiling_ballots_per_s": crypto_ceiling(profile),
                    "cpu_ms_per_ballot": cpu_per_ballot(before, after, outcome, len(latencies)),
                },
                sort_keys=True,
            )
        )
        database.engine.dispose()
    finally:
        if process is not None:
            process.terminate()
        drop_database(url)


if __name__ == "__main__":
    main()
