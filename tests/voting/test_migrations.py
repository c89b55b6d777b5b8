"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.voting.conftest import fresh_database_url, is_postgres
from voting.db import make_engine
from voting.migrations import downgrade, upgrade
from voting.models import Base


def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path, "migrations"))
    with engine.begin() as connection:
        upgrade(connection)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path, "roundtrip"))
    with engine.begin() as connection:
        upgrade(connection)
    with engine.begin() as connection:
        downgrade(connection, "base")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    with engine.begin() as connection:
        upgrade(connection)
    with engine.connect() as connection:
        assert "member" in inspect(connection).get_table_names()
    engine.dispose()


@pytest.mark.skipif(not is_postgres(), reason="a PostgreSQL storage setting")
def test_encrypted_ballots_are_stored_without_compression_attempts(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path, "storage"))
    columns = {("audit_log_entry", "entry"), ("cast_ballot", "body")}
    query = text(
        "SELECT c.relname, a.attname, a.attstorage FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE (c.relname, a.attname) IN (('audit_log_entry', 'entry'), ('cast_ballot', 'body'))"
    )
    with engine.begin() as connection:
        upgrade(connection)
    with engine.connect() as connection:
        assert {(t, c): s for t, c, s in connection.execute(query)} == dict.fromkeys(columns, "e")
    with engine.begin() as connection:
        downgrade(connection, "0003")
        downgrade(connection, "0201")
    with engine.connect() as connection:
        assert {(t, c): s for t, c, s in connection.execute(query)} == dict.fromkeys(columns, "x")
    engine.dispose()
