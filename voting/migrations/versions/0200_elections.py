"""elections: meetings, elections, questions, trustees, the ceremony, voters, ballots, shares

Revision ID: 0200
Revises: 0002
Create Date: 2026-11-26 02:25:04.264678
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import voting.db

revision = "0200"
down_revision = "0002"
branch_labels = ("elections",)
depends_on = None


def upgrade() -> None:

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_meeting_created_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    op.create_table(
        "election",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "ceremony",
                "ready",
                "open",
                "closed",
                "decrypted",
                "published",
                name="electionstate",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("opens_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "electorate_kind",
            sa.Enum(
                "all-members",
                "branch",
                "council",
                "listed",
                name="electoratekind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("electorate_branch_id", sa.Integer(), nullable=True),
        sa.Column("electorate_cutoff", sa.Date(), nullable=False),
        sa.Column("require_second_factor", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_json", sa.Text(), nullable=True),
        sa.Column("election_json", sa.Text(), nullable=True),
        sa.Column("electorate_size", sa.Integer(), nullable=True),
        sa.Column("opened_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tally_json", sa.Text(), nullable=True),
        sa.Column("closing_root", sa.String(length=64), nullable=True),
        sa.Column("closing_size", sa.Integer(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("decrypted_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pseudonym_key", sa.LargeBinary(length=80), nullable=True),
        sa.Column(
            "pseudonym_key_destroyed_at", voting.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("appeal_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_election_created_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["electorate_branch_id"],
            ["branch.id"],
            name=op.f("fk_election_electorate_branch_id_branch"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_election_meeting_id_meeting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election")),
        sa.UniqueConstraint("slug", name=op.f("uq_election_slug")),
    )
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_election_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "cast_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("cast_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_by_index", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_cast_ballot_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cast_ballot")),
        sa.UniqueConstraint("election_id", "log_index", name="uq_cast_ballot_log_index"),
        sa.UniqueConstraint("election_id", "tracking_code", name="uq_cast_ballot_tracking_code"),
    )
    with op.batch_alter_table("cast_ballot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cast_ballot_election_id"), ["election_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cast_ballot_pseudonym"), ["pseudonym"], unique=False)
        batch_op.create_index(
            "uq_cast_ballot_current",
            ["election_id", "pseudonym"],
            unique=True,
            sqlite_where=sa.text("superseded_by_index IS NULL"),
            postgresql_where=sa.text("superseded_by_index IS NULL"),
        )

    op.create_table(
        "ceremony_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "announcement",
                "share",
                "complaint",
                "answer",
                name="ceremonymessagekind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sender", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_ceremony_message_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ceremony_message")),
        sa.UniqueConstraint(
            "election_id",
            "kind",
            "sender",
            "recipient",
            name=op.f("uq_ceremony_message_election_id"),
        ),
    )
    with op.batch_alter_table("ceremony_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ceremony_message_election_id"), ["election_id"], unique=False
        )

    op.create_table(
        "decryption_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("trustee_index", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", voting.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_decryption_share_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decryption_share")),
        sa.UniqueConstraint(
            "election_id", "trustee_index", name=op.f("uq_decryption_share_election_id")
        ),
    )
    with op.batch_alter_table("decryption_share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decryption_share_election_id"), ["election_id"], unique=False
        )

    op.create_table(
        "election_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "motion",
                "amendment",
                "budget-line",
                "multiple-choice",
                "approval",
                name="questionkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("amends_paragraph", sa.Integer(), nullable=True),
        sa.Column("rule_json", sa.Text(), nullable=False),
        sa.Column("min_selections", sa.Integer(), nullable=False),
        sa.Column("max_selections", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["election_question.id"],
            name=op.f("fk_election_question_amends_id_election_question"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_election_question_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_question")),
    )
    with op.batch_alter_table("election_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_election_question_election_id"), ["election_id"], unique=False
        )

    op.create_table(
        "seen_ciphertext",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=66), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_seen_ciphertext_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("election_id", "key", name=op.f("pk_seen_ciphertext")),
    )
    op.create_table(
        "trustee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("announced_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dealt_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disqualified_at", voting.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_trustee_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_trustee_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trustee")),
        sa.UniqueConstraint("election_id", "account_id", name="uq_trustee_account"),
        sa.UniqueConstraint("election_id", "index", name="uq_trustee_seat"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_trustee_token_hash")),
    )
    with op.batch_alter_table("trustee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trustee_election_id"), ["election_id"], unique=False)

    op.create_table(
        "electorate_listing",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_electorate_listing_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_electorate_listing_member_id_member")
        ),
        sa.PrimaryKeyConstraint("election_id", "member_id", name=op.f("pk_electorate_listing")),
    )
    op.create_table(
        "voter",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
            name=op.f("fk_voter_election_id_election"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_voter_member_id_member")
        ),
        sa.PrimaryKeyConstraint("election_id", "member_id", name=op.f("pk_voter")),
    )
    op.create_table(
        "election_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["election_question.id"],
            name=op.f("fk_election_option_question_id_election_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_option")),
        sa.UniqueConstraint("question_id", "key", name=op.f("uq_election_option_question_id")),
    )
    with op.batch_alter_table("election_option", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_election_option_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("election_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_option_question_id"))

    op.drop_table("election_option")
    op.drop_table("voter")
    op.drop_table("electorate_listing")
    with op.batch_alter_table("trustee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trustee_election_id"))

    op.drop_table("trustee")
    op.drop_table("seen_ciphertext")
    with op.batch_alter_table("election_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_question_election_id"))

    op.drop_table("election_question")
    with op.batch_alter_table("decryption_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decryption_share_election_id"))

    op.drop_table("decryption_share")
    with op.batch_alter_table("ceremony_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ceremony_message_election_id"))

    op.drop_table("ceremony_message")
    with op.batch_alter_table("cast_ballot", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cast_ballot_current",
            sqlite_where=sa.text("superseded_by_index IS NULL"),
            postgresql_where=sa.text("superseded_by_index IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_cast_ballot_pseudonym"))
        batch_op.drop_index(batch_op.f("ix_cast_ballot_election_id"))

    op.drop_table("cast_ballot")
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_meeting_id"))

    op.drop_table("election")
    op.drop_table("meeting")
