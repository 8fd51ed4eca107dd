"""The simulated L1: chain row, blocks, accounts, contract storage, receipts and events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "l1_chain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("slot_seconds", sa.Integer(), nullable=False),
        sa.Column("gas_price", sa.String(78), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "l1_blocks",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "l1_accounts",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("balance", sa.String(78), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("contract", sa.String(64), nullable=True),
    )
    op.create_table(
        "l1_storage",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("slot", sa.String(78), primary_key=True),
        sa.Column("value", sa.String(78), nullable=False),
    )
    op.create_table(
        "l1_receipts",
        sa.Column("tx_hash", sa.String(66), primary_key=True),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("to", sa.String(42), nullable=True),
        sa.Column("contract_address", sa.String(42), nullable=True),
        sa.Column("method", sa.String(128), nullable=True),
        sa.Column("value", sa.String(78), nullable=False),
        sa.Column("calldata", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.Column("base_gas", sa.BigInteger(), nullable=False),
        sa.Column("calldata_gas", sa.BigInteger(), nullable=False),
        sa.Column("execution_gas", sa.BigInteger(), nullable=False),
        sa.Column("refund", sa.BigInteger(), nullable=False),
        sa.Column("floor_gas", sa.BigInteger(), nullable=False),
        sa.Column("gas_price", sa.String(78), nullable=False),
        sa.Column("gas_by_category", sa.JSON(), nullable=False),
        sa.Column("revert_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_l1_receipts_block", "l1_receipts", ["block_number", "position"])
    op.create_table(
        "l1_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
    )
    op.create_index("ix_l1_events_address_name_block", "l1_events", ["address", "name", "block_number"])
    op.create_index("ix_l1_events_block", "l1_events", ["block_number"])
    op.create_index("ix_l1_events_tx_hash", "l1_events", ["tx_hash"])


def downgrade() -> None:
    op.drop_table("l1_events")
    op.drop_table("l1_receipts")
    op.drop_table("l1_storage")
    op.drop_table("l1_accounts")
    op.drop_table("l1_blocks")
    op.drop_table("l1_chain")
