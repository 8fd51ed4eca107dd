"""The L1 deposits each batch credits, applied before its transactions.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # [[id, recipient 0x-hex, amount as a decimal string], ...]; batches sealed before have none
    # SQLite adds a NOT NULL column with a constant default in place (no table rebuild)
    op.add_column("batches", sa.Column("deposits", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    op.drop_column("batches", "deposits")
