"""consensus decisions: groups, proposals and versions, rounds, positions, answers,
reports, fallback votes and mail notices

Revision ID: 0100
Revises: 0002
Create Date: 2026-11-26

The consensus area's own migration branch (label "consensus"), starting from the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db

revision = "0100"
down_revision = "0002"
branch_labels = ("consensus",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consensus_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "board",
                "council",
                "branch-board",
                "working-group",
                "ad-hoc",
                name="groupkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column(
            "rule",
            sa.Enum(
                "consent",
                "consensus",
                "sense-check",
                name="decisionrule",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("live_positions", sa.Boolean(), nullable=False),
        sa.Column("min_participation", sa.Integer(), nullable=False),
        sa.Column("max_rounds", sa.Integer(), nullable=False),
        sa.Column(
            "fallback",
            sa.Enum("none", "open", "secret", name="fallbackmode", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("fallback_numerator", sa.Integer(), nullable=False),
        sa.Column("fallback_denominator", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "fallback_numerator >= 1 AND fallback_numerator < fallback_denominator",
            name=op.f("ck_consensus_group_threshold"),
        ),
        sa.CheckConstraint("max_rounds BETWEEN 1 AND 10", name=op.f("ck_consensus_group_rounds")),
        sa.CheckConstraint(
            "min_participation BETWEEN 0 AND 100", name=op.f("ck_consensus_group_participation")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_consensus_group_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_consensus_group_created_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_group")),
    )
    op.create_table(
        "consensus_notice",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_consensus_notice_account_id_account")
        ),
        sa.PrimaryKeyConstraint("subject", "account_id", "kind", name=op.f("pk_consensus_notice")),
    )
    op.create_table(
        "consensus_group_member",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("is_facilitator", sa.Boolean(), nullable=False),
        sa.Column("added_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_consensus_group_member_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["consensus_group.id"],
            name=op.f("fk_consensus_group_member_group_id_consensus_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "account_id", name=op.f("pk_consensus_group_member")),
    )
    op.create_table(
        "consensus_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "consent",
                "consensus",
                "sense-check",
                name="decisionrule",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("live_positions", sa.Boolean(), nullable=False),
        sa.Column("min_participation", sa.Integer(), nullable=False),
        sa.Column("max_rounds", sa.Integer(), nullable=False),
        sa.Column("round_days", sa.Integer(), nullable=False),
        sa.Column(
            "fallback",
            sa.Enum("none", "open", "secret", name="fallbackmode", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("fallback_numerator", sa.Integer(), nullable=False),
        sa.Column("fallback_denominator", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "consensus",
                "no-consensus",
                "adopted-by-vote",
                "rejected-by-vote",
                "advisory",
                "withdrawn",
                name="outcome",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("outcome_statement", sa.Text(), nullable=True),
        sa.Column("decided_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "fallback_numerator >= 1 AND fallback_numerator < fallback_denominator",
            name=op.f("ck_consensus_proposal_threshold"),
        ),
        sa.CheckConstraint(
            "max_rounds BETWEEN 1 AND 10", name=op.f("ck_consensus_proposal_rounds")
        ),
        sa.CheckConstraint(
            "min_participation BETWEEN 0 AND 100", name=op.f("ck_consensus_proposal_participation")
        ),
        sa.CheckConstraint(
            "round_days BETWEEN 1 AND 60", name=op.f("ck_consensus_proposal_round_days")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_proposal_created_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_proposal_decided_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["consensus_group.id"],
            name=op.f("fk_consensus_proposal_group_id_consensus_group"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_proposal")),
    )
    op.create_index(
        op.f("ix_consensus_proposal_group_id"), "consensus_proposal", ["group_id"], unique=False
    )
    op.create_table(
        "consensus_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("links_json", sa.Text(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_version_created_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["consensus_proposal.id"],
            name=op.f("fk_consensus_version_proposal_id_consensus_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_version")),
        sa.UniqueConstraint("proposal_id", "number", name=op.f("uq_consensus_version_proposal_id")),
    )
    op.create_table(
        "consensus_fallback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("none", "open", "secret", name="fallbackmode", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("opened_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("yes", sa.Integer(), nullable=True),
        sa.Column("no", sa.Integer(), nullable=True),
        sa.Column("abstain", sa.Integer(), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "numerator >= 1 AND numerator < denominator",
            name=op.f("ck_consensus_fallback_threshold"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["consensus_proposal.id"],
            name=op.f("fk_consensus_fallback_proposal_id_consensus_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["consensus_version.id"],
            name=op.f("fk_consensus_fallback_version_id_consensus_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_fallback")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_consensus_fallback_proposal_id")),
    )
    op.create_index(
        op.f("ix_consensus_fallback_deadline"), "consensus_fallback", ["deadline"], unique=False
    )
    op.create_table(
        "consensus_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "close_reason",
            sa.Enum(
                "deadline", "everyone-responded", name="closereason", native_enum=False, length=24
            ),
            nullable=True,
        ),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=True),
        sa.Column("counts_json", sa.Text(), nullable=True),
        sa.Column("consensus", sa.Boolean(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("summary_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["consensus_proposal.id"],
            name=op.f("fk_consensus_round_proposal_id_consensus_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["consensus_version.id"],
            name=op.f("fk_consensus_round_version_id_consensus_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_round")),
        sa.UniqueConstraint("proposal_id", "number", name=op.f("uq_consensus_round_proposal_id")),
    )
    op.create_index(
        op.f("ix_consensus_round_deadline"), "consensus_round", ["deadline"], unique=False
    )
    op.create_table(
        "consensus_fallback_voter",
        sa.Column("fallback_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("yes", "no", "abstain", name="fallbackchoice", native_enum=False, length=24),
            nullable=True,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cast_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_consensus_fallback_voter_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["fallback_id"],
            ["consensus_fallback.id"],
            name=op.f("fk_consensus_fallback_voter_fallback_id_consensus_fallback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "fallback_id", "account_id", name=op.f("pk_consensus_fallback_voter")
        ),
    )
    op.create_table(
        "consensus_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("responder_tag", sa.LargeBinary(length=32), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "agree",
                "concerns",
                "stand-aside",
                "object",
                "need-information",
                name="positionkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "hidden_rule",
            sa.Enum(
                "own-experience",
                "with-people",
                "address",
                "personal-data",
                name="conductrule",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "account_id IS NULL OR responder_tag IS NULL",
            name=op.f("ck_consensus_position_one_identity"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_consensus_position_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["carried_from_id"],
            ["consensus_position.id"],
            name=op.f("fk_consensus_position_carried_from_id_consensus_position"),
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_position_hidden_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["consensus_round.id"],
            name=op.f("fk_consensus_position_round_id_consensus_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_position")),
        sa.UniqueConstraint("round_id", "account_id", name=op.f("uq_consensus_position_account")),
        sa.UniqueConstraint("round_id", "responder_tag", name=op.f("uq_consensus_position_tag")),
    )
    op.create_index(
        op.f("ix_consensus_position_round_id"), "consensus_position", ["round_id"], unique=False
    )
    op.create_table(
        "consensus_round_key",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["consensus_round.id"],
            name=op.f("fk_consensus_round_key_round_id_consensus_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_consensus_round_key")),
    )
    op.create_table(
        "consensus_round_participant",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_consensus_round_participant_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["consensus_round.id"],
            name=op.f("fk_consensus_round_participant_round_id_consensus_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "account_id", name=op.f("pk_consensus_round_participant")
        ),
    )
    op.create_table(
        "consensus_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason_sha256", sa.String(length=64), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_answer_answered_by_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["consensus_position.id"],
            name=op.f("fk_consensus_answer_position_id_consensus_position"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_answer")),
        sa.UniqueConstraint("position_id", name=op.f("uq_consensus_answer_position_id")),
    )
    op.create_table(
        "consensus_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "resolution",
            sa.Enum("hidden", "kept", name="reportresolution", native_enum=False, length=24),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["consensus_position.id"],
            name=op.f("fk_consensus_report_position_id_consensus_position"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["account.id"], name=op.f("fk_consensus_report_reporter_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["account.id"],
            name=op.f("fk_consensus_report_resolved_by_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_report")),
        sa.UniqueConstraint(
            "position_id", "reporter_id", name=op.f("uq_consensus_report_position_id")
        ),
    )
    op.create_index(
        op.f("ix_consensus_report_position_id"), "consensus_report", ["position_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consensus_report_position_id"), table_name="consensus_report")
    op.drop_table("consensus_report")
    op.drop_table("consensus_answer")
    op.drop_table("consensus_round_participant")
    op.drop_table("consensus_round_key")
    op.drop_index(op.f("ix_consensus_position_round_id"), table_name="consensus_position")
    op.drop_table("consensus_position")
    op.drop_table("consensus_fallback_voter")
    op.drop_index(op.f("ix_consensus_round_deadline"), table_name="consensus_round")
    op.drop_table("consensus_round")
    op.drop_index(op.f("ix_consensus_fallback_deadline"), table_name="consensus_fallback")
    op.drop_table("consensus_fallback")
    op.drop_table("consensus_version")
    op.drop_index(op.f("ix_consensus_proposal_group_id"), table_name="consensus_proposal")
    op.drop_table("consensus_proposal")
    op.drop_table("consensus_group_member")
    op.drop_table("consensus_notice")
    op.drop_table("consensus_group")
