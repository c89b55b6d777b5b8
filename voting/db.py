"""Database access: the declarative base, engines for SQLite and PostgreSQL, and sessions.

The schema is created by the Alembic migrations in voting/migrations, never by
`create_all` outside tests of the migrations themselves. Services receive a `Session`
explicitly and own their transaction; views get the request's session from
`request_session()`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Final

from flask import current_app, g
from sqlalchemy import CursorResult, DateTime, Engine, Enum, MetaData, Result, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
EXTENSION_KEY: Final = "stembus.database"

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable across both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(cls: type[StrEnum], length: int = 24) -> Enum:
    """A column for a StrEnum, stored as its values in a VARCHAR on both databases."""
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zones and would hand back naive values; this type refuses naive
    input and attaches UTC on the way out, so the code only ever sees aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the durability and locking settings this service relies on.

    SQLite: foreign keys on, write-ahead log, `synchronous=FULL` (a receipt is only shown
    after a commit that survives power loss, THREATS T21), and `BEGIN IMMEDIATE` so that a
    transaction that will write takes the write lock at its start instead of failing when
    it upgrades. PostgreSQL: plain read-committed transactions; services lock rows
    explicitly where they must.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = FULL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; tests may bind the factory to one connection."""

    def __init__(
        self, engine: Engine, bind: Connection | None = None, witness: str | None = None
    ) -> None:
        self.engine = engine
        # Sessions carry the witness folder; voting/witness.py writes signed heads there
        # after each commit.
        info = {"stembus.witness": witness} if witness else {}
        if bind is None:
            self.sessions = sessionmaker(engine, expire_on_commit=False, info=info)
        else:
            # Tests run each case inside an outer transaction that is rolled back;
            # a service's commit then only releases a savepoint.
            self.sessions = sessionmaker(
                bind=bind,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
                info=info,
            )
        if witness:
            from voting.witness import (  # witness imports this module
                forget_after_rollback,
                witness_after_commit,
            )

            event.listen(self.sessions, "after_commit", witness_after_commit)
            event.listen(self.sessions, "after_rollback", forget_after_rollback)

    @classmethod
    def from_url(cls, url: str, witness: str | None = None) -> Database:
        """A database for a URL, with the engine settings of `make_engine`."""
        return cls(make_engine(url), witness=witness)

    def session(self) -> Session:
        """A new session; the caller closes it."""
        return self.sessions()


def request_session() -> Session:
    """The session of the current request, closed when the request ends."""
    if "db_session" not in g:
        database: Database = current_app.extensions[EXTENSION_KEY]
        g.db_session = database.session()
    session: Session = g.db_session
    return session


def close_request_session(_exc: BaseException | None = None) -> None:
    """Teardown: roll back anything uncommitted and close the request's session."""
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def utcnow() -> dt.datetime:
    """The current time, aware and in UTC; services take `now` as a parameter instead."""
    return dt.datetime.now(dt.UTC)


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (conditional updates rely on it)."""
    cursor: CursorResult[Any] = result  # type: ignore[assignment]  # DML returns a CursorResult at run time
    return cursor.rowcount
