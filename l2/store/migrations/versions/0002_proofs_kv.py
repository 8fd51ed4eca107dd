"""Proofs per batch, and namespaced key/value rows for components with their own state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proofs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_number", sa.Integer(), sa.ForeignKey("batches.number"), nullable=False),
        sa.Column("proof", sa.LargeBinary(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_proofs_batch_number", "proofs", ["batch_number"])
    op.create_table(
        "kv",
        sa.Column("namespace", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kv")
    op.drop_table("proofs")
