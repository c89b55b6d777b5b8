"""Rate limits on signing in, the second step, and links; shared by all workers (T26)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import free_port
from tests.voting.conftest import base_settings, fresh_database_url, migrated_engine
from tests.voting.elections.conftest import make_election, ready_and_open
from tests.voting.web import page_token, sign_in
from voting import create_app
from voting.accounts.models import Role
from voting.accounts.views import LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_ADDRESS
from voting.db import Database, utcnow
from voting.elections.public_views import RECORD_LIMIT
from voting.elections.voter_views import CAST_LIMIT

ACCOUNT_LIMIT = int(LOGIN_LIMIT_PER_ACCOUNT.split()[0])
CAST_PER_MINUTE = int(CAST_LIMIT.split()[0])
RECORD_PER_MINUTE = int(RECORD_LIMIT.split()[0])


@pytest.fixture
def limited_app(settings, database) -> Flask:
    return create_app(settings.with_changes(rate_limits_enabled=True), database=database)


def test_login_for_one_address_is_limited_whatever_the_client_address(
    limited_app: Flask, db: Session
) -> None:
    member = factories.account(db, factories.auth_config())
    statuses = []
    for attempt in range(ACCOUNT_LIMIT + 2):
        client = limited_app.test_client()
        token = page_token(client)
        response = client.post(
            "/login",
            data={"csrf_token": token, "email": member.member.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
        statuses.append(response.status_code)
    assert statuses[:ACCOUNT_LIMIT] == [200] * ACCOUNT_LIMIT
    assert statuses[ACCOUNT_LIMIT:] == [429, 429]
    # Even the right password is refused while the limit holds.
    client = limited_app.test_client()
    response = client.post(
        "/login",
        data={
            "csrf_token": page_token(client),
            "email": member.member.email,
            "password": factories.PASSWORD,
        },
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def _failed_logins(app: Flask, forwarded_for: str, count: int) -> list[int]:
    """`count` failed sign-ins to addresses nobody has, from one client behind the proxy."""
    client = app.test_client()
    token = page_token(client)
    return [
        client.post(
            "/login",
            data={"csrf_token": token, "email": f"x{n}@example.org", "password": "x"},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the reverse proxy
        ).status_code
        for n in range(count)
    ]


def test_behind_a_proxy_each_client_has_its_own_address_limit(settings, database) -> None:
    """STEMBUS_PROXY_HOPS=1: the limit per address is the client's (from X-Forwarded-For),
    not the proxy's, so one client cannot lock every member out; without it, the header is
    ignored, so a client cannot escape its limit by inventing addresses."""
    per_address = int(LOGIN_LIMIT_PER_ADDRESS.split()[0])
    behind = create_app(
        settings.with_changes(rate_limits_enabled=True, proxy_hops=1), database=database
    )
    assert _failed_logins(behind, "203.0.113.7", per_address + 1)[-1] == 429
    assert _failed_logins(behind, "198.51.100.9", 1) == [200]
    direct = create_app(
        settings.with_changes(rate_limits_enabled=True, ratelimit_key_prefix="direct"),
        database=database,
    )
    statuses = [_failed_logins(direct, f"203.0.113.{n}", 1)[0] for n in range(per_address + 1)]
    assert statuses[-1] == 429


def test_unknown_addresses_are_limited_like_known_ones(limited_app: Flask) -> None:
    client = limited_app.test_client()
    token = page_token(client)
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": "ghost@example.org", "password": "x"}
        ).status_code
        for _ in range(ACCOUNT_LIMIT + 1)
    ]
    assert statuses[-1] == 429
    assert statuses[:-1] == [200] * ACCOUNT_LIMIT


def test_moving_through_a_ballot_is_not_limited_and_casting_is(
    limited_app: Flask, db: Session
) -> None:
    """One question per screen posts once per screen: 30 questions must not meet the limit
    that stops a script from casting over and over."""
    setup = make_election(db, voters=1, questions=2)
    ready_and_open(db, setup)
    setup.election.opens_at = utcnow() - dt.timedelta(hours=1)
    setup.election.closes_at = utcnow() + dt.timedelta(hours=1)
    db.commit()
    slug = setup.election.slug
    client = limited_app.test_client()
    sign_in(client, setup.voters[0].member.email, factories.PASSWORD)
    token = page_token(client, f"/vote/{slug}?mode=step")
    steps = [
        client.post(
            f"/vote/{slug}",
            data={"csrf_token": token, "mode": "step", "step": str(1 + i % 2), "action": action},
        ).status_code
        for i, action in enumerate(["next", "back"] * CAST_PER_MINUTE)
    ]
    assert steps == [200] * len(steps)
    cast = {"csrf_token": token, "mode": "all", "action": "cast", "q1": "voor", "q2": "o1"}
    casts = [client.post(f"/vote/{slug}", data=cast).status_code for _ in range(CAST_PER_MINUTE)]
    assert casts == [303] * CAST_PER_MINUTE
    assert client.post(f"/vote/{slug}", data=cast).status_code == 429


def test_downloading_records_is_limited_per_address(limited_app: Flask, db: Session) -> None:
    """A record of thousands of ballots is large; one address cannot fetch it without end."""
    setup = make_election(db, voters=1, questions=1)
    ready_and_open(db, setup)
    client = limited_app.test_client()
    path = f"/elections/{setup.election.slug}/record.zip"
    statuses = []
    for _ in range(RECORD_PER_MINUTE + 1):
        response = client.get(path)
        statuses.append(response.status_code)
        response.close()
    assert statuses == [200] * RECORD_PER_MINUTE + [429]
    other = client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200
    other.close()


def test_second_step_is_limited(limited_app: Flask, db: Session) -> None:
    auth = factories.auth_config()
    member = factories.account(db, auth, totp=True)
    client = limited_app.test_client()
    token = page_token(client)
    client.post(
        "/login",
        data={"csrf_token": token, "email": member.member.email, "password": factories.PASSWORD},
    )
    second = page_token(client, "/login/second-factor")  # signing in starts a fresh session
    statuses = [
        client.post(
            "/login/second-factor", data={"csrf_token": second, "code": "abcd-efgh"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[-1] == 429
    # The limit is the account's: another member's second step, from the same address (a
    # proxy, a party office), is not held up by it.
    officer = factories.account(db, auth, roles=(Role.OFFICER,), totp=True, name="Officier")
    other = limited_app.test_client()
    sign_in(other, officer.member.email, factories.PASSWORD, factories.totp_secret(auth, officer))
    assert other.get("/account").status_code == 200


# ------------------------------------------------------------------ 4 gunicorn workers


@pytest.fixture
def gunicorn_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """gunicorn with 4 workers on a committed database, limits kept in Redis."""
    url = fresh_database_url(tmp_path, "ratelimit")
    engine = migrated_engine(url)
    with Database(engine).session() as session:
        member = factories.account(session, factories.auth_config())
        email = member.member.email
    engine.dispose()
    port = free_port()
    prefix = f"stembus-test-{secrets.token_hex(6)}"
    settings = base_settings(url, 25)
    env = {
        **os.environ,
        "STEMBUS_ENV": "test",
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": url,
        "STEMBUS_BASE_URL": "http://127.0.0.1",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                "4",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "voting.wsgi:app",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process, log)
        yield base, email
    finally:
        process.terminate()
        process.wait(30)
        redis.Redis(host="127.0.0.1", port=6379).delete(*_keys(prefix) or ["none"])


def _keys(prefix: str) -> list[bytes]:
    return list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(match=f"*{prefix}*"))


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            with urllib.request.urlopen(
                f"{base}/healthz", timeout=2
            ) as response:  # loopback test server
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def test_four_gunicorn_workers_share_one_limit_through_redis(gunicorn_url: tuple[str, str]) -> None:
    base, email = gunicorn_url
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/login", timeout=10) as page:
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()
        ).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": "wrong"}
    ).encode()
    statuses = []
    for _ in range(ACCOUNT_LIMIT * 4 + 4):
        # A new connection each time, so the requests spread over the workers.
        request = urllib.request.Request(
            f"{base}/login", data=body, headers={"Connection": "close"}
        )
        try:
            with opener.open(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses.count(200) == ACCOUNT_LIMIT, statuses
    assert statuses[ACCOUNT_LIMIT:] == [429] * (len(statuses) - ACCOUNT_LIMIT)
