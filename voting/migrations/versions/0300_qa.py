"""candidate Q&A: the Q&A of an election, candidates, photos, questions, appeals, answers,
upvotes and reports; and the moderation log

Revision ID: 0300
Revises: 0002
Depends on: 0200 (candidates, questions and options refer to elections)
Create Date: 2026-11-26

The Q&A area's own migration branch (label "qa"), starting from the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db

revision = "0300"
down_revision = "0002"
branch_labels = ("qa",)
depends_on = ("0200",)


def upgrade() -> None:
    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "approved",
                "rejected",
                "appeal-upheld",
                "appeal-granted",
                "shortlisted",
                "unshortlisted",
                "hidden",
                "kept",
                name="actionkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column(
            "clause",
            sa.Enum(
                "own-experience",
                "with-people",
                "address",
                "personal-data",
                name="clause",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["account.id"], name=op.f("fk_moderation_action_moderator_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_action")),
    )
    op.create_index(
        op.f("ix_moderation_action_scope"), "moderation_action", ["scope"], unique=False
    )

    op.create_table(
        "qa",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("opens_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("continues_into_meeting", sa.Boolean(), nullable=False),
        sa.Column("max_pending", sa.Integer(), nullable=False),
        sa.Column("max_questions", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("max_pending BETWEEN 1 AND 20", name=op.f("ck_qa_max_pending")),
        sa.CheckConstraint("max_questions BETWEEN 1 AND 100", name=op.f("ck_qa_max_questions")),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_qa_period")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_qa_created_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["election.id"], name=op.f("fk_qa_election_id_election")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa")),
        sa.UniqueConstraint("election_id", name=op.f("uq_qa_election_id")),
    )
    op.create_table(
        "qa_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("name_skeleton", sa.String(length=400), nullable=False),
        sa.Column("pronouns", sa.String(length=40), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("experience", sa.Text(), nullable=False),
        sa.Column("links_json", sa.Text(), nullable=False),
        sa.Column("admitted_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("admitted_by_id", sa.Integer(), nullable=True),
        sa.Column("profile_updated_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_qa_candidate_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["admitted_by_id"], ["account.id"], name=op.f("fk_qa_candidate_admitted_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["election.id"], name=op.f("fk_qa_candidate_election_id_election")
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["election_option.id"],
            name=op.f("fk_qa_candidate_option_id_election_option"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["election_question.id"],
            name=op.f("fk_qa_candidate_question_id_election_question"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_candidate")),
        sa.UniqueConstraint("election_id", "account_id", name="uq_qa_candidate_account"),
    )
    op.create_index(
        op.f("ix_qa_candidate_account_id"), "qa_candidate", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_qa_candidate_election_id"), "qa_candidate", ["election_id"], unique=False
    )
    op.create_index(
        op.f("ix_qa_candidate_name_skeleton"), "qa_candidate", ["name_skeleton"], unique=False
    )

    op.create_table(
        "qa_photo",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["qa_candidate.id"],
            name=op.f("fk_qa_photo_candidate_id_qa_candidate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_qa_photo")),
    )
    op.create_table(
        "qa_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("qa_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "withdrawn",
                name="questionstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("moderated_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "clause",
            sa.Enum(
                "own-experience",
                "with-people",
                "address",
                "personal-data",
                name="clause",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("shortlisted_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "hidden_clause",
            sa.Enum(
                "own-experience",
                "with-people",
                "address",
                "personal-data",
                name="clause",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.Column("shown_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discussed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"], ["account.id"], name=op.f("fk_qa_question_asker_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["qa_candidate.id"],
            name=op.f("fk_qa_question_candidate_id_qa_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["account.id"], name=op.f("fk_qa_question_hidden_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"], ["account.id"], name=op.f("fk_qa_question_moderated_by_id_account")
        ),
        sa.ForeignKeyConstraint(["qa_id"], ["qa.id"], name=op.f("fk_qa_question_qa_id_qa")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_question")),
    )
    op.create_index(op.f("ix_qa_question_asker_id"), "qa_question", ["asker_id"], unique=False)
    op.create_index(
        op.f("ix_qa_question_candidate_id"), "qa_question", ["candidate_id"], unique=False
    )
    op.create_index(op.f("ix_qa_question_qa_id"), "qa_question", ["qa_id"], unique=False)
    op.create_index(op.f("ix_qa_question_state"), "qa_question", ["state"], unique=False)
    op.create_index(
        "uq_qa_question_on_screen",
        "qa_question",
        ["qa_id"],
        unique=True,
        sqlite_where=sa.text("shown_at IS NOT NULL AND discussed_at IS NULL"),
        postgresql_where=sa.text("shown_at IS NOT NULL AND discussed_at IS NULL"),
    )

    op.create_table(
        "qa_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "hidden_clause",
            sa.Enum(
                "own-experience",
                "with-people",
                "address",
                "personal-data",
                name="clause",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["qa_candidate.id"],
            name=op.f("fk_qa_answer_candidate_id_qa_candidate"),
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["account.id"], name=op.f("fk_qa_answer_hidden_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["qa_question.id"], name=op.f("fk_qa_answer_question_id_qa_question")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_answer")),
        sa.UniqueConstraint("question_id", "candidate_id", name="uq_qa_answer_candidate"),
    )
    op.create_index(op.f("ix_qa_answer_candidate_id"), "qa_answer", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_qa_answer_question_id"), "qa_answer", ["question_id"], unique=False)

    op.create_table(
        "qa_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("granted", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["account.id"], name=op.f("fk_qa_appeal_decided_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["qa_question.id"], name=op.f("fk_qa_appeal_question_id_qa_question")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_appeal")),
        sa.UniqueConstraint("question_id", name=op.f("uq_qa_appeal_question_id")),
    )
    op.create_table(
        "qa_upvote",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_qa_upvote_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["qa_question.id"],
            name=op.f("fk_qa_upvote_question_id_qa_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "account_id", name=op.f("pk_qa_upvote")),
    )
    op.create_table(
        "qa_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
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
            ["answer_id"], ["qa_answer.id"], name=op.f("fk_qa_report_answer_id_qa_answer")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["qa_question.id"], name=op.f("fk_qa_report_question_id_qa_question")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["account.id"], name=op.f("fk_qa_report_reporter_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["account.id"], name=op.f("fk_qa_report_resolved_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_report")),
        sa.UniqueConstraint("answer_id", "reporter_id", name="uq_qa_report_answer"),
    )
    op.create_index(op.f("ix_qa_report_question_id"), "qa_report", ["question_id"], unique=False)
    op.create_index(
        "uq_qa_report_question",
        "qa_report",
        ["question_id", "reporter_id"],
        unique=True,
        sqlite_where=sa.text("answer_id IS NULL"),
        postgresql_where=sa.text("answer_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_qa_report_question",
        table_name="qa_report",
        sqlite_where=sa.text("answer_id IS NULL"),
        postgresql_where=sa.text("answer_id IS NULL"),
    )
    op.drop_index(op.f("ix_qa_report_question_id"), table_name="qa_report")

    op.drop_table("qa_report")
    op.drop_table("qa_upvote")
    op.drop_table("qa_appeal")
    op.drop_index(op.f("ix_qa_answer_question_id"), table_name="qa_answer")
    op.drop_index(op.f("ix_qa_answer_candidate_id"), table_name="qa_answer")

    op.drop_table("qa_answer")
    op.drop_index(
        "uq_qa_question_on_screen",
        table_name="qa_question",
        sqlite_where=sa.text("shown_at IS NOT NULL AND discussed_at IS NULL"),
        postgresql_where=sa.text("shown_at IS NOT NULL AND discussed_at IS NULL"),
    )
    op.drop_index(op.f("ix_qa_question_state"), table_name="qa_question")
    op.drop_index(op.f("ix_qa_question_qa_id"), table_name="qa_question")
    op.drop_index(op.f("ix_qa_question_candidate_id"), table_name="qa_question")
    op.drop_index(op.f("ix_qa_question_asker_id"), table_name="qa_question")

    op.drop_table("qa_question")
    op.drop_table("qa_photo")
    op.drop_index(op.f("ix_qa_candidate_name_skeleton"), table_name="qa_candidate")
    op.drop_index(op.f("ix_qa_candidate_election_id"), table_name="qa_candidate")
    op.drop_index(op.f("ix_qa_candidate_account_id"), table_name="qa_candidate")

    op.drop_table("qa_candidate")
    op.drop_table("qa")
    op.drop_index(op.f("ix_moderation_action_scope"), table_name="moderation_action")

    op.drop_table("moderation_action")
