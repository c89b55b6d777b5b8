"""Alembic environment: runs migrations on the connection handed over in the config."""

from __future__ import annotations

from alembic import context

from voting.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
