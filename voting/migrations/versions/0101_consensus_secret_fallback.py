"""consensus: a secret fallback vote is an election (the fallback vote names it)

Revision ID: 0101
Revises: 0100
Create Date: 2026-11-26

Needs the elections branch (0200) for the foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0100"
branch_labels = None
depends_on = "0200"


def upgrade() -> None:
    with op.batch_alter_table("consensus_fallback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("election_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_consensus_fallback_election_id_election"),
            "election",
            ["election_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("consensus_fallback", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_consensus_fallback_election_id_election"), type_="foreignkey"
        )
        batch_op.drop_column("election_id")
