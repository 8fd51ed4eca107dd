"""Initial schema: chain, world state, transactions, batches and per-batch state changes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_LIVE_TX = "status != 'skipped'"


def upgrade() -> None:
    op.create_table(
        "chain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("genesis_root", sa.String(66), nullable=False),
        sa.Column("head", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.String(78), nullable=False),
        sa.Column("code_hash", sa.String(66), nullable=False),
    )
    op.create_table(
        "code",
        sa.Column("code_hash", sa.String(66), primary_key=True),
        sa.Column("code", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "storage",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("slot", sa.String(78), primary_key=True),
        sa.Column("value", sa.String(78), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("parent", sa.Integer(), sa.ForeignKey("batches.number"), nullable=True),
        sa.Column("prev_state_root", sa.String(66), nullable=False),
        sa.Column("state_root", sa.String(66), nullable=False),
        sa.Column("tx_hashes", sa.JSON(), nullable=False),
        sa.Column("tx_count", sa.Integer(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.Column("steps", sa.BigInteger(), nullable=False),
        sa.Column("trace_stats", sa.JSON(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("base_fee", sa.String(78), nullable=False),
        sa.Column("coinbase", sa.String(42), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("sealed_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("hash", sa.String(66), nullable=False, unique=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("tx_type", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("to", sa.String(42), nullable=True),
        sa.Column("value", sa.String(78), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(78), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.String(78), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("batch_number", sa.Integer(), sa.ForeignKey("batches.number"), nullable=True),
        sa.Column("batch_index", sa.Integer(), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.Float(), nullable=False),
    )
    op.create_index(
        "ux_transactions_sender_nonce_live",
        "transactions",
        ["sender", "nonce"],
        unique=True,
        sqlite_where=sa.text(_LIVE_TX),
        postgresql_where=sa.text(_LIVE_TX),
    )
    op.create_index("ix_transactions_status_sender_nonce", "transactions", ["status", "sender", "nonce"])
    op.create_index("ix_transactions_batch", "transactions", ["batch_number", "batch_index"])
    op.create_table(
        "state_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_number", sa.Integer(), sa.ForeignKey("batches.number"), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("slot", sa.String(78), nullable=True),
        sa.Column("old", sa.String(78), nullable=False),
        sa.Column("new", sa.String(78), nullable=False),
    )
    op.create_index("ix_state_changes_batch_number", "state_changes", ["batch_number"])


def downgrade() -> None:
    op.drop_table("state_changes")
    op.drop_table("transactions")
    op.drop_table("batches")
    op.drop_table("storage")
    op.drop_table("code")
    op.drop_table("accounts")
    op.drop_table("chain")
