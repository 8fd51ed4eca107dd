"""The simulated L1's SQL tables, on the node's metadata (``l2.store.models.Base``).

======================  ============================================================================
table                   holds
======================  ============================================================================
``l1_chain``            one row: chain id, slot length, gas price, gas limit, number of the open
                        block. Every L1 writer locks this row first, so L1 transactions are
                        serialized on PostgreSQL as well as on SQLite.
``l1_blocks``           number and timestamp of every block, the open one included
``l1_accounts``         balance and nonce per address, and for a contract the registry name of its
                        Python class
``l1_storage``          non-zero storage slots of the contracts
``l1_receipts``         one row per included transaction: sender, target, method, calldata, status,
                        the gas split (base, calldata, execution, refund, EIP-7623 floor) and the
                        revert reason
``l1_events``           events emitted by successful transactions, in emission order
======================  ============================================================================

The tables are created by the Alembic migration ``0003``; these models must describe the same
tables (the node's schema test compares them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from l2.store.models import Base
from l2.store.types import ADDRESS, HASH, U256

__all__ = [
    "L1ChainRow",
    "L1BlockRow",
    "L1AccountRow",
    "L1StorageRow",
    "L1ReceiptRow",
    "L1EventRow",
]


class L1ChainRow(Base):
    __tablename__ = "l1_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    slot_seconds: Mapped[int] = mapped_column(Integer)
    gas_price: Mapped[int] = mapped_column(U256)  # wei per gas, burned
    gas_limit: Mapped[int] = mapped_column(BigInteger)  # block gas limit = largest transaction gas limit
    head: Mapped[int] = mapped_column(Integer)  # number of the open block, the one transactions go into
    created_at: Mapped[float] = mapped_column(Float)


class L1BlockRow(Base):
    __tablename__ = "l1_blocks"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class L1AccountRow(Base):
    __tablename__ = "l1_accounts"

    address: Mapped[str] = mapped_column(ADDRESS(), primary_key=True)
    balance: Mapped[int] = mapped_column(U256)
    nonce: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str | None] = mapped_column(String(64), nullable=True)  # registry name of the class


class L1StorageRow(Base):
    __tablename__ = "l1_storage"

    address: Mapped[str] = mapped_column(ADDRESS(), primary_key=True)
    slot: Mapped[int] = mapped_column(U256, primary_key=True)
    value: Mapped[int] = mapped_column(U256)


class L1ReceiptRow(Base):
    __tablename__ = "l1_receipts"
    __table_args__ = (Index("ix_l1_receipts_block", "block_number", "position"),)

    tx_hash: Mapped[str] = mapped_column(HASH(), primary_key=True)
    block_number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # index of the transaction in its block
    sender: Mapped[str] = mapped_column(ADDRESS())
    nonce: Mapped[int] = mapped_column(BigInteger)
    to: Mapped[str | None] = mapped_column(ADDRESS(), nullable=True)  # None for a deployment
    contract_address: Mapped[str | None] = mapped_column(ADDRESS(), nullable=True)
    method: Mapped[str | None] = mapped_column(String(128), nullable=True)
    value: Mapped[int] = mapped_column(U256)
    calldata: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[int] = mapped_column(Integer)  # 1 success, 0 failure
    gas_limit: Mapped[int] = mapped_column(BigInteger)
    gas_used: Mapped[int] = mapped_column(BigInteger)
    base_gas: Mapped[int] = mapped_column(BigInteger)
    calldata_gas: Mapped[int] = mapped_column(BigInteger)
    execution_gas: Mapped[int] = mapped_column(BigInteger)
    refund: Mapped[int] = mapped_column(BigInteger)
    floor_gas: Mapped[int] = mapped_column(BigInteger)
    gas_price: Mapped[int] = mapped_column(U256)
    gas_by_category: Mapped[dict[str, Any]] = mapped_column(JSON)
    revert_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class L1EventRow(Base):
    __tablename__ = "l1_events"
    __table_args__ = (
        Index("ix_l1_events_address_name_block", "address", "name", "block_number"),
        Index("ix_l1_events_block", "block_number"),
        Index("ix_l1_events_tx_hash", "tx_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # emission order
    block_number: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = mapped_column(HASH())
    log_index: Mapped[int] = mapped_column(Integer)  # index of the event in its transaction
    address: Mapped[str] = mapped_column(ADDRESS())
    name: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
