"""elections: an officer may cancel a vote (when, why and by whom)

Revision ID: 0201
Revises: 0200
Create Date: 2026-11-26

The state column is a VARCHAR(24) without a CHECK constraint (`voting.db.str_enum`), so the
new state `cancelled` needs no change to it; only the three columns are new.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db

revision = "0201"
down_revision = "0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancelled_at", voting.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_election_cancelled_by_id_account"),
            "account",
            ["cancelled_by_id"],
            ["id"],
        )


def downgrade() -> None:
    # A cancelled vote has no state to go back to: refuse rather than lose what happened.
    cancelled = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM election WHERE state = 'cancelled'"))
        .scalar_one()
    )
    if cancelled:
        raise RuntimeError(
            f"{cancelled} cancelled vote(s) exist; the schema before 0201 cannot hold them"
        )
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_election_cancelled_by_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
