"""Alembic migrations: the only way the production schema is created and changed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

SCRIPT_LOCATION = str(Path(__file__).parent)


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs on an open connection."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "heads") -> None:
    """Bring the schema up to `revision` (default: the newest of every branch).

    Each area (elections, consensus, Q&A) keeps its own branch of migrations starting at
    the foundation's 0001, so areas built side by side never fight over one chain.
    """
    command.upgrade(alembic_config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    """Take the schema back to `revision`."""
    command.downgrade(alembic_config(connection), revision)


def make_append_only(table: str) -> None:
    """Inside a migration: refuse UPDATE and DELETE on `table` in the database itself."""
    from alembic import op  # alembic's op proxy only exists during a migration

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION stembus_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION stembus_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def drop_append_only(table: str) -> None:
    """Inside a migration: undo `make_append_only`."""
    from alembic import op  # see make_append_only

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def set_storage(table: str, column: str, *, compressed: bool) -> None:
    """Inside a migration: whether PostgreSQL tries to compress the column's large values.

    Encrypted ballots are mostly base64 of random bytes: PostgreSQL's compressor gives up on
    them (it keeps a value compressed only if it saves a quarter), after spending about
    1.5 ms of the database's CPU on every 50 kB value (bench/cast_load.py). EXTERNAL stores
    them out of line without trying. SQLite has no such setting.
    """
    from alembic import op  # see make_append_only

    if op.get_bind().dialect.name == "postgresql":
        storage = "EXTENDED" if compressed else "EXTERNAL"
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {storage}")
