"""audit logs (entries and signed heads, append-only) and the service's signing keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Areas (elections, consensus, Q&A) start their own migration branches from here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db
from voting.migrations import drop_append_only, make_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "audit_log_entry",
        sa.Column("log_id", sa.String(length=64), nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["audit_log.id"], name=op.f("fk_audit_log_entry_log_id_audit_log")
        ),
        sa.PrimaryKeyConstraint("log_id", "index", name=op.f("pk_audit_log_entry")),
    )
    op.create_table(
        "audit_log_head",
        sa.Column("log_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("head", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_id"], ["audit_log.id"], name=op.f("fk_audit_log_head_log_id_audit_log")
        ),
        sa.PrimaryKeyConstraint("log_id", "seq", name=op.f("pk_audit_log_head")),
    )
    make_append_only("audit_log_entry")
    make_append_only("audit_log_head")
    op.create_table(
        "service_key",
        sa.Column("purpose", sa.String(length=80), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed_seed", sa.LargeBinary(length=80), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_service_key")),
    )


def downgrade() -> None:
    op.drop_table("service_key")
    drop_append_only("audit_log_head")
    drop_append_only("audit_log_entry")
    op.drop_table("audit_log_head")
    op.drop_table("audit_log_entry")
    op.drop_table("audit_log")
