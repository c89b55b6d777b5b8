"""audit logs keep their Merkle frontier, so a new head's root needs no leaf reads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Nullable: a log written before this revision gets its frontier from its leaves on its next
append (voting.auditlog.SQLLogStore).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frontier", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("frontier")
