"""Fixtures for the web service: a real database (SQLite or PostgreSQL), real SMTP, an app.

`TEST_DATABASE_URL` chooses the database: unset or `sqlite` means a SQLite file per test
process; a `postgresql+psycopg://…/test` URL means a database of its own per xdist worker,
created next to `test`. The schema is built by the Alembic migrations once per process;
each test runs inside a transaction that is rolled back, so services may commit freely.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tests.mailsink import MailSink
from voting import create_app
from voting.config import TEST_PASSWORD_HASHING, Environment, Settings
from voting.db import EXTENSION_KEY as DATABASE_KEY
from voting.db import Database, make_engine
from voting.extensions import limiter
from voting.migrations import upgrade

POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def is_postgres() -> bool:
    """True when this run tests against PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def fresh_database_url(tmp_root: Path, name: str) -> str:
    """An empty database of its own: a SQLite file, or a new PostgreSQL database."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        return f"sqlite:///{tmp_root / (name + '.db')}"
    url = make_url(configured)
    if not name.endswith(_worker()):
        # Two test processes share the server: the same name in both would collide.
        name = f"{name}_{_worker()}"
    database = f"{url.database}_{name}".replace("-", "_")
    admin = make_engine(configured, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def migrated_engine(url: str) -> Engine:
    """An engine on `url` with the schema built by the migrations."""
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade(connection)
    return engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The per-process test database, migrated to the newest schema."""
    url = fresh_database_url(tmp_path_factory.mktemp("db"), f"unit_{_worker()}")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def database(engine: Engine, connection: Connection) -> Database:
    """The app's database, bound to the test's transaction."""
    return Database(engine, bind=connection)


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """A session for arranging and asserting, in the same transaction as the app."""
    with database.session() as session:
        yield session


@pytest.fixture(scope="session")
def smtp() -> Iterator[MailSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port; tests read mail from it."""
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail(smtp: MailSink) -> MailSink:
    """The SMTP sink, emptied for this test."""
    smtp.clear()
    return smtp


def base_settings(database_url: str, smtp_port: int, **changes: object) -> Settings:
    """Settings for tests: cheap Argon2 parameters, the test SMTP server, no Redis."""
    settings = Settings(
        env=Environment.TEST,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        database_url=database_url,
        base_url="http://stembus.test",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        password_hashing=TEST_PASSWORD_HASHING,
        # Tests read English; tests/voting/test_i18n.py checks the Dutch default.
        default_locale="en",
        instance_path=str(Path(tempfile.gettempdir()) / "stembus-test-instance"),
    )
    return settings.with_changes(**changes) if changes else settings


@pytest.fixture(scope="session")
def session_settings(engine: Engine, smtp: MailSink) -> Settings:
    """Settings pointing at the test database and SMTP server."""
    return base_settings(engine.url.render_as_string(hide_password=False), smtp.port)


@pytest.fixture
def settings(session_settings: Settings, mail: MailSink) -> Settings:
    """The test's settings (the SMTP sink emptied first)."""
    return session_settings


@pytest.fixture(scope="session")
def shared_app(session_settings: Settings, engine: Engine) -> Flask:
    """One app per test process: building the URL map of ~100 routes costs 65 ms, so the
    tests share it and each gets its own database transaction and fresh rate limits."""
    return create_app(session_settings, database=Database(engine))


@pytest.fixture
def app(shared_app: Flask, database: Database, mail: MailSink) -> Iterator[Flask]:
    """The web app on the test's transaction, sending mail over real SMTP."""
    shared_app.extensions[DATABASE_KEY] = database
    limiter.reset()
    yield shared_app
    shared_app.extensions[DATABASE_KEY] = None


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client (keeps cookies)."""
    return app.test_client()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile the message catalogs if a .po is newer than its .mo (make does it too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "voting" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)
