"""elections: cast ballots are stored without compression attempts

Revision ID: 0202
Revises: 0201
Create Date: 2026-11-26

The encrypted ballot (50-70 kB of base64, which does not compress); see
`voting.migrations.set_storage`.
"""

from __future__ import annotations

from voting.migrations import set_storage

revision = "0202"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    set_storage("cast_ballot", "body", compressed=False)


def downgrade() -> None:
    set_storage("cast_ballot", "body", compressed=True)
