"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.voting.conftest import fresh_database_url
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
