"""foundation: members, accounts, sessions, events

Revision ID: 0001
Revises:
Create Date: 2026-11-26 01:32:45.061385
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db
from voting.migrations import drop_append_only, make_append_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branch")),
        sa.UniqueConstraint("code", name=op.f("uq_branch_code")),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_skeleton", sa.String(length=400), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active", "suspended", "ended", name="memberstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("member_since", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_member_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("email", name=op.f("uq_member_email")),
        sa.UniqueConstraint("number", name=op.f("uq_member_number")),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_name_skeleton", ["name_skeleton"], unique=False)

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("password_changed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("disabled_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("totp_secret", sa.LargeBinary(length=200), nullable=True),
        sa.Column("totp_pending_secret", sa.LargeBinary(length=200), nullable=True),
        sa.Column("totp_enabled_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("totp_failures", sa.Integer(), nullable=False),
        sa.Column("totp_locked_until", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_account_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("member_id", name=op.f("uq_account_member_id")),
    )
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("invitation", "reset", name="tokenpurpose", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_token_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_token_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("second_factor_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_auth_session_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_session_token_hash")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_session_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["account.id"], name=op.f("fk_event_actor_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_subject"), ["subject"], unique=False)
    make_append_only("event")

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["account.id"], name=op.f("fk_import_batch_uploaded_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_recovery_code_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_recovery_code_code_hash")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recovery_code_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "candidate",
                "moderator",
                "trustee",
                "officer",
                "admin",
                name="role",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_role_grant_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_role_grant_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["account.id"], name=op.f("fk_role_grant_granted_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
        sa.UniqueConstraint(
            "account_id", "role", "branch_id", name=op.f("uq_role_grant_account_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("role_grant")
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_account_id"))

    op.drop_table("recovery_code")
    op.drop_table("import_batch")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_subject"))
        batch_op.drop_index(batch_op.f("ix_event_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_event_action"))

    drop_append_only("event")
    op.drop_table("event")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_account_id"))

    op.drop_table("auth_session")
    with op.batch_alter_table("account_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_token_account_id"))

    op.drop_table("account_token")
    op.drop_table("account")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_name_skeleton")

    op.drop_table("member")
    op.drop_table("branch")
