"""audit log: entries are stored without compression attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

A ballot's log entry holds its encrypted ballot (50-70 kB of base64, which does not
compress); see `voting.migrations.set_storage`.
"""

from __future__ import annotations

from voting.migrations import set_storage

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    set_storage("audit_log_entry", "entry", compressed=False)


def downgrade() -> None:
    set_storage("audit_log_entry", "entry", compressed=True)
